"""/sources/: search within the bibliography, filters by kind, publisher and year, counts, pages."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Source, Status
from tests.factories import make_source

pytestmark = pytest.mark.django_db


def listed_titles(response):
    html = response.content.decode()
    listed = html[
        html.index('<ol class="bibliography">') : html.index("</ol>", html.index('<ol class="bibliography">'))
    ]
    return [title for title in Source.objects.values_list("title", flat=True) if title in listed]


@pytest.fixture
def bibliography():
    return {
        "resolution": make_source(
            "unsc-res-1270-1999", title="Resolution 1270 on Sierra Leone", date=datetime.date(1999, 10, 22)
        ),
        "report": make_source(
            "sg-report-2000",
            kind=Source.Kind.REPORT,
            title="Report of the Secretary-General on Sierra Leone",
            publisher="United Nations Secretary-General",
            identifier="S/2000/13",
            date=datetime.date(2000, 1, 11),
        ),
        "book": make_source(
            "berman-2000",
            kind=Source.Kind.BOOK,
            title="Peacekeeping in Africa",
            authors="Eric Berman",
            publisher="UNIDIR",
            identifier="",
            date=datetime.date(2000, 6, 1),
        ),
        "article": make_source(
            "kfor-article-2005",
            kind=Source.Kind.JOURNAL_ARTICLE,
            title="KFOR after six years",
            publisher="Survival",
            identifier="",
            date=datetime.date(2005, 3, 1),
        ),
        "draft": make_source("draft-one", title="Draft report on Sierra Leone", status=Status.DRAFT),
    }


def get(client, **params):
    return client.get(reverse("cases:source_list"), params)


def test_search_finds_sources_by_title_author_publisher_and_identifier(client, bibliography):
    assert set(listed_titles(get(client, q="sierra leone"))) == {
        bibliography["resolution"].title,
        bibliography["report"].title,
    }
    assert listed_titles(get(client, q="berman")) == [bibliography["book"].title]
    assert listed_titles(get(client, q="unidir")) == [bibliography["book"].title]
    assert listed_titles(get(client, q="S/2000/13")) == [bibliography["report"].title]


def test_a_draft_source_is_never_listed_nor_counted(client, bibliography):
    response = get(client, q="draft report")
    assert "Draft report on Sierra Leone" not in response.content.decode()
    assert "5 sources" not in get(client).content.decode()
    assert "4 sources" in get(client).content.decode()


def test_filters_by_kind_publisher_and_years_narrow_each_other(client, bibliography):
    assert set(listed_titles(get(client, kind=["book", "journal_article"]))) == {
        bibliography["book"].title,
        bibliography["article"].title,
    }
    assert listed_titles(get(client, publisher="UNIDIR")) == [bibliography["book"].title]
    assert set(listed_titles(get(client, year_from=2000, year_to=2000))) == {
        bibliography["report"].title,
        bibliography["book"].title,
    }
    assert listed_titles(get(client, kind="report", year_from=2000)) == [bibliography["report"].title]


def test_each_kind_shows_how_many_results_choosing_it_would_give(client, bibliography):
    html = get(client, year_from=2000).content.decode()
    expected = {
        kind: Source.objects.published().filter(kind=kind, date__year__gte=2000).count()
        for kind in ("report", "book", "journal_article", "un_document")
    }
    for kind, count in expected.items():
        assert re.search(rf'value="{kind}"> [^<]+ <span class="facet-count">\({count}<', html), kind
    total = sum(expected.values())
    assert f"{total} sources match" in html


def test_no_result_says_so_and_offers_to_clear_the_filters(client, bibliography):
    html = get(client, q="zanzibar").content.decode()
    assert "No source matches these filters." in html
    assert f'<a href="{reverse("cases:source_list")}">Clear filters</a>' in html


def test_bad_input_is_explained_and_ignored(client, bibliography):
    response = get(client, year_from="nineteen", kind="poem", publisher="Nobody")
    html = response.content.decode()
    assert response.status_code == 200
    assert "From year: Enter a whole number. This filter is ignored." in html
    assert "Kind: Select a valid choice." in html
    assert len(listed_titles(response)) == 4


def test_years_the_wrong_way_round_are_swapped_and_said_to_be(client, bibliography):
    response = get(client, year_from=2005, year_to=1999)
    assert "The years were the wrong way round" in response.content.decode()
    assert len(listed_titles(response)) == 4


def test_the_list_is_paginated_and_keeps_its_filters_across_pages(client):
    for n in range(105):
        make_source(f"book-{n}", kind=Source.Kind.BOOK, title=f"Book number {n}")
    make_source("a-resolution", title="A resolution")
    html = get(client, kind="book").content.decode()
    assert "105 sources match" in html
    assert "Page 1 of 2" in html
    assert "kind=book&amp;page=2" in html


def test_the_export_links_stay(client, bibliography):
    html = get(client, q="sierra").content.decode()
    assert reverse("cases:bibliography_export", args=["bib"]) + "?kind=book" in html


@pytest.mark.parametrize(
    "params", [{}, {"q": "resolution", "kind": "un_document"}, {"publisher": "UNIDIR", "year_from": 1990}]
)
def test_the_list_is_a_fixed_number_of_queries(client, params):
    counts = []
    for n in (3, 30):
        for i in range(n):
            make_source(f"res-{n}-{i}", title=f"Security Council resolution {n}-{i}", publisher="UNIDIR")
        client.get(reverse("cases:source_list"), params)  # warm the per-version caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:source_list"), params).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 7, counts


def test_the_filtered_bibliography_downloads_as_it_is_listed(client, bibliography):
    query = "q=sierra+leone&year_from=2000"
    listed = listed_titles(client.get(f"/sources/?{query}"))
    assert listed == ["Report of the Secretary-General on Sierra Leone"]
    page = client.get(f"/sources/?{query}").content.decode()
    assert f'href="/sources/export.json?{query.replace("&", "&amp;")}"' in page
    response = client.get(f"/sources/export.json?{query}")
    assert [item["title"] for item in response.json()] == listed
    assert re.fullmatch(
        r'attachment; filename="casebook-sources-q-sierra-leone-year_from-2000-\d{4}-\d\d-\d\d\.json"',
        response["Content-Disposition"],
    )
    bibtex = client.get(f"/sources/export.bib?{query}").content.decode()
    assert "S/2000/13" in bibtex and "Berman" not in bibtex


@pytest.mark.parametrize("query", ['"', "-", '" "', "*"])
def test_a_search_of_punctuation_alone_lists_the_whole_bibliography(client, bibliography, query):
    response = get(client, q=query)
    assert response.status_code == 200
    assert len(listed_titles(response)) == 4
    assert "Draft report" not in response.content.decode()
