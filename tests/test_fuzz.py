"""
Bad input on every public URL: random and malicious query parameters and path segments never
cause a server error, and the case-study list says when it ignores a filter it cannot read.
"""

import datetime
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.filters import SORT_CHOICES
from cases.models import CaseStudy, Region, Status
from tests.factories import (
    add_event,
    add_strength,
    make_case,
    make_challenge,
    make_country,
    make_objective,
    make_organization,
    make_source,
)

pytestmark = pytest.mark.django_db

fuzz = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FILTERS = [
    "q",
    "organization",
    "region",
    "country",
    "challenge",
    "objective",
    "mandate_type",
    "outcome",
    "active_in",
    "start_after",
    "start_before",
    "ongoing",
    "sort",
]
LIST_PARAMETERS = [*FILTERS, "page"]

ORGANIZATIONS = ["un", "nato"]
CHALLENGES = ["host-state-consent", "spoilers"]
OBJECTIVES = ["ddr", "poc"]
COUNTRIES = ["SL", "XK"]
VALID = {
    "q": ["UNAMSIL", "mission", "kosovo force"],
    "organization": ORGANIZATIONS,
    "region": Region.values,
    "country": COUNTRIES + [code.lower() for code in COUNTRIES],
    "challenge": CHALLENGES,
    "objective": OBJECTIVES,
    "mandate_type": CaseStudy.MandateType.values,
    "outcome": CaseStudy.Outcome.values,
    "active_in": ["1999", "2004", "1900", "2100"],
    "start_after": ["1990", "2000"],
    "start_before": ["2010", "1999"],
    "ongoing": ["true", "false"],
    "sort": [value for value, _ in SORT_CHOICES],
    "page": ["1", "2"],
}

MALICIOUS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "\t\r\n",
    "\u202e\u200b\ufeff",
    "😀🇸🇱",
    "Сьерра-Леоне",
    "١٩٩٩",
    "１９９９",
    "1_999",
    "1999.0",
    "1e309",
    "NaN",
    "-inf",
    "-1",
    "0",
    "-9223372036854775809",
    "9" * 40,
    "' OR '1'='1",
    "'; DROP TABLE cases_casestudy; --",
    '" OR ""="',
    "1 UNION SELECT username, password FROM auth_user --",
    "%' AND 1=1 --",
    "\\",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "{{ request.user.password }}",
    "${7*7}",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[[cite:x|y]]",
    "../../../../etc/passwd",
    "__proto__",
    "None",
    "null",
    "[]",
    "{}",
    "x" * 10_000,
]

unicode_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60)
huge_numbers = st.integers(min_value=-(10**40), max_value=10**40).map(str)
long_text = st.builds(lambda piece: (piece * 10_000)[:10_000], st.text(min_size=1, max_size=3))
any_value = st.one_of(
    unicode_text,
    huge_numbers,
    st.sampled_from(MALICIOUS),
    long_text,
)


def value_for(name):
    return st.one_of(st.sampled_from(VALID[name]), any_value)


parameter = st.sampled_from(LIST_PARAMETERS).flatmap(lambda name: st.tuples(st.just(name), value_for(name)))
# Repeated names are allowed and frequent: several values of one filter mean "any of".
query = st.lists(parameter, max_size=8).map(urlencode)
random_query = st.lists(st.tuples(st.one_of(st.sampled_from(LIST_PARAMETERS), unicode_text), any_value), max_size=5)
path_segment = st.one_of(unicode_text.filter(bool), st.sampled_from([m for m in MALICIOUS if m]))


@pytest.fixture
def small_casebook(db):
    un = make_organization("un", name="United Nations")
    nato = make_organization("nato", name="North Atlantic Treaty Organization", kind="alliance")
    make_organization("osce", name="Hidden draft organisation", status=Status.DRAFT)
    consent = make_challenge("host-state-consent")
    spoilers = make_challenge("spoilers", category="security")
    ddr, poc = make_objective("ddr"), make_objective("poc", "Protection of civilians")
    sierra_leone = make_country("SL", "Sierra Leone")
    kosovo = make_country("XK", "Kosovo", region="europe")
    resolution = make_source(key="unsc-res-1270-1999")
    unamsil = make_case(
        "sierra-leone-unamsil",
        title="Sierra Leone (UNAMSIL)",
        acronym="UNAMSIL",
        organizations=[un],
        countries=[sierra_leone],
        challenges=[consent, spoilers],
        objectives=[ddr],
        summary="The Council set up the mission. [[cite:unsc-res-1270-1999|para. 8]]",
    )
    add_event(unamsil, "Lomé Peace Agreement", datetime.date(1999, 7, 7), sources=[resolution])
    add_strength(unamsil, 17500, resolution)
    make_case(
        "kosovo-kfor",
        title="Kosovo (KFOR)",
        acronym="KFOR",
        region="europe",
        organizations=[nato, (un, "authorising")],
        countries=[kosovo],
        objectives=[poc],
        mandate_type="enforcement",
        outcome="ongoing",
        end_date=None,
    )
    for _ in range(3):
        make_source()
    return unamsil


def is_server_error(response):
    return response.status_code >= 500


@fuzz
@given(query=query)
def test_case_list_answers_any_combination_of_filters(client, small_casebook, query):
    response = client.get(f"/cases/?{query}", follow=True)
    assert response.status_code == 200, query[:300]
    assert "case stud" in response.content.decode()


def invalid_value(name):
    """Values the named filter cannot accept, whatever the casebook holds."""
    nonsense = unicode_text.map(lambda text: "zz-not-a-" + text)
    if name == "q":
        return st.one_of(
            st.builds(lambda text: "x" * 201 + text, unicode_text),
            long_text.filter(lambda text: len(text.strip()) > 200),
        )
    if name in {"active_in", "start_after", "start_before"}:
        out_of_range = st.one_of(st.integers(max_value=1899), st.integers(min_value=2101)).map(str)
        return st.one_of(out_of_range, nonsense, st.sampled_from(["1e309", "NaN", "-", "19 99", "MMXX", "9" * 40]))
    if name == "organization":
        # A draft organisation is not a filter value readers may use.
        return st.one_of(nonsense, st.sampled_from(["osce", "UN", "un ", "nato,un", "' OR '1'='1"]))
    if name == "country":
        return st.one_of(nonsense, st.sampled_from(["ZZ", "S L", "SLE", "'; --", "Z\x00Z"]))
    # NUL characters are dropped before any view sees them, so a value must be invalid without them.
    return st.one_of(nonsense, st.sampled_from(["<script>alert(1)</script>", "{{ x }}", "x\x00", "-" * 300]))


invalid_parameter = st.sampled_from(FILTERS).flatmap(lambda name: st.tuples(st.just(name), invalid_value(name)))


@fuzz
@given(bad=invalid_parameter, others=st.lists(parameter, max_size=4))
def test_case_list_reports_filters_it_cannot_read(client, small_casebook, bad, others):
    response = client.get("/cases/?" + urlencode([*others, bad]), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters were not understood" in html, bad


@fuzz
@given(page=st.one_of(huge_numbers, unicode_text.map(lambda text: "x" + text), st.sampled_from(MALICIOUS)))
def test_page_numbers_that_are_not_pages_show_a_page_and_say_why(client, small_casebook, page):
    for path in ("/cases/", "/sources/"):
        response = client.get(path, {"page": page}, follow=True)
        assert response.status_code == 200, (path, page[:100])
        html = response.content.decode()
        if not shows_the_first_page(page):
            assert "not a page number" in html or "There is no page" in html, page[:100]


def shows_the_first_page(page):
    page = page.replace("\x00", "")  # NUL characters are dropped before the view sees the value
    if not page.strip():
        return True
    try:
        return int(page) == 1
    except ValueError:
        return False


@fuzz
@given(query=random_query)
def test_every_public_list_page_answers_any_query(client, small_casebook, query):
    encoded = urlencode(query)
    for path in ("/", "/cases/", "/organizations/", "/challenges/", "/sources/"):
        response = client.get(f"{path}?{encoded}", follow=True)
        assert response.status_code == 200, (path, encoded[:300])


@fuzz
@given(query=random_query)
def test_detail_and_history_pages_answer_any_query(client, small_casebook, query):
    encoded = urlencode(query)
    for path in (
        "/cases/sierra-leone-unamsil/",
        "/cases/sierra-leone-unamsil/history/",
        "/organizations/un/",
        "/challenges/spoilers/",
        "/sources/unsc-res-1270-1999/",
    ):
        response = client.get(f"{path}?{encoded}", follow=True)
        assert response.status_code == 200, (path, encoded[:300])


@fuzz
@given(segment=path_segment)
def test_unknown_or_malformed_slugs_are_not_found(client, small_casebook, segment):
    quoted = quote(segment, safe="")
    for pattern in (
        "/cases/{}/",
        "/cases/{}/history/",
        "/organizations/{}/",
        "/challenges/{}/",
        "/sources/{}/",
        "/cases/{}/cite.bib",
        "/sources/{}/cite.bib",
        "/sources/{}/cite.ris",
    ):
        path = pattern.format(quoted)
        response = client.get(path)
        assert not is_server_error(response), path[:300]
        assert response.status_code in (200, 301, 404), (path[:300], response.status_code)


@fuzz
@given(q=any_value, others=random_query)
def test_search_answers_any_query(client, small_casebook, q, others):
    response = client.get("/search/?" + urlencode([("q", q), *others]))
    assert response.status_code == 200, q[:300]


SURFACES_WITH_PARAMETERS = [
    "/cases/export.csv",
    "/cases/export.json",
    "/compare/",
    "/sources/export.bib",
    "/sources/export.ris",
    "/feeds/latest/",
    "/sitemap.xml",
]


@settings(fuzz, max_examples=10)
@given(query=query, extra=random_query, keys=st.lists(any_value, max_size=4))
def test_exports_comparison_and_feeds_answer_any_query(client, small_casebook, query, extra, keys):
    """The pages that reuse the list's parameters, or take record keys."""
    more = urlencode([*extra, *(("cases", key) for key in keys), *(("key", key) for key in keys)])
    for path in SURFACES_WITH_PARAMETERS:
        response = client.get(f"{path}?{query}&{more}")
        assert not is_server_error(response), (path, query[:200], more[:200])
