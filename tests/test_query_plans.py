"""Every filter and sort of the case-study list can use an index (checked in the query plan)."""

import datetime

import pytest
from django.db import connection, transaction
from django.http import QueryDict

from cases.filters import CaseStudyFilter
from cases.models import CaseChallenge, CaseOrganization, CaseStudy, Status
from tests.factories import make_challenge, make_country, make_objective, make_organization

pytestmark = pytest.mark.django_db

# Each filter or sort, and the index (by a part of its name) its query must be able to use.
# (Sorting by end date puts ongoing missions, which have none, last; that ordering is not
# index-backed on SQLite, whose indexes keep NULLs first.)
SCENARIOS = [
    ("", "status_reading"),
    ("depth=facts", "status_depth"),
    ("region=europe", "casestudy_facets"),
    ("mandate_type=enforcement", "status_mandate"),
    ("outcome=ongoing", "status_outcome"),
    ("organization=un", "organization_id"),
    ("country=sl", "country_id"),
    ("challenge=host-state-consent", "casechallenge_by_challenge"),
    ("objective=ddr", "objective_id"),
    ("start_after=2000", "status_start"),
    ("start_before=1951", "status_start"),
    ("ongoing=true", "status_end"),
    ("sort=-start", "status_start"),
    ("sort=-strength", "status_peak"),
    ("sort=-deployed_strength", "status_deployed"),
    ("sort=deployed_strength", "status_deployed"),
    ("sort=-fatalities", "status_fatal"),
    ("sort=-updated", "updated"),
    ("sort=title", "status_title"),
]


ROWS = 3000


@pytest.fixture(scope="module")
def casebook(django_db_setup, django_db_blocker):
    """A skewed casebook: each filter value under test is rare, so only its index pays off."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_casebook()
        yield
        transaction.set_rollback(True)


def build_casebook():
    common, rare = make_organization("au"), make_organization("un")
    consent, ddr, sl = make_challenge(), make_objective(), make_country()
    other_challenge = make_challenge("asymmetric-threats")
    other_objective = make_objective("elections")
    other_country = make_country("SO", "Somalia")
    cases = CaseStudy.objects.bulk_create(
        CaseStudy(
            title=f"Mission {n:05}",
            slug=f"mission-{n}",
            mission_name=f"Mission {n}",
            region="europe" if n % 100 == 0 else "africa",
            mandate_type="enforcement" if n % 100 == 0 else "multidimensional",
            outcome="ongoing" if n % 100 == 0 else "completed",
            start_date=datetime.date(2005, 1, 1) if n % 100 == 0 else datetime.date(1951 + n % 50, 1, 1),
            end_date=None if n % 100 == 0 else datetime.date(2004, 1, 1),
            peak_authorised_strength=n,
            peak_deployed_strength=n,
            depth="facts" if n % 100 == 0 else "full",
            summary="S.",
            body="B.",
            status=Status.DRAFT if n % 10 == 5 else Status.PUBLISHED,
        )
        for n in range(ROWS)
    )
    rare_ones = [case for n, case in enumerate(cases) if n % 100 == 0]
    CaseOrganization.objects.bulk_create(
        CaseOrganization(case_study=case, organization=rare if case in rare_ones else common) for case in cases
    )
    CaseChallenge.objects.bulk_create(
        CaseChallenge(case_study=case, challenge=consent if case in rare_ones else other_challenge, description="D.")
        for case in cases
    )
    CaseStudy.objectives.through.objects.bulk_create(
        CaseStudy.objectives.through(casestudy=case, objective=ddr if case in rare_ones else other_objective)
        for case in cases
    )
    CaseStudy.countries.through.objects.bulk_create(
        CaseStudy.countries.through(casestudy=case, country=sl if case in rare_ones else other_country)
        for case in cases
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.mark.parametrize(("query", "index"), SCENARIOS)
def test_filtered_and_sorted_list_uses_indexes(casebook, db, query, index):
    queryset = CaseStudyFilter(QueryDict(query), queryset=CaseStudy.objects.published()).qs
    if not query.startswith("sort=") and query:
        # A filter is checked on its own: without the ordering, which another index may serve.
        queryset = queryset.order_by()
    else:
        # A sort is checked as the page runs it: for one page of rows.
        queryset = queryset[:20]
    if connection.vendor == "postgresql":
        # Small test tables make a sequential scan cheap; forbid it to see which index serves the query.
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
    plan = queryset.explain()
    assert index in plan, plan


def test_facet_counts_read_the_facet_index_by_case_study(casebook, db):
    from cases import facet_index

    facet_index.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    filterset = CaseStudyFilter(QueryDict("organization=un&region=europe"), queryset=CaseStudy.objects.published())
    filterset.form.is_valid()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
    plan = filterset.facet_count_query().explain()
    # The unique constraint's index, as each database names it; never a scan of the whole table.
    assert "casestudyfacet_unique" in plan or "autoindex_cases_casestudyfacet" in plan, plan
    assert "SCAN cases_casestudyfacet" not in plan and "Seq Scan on cases_casestudyfacet" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings")
def test_postgresql_connections_bring_the_planner_settings_a_stock_server_lacks(db):
    # The server keeps its defaults (random_page_cost 4, JIT on): the application's connections
    # set what its queries need, so operators change nothing on the server.
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
