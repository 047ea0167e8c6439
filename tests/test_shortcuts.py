"""The keyboard shortcuts are documented on a page of their own, linked from every page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_shortcuts_page_documents_slash_to_search_in_a_table(client, django_assert_num_queries):
    # The content version, which keys the page cache; the page itself reads nothing.
    with django_assert_num_queries(1):
        response = client.get(reverse("cases:shortcuts"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Keyboard shortcuts</h1>" in html
    assert '<th scope="row"><kbd>/</kbd></th>' in html and "Moves to the search box" in html
    assert '<th scope="col">Key</th>' in html  # a table with headers, read aloud as one


def test_every_page_links_to_the_shortcuts_and_loads_them_from_a_static_file(client):
    for url in ["/", "/cases/", "/about/", "/search/?q=x"]:
        html = client.get(url).content.decode()
        assert f'<a href="{reverse("cases:shortcuts")}">Keyboard shortcuts</a>' in html, url
        assert '<script src="/static/js/site.js" defer></script>' in html, url
        assert 'aria-keyshortcuts="/"' in html, url
