"""Depth shown to readers: a filter with counts, on cards and case pages; full case studies first."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import make_case

pytestmark = pytest.mark.django_db

LIST = reverse("cases:list")


@pytest.fixture
def depths():
    return {
        "facts": make_case("aaa-facts", title="Aaa facts only", depth="facts", body=""),
        "summary": make_case("bbb-summary", title="Bbb summary", depth="summary", body=""),
        "full": make_case("ccc-full", title="Ccc full", depth="full", start_date=datetime.date(2001, 1, 1)),
        "full2": make_case("ddd-full", title="Ddd full", depth="full", start_date=datetime.date(1990, 1, 1)),
    }


def titles(client, query=""):
    return [case.title for case in client.get(f"{LIST}?{query}").context["object_list"]]


def test_the_list_puts_full_case_studies_first_then_summaries_then_facts(client, depths):
    assert titles(client) == ["Ccc full", "Ddd full", "Bbb summary", "Aaa facts only"]


def test_a_chosen_sort_is_kept_as_chosen(client, depths):
    assert titles(client, "sort=title") == ["Aaa facts only", "Bbb summary", "Ccc full", "Ddd full"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("depth=full", ["Ccc full", "Ddd full"]),
        ("depth=summary&depth=facts", ["Bbb summary", "Aaa facts only"]),
        ("depth=facts", ["Aaa facts only"]),
    ],
)
def test_depth_filters_and_repeats(client, depths, query, expected):
    assert titles(client, query) == expected


def test_depth_facet_counts_and_labels(client, depths):
    response = client.get(LIST)
    depth = next(facet for facet in response.context["facets"] if facet["name"] == "depth")
    assert [(o["label"], o["count"]) for o in depth["options"]] == [
        ("Full case study", 2),
        ("Summary", 1),
        ("Facts only", 1),
    ]


def test_an_invalid_depth_is_explained_and_ignored(client, depths):
    response = client.get(f"{LIST}?depth=deep")
    assert "Depth" in [label for label, _ in response.context["filter_errors"]]
    assert len(response.context["object_list"]) == 4


def test_cards_and_case_pages_say_how_deep_the_entry_goes(client, depths):
    html = client.get(LIST).content.decode()
    assert "Facts only" in html and "Full case study" in html
    assert "Facts only" in client.get(depths["facts"].get_absolute_url()).content.decode()
    assert "Summary" in client.get(depths["summary"].get_absolute_url()).content.decode()


def test_home_page_shows_full_case_studies_first(client, depths):
    featured = client.get(reverse("cases:home")).context["featured"]
    assert [case.depth for case in featured][:2] == ["full", "full"]
    for case in depths.values():
        case.featured = True
        case.save()
    featured = client.get(reverse("cases:home")).context["featured"]
    assert [case.title for case in featured] == ["Ddd full", "Ccc full", "Bbb summary", "Aaa facts only"]
