"""The read-only JSON API: what it lists, how it filters, pages, caches and throttles."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.api.throttling import AnonymousReaderThrottle
from cases.models import Status
from tests import test_facets, test_filters
from tests.factories import make_case, make_challenge, make_country, make_organization, make_source
from tests.test_filters import casebook  # noqa: F401  (the shared three-mission casebook)

pytestmark = pytest.mark.django_db

API = "/api/v1/"
CASES = f"{API}case-studies/"
LIST = reverse("cases:list")


def parametrized_queries(test, argument):
    """The query strings a test of the list page is parametrized with, so both suites stay in step."""
    (mark,) = [mark for mark in test.pytestmark if mark.name == "parametrize"]
    names = mark.args[0] if isinstance(mark.args[0], str) else ",".join(mark.args[0])
    position = [name.strip() for name in names.split(",")].index(argument)
    return [values if isinstance(values, str) else values[position] for values in mark.args[1]]


FILTER_MIXES = sorted(
    set(parametrized_queries(test_facets.test_counts_match_the_list_each_option_would_give, "query"))
    | set(parametrized_queries(test_filters.test_each_filter_alone, "query"))
    | set(parametrized_queries(test_filters.test_filters_combined_and_repeated_never_duplicate_rows, "query"))
)


def api_slugs(client, query=""):
    response = client.get(f"{CASES}?{query}&page_size=200")
    assert response.status_code == 200, response.content
    body = response.json()
    return body["count"], [case["slug"] for case in body["results"]]


def test_the_filter_mixes_of_the_list_tests_are_all_here():
    assert len(FILTER_MIXES) > 30 and "organization=un&organization_role=authorising" in FILTER_MIXES


@pytest.mark.parametrize("query", FILTER_MIXES)
def test_api_gives_the_list_pages_results_in_its_order(client, casebook, query):  # noqa: F811
    page = client.get(f"{LIST}?{query}").context
    count, slugs = api_slugs(client, query)
    assert count == page["paginator"].count
    assert slugs == [case.slug for case in page["object_list"]]


@pytest.mark.parametrize(
    "query", parametrized_queries(test_facets.test_counts_match_the_list_each_option_would_give, "query")
)
def test_api_counts_equal_the_facet_counts_of_the_list(client, casebook, query):  # noqa: F811
    facets = client.get(f"{LIST}?{query}").context["facets"]
    for facet in facets:
        for option in facet["options"]:
            name, value = facet["name"], option["value"]
            if option["selected"] and name != "ongoing":
                continue
            kept = "&".join(part for part in query.split("&") if part and not part.startswith(f"{name}="))
            count, _ = api_slugs(client, f"{kept}&{name}={value}")
            assert count == option["count"], (name, value, query)


def test_a_case_study_says_who_ran_it_where_and_what_it_cites(client, casebook):  # noqa: F811
    response = client.get(f"{CASES}sierra-leone-unamsil/")
    assert response.status_code == 200
    case = response.json()
    assert case["title"] == "Sierra Leone (UNAMSIL)"
    assert case["countries"] == ["SL"] and case["country_names"] == ["Sierra Leone"]
    assert {(org["slug"], org["role"]) for org in case["organizations"]} == {("un", "lead"), ("au", "partner")}
    assert case["peak_authorised_strength"] == 17500
    assert case["start_date"] == "1999-10-22" and case["end_date"] == "2005-12-31"
    assert case["url"].endswith("/cases/sierra-leone-unamsil/")


def test_drafts_never_show(client, casebook):  # noqa: F811
    draft_org = make_organization("draft-org", status=Status.DRAFT)
    make_challenge("draft-challenge", status=Status.DRAFT)
    make_source("draft-source", status=Status.DRAFT)
    hidden = make_country("ZZ", "Nowhere")
    make_case("hidden-case", countries=[hidden], organizations=[draft_org], status=Status.DRAFT)

    _, slugs = api_slugs(client)
    assert "draft-mission" not in slugs and "hidden-case" not in slugs
    for path in [
        f"{CASES}draft-mission/",
        f"{API}organizations/draft-org/",
        f"{API}challenges/draft-challenge/",
        f"{API}sources/draft-source/",
        f"{API}countries/ZZ/",
    ]:
        response = client.get(path)
        assert response.status_code == 404 and response.json()["detail"], path
    listed = {
        kind: [record[field] for record in client.get(f"{API}{kind}/").json()["results"]]
        for kind, field in [
            ("organizations", "slug"),
            ("challenges", "slug"),
            ("sources", "key"),
            ("countries", "code"),
        ]
    }
    assert "draft-org" not in listed["organizations"] and "un" in listed["organizations"]
    assert "draft-challenge" not in listed["challenges"] and "host-state-consent" in listed["challenges"]
    assert "draft-source" not in listed["sources"] and listed["sources"]
    assert listed["countries"] == ["XK", "SL", "SO"]  # by name: Kosovo, Sierra Leone, Somalia


def test_country_codes_are_read_in_either_case(client, casebook):  # noqa: F811
    assert client.get(f"{API}countries/sl/").json()["name"] == "Sierra Leone"


def test_a_filter_it_cannot_read_is_a_400_naming_it(client, casebook):  # noqa: F811
    response = client.get(f"{CASES}?region=atlantis&active_in=nineteen&organization=un")
    assert response.status_code == 400
    assert set(response.json()) == {"region", "active_in"}
    assert "atlantis" in response.json()["region"][0]


def test_empty_values_mean_no_filter_as_on_the_list(client, casebook):  # noqa: F811
    assert api_slugs(client, "region=&organization=&q=") == api_slugs(client)


def test_pages_link_to_each_other_and_a_page_past_the_end_says_so(client, casebook):  # noqa: F811
    for number in range(5):
        make_case(title=f"Extra {number}", region="asia")
    first = client.get(f"{CASES}?region=asia&page_size=2").json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    assert "region=asia" in first["next"] and "page=2" in first["next"]
    last = client.get(f"{CASES}?region=asia&page_size=2&page=3").json()
    assert len(last["results"]) == 1 and last["next"] is None
    response = client.get(f"{CASES}?region=asia&page_size=2&page=4")
    assert response.status_code == 404 and "There is no page “4”" in response.json()["detail"]


def test_responses_carry_an_etag_and_answer_304(client, casebook):  # noqa: F811
    response = client.get(f"{CASES}?region=africa")
    etag = response["ETag"]
    assert etag
    again = client.get(f"{CASES}?region=africa", headers={"if-none-match": etag})
    assert again.status_code == 304 and not again.content
    make_case(title="A new mission", region="africa")
    changed = client.get(f"{CASES}?region=africa", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_answers_are_kept_until_the_content_changes(client, casebook, django_capture_on_commit_callbacks):  # noqa: F811
    cache.clear()
    assert api_slugs(client, "region=asia") == (0, [])
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{CASES}?region=asia&page_size=200")
    assert len(queries) == 1  # the content version only
    with django_capture_on_commit_callbacks(execute=True):  # the content version moves on commit
        make_case("new-in-asia", region="asia")
    assert api_slugs(client, "region=asia") == (1, ["new-in-asia"])


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_a_throttled_client_is_told_when_to_retry(client, casebook, monkeypatch):  # noqa: F811
    cache.clear()
    monkeypatch.setattr(AnonymousReaderThrottle, "rate", "3/minute", raising=False)
    for path in [CASES, f"{API}organizations/", f"{CASES}kosovo-kfor/"]:
        assert client.get(path).status_code == 200
    response = client.get(f"{API}countries/")
    assert response.status_code == 429
    body = response.json()
    assert 1 <= body["retry_after"] <= 60 and response["Retry-After"] == str(body["retry_after"])
    assert "3 requests a minute" in body["detail"] and f"Try again in {body['retry_after']} second" in body["detail"]
    # Another address has its own allowance.
    assert client.get(f"{API}countries/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_the_list_takes_as_many_queries_whatever_the_casebook_size(client, casebook):  # noqa: F811
    query = f"{CASES}?organization=un&challenge=host-state-consent&region=africa&sort=-start"

    def queries_taken():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(query).status_code == 200
        return len(queries)

    few = queries_taken()
    un = make_organization("un-extra")
    for _ in range(15):
        make_case(organizations=[un], region="africa")
    assert queries_taken() == few <= 12


def test_the_schema_describes_every_endpoint(client):
    response = client.get(f"{API}openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/case-studies/",
        "/api/v1/case-studies/{slug}/",
        "/api/v1/organizations/",
        "/api/v1/challenges/",
        "/api/v1/countries/",
        "/api/v1/sources/",
    } <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/v1/case-studies/"]["get"]["parameters"]}
    from cases.filters import CaseStudyFilter

    assert set(CaseStudyFilter.base_filters) | {"page", "page_size"} == parameters
    assert "429" in schema["paths"]["/api/v1/sources/{key}/"]["get"]["responses"]


def test_the_reference_lists_every_address_parameter_and_field_without_script(client):
    response = client.get(f"{API}docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for address in ["GET /api/v1/case-studies/", "GET /api/v1/countries/{code}/", "GET /api/v1/sources/{key}/"]:
        assert f"<code>{address}</code>" in html
    assert "<code>organization_role</code>" in html and "<code>authorising</code>" in html
    assert "<code>peak_deployed_strength</code>" in html and "<code>country_names</code>" in html
    assert "<script>" not in html and "https://cdn" not in html


def test_the_explorer_is_swagger_ui_served_from_this_site(client):
    response = client.get(f"{API}docs/explorer/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert 'data-schema-url="/api/v1/openapi.json"' in html
    assert "<script>" not in html and "https://cdn" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200


def test_an_address_the_api_does_not_have_answers_json(client):
    response = client.get(f"{API}missions/")
    assert response.status_code == 404
    assert "openapi.json" in response.json()["detail"]
