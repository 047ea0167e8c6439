"""Server-drawn SVG charts: scales and ticks, the strength chart on case pages, the bar chart of counts by year."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from cases import charts
from tests.factories import add_strength, make_case, make_source

D = datetime.date


def svg_of(html, chart_id):
    """The chart whose title has this id, parsed (inline SVG in HTML carries no namespace)."""
    start = html.rindex("<svg", 0, html.index(f'id="{chart_id}-title"'))
    return ET.fromstring(html[start : html.index("</svg>", start) + 6])


def table_rows(html, chart_id):
    """The rows of the table in the figure of this chart, each as a list of cell texts."""
    figure = html[html.index(f'id="{chart_id}-title"') :]
    table = figure[figure.index("<tbody>") : figure.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def markers(svg):
    return [path for path in svg.iter("path") if path.get("class") == "chart-marker"]


def marker_x(path):
    """The x of a marker's centre: a square starts half its side left of it, a circle its radius."""
    x = float(re.match(r"M([\d.]+),", path.get("d")).group(1))
    return x + charts.MARKER_RADIUS


def references_by_number(html):
    return {
        number: re.sub(r"<[^>]+>", " ", text)
        for number, text in re.findall(r'<li id="ref-(\d+)" value="\d+">(.*?)</li>', html, re.S)
    }


# Scales and ticks


@pytest.mark.parametrize("maximum", [1, 3, 7, 10, 99, 101, 1234, 17500, 50000, 123456])
def test_value_ticks_are_round_evenly_spaced_and_cover_the_maximum(maximum):
    ticks = charts.nice_ticks(maximum)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks[-1] >= maximum
    assert ticks[-2] < maximum  # no empty band above the highest value
    assert all(b - a == step for a, b in zip(ticks, ticks[1:], strict=False))
    assert re.fullmatch(r"[125]0*", str(step)), step
    assert 2 <= len(ticks) <= 11


def test_value_ticks_of_nothing_still_make_an_axis():
    assert charts.nice_ticks(0) == [0, 1]


def test_date_ticks_are_years_for_a_mission_of_some_years():
    ticks = charts.date_ticks(D(1999, 10, 22), D(2005, 12, 31))
    assert [label for _, label in ticks] == ["2000", "2001", "2002", "2003", "2004", "2005"]
    assert all(day.month == 1 and day.day == 1 for day, _ in ticks)


def test_date_ticks_thin_out_over_decades_and_become_months_over_weeks():
    decades = charts.date_ticks(D(1948, 5, 29), D(2026, 1, 1))
    years = [day.year for day, _ in decades]
    assert (
        len(decades) <= charts.MAX_X_TICKS
        and years == sorted(years)
        and len({b - a for a, b in zip(years, years[1:], strict=False)}) == 1
    )
    weeks = charts.date_ticks(D(2022, 1, 6), D(2022, 2, 10))
    assert [label for _, label in weeks] == ["Feb 2022"]


def test_palette_colours_pass_contrast_against_white():
    def luminance(colour):
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for colour in charts.PALETTE:
        assert (1.05) / (luminance(colour) + 0.05) >= 4.5, colour


# The strength chart on a case page


@pytest.fixture
def unamsil_like(db):
    """A mission with three ceilings, one raised by a resolution with a locator, and one deployed count."""
    case = make_case("unamsil", title="Sierra Leone (UNAMSIL)", acronym="UNAMSIL")
    first, second, third = (make_source(identifier=f"S/RES/{n} (2000)") for n in (1270, 1289, 1346))
    news = make_source(identifier="", title="Troops arrive", kind="news")
    add_strength(case, 6000, first, date=D(1999, 10, 22), personnel="military")
    add_strength(case, 11100, second, date=D(2000, 2, 7), personnel="military")
    add_strength(case, 17500, third, date=D(2001, 3, 30), personnel="military", locator="para. 2")
    add_strength(case, 12000, news, kind="deployed", date=D(2001, 4, 1), date_precision="month", approximate=True)
    return case


@pytest.mark.django_db
def test_every_figure_is_a_point_linked_to_its_reference_and_a_row_of_the_table(client, unamsil_like):
    html = client.get(unamsil_like.get_absolute_url()).content.decode()
    svg = svg_of(html, "strength-unamsil")
    assert svg.find("title").text == "Strength of UNAMSIL over time"
    links = svg.findall(".//a")
    assert len(links) == 4 == len(markers(svg))
    references = references_by_number(html)
    expected = {
        "6,000, 22 October 1999": "S/RES/1270 (2000)",
        "11,100, 7 February 2000": "S/RES/1289 (2000)",
        "17,500, 30 March 2001": "S/RES/1346 (2000)",
        "about 12,000, April 2001": "Troops arrive",
    }
    for link in links:
        label = link.get("aria-label")
        value_and_date = next(key for key in expected if key in label)
        # The point's link leads to the reference of the source that gives the figure.
        assert expected[value_and_date] in references[link.get("href").removeprefix("#ref-")]
    rows = table_rows(html, "strength-unamsil")
    assert [(row[0], row[2]) for row in rows] == [
        ("22 October 1999", "6,000"),
        ("7 February 2000", "11,100"),
        ("30 March 2001", "17,500"),
        ("April 2001", "about 12,000"),
    ]
    assert rows[2][3].startswith("S/RES/1346 (2000)") and "para. 2" in rows[2][3]
    assert rows[3][1] == "Deployed military personnel" and rows[0][1] == "Authorised military personnel"


@pytest.mark.django_db
def test_axes_are_labelled_and_series_told_apart_without_colour(client, unamsil_like):
    html = client.get(unamsil_like.get_absolute_url()).content.decode()
    svg = svg_of(html, "strength-unamsil")
    texts = [text.text for text in svg.iter("text")]
    assert "Year" in texts and "Personnel" in texts
    assert {"2000", "2001"} <= set(texts) and "15,000" in texts
    lines = [path for path in svg.iter("path") if path.get("class") != "chart-marker"]
    assert len(lines) == 1  # three ceilings make a line; a single deployed count does not
    # Ceilings are steps: each holds until the next, so the line has a corner before each change.
    assert lines[0].get("d").count("L") == 2 * 3 - 2
    assert lines[0].get("stroke-dasharray") is None
    shapes = {path.get("d").split()[1][0] for path in markers(svg)}  # "h" for a square, "a" for a circle
    assert shapes == {"h", "a"}


@pytest.mark.django_db
def test_a_chart_with_one_point_draws_the_point_and_its_axes(client):
    case = make_case("one", acronym="ONE")
    add_strength(case, 1500, make_source(identifier="S/RES/1 (1999)"), date=D(2000, 6, 1))
    html = client.get(case.get_absolute_url()).content.decode()
    svg = svg_of(html, "strength-one")
    assert len(markers(svg)) == 1 and len(svg.findall(".//a")) == 1
    assert [path for path in svg.iter("path") if path.get("class") != "chart-marker"] == []
    texts = [text.text for text in svg.iter("text")]
    assert "1,500" in " ".join(html.split()) and "Year" in texts and "2000" in texts
    assert len(table_rows(html, "strength-one")) == 1


@pytest.mark.django_db
def test_a_mission_with_no_deployed_figure_has_no_deployed_series(client):
    case = make_case("ceilings", acronym="CEIL")
    source = make_source()
    add_strength(case, 100, source, date=D(2000, 1, 1), personnel="observers")
    add_strength(case, 200, source, date=D(2001, 1, 1), personnel="observers")
    add_strength(case, 50, source, date=D(2001, 1, 1), personnel="police")
    html = client.get(case.get_absolute_url()).content.decode()
    legend = html[html.index('class="legend chart-legend"') : html.index("</ul>", html.index("chart-legend"))]
    assert "Deployed" not in legend
    assert "Authorised military observers" in legend and "Authorised police" in legend
    assert len(table_rows(html, "strength-ceilings")) == 3


@pytest.mark.django_db
def test_a_mission_without_figures_has_no_chart(client):
    case = make_case("none")
    html = client.get(case.get_absolute_url()).content.decode()
    assert "strength-none-title" not in html and "Strength over time" not in html


@pytest.mark.django_db
def test_dates_known_to_the_month_or_year_sit_in_the_middle_of_it(client):
    case = make_case("vague", acronym="VAGUE", start_date=D(2000, 1, 1), end_date=D(2004, 12, 31))
    source = make_source()
    add_strength(case, 100, source, date=D(2001, 4, 10))
    add_strength(case, 110, source, date=D(2001, 4, 20))
    add_strength(case, 120, source, date=D(2003, 6, 1))
    add_strength(case, 130, source, date=D(2003, 8, 1))
    add_strength(case, 90, source, kind="deployed", date=D(2001, 4, 1), date_precision="month")
    add_strength(case, 95, source, kind="deployed", date=D(2003, 1, 1), date_precision="year")
    html = client.get(case.get_absolute_url()).content.decode()
    x_of = {}
    for link in svg_of(html, "strength-vague").findall(".//a"):
        value = re.search(r": (\d+),", link.get("aria-label")).group(1)
        x_of[value] = marker_x(link.find("path"))
    assert x_of["100"] < x_of["90"] < x_of["110"]  # April 2001: between the 10th and the 20th
    assert x_of["120"] < x_of["95"] < x_of["130"]  # 2003: between June and August
    dates = {row[2]: row[0] for row in table_rows(html, "strength-vague")}
    assert dates["90"] == "April 2001" and dates["95"] == "2003"


@pytest.mark.django_db
def test_a_figure_from_an_unpublished_source_is_not_drawn(client):
    case = make_case("hidden-source", acronym="HS")
    add_strength(case, 4000, make_source())
    add_strength(case, 9999, make_source(status="draft"), date=D(2001, 1, 1))
    html = client.get(case.get_absolute_url()).content.decode()
    assert len(markers(svg_of(html, "strength-hidden-source"))) == 1
    assert "9,999" not in html and "9999" not in html


@pytest.mark.django_db
def test_the_case_page_runs_as_many_queries_with_or_without_a_chart(client):
    def queries(case):
        client.get(case.get_absolute_url())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(case.get_absolute_url()).status_code == 200
        return len(captured)

    plain = make_case("plain")
    charted = make_case("charted")
    for year in range(2000, 2010):
        add_strength(charted, 1000 * (year - 1999), make_source(), date=D(year, 1, 1))
        add_strength(charted, 500 * (year - 1999), make_source(), kind="deployed", date=D(year, 6, 1))
    assert queries(plain) == queries(charted)


# The bar chart of counts by year


def test_bar_chart_has_a_bar_and_a_row_for_each_year_given():
    chart = charts.bar_chart(
        [(2003, 10), (2001, 3), (2002, 0), (2006, 4)],
        chart_id="fatalities",
        title="Fatalities by year",
        description="One bar per year.",
        x_label="Year",
        y_label="Fatalities",
    )
    html = render_to_string("includes/bar_chart.svg.html", {"chart": chart})
    svg = svg_of(html, "fatalities")
    bars = {rect.get("aria-label").split(":")[0]: float(rect.get("height")) for rect in svg.iter("rect")}
    assert list(bars) == ["2001", "2002", "2003", "2006"]  # 2004 and 2005 unknown: no bar
    assert bars["2002"] == 0 and bars["2003"] == pytest.approx(bars["2001"] * 10 / 3, rel=0.02)
    xs = [float(rect.get("x")) for rect in svg.iter("rect")]
    assert xs[3] - xs[2] == pytest.approx(3 * (xs[2] - xs[1]), rel=0.01)  # years keep their place
    texts = [text.text for text in svg.iter("text")]
    assert "Year" in texts and "Fatalities" in texts and "2004" in texts
    assert table_rows(html, "fatalities") == [["2001", "3"], ["2002", "0"], ["2003", "10"], ["2006", "4"]]


def test_bar_chart_of_nothing_is_none_and_one_year_is_one_bar():
    arguments = {"chart_id": "c", "title": "t", "description": "d", "x_label": "Year", "y_label": "n"}
    assert charts.bar_chart([], **arguments) is None
    chart = charts.bar_chart([(1999, 1234)], **arguments)
    assert len(chart.bars) == 1 and chart.bars[0].label == "1,234" and [t.label for t in chart.x_ticks] == ["1999"]
