"""
The server-drawn world maps: the list's choropleth of results by host country, each mission's
host countries, their table alternatives and links; and the contributor filter.
"""

import html as html_lib
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cases import maps
from cases.models import CaseStudy, Contribution, Status
from tests.factories import make_case, make_country, make_organization

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
MAP_LINK = re.compile(r'<a href="([^"]*)" class="map-country ([^"]*)" aria-label="([^"]*)">')


def map_links(page, map_id):
    """{aria-label: (href, classes)} of the country links in one map of the page."""
    figure = page.split(f'aria-labelledby="{map_id}-title"', 1)[1].split("</svg>", 1)[0]
    return {
        html_lib.unescape(label): (html_lib.unescape(href), classes)
        for href, classes, label in MAP_LINK.findall(figure)
    }


def map_table(page, map_id):
    """[(country name, count)] of the map's table alternative."""
    figure = page.split(f'aria-labelledby="{map_id}-title"', 1)[1].split("</figure>", 1)[0]
    table = figure.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        (html_lib.unescape(name), int(count))
        for name, count in re.findall(r'<td><a href="[^"]*">([^<]+)</a>.*?</td><td class="num">(\d+)</td>', table)
    ]


def results_count(page):
    return int(re.search(r'class="results-count">([\d,]+) case stud', page).group(1).replace(",", ""))


@pytest.fixture
def casebook():
    sl, lr, ci = make_country("SL", "Sierra Leone"), make_country("LR", "Liberia"), make_country("CI", "Côte d'Ivoire")
    make_country("GH", "Ghana")  # hosts nothing: no link
    un, au = make_organization("un"), make_organization("au")
    make_case(countries=[sl], organizations=[un])
    make_case(countries=[sl, lr], organizations=[un])
    make_case(countries=[lr], organizations=[au], region="africa", mandate_type="observer")
    make_case(countries=[ci], organizations=[un])
    make_case(countries=[ci, sl], organizations=[au])
    make_case(countries=[lr], organizations=[un], status=Status.DRAFT)
    return {"SL": sl, "LR": lr, "CI": ci}


def expected_counts(**filters):
    """Published case studies per host country name, counted here from the link table."""
    cases = CaseStudy.objects.filter(status=Status.PUBLISHED, **filters)
    return Counter(
        name for case in cases.prefetch_related("countries") for name in (c.name for c in case.countries.all())
    )


def test_list_map_links_each_host_country_with_its_count(client, casebook):
    page = client.get("/cases/").content.decode()
    expected = expected_counts()
    links = map_links(page, "host-country-map")
    assert set(links) == {f"{name}: {count} case studies" for name, count in expected.items()}
    assert not any(label.startswith("Ghana") for label in links)
    # The table alternative says the same, largest count first.
    assert map_table(page, "host-country-map") == sorted(expected.items(), key=lambda item: (-item[1], item[0]))
    # The largest count has the darkest shade.
    top = max(expected, key=expected.get)
    assert "map-step-4" in links[f"{top}: {expected[top]} case studies"][1]


def test_list_map_counts_the_filtered_results_and_links_keep_the_filters(client, casebook):
    page = client.get("/cases/?organization=un").content.decode()
    expected = expected_counts(roles__organization__slug="un", roles__role="lead")
    links = map_links(page, "host-country-map")
    assert set(links) == {f"{name}: {count} case studies" for name, count in expected.items()}
    href = links[f"Sierra Leone: {expected['Sierra Leone']} case studies"][0]
    assert "organization=un" in href and "country=SL" in href
    # Following the link filters the list by the country, the other filters kept.
    followed = client.get("/cases/" + href).content.decode()
    assert results_count(followed) == expected["Sierra Leone"]
    assert "Host country: Sierra Leone" in followed and "Organisation (led by): Organisation un" in followed


def test_a_chosen_country_is_outlined_and_its_link_removes_it(client, casebook):
    page = client.get("/cases/?country=SL&country=LR&page=1").content.decode()
    links = map_links(page, "host-country-map")
    sierra_leone = next(value for label, value in links.items() if label.startswith("Sierra Leone"))
    assert "map-chosen" in sierra_leone[1]
    assert "country=LR" in sierra_leone[0] and "country=SL" not in sierra_leone[0] and "page=" not in sierra_leone[0]
    ivory_coast = next(value for label, value in links.items() if label.startswith("Côte d'Ivoire"))
    assert "map-chosen" not in ivory_coast[1]
    followed = client.get("/cases/" + ivory_coast[0]).content.decode()
    published = CaseStudy.objects.filter(status=Status.PUBLISHED)
    assert results_count(followed) == published.filter(countries__code__in=["SL", "LR", "CI"]).distinct().count()


def test_mission_page_highlights_its_host_countries_as_links(client, casebook):
    case = CaseStudy.objects.filter(status=Status.PUBLISHED, countries__code="LR").filter(countries__code="SL").get()
    page = client.get(case.get_absolute_url()).content.decode()
    links = map_links(page, "host-map")
    assert links == {
        "Liberia": ("/countries/LR/", "map-step-0"),
        "Sierra Leone": ("/countries/SL/", "map-step-0"),
    }
    # Every other country is a plain shape, hidden from screen readers.
    svg = page.split('aria-labelledby="host-map-title"', 1)[1].split("</svg>", 1)[0]
    assert '<g class="map-background" aria-hidden="true"><path d="M' in svg
    assert svg.count("<a ") == 2
    assert "Host countries of" in svg and "<desc" in svg


def test_map_pages_have_no_inline_style_or_script(client, casebook):
    for url in ("/cases/", CaseStudy.objects.filter(status=Status.PUBLISHED).first().get_absolute_url()):
        page = client.get(url).content.decode()
        figure = page.split('<figure class="world-map', 1)[1].split("</figure>", 1)[0]
        assert "style=" not in figure and "<script" not in figure and "<style" not in figure


def test_shade_steps_cover_every_count():
    assert maps.step_bounds(1) == [1]
    assert maps.step_bounds(3) == [1, 2, 3]
    assert maps.step_bounds(7) == [2, 4, 6, 7]
    assert maps.step_bounds(400) == [100, 200, 300, 400]


def test_locator_zooms_on_its_countries_within_the_world():
    view = maps.locator([maps.MapCountry("SL", "Sierra Leone", "/countries/SL/")], title="t", description="d")
    left, top, width, height = map(float, view.view_box.split())
    box = maps.world()["countries"]["SL"]["box"]
    assert left <= box[0] and box[2] <= left + width and top <= box[1] and box[3] <= top + height
    assert width < maps.world()["width"] / 2
    # A country without a shape at this scale (Singapore) gets a map of the world and a table row.
    assert "SG" not in maps.world()["countries"]
    tiny = maps.locator([maps.MapCountry("SG", "Singapore", "/countries/SG/")], title="t", description="d")
    assert [country.name for country in tiny.not_drawn] == ["Singapore"]
    assert tiny.view_box == f"0 0 {maps.world()['width']} {maps.world()['height']}"


def test_shapes_file_is_what_the_script_makes_from_the_source():
    result = subprocess.run(
        [sys.executable, "scripts/build_world_map.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    shapes = maps.world()["countries"]
    # Spot checks against the source: a few countries' shapes exist under their ISO codes.
    for code in ("SL", "XK", "SO", "CY", "FJ", "RU", "US"):
        assert shapes[code]["d"].startswith("M")
    assert "AQ" not in shapes


# -- the contributor filter ---------------------------------------------------------------


@pytest.fixture
def contributions(casebook):
    ng, gh = make_country("NG", "Nigeria"), make_country("GH", "Ghana")
    cases = list(CaseStudy.objects.filter(status=Status.PUBLISHED).order_by("id"))
    Contribution.objects.create(case_study=cases[0], country=ng, role="troops")
    Contribution.objects.create(case_study=cases[0], country=ng, role="police")
    Contribution.objects.create(case_study=cases[2], country=ng, role="troops")
    Contribution.objects.create(case_study=cases[3], country=gh, role="funding")
    draft = CaseStudy.objects.get(status=Status.DRAFT)
    Contribution.objects.create(case_study=draft, country=gh, role="troops")
    return cases


def test_contributor_filter_lists_the_operations_a_country_contributed_to(client, contributions):
    page = client.get("/cases/?contributor=ng").content.decode()
    expected = CaseStudy.objects.filter(status=Status.PUBLISHED, contributions__country__code="NG").distinct().count()
    assert results_count(page) == expected == 2
    assert 'aria-label="Remove filter Contributing country: Nigeria"' in page


def test_contributor_and_host_filters_narrow_each_other(client, contributions):
    page = client.get("/cases/?contributor=NG&country=LR").content.decode()
    expected = (
        CaseStudy.objects.filter(status=Status.PUBLISHED, contributions__country__code="NG", countries__code="LR")
        .distinct()
        .count()
    )
    assert results_count(page) == expected


def test_unknown_contributor_is_explained_and_ignored(client, contributions):
    page = client.get("/cases/?contributor=ZZ&country=SL").content.decode()
    assert "Some filters were not understood and were ignored" in page
    assert "Contributing country" in page.split("message-error", 1)[1].split("</div>", 1)[0]
    assert results_count(page) == CaseStudy.objects.filter(status=Status.PUBLISHED, countries__code="SL").count()


def test_a_draft_contribution_offers_no_option(client, contributions):
    # Ghana contributed only funding to a published case and troops to a draft: funding counts.
    page = client.get("/cases/?contributor=GH").content.decode()
    assert results_count(page) == 1
    assert "Draft" not in page.split("results-count", 1)[1]


def test_contributor_filter_in_the_exports(client, contributions):
    response = client.get("/cases/export.csv?contributor=NG")
    rows = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(rows) - 1 == 2  # a header row, then one row per case study


def test_filter_panel_offers_the_contributing_countries_with_the_chosen_one_checked(client, contributions):
    page = client.get("/cases/?contributor=NG").content.decode()
    panel = page.split('id="facet-contributor"', 1)[1].split("</details>", 1)[0]
    offered = re.findall(r'value="(\w\w)"', panel)
    expected = (
        Contribution.objects.filter(case_study__status=Status.PUBLISHED)
        .order_by("country__name")
        .values_list("country__code", flat=True)
        .distinct()
    )
    assert offered == list(expected) == ["GH", "NG"]
    assert '<input type="checkbox" name="contributor" value="NG" checked>' in panel
