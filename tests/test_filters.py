import datetime

import pytest
from django.urls import reverse

from cases.models import Status
from tests.factories import (
    add_strength,
    make_case,
    make_challenge,
    make_country,
    make_objective,
    make_organization,
    make_source,
)

pytestmark = pytest.mark.django_db

LIST = reverse("cases:list")


@pytest.fixture
def casebook():
    un, nato, au = make_organization("un"), make_organization("nato"), make_organization("au")
    sl, xk, so = (
        make_country("SL", "Sierra Leone"),
        make_country("XK", "Kosovo", "europe"),
        make_country("SO", "Somalia"),
    )
    consent, threats = make_challenge("host-state-consent"), make_challenge("asymmetric-threats")
    ddr, poc = make_objective("ddr"), make_objective("protection-of-civilians")
    source = make_source()
    cases = {
        "unamsil": make_case(
            "sierra-leone-unamsil",
            title="Sierra Leone (UNAMSIL)",
            organizations=[un, (au, "partner")],
            countries=[sl],
            challenges=[consent],
            objectives=[ddr, poc],
            start_date=datetime.date(1999, 10, 22),
            end_date=datetime.date(2005, 12, 31),
            outcome="transitioned",
        ),
        "kfor": make_case(
            "kosovo-kfor",
            title="Kosovo (KFOR)",
            region="europe",
            organizations=[nato, (un, "authorising")],
            countries=[xk],
            challenges=[consent, threats],
            objectives=[poc],
            mandate_type="enforcement",
            start_date=datetime.date(1999, 6, 12),
            end_date=None,
            outcome="ongoing",
        ),
        "amisom": make_case(
            "somalia-amisom",
            title="Somalia (AMISOM)",
            organizations=[au, (un, "authorising")],
            countries=[so],
            challenges=[threats],
            mandate_type="enforcement",
            depth="summary",
            start_date=datetime.date(2007, 1, 19),
            end_date=datetime.date(2022, 3, 31),
            outcome="transitioned",
        ),
    }
    add_strength(cases["unamsil"], 17500, source)
    add_strength(cases["amisom"], 22126, source)
    make_case("draft-mission", title="Draft mission", organizations=[un], status=Status.DRAFT)
    return cases


def titles(client, query=""):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return [case.title for case in response.context["object_list"]]


def test_unfiltered_list_shows_published_cases_in_title_order(client, casebook):
    assert titles(client) == ["Kosovo (KFOR)", "Sierra Leone (UNAMSIL)", "Somalia (AMISOM)"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("organization=nato", ["Kosovo (KFOR)"]),
        ("organization=au", ["Somalia (AMISOM)"]),
        ("organization=un", ["Sierra Leone (UNAMSIL)"]),
        ("region=europe", ["Kosovo (KFOR)"]),
        ("country=sl", ["Sierra Leone (UNAMSIL)"]),
        ("country=SL", ["Sierra Leone (UNAMSIL)"]),
        ("challenge=asymmetric-threats", ["Kosovo (KFOR)", "Somalia (AMISOM)"]),
        ("objective=ddr", ["Sierra Leone (UNAMSIL)"]),
        ("mandate_type=enforcement", ["Kosovo (KFOR)", "Somalia (AMISOM)"]),
        ("outcome=ongoing", ["Kosovo (KFOR)"]),
        ("active_in=2006", ["Kosovo (KFOR)"]),
        ("active_in=2007", ["Kosovo (KFOR)", "Somalia (AMISOM)"]),
        ("active_in=2005", ["Kosovo (KFOR)", "Sierra Leone (UNAMSIL)"]),
        ("start_after=2000", ["Somalia (AMISOM)"]),
        ("start_before=1999", ["Kosovo (KFOR)", "Sierra Leone (UNAMSIL)"]),
        ("ongoing=true", ["Kosovo (KFOR)"]),
        ("ongoing=false", ["Sierra Leone (UNAMSIL)", "Somalia (AMISOM)"]),
        ("q=somalia", ["Somalia (AMISOM)"]),
        ("q=KFOR", ["Kosovo (KFOR)"]),
    ],
)
def test_each_filter_alone(client, casebook, query, expected):
    assert titles(client, query) == expected


def test_active_in_the_current_year_includes_ongoing_missions(client, casebook):
    assert titles(client, f"active_in={datetime.date.today().year}") == ["Kosovo (KFOR)"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("organization=un&organization=nato", ["Kosovo (KFOR)", "Sierra Leone (UNAMSIL)"]),
        (
            "challenge=host-state-consent&challenge=asymmetric-threats",
            ["Kosovo (KFOR)", "Sierra Leone (UNAMSIL)", "Somalia (AMISOM)"],
        ),
        ("organization=un&organization_role=authorising&region=africa&mandate_type=enforcement", ["Somalia (AMISOM)"]),
        (
            "organization=au&organization_role=partner&challenge=host-state-consent&active_in=2000",
            ["Sierra Leone (UNAMSIL)"],
        ),
        ("region=africa&region=europe&ongoing=false&start_after=1999", ["Sierra Leone (UNAMSIL)", "Somalia (AMISOM)"]),
        ("country=so&country=XK&outcome=transitioned", ["Somalia (AMISOM)"]),
    ],
)
def test_filters_combined_and_repeated_never_duplicate_rows(client, casebook, query, expected):
    assert titles(client, query) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("start", ["Kosovo (KFOR)", "Sierra Leone (UNAMSIL)", "Somalia (AMISOM)"]),
        ("-start", ["Somalia (AMISOM)", "Sierra Leone (UNAMSIL)", "Kosovo (KFOR)"]),
        ("-strength", ["Somalia (AMISOM)", "Sierra Leone (UNAMSIL)", "Kosovo (KFOR)"]),
        ("strength", ["Sierra Leone (UNAMSIL)", "Somalia (AMISOM)", "Kosovo (KFOR)"]),
        ("end", ["Sierra Leone (UNAMSIL)", "Somalia (AMISOM)", "Kosovo (KFOR)"]),
        ("-duration", ["Kosovo (KFOR)", "Somalia (AMISOM)", "Sierra Leone (UNAMSIL)"]),
        ("-title", ["Somalia (AMISOM)", "Sierra Leone (UNAMSIL)", "Kosovo (KFOR)"]),
    ],
)
def test_sorting(client, casebook, sort, expected):
    assert titles(client, f"sort={sort}") == expected


@pytest.mark.parametrize(
    ("query", "field_label"),
    [
        ("organization=not-an-org", "Organisation"),
        ("region=atlantis", "Region"),
        ("country=ZZ", "Host country"),
        ("active_in=nineteen", "Active in year"),
        ("active_in=-5", "Active in year"),
        ("active_in=99999999999999999999", "Active in year"),
        ("ongoing=maybe", "Ongoing"),
        ("depth=deep", "Depth"),
        ("organization_role=owner", "Role of the organisation"),
        ("sort=price", "Sort by"),
        ("mandate_type=%00peace", "Mandate type"),
    ],
)
def test_invalid_values_explain_and_keep_the_valid_filters(client, casebook, query, field_label):
    response = client.get(f"{LIST}?{query}&region=europe")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Some filters were not understood" in content
    assert field_label in [label for label, _ in response.context["filter_errors"]]
    if not query.startswith("region"):
        assert [c.title for c in response.context["object_list"]] == ["Kosovo (KFOR)"]


def test_pagination_keeps_filters_and_bad_pages_explain(client, casebook):
    for n in range(25):
        make_case(title=f"Extra {n:02}", region="asia")
    response = client.get(f"{LIST}?region=asia&sort=title")
    assert response.context["paginator"].count == 25
    content = response.content.decode()
    assert "region=asia&amp;sort=title&amp;page=2" in content
    response = client.get(f"{LIST}?region=asia&page=99")
    assert response.status_code == 200 and "There is no page 99" in response.content.decode()
    response = client.get(f"{LIST}?region=asia&page=abc")
    assert response.status_code == 200 and "is not a page number" in response.content.decode()


def test_draft_cases_never_appear_in_the_list_whatever_the_filter(client, casebook):
    for query in ["", "organization=un", "q=draft", "sort=-updated", "outcome=completed"]:
        assert "Draft mission" not in titles(client, query)


def test_empty_values_mean_no_filter(client, casebook):
    response = client.get(f"{LIST}?organization=&region=&country=&q=&active_in=&organization=nato")
    # The empty fields leave the address: a redirect to the one filter chosen.
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?organization=nato"
    response = client.get(response["Location"])
    assert "Some filters were not understood" not in response.content.decode()
    assert [c.title for c in response.context["object_list"]] == ["Kosovo (KFOR)"]
