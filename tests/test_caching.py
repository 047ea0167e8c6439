"""Anonymous pages are cached, answer conditional requests, and are fresh after every change."""

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import history
from cases.models import CaseStudy, Status
from tests.factories import cite, make_case, make_challenge, make_organization, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def real_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def casebook(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        un = make_organization("un", name="United Nations")
        challenge = make_challenge("host-state-consent", name="Host-state consent")
        source = make_source(key="unsc-res-1270-1999", title="Resolution 1270 (1999)")
        case = make_case(
            "sierra-leone-unamsil",
            title="Sierra Leone (UNAMSIL)",
            organizations=[un],
            challenges=[challenge],
            body="## Background\n\nText [[cite:unsc-res-1270-1999]].",
        )
        cite(case, source, field="start_date")
    return case


def test_second_anonymous_request_is_served_from_the_cache(client, casebook):
    first = client.get(reverse("cases:list"))
    second = client.get(reverse("cases:list"))
    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit"
    assert first.content == second.content
    assert "public" in second["Cache-Control"]
    # Its length is known, so the server sends it whole rather than in chunks.
    assert int(second["Content-Length"]) == len(second.content)


def test_a_reader_without_a_session_is_answered_before_the_session_work(client, casebook, django_assert_num_queries):
    client.get(reverse("cases:list"))
    # The content version is the only read: no session, no user, no page work.
    with django_assert_num_queries(1):
        hit = client.get(reverse("cases:list"))
    assert hit["X-Cache"] == "hit"
    # Its headers are the page's own, security headers included, and a matching ETag is a 304.
    assert "Content-Security-Policy" in hit and hit["X-Frame-Options"] == "DENY"
    assert client.get(reverse("cases:list"), HTTP_IF_NONE_MATCH=hit["ETag"]).status_code == 304


def test_a_reader_with_a_session_takes_the_long_way(client, casebook):
    client.get(reverse("cases:list"))
    client.cookies["sessionid"] = "not-a-session"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:list"))
    # The session is looked up (it could be an editor's); still anonymous, the inner cache answers.
    assert any("django_session" in query["sql"] for query in queries.captured_queries)
    assert response["X-Cache"] == "hit"


def test_conditional_requests_get_304(client, casebook):
    response = client.get(casebook.get_absolute_url())
    etag = response["ETag"]
    not_modified = client.get(casebook.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""


URLS = {
    "detail": lambda case: case.get_absolute_url(),
    "list": lambda case: reverse("cases:list") + "?organization=un",
    "home": lambda case: reverse("cases:home"),
    "organization": lambda case: reverse("cases:organization_detail", args=["un"]),
    "challenge": lambda case: reverse("cases:challenge_detail", args=["host-state-consent"]),
    "source": lambda case: reverse("cases:source_detail", args=["unsc-res-1270-1999"]),
    "feed": lambda case: reverse("cases:feed"),
    "sitemap": lambda case: reverse("cases:sitemap"),
    "csv": lambda case: reverse("cases:export", args=["csv"]),
    "search": lambda case: reverse("cases:search") + "?q=sierra",
}


def warm(client, casebook):
    return {name: client.get(url(casebook)) for name, url in URLS.items()}


def test_editing_a_case_makes_every_page_that_shows_it_fresh(client, casebook, django_capture_on_commit_callbacks):
    before = warm(client, casebook)
    etag = before["detail"]["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        casebook.title = "Sierra Leone (UNAMSIL), revised"
        casebook.save()
    for name, url in URLS.items():
        response = client.get(url(casebook))
        if name != "sitemap":  # the sitemap shows addresses and dates, not titles
            assert "revised" in response.getvalue().decode(), name
        assert response.get("X-Cache") != "hit", name
    assert client.get(casebook.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_unpublishing_removes_the_case_from_every_cached_page(
    client, casebook, reviewer, django_capture_on_commit_callbacks
):
    warm(client, casebook)
    with django_capture_on_commit_callbacks(execute=True):
        casebook.transition_to(Status.DRAFT, user=reviewer)
    assert client.get(casebook.get_absolute_url()).status_code == 404
    for name in ("list", "home", "organization", "challenge", "source", "feed", "sitemap", "csv", "search"):
        assert "sierra-leone-unamsil" not in client.get(URLS[name](casebook)).getvalue().decode(), name


def test_publishing_shows_the_new_case_at_once(client, casebook, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_case("kosovo-kfor", title="Kosovo (KFOR)", status=Status.REVIEW)
    warm(client, casebook)
    with django_capture_on_commit_callbacks(execute=True):
        draft.transition_to(Status.PUBLISHED, user=reviewer)
    assert "Kosovo (KFOR)" in client.get(reverse("cases:list")).content.decode()
    assert "Kosovo (KFOR)" in client.get(reverse("cases:home")).content.decode()


def test_editing_a_linked_record_refreshes_the_pages_that_show_it(client, casebook, django_capture_on_commit_callbacks):
    warm(client, casebook)
    organization = casebook.roles.get().organization
    with django_capture_on_commit_callbacks(execute=True):
        organization.name = "United Nations Organization"
        organization.save()
    assert "United Nations Organization" in client.get(casebook.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        casebook.countries.clear()  # a many-to-many change
        casebook.roles.all().delete()  # an inline row deleted
    assert "United Nations Organization" not in client.get(casebook.get_absolute_url()).content.decode()


def test_restoring_a_version_refreshes_the_page(client, casebook, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), reversion.create_revision():
        reversion.add_to_revision(casebook)
    with django_capture_on_commit_callbacks(execute=True):
        casebook.title = "Vandalised title"
        casebook.save()
    assert "Vandalised title" in client.get(casebook.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        history.restore(history.versions_of(casebook).first(), user=reviewer)
    html = client.get(casebook.get_absolute_url()).content.decode()
    assert "Vandalised title" not in html and "Sierra Leone (UNAMSIL)" in html


def test_staff_never_see_cached_pages(client, casebook, staff_user):
    client.get(casebook.get_absolute_url())  # cached for anonymous readers
    CaseStudy.objects.filter(pk=casebook.pk).update(title="Changed behind the cache")  # no signal, no bump
    assert "Changed behind the cache" not in client.get(casebook.get_absolute_url()).content.decode()
    client.force_login(staff_user)
    response = client.get(casebook.get_absolute_url())
    assert "Changed behind the cache" in response.content.decode()
    assert "private" in response["Cache-Control"] and "X-Cache" not in response


def test_whole_casebook_facet_counts_follow_every_publication(
    client, casebook, reviewer, staff_user, django_capture_on_commit_callbacks
):
    # Staff skip the page cache, so this sees the counts kept for the whole casebook alone.
    client.force_login(staff_user)

    def europe_count():
        facets = client.get(reverse("cases:list")).context["facets"]
        region = next(facet for facet in facets if facet["name"] == "region")
        return next(option["count"] for option in region["options"] if option["value"] == "europe")

    assert europe_count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_case("kosovo-kfor", title="Kosovo (KFOR)", region="europe", status=Status.REVIEW)
    assert europe_count() == 0  # a draft counts for nothing
    with django_capture_on_commit_callbacks(execute=True):
        draft.transition_to(Status.PUBLISHED, user=reviewer)
    assert europe_count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        draft.transition_to(Status.DRAFT, user=reviewer)
    assert europe_count() == 0


def test_home_counts_follow_every_publication(
    client, casebook, reviewer, staff_user, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)  # past the page cache: only the kept counts are tested

    def case_count():
        return client.get(reverse("cases:home")).context["counts"]["case_studies"]

    assert case_count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_case("kosovo-kfor", title="Kosovo (KFOR)", status=Status.REVIEW)
    assert case_count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        draft.transition_to(Status.PUBLISHED, user=reviewer)
    assert case_count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        CaseStudy.objects.get(pk=draft.pk).delete()
    assert case_count() == 1


def test_facet_options_follow_a_newly_published_organisation(
    client, casebook, reviewer, staff_user, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)

    def organisation_options():
        facets = client.get(reverse("cases:list")).context["facets"]
        return {option["value"] for option in next(f for f in facets if f["name"] == "organization")["options"]}

    assert organisation_options() == {"un"}
    with django_capture_on_commit_callbacks(execute=True):
        au = make_organization("au", name="African Union", status=Status.REVIEW)
        make_case("somalia-amisom", title="Somalia (AMISOM)", organizations=[au])
    assert organisation_options() == {"un"}  # an organisation under review is no option
    with django_capture_on_commit_callbacks(execute=True):
        au.transition_to(Status.PUBLISHED, user=reviewer)
    assert organisation_options() == {"un", "au"}


def test_the_counts_of_a_filtered_list_follow_every_publication_and_are_reused_across_its_pages(
    client, casebook, reviewer, staff_user, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)  # past the page cache: only the kept counts are tested

    def un_count(**params):
        facets = client.get(reverse("cases:list"), {"region": "africa", **params}).context["facets"]
        organizations = next(facet for facet in facets if facet["name"] == "organization")
        return next(option["count"] for option in organizations["options"] if option["value"] == "un")

    assert un_count() == 1
    # Another sort of the same results reuses the counts: none of the facet index is read.
    with CaptureQueriesContext(connection) as queries:
        assert un_count(sort="-start") == 1
    assert not any("casestudyfacet" in query["sql"] for query in queries.captured_queries)
    with django_capture_on_commit_callbacks(execute=True):
        second = make_case(
            "liberia-unmil", title="Liberia (UNMIL)", organizations=[casebook.organizations.get()], status=Status.REVIEW
        )
    assert un_count() == 1  # a draft counts for nothing
    with django_capture_on_commit_callbacks(execute=True):
        second.transition_to(Status.PUBLISHED, user=reviewer)
    assert un_count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server that drops connections: PostgreSQL only")
def test_a_page_is_served_after_the_database_server_dropped_the_connection(client, transactional_db):
    import psycopg

    make_case("sierra-leone-unamsil", title="Sierra Leone (UNAMSIL)")
    assert client.get("/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    # As a server restart or an idle timeout would: the app's connection is ended from outside.
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The cached home page and a page rendered afresh are both served, on a new connection.
    assert client.get("/").status_code == 200
    assert client.get("/cases/?fresh=1").status_code == 200
