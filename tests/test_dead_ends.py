"""A page not found, a server error, a search or a filter with no result: each offers a way on."""

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from cases.models import Status
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries():
    featured = [
        make_case("sierra-leone-unamsil", title="Sierra Leone (UNAMSIL)", featured=True),
        make_case("kosovo-kfor", title="Kosovo (KFOR)", featured=True),
    ]
    make_case("ordinary", title="An ordinary entry")
    make_case("secret", title="A featured draft", featured=True, status=Status.DRAFT)
    return featured


def popular_section(html):
    start = html.index("Popular entries")
    return html[start : html.index("</ul>", start)]


def offers_a_search_box(html):
    return 'role="search" class="way-on-search"' in html and 'id="way-on-q"' in html


def test_page_not_found_offers_a_search_box_and_the_featured_entries(client, entries):
    response = client.get("/cases/no-such-mission/")
    html = response.content.decode()
    assert response.status_code == 404
    assert offers_a_search_box(html)
    popular = popular_section(html)
    for case in entries:
        assert f'<a href="/cases/{case.slug}/">{case.title}</a>' in popular
    assert "An ordinary entry" not in popular and "A featured draft" not in html


def test_with_nothing_featured_the_first_entries_of_the_list_stand_in(client):
    make_case("only-one", title="The only entry")
    make_case("hidden", title="A draft", status=Status.DRAFT)
    html = client.get("/no-such-page/").content.decode()
    assert "The only entry" in popular_section(html) and "A draft" not in html


def test_page_not_found_reads_a_fixed_number_of_queries(client, entries, django_assert_num_queries):
    # The content version (1), the case study looked for (1) and the featured entries (1).
    with django_assert_num_queries(3):
        client.get("/cases/no-such-mission/")
    make_case("another", title="Another featured", featured=True)
    with django_assert_num_queries(3):
        client.get("/cases/no-such-mission/")


def test_the_server_error_page_needs_no_database_and_still_offers_a_search_box(django_assert_num_queries):
    request = RequestFactory().get("/cases/")
    with django_assert_num_queries(0):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert 'action="/search/"' in html and offers_a_search_box(html)
    assert 'href="/cases/"' in html
    assert "{%" not in html and "{{" not in html


def test_a_search_that_finds_nothing_offers_popular_entries(client, entries):
    html = client.get("/search/", {"q": "zzyzxqq"}).content.decode()
    assert "Nothing matches" in html
    assert "Sierra Leone (UNAMSIL)" in popular_section(html)
    assert "A featured draft" not in html


def test_a_search_page_without_a_query_offers_popular_entries(client, entries):
    html = client.get("/search/").content.decode()
    assert "Kosovo (KFOR)" in popular_section(html)


def test_filters_that_match_nothing_offer_to_clear_them_a_search_box_and_popular_entries(client, entries):
    response = client.get("/cases/", {"region": "americas"})
    html = response.content.decode()
    assert "No case study matches these filters." in html
    empty = html[html.index('class="empty-state"') :]
    assert '<a href="/cases/">clear them all</a>' in empty
    assert "remove “Region: " in empty
    assert offers_a_search_box(empty)
    assert "Kosovo (KFOR)" in popular_section(empty)


def test_results_show_no_way_on_box(client, entries):
    html = client.get("/cases/", {"region": "africa"}).content.decode()
    assert "Popular entries" not in html
