"""Ranked full-text search: runs on SQLite FTS5 or PostgreSQL, whichever the suite runs on."""

import pytest
from django.urls import reverse

from cases import search
from cases.models import CaseStudy, SearchDocument, Status
from tests.factories import make_case, make_challenge, make_organization, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(reviewer):
    return {
        "title": make_case(title="Ceasefire monitoring in Lomé", summary="A mission.", body="## A\n\nNothing here."),
        "body": make_case(
            title="Another mission",
            summary="Observers watched the ceasefire line.",
            body="## A\n\nThe peacekeepers signed the Lomé peace agreement.",
        ),
        "draft": make_case(title="Secret ceasefire draft", status=Status.DRAFT),
        "organization": make_organization("ecowas", name="Economic Community of West African States"),
        "challenge": make_challenge("ceasefire-violations", name="Ceasefire violations"),
        "source": make_source(key="lome-agreement", title="Lomé Peace Agreement"),
    }


@pytest.fixture
def titles(client):
    """The case studies the list shows for a search, in its order (rank, unless sorted)."""

    def listed(query):
        response = client.get(reverse("cases:list"), {"q": query})
        return [case.title for case in response.context["object_list"]]

    return listed


def test_title_matches_rank_above_body_matches(titles, corpus):
    assert titles("ceasefire") == ["Ceasefire monitoring in Lomé", "Another mission"]


def test_case_and_accent_insensitive(titles, corpus):
    assert titles("LOME") == titles("lomé") == ["Ceasefire monitoring in Lomé", "Another mission"]


def test_prefix_and_phrase_queries(titles, corpus):
    assert titles("peacekeep") == ["Another mission"]
    assert titles('"peace agreement"') == ["Another mission"]
    assert titles('"agreement peace"') == []


def test_drafts_are_never_indexed_and_unpublishing_removes(titles, corpus, reviewer):
    assert "Secret ceasefire draft" not in titles("secret")
    assert not SearchDocument.objects.filter(title__contains="Secret").exists()
    case = corpus["title"]
    case.transition_to(Status.DRAFT, user=reviewer)
    assert "Ceasefire monitoring in Lomé" not in titles("ceasefire")
    case.transition_to(Status.REVIEW, user=reviewer)
    case.transition_to(Status.PUBLISHED, user=reviewer)
    assert "Ceasefire monitoring in Lomé" in titles("ceasefire")


def test_edits_are_indexed_on_save(titles, corpus):
    case = corpus["body"]
    case.body = "## A\n\nA new word: zanzibar."
    case.save()
    assert titles("zanzibar") == ["Another mission"]
    assert titles("peacekeepers") == []


def test_search_page_groups_results_by_type_with_highlighted_snippets(client, corpus):
    response = client.get(reverse("cases:search"), {"q": "ceasefire"})
    html = response.content.decode()
    groups = response.context["groups"]
    assert list(groups) == ["Case studies", "Challenges"]
    assert groups["Case studies"][0] == 2
    assert "<mark>Ceasefire</mark>" in html or "<mark>ceasefire</mark>" in html
    assert "Secret ceasefire draft" not in html
    response = client.get(reverse("cases:search"), {"q": "lome"})
    assert set(response.context["groups"]) == {"Case studies", "Sources"}


def test_search_page_shows_the_best_ten_of_each_kind_and_counts_them_all(client, corpus):
    for number in range(11):
        make_case(title=f"Mission {number:02}", summary="Observers reported ceasefire breaches.")
    groups = client.get(reverse("cases:search"), {"q": "ceasefire"}).context["groups"]
    total, hits = groups["Case studies"]
    assert total == 13
    assert len(hits) == 10
    assert hits[0].title == "Ceasefire monitoring in Lomé"  # the title match ranks first
    assert [hit.rank for hit in hits] == sorted((hit.rank for hit in hits), reverse=True)
    assert groups["Challenges"][0] == 1


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "ceasefire AND OR NOT",
        "(((",
        "*",
        "x" * 10_000,
        "cease\x00fire\x1b",
        "'; DROP TABLE x; --",
        "NEAR(a b)",
        "{{ 7*7 }}",
        '""',
        "-",
        "^ceasefire",
        "ceasefire:*",
    ],
)
def test_malformed_queries_never_fail(client, corpus, query):
    response = client.get(reverse("cases:search"), {"q": query})
    assert response.status_code == 200
    response = client.get(reverse("cases:list"), {"q": query[:200]})
    assert response.status_code == 200


def test_overlong_and_empty_queries_explain(client, corpus):
    html = client.get(reverse("cases:search"), {"q": "ceasefire " * 50}).content.decode()
    assert "shortened to its first 200 characters" in html
    html = client.get(reverse("cases:search"), {"q": "!!!"}).content.decode()
    assert "Type at least one word" in html


def test_list_filter_q_orders_by_rank_unless_sorted(client, corpus):
    response = client.get(reverse("cases:list"), {"q": "ceasefire"})
    assert [c.title for c in response.context["object_list"]] == ["Ceasefire monitoring in Lomé", "Another mission"]
    response = client.get(reverse("cases:list"), {"q": "ceasefire", "sort": "title"})
    assert [c.title for c in response.context["object_list"]] == ["Another mission", "Ceasefire monitoring in Lomé"]


def test_snippet_escapes_and_highlights():
    terms = search.parse_query("lome")
    html = search.snippet("<b>Signed</b> at Lomé in 1999", terms)
    assert "&lt;b&gt;" in html and "<mark>Lomé</mark>" in html


def test_deleted_records_leave_the_index_also_in_bulk(titles, corpus):
    CaseStudy.objects.filter(pk=corpus["title"].pk).delete()
    assert titles("ceasefire") == ["Another mission"]
    assert not SearchDocument.objects.filter(title="Ceasefire monitoring in Lomé").exists()


def test_a_search_alone_pages_through_the_same_order_as_with_other_filters(client, monkeypatch):
    """
    A search that is the only filter pages through its ranked ids (RankedPages); with another
    filter the database orders the matches. Both give the best RANKED_POSITIONS by rank, then
    the rest by title, page after page, and count the same.
    """
    monkeypatch.setattr(search, "RANKED_POSITIONS", 5)
    # Rank order differs from title order: more mentions rank higher, titles run the other way.
    for number in range(25):
        make_case(title=f"Mission {99 - number:02}", summary="Convoy. " * (number % 7 + 1), body="## A\n\nConvoy.")
    make_case(title="Unrelated mission", summary="Elections.")

    def listed(query, page):
        response = client.get(reverse("cases:list"), {**query, "page": page})
        return response.context["paginator"].count, [case.title for case in response.context["object_list"]]

    alone = [listed({"q": "convoy"}, page) for page in (1, 2)]
    # Every case study is in Africa: the region filter changes nothing but the way of paging.
    filtered = [listed({"q": "convoy", "region": "africa"}, page) for page in (1, 2)]
    assert alone == filtered
    (count, first), (_, second) = alone
    assert count == 25 and len(first) == 20 and len(second) == 5
    ranked = [case.title for case in search.CaseStudySearch("convoy").rank(CaseStudy.objects.published())]
    assert first + second == ranked
    rest = first[5:] + second
    assert rest == sorted(rest) and first[:5] != sorted(first[:5])
