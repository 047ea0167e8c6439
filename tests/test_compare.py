"""Comparing case studies: the picker, facts side by side, challenges marked, strength charts on one scale."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import add_strength, make_case, make_challenge, make_source

pytestmark = pytest.mark.django_db
D = datetime.date
ERROR = "message-error"


def compare(client, *slugs, **extra):
    return client.get(reverse("cases:compare"), {"cases": list(slugs), **extra})


def row_of(html, label):
    """The compare table's row whose header starts with `label`: (header text, [cell texts])."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if header and re.sub(r"<[^>]+>", "", header.group(1)).strip().startswith(label):
            cells = re.findall(r"<td>(.*?)</td>", row, re.S)
            return (
                " ".join(re.sub(r"<[^>]+>", " ", header.group(1)).split()),
                [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells],
            )
    raise AssertionError(f"no row {label}")


@pytest.fixture
def pair():
    consent, spoilers, logistics = (
        make_challenge("host-state-consent", name="Host-state consent"),
        make_challenge("spoilers", name="Spoilers"),
        make_challenge("logistics", name="Logistics"),
    )
    first = make_case(
        "first",
        title="First mission",
        acronym="FIRST",
        mission_name="First Mission",
        challenges=[consent, spoilers],
        start_date=D(1999, 10, 22),
        end_date=D(2005, 12, 31),
    )
    second = make_case(
        "second",
        title="Second mission",
        acronym="SECOND",
        mission_name="Second Mission",
        challenges=[consent, logistics],
        start_date=D(2003, 9, 19),
        end_date=D(2018, 3, 30),
    )
    resolution = make_source(identifier="S/RES/1346 (2001)")
    add_strength(first, 6000, resolution, date=D(1999, 10, 22))
    add_strength(first, 17500, resolution, date=D(2001, 3, 30))
    add_strength(first, 12000, resolution, kind="deployed", date=D(2001, 4, 1), approximate=True)
    add_strength(second, 15000, make_source(), date=D(2003, 9, 19))
    make_case("draft", title="DRAFTCASE", status="draft")
    return first, second


def test_opening_compare_asks_for_a_choice_without_an_error(client, pair):
    html = compare(client).content.decode()
    assert ERROR not in html and "Choose at least two" not in html
    assert "Choose two to four case studies to compare." in html
    assert '<details class="compare-picker" open>' in html
    assert 'value="first"' in html and 'value="second"' in html and "DRAFTCASE" not in html


def test_arriving_with_one_case_chosen_asks_for_more_without_an_error(client, pair):
    html = compare(client, "first").content.decode()
    assert ERROR not in html
    assert "First mission is chosen: choose one to three more" in html
    assert re.search(r'value="first"\s+checked', html)


@pytest.mark.parametrize("slugs", [[], ["first"], ["first", "first"]])
def test_submitting_fewer_than_two_is_explained(client, pair, slugs):
    html = compare(client, *slugs, compare="1").content.decode()
    assert ERROR in html and "Choose at least two case studies to compare." in html
    assert "compare-table" not in html


@pytest.mark.parametrize("slug", ["nope", "draft"])
def test_an_unknown_or_unpublished_case_study_is_named_and_the_others_kept(client, pair, slug):
    html = compare(client, "first", "second", slug).content.decode()
    assert f"There is no published case study “{slug}”." in html
    assert "compare-table" in html and "DRAFTCASE" not in html


def test_the_picker_folds_away_once_two_are_chosen(client, pair):
    html = compare(client, "first", "second").content.decode()
    assert '<details class="compare-picker">' in html
    assert "Change the selection (2 chosen)" in html
    assert ERROR not in html


def test_names_and_acronyms_differ_without_being_marked(client, pair):
    html = compare(client, "first", "second").content.decode()
    assert row_of(html, "Mission") == (
        "Mission",
        ["FIRST First Mission unverified", "SECOND Second Mission unverified"],
    )
    assert row_of(html, "Acronym")[0] == "Acronym"
    assert row_of(html, "Start")[0] == "Start differs"


def test_shared_and_unique_challenges_are_marked(client, pair):
    html = compare(client, "first", "second").content.decode()
    header, cells = row_of(html, "Challenges")
    assert header == "Challenges"
    assert cells == [
        "FIRST Host-state consent shared Spoilers only here",
        "SECOND Host-state consent shared Logistics only here",
    ]


def test_comparing_three_says_which_others_share_a_challenge(client, pair):
    make_case("third", acronym="THIRD", challenges=[make_challenge("spoilers-too", name="Sanctions")])
    third = make_case("fourth", acronym="FOURTH")
    third.case_challenges.create(challenge_id=pair[0].case_challenges.get(challenge__slug="spoilers").challenge_id)
    cells = row_of(compare(client, "first", "second", "fourth").content.decode(), "Challenges")[1]
    assert cells[0] == "FIRST Host-state consent (also SECOND) Spoilers (also FOURTH)"
    assert cells[2] == "FOURTH Spoilers (also FIRST)"


def test_duration_and_peak_strengths_side_by_side(client, pair):
    html = compare(client, "first", "second").content.decode()
    # 22 October 1999 to 31 December 2005; 19 September 2003 to 30 March 2018.
    assert row_of(html, "Duration")[1] == ["FIRST 6 years 2 months", "SECOND 14 years 6 months"]
    authorised = row_of(html, "Peak authorised strength")[1]
    assert re.fullmatch(r"FIRST 17,500 \(2001\) \[\d+\]", authorised[0])
    assert re.fullmatch(r"SECOND 15,000 \(2003\) \[\d+\]", authorised[1])
    deployed = row_of(html, "Peak deployed strength")[1]
    assert re.fullmatch(r"FIRST about 12,000 \(2001\) \[\d+\]", deployed[0]) and deployed[1] == "SECOND n/a"


def test_no_fatalities_row_until_a_case_study_has_the_figure(client, pair):
    assert "UN-recorded fatalities" not in compare(client, "first", "second").content.decode()


def test_strength_charts_side_by_side_on_one_scale(client, pair):
    html = compare(client, "first", "second").content.decode()
    charts = html[html.index('class="compare-charts"') :]
    assert charts.count('<svg class="chart-svg"') == 2
    assert "Strength of FIRST over time" in charts and "Strength of SECOND over time" in charts
    # Each chart's value axis ends at the same round number above the higher peak (17,500).
    svgs = [ET.fromstring(svg) for svg in re.findall(r'<svg class="chart-svg".*?</svg>', charts, re.S)]
    tops = [[text.text for text in svg.iter("text") if text.get("text-anchor") == "end"][-1] for svg in svgs]
    assert tops == ["20,000", "20,000"]
    # Every point links to a reference listed on the page.
    for href in set(re.findall(r'<a href="(#ref-\d+)" aria-label="(?:Authorised|Deployed)', charts)):
        assert f'id="{href[1:]}"' in html


def test_a_case_without_figures_says_so_beside_the_other_chart(client, pair):
    make_case("bare", acronym="BARE")
    html = compare(client, "first", "bare").content.decode()
    assert "No strength figures are recorded for BARE." in html
    assert html.count('<svg class="chart-svg"') == 1


def test_compare_runs_a_fixed_number_of_queries(client, pair):
    for n in range(2):
        extra = make_case(f"extra-{n}", challenges=[make_challenge(f"c-{n}")])
        for year in range(2000, 2008):
            add_strength(extra, 100 * year, make_source(), date=D(year, 1, 1))

    def queries(*slugs):
        compare(client, *slugs)
        with CaptureQueriesContext(connection) as captured:
            assert compare(client, *slugs).status_code == 200
        return len(captured)

    assert queries("first", "second") == queries("first", "second", "extra-0", "extra-1") <= 15
