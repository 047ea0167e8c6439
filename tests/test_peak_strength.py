"""Authorised and deployed peaks: derived from published figures, sortable, 'n/a' when unknown and last."""

import datetime

import pytest
from django.urls import reverse

from cases.models import CaseStudy, Status
from tests.factories import add_strength, make_case, make_source

pytestmark = pytest.mark.django_db

LIST = reverse("cases:list")


@pytest.fixture
def missions():
    source = make_source()
    isaf = make_case("isaf", title="Afghanistan (ISAF)")
    minustah = make_case("minustah", title="Haiti (MINUSTAH)")
    unknown = make_case("unknown", title="Unknown strength")
    add_strength(isaf, 130_000, source, kind="deployed", date=datetime.date(2011, 1, 1))
    add_strength(minustah, 8_940, source, kind="authorised")
    add_strength(minustah, 6_700, source, kind="deployed")
    return {"isaf": isaf, "minustah": minustah, "unknown": unknown, "source": source}


def peaks(case):
    case = CaseStudy.objects.get(pk=case.pk)
    return case.peak_authorised_strength, case.peak_deployed_strength


def titles(client, query):
    return [case.title for case in client.get(f"{LIST}?{query}").context["object_list"]]


def test_both_peaks_are_derived_from_their_own_figures(missions):
    assert peaks(missions["isaf"]) == (None, 130_000)
    assert peaks(missions["minustah"]) == (8_940, 6_700)
    assert peaks(missions["unknown"]) == (None, None)


def test_a_figure_cited_to_a_draft_source_counts_only_once_the_source_is_published(missions):
    draft = make_source(status=Status.DRAFT)
    add_strength(missions["minustah"], 12_000, draft, kind="authorised")
    add_strength(missions["minustah"], 9_000, draft, kind="deployed")
    assert peaks(missions["minustah"]) == (8_940, 6_700)
    draft.status = Status.PUBLISHED
    draft.save()
    assert peaks(missions["minustah"]) == (12_000, 9_000)
    draft.status = Status.DRAFT
    draft.save()
    assert peaks(missions["minustah"]) == (8_940, 6_700)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-deployed_strength", ["Afghanistan (ISAF)", "Haiti (MINUSTAH)", "Unknown strength"]),
        ("deployed_strength", ["Haiti (MINUSTAH)", "Afghanistan (ISAF)", "Unknown strength"]),
        ("-strength", ["Haiti (MINUSTAH)", "Afghanistan (ISAF)", "Unknown strength"]),
        ("strength", ["Haiti (MINUSTAH)", "Afghanistan (ISAF)", "Unknown strength"]),
    ],
)
def test_missing_peaks_sort_last_both_ways(client, missions, sort, expected):
    assert titles(client, f"sort={sort}") == expected


def test_cards_show_the_figure_the_list_is_sorted_by(client, missions):
    html = client.get(f"{LIST}?sort=-deployed_strength").content.decode()
    assert "Peak deployed strength: 130,000" in html
    assert "Peak deployed strength: n/a" in html
    html = client.get(f"{LIST}?sort=strength").content.decode()
    assert "Peak authorised strength: 8,940" in html and "Peak authorised strength: n/a" in html
    html = client.get(f"{LIST}?sort=-start").content.decode()
    assert "Start: 22 October 1999" in html
    assert "Peak deployed strength:" not in client.get(f"{LIST}?sort=title").content.decode()


def test_case_page_and_comparison_show_both_peaks_or_na(client, missions):
    html = client.get(missions["isaf"].get_absolute_url()).content.decode()
    assert "Peak deployed strength" in html and "130,000" in html
    assert "Peak authorised strength</dt><dd>n/a" in html
    compare = client.get(f"{reverse('cases:compare')}?cases=isaf&cases=minustah")
    rows = {row["label"]: [cell["value"] for cell in row["cells"]] for row in compare.context["rows"]}
    assert rows["Peak authorised strength"] == ["n/a", "8,940 (2000)"]
    assert rows["Peak deployed strength"] == ["130,000 (2011)", "6,700 (2000)"]
