import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.factories import make_case, make_organization

pytestmark = pytest.mark.django_db
SVG = ""  # inline SVG in HTML carries no namespace


def chart_svg(html):
    # The timeline's own figure: a list page also has a map.
    start = html.index("<svg viewBox", html.index('<figure class="timeline-chart"'))
    return ET.fromstring(html[start : html.index("</svg>", start) + 6])


def test_list_timeline_follows_the_filters_with_links_colours_and_a_table(client):
    un, nato = make_organization("un"), make_organization("nato")
    make_case("ended", title="Ended mission", acronym="END", organizations=[un], region="africa")
    make_case(
        "ongoing",
        title="Ongoing mission",
        acronym="ONG",
        organizations=[nato],
        region="africa",
        start_date=datetime.date(2010, 1, 1),
        end_date=None,
        outcome="ongoing",
    )
    make_case("elsewhere", title="Elsewhere", acronym="ELS", region="europe")
    html = client.get(reverse("cases:list"), {"region": "africa"}).content.decode()
    svg = chart_svg(html)
    assert svg.find(f"{SVG}title").text.startswith("Timeline of 2 missions")
    assert svg.find(f"{SVG}desc") is not None
    links = svg.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["/cases/ended/", "/cases/ongoing/"]
    fills = [a.find(f"{SVG}rect").get("fill") for a in links]
    assert fills[0] != fills[1]  # coloured by lead organisation
    assert links[1].find(f"{SVG}polygon") is not None and links[0].find(f"{SVG}polygon") is None  # open end
    assert (
        "The timeline as a table" in html
        and "Elsewhere" not in html.split('<figure class="timeline-chart"')[1].split("</figure>")[0]
    )


def test_home_shows_the_timeline_of_all_published_missions(client):
    make_case(title="Visible", acronym="VIS")
    make_case(title="Hidden", acronym="HID", status="draft")
    svg = chart_svg(client.get(reverse("cases:home")).content.decode())
    labels = [a.get("aria-label") for a in svg.findall(f"{SVG}a")]
    assert len(labels) == 1 and labels[0].startswith("Visible")


def test_list_timeline_draws_the_results_on_the_page_by_start_date(client):
    for number in range(23):
        make_case(title=f"Mission {number:02}", start_date=datetime.date(2000 - number, 1, 1))
    html = client.get(reverse("cases:list")).content.decode()  # by title: Mission 00 to Mission 19
    links = chart_svg(html).findall(f"{SVG}a")
    assert len(links) == 20
    labels = [a.get("aria-label").split(",")[0] for a in links]
    assert labels == [f"Mission {number:02}" for number in reversed(range(20))]  # earliest first
    assert "The chart shows the 20 case studies on this page" in html
    last_page = client.get(reverse("cases:list"), {"page": 2}).content.decode()
    assert len(chart_svg(last_page).findall(f"{SVG}a")) == 3


def test_coordinates_stay_plain_numbers_whatever_the_number_format(client, settings):
    # A locale with decimal commas and thousand separators must not reach the drawing.
    settings.LANGUAGE_CODE, settings.USE_THOUSAND_SEPARATOR = "de", True
    make_case(title="Ongoing mission", start_date=datetime.date(1999, 7, 1), end_date=None, outcome="ongoing")
    svg = chart_svg(client.get(reverse("cases:list")).content.decode())
    rect = svg.find(f"{SVG}a").find(f"{SVG}rect")
    assert all(float(rect.get(name)) > 0 for name in ("x", "y", "width"))
    points = svg.find(f"{SVG}a").find(f"{SVG}polygon").get("points")
    assert all(float(number) > 0 for point in points.split() for number in point.split(","))
    assert "," not in svg.get("viewBox")
