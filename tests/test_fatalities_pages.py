"""
The fatality figures readers see equal counts computed here, with the csv module, from the
shipped file: for every mission and every country of the shipped content. The grouping of rows
into missions is done again here from the content files, apart from the importer's code.
"""

import csv
import datetime
import html
import re
from collections import defaultdict

import pycountry
import pytest
import yaml
from django.urls import reverse

from cases.content_loader import CONTENT_DIR, load_content
from cases.models import CaseStudy, Country
from cases.un_figures import mission_fatalities, nationals_fatalities

SHIPPED_CSV = CONTENT_DIR / "data" / "un-psdata" / "DPPADPOSS-FATALITIES.csv"
ROMAN = re.compile(r"^[IVX]+$")
# The three nationalities the hub published without codes, with the countries they name.
UNCODED_NATIONALITIES = {"Côte dIvoire": "CI", "Mauritius": "MU", "Viet Nam": "VN"}


def shipped_case_studies():
    """slug -> (acronym, start date, status) from the content files."""
    cases = {}
    for path in sorted((CONTENT_DIR / "cases").glob("*.yaml")):
        item = yaml.safe_load(path.read_text(encoding="utf-8"))["case_study"]
        cases[item["slug"]] = (item.get("acronym") or "", item["start_date"], item.get("status", "published"))
    return cases


def mission_of(acronym, incident_date, cases):
    """The slug a row belongs to: same acronym, or the acronym and a roman numeral; then by date."""
    candidates = sorted(
        (start, slug)
        for slug, (case_acronym, start, _) in cases.items()
        if case_acronym == acronym
        or (case_acronym.startswith(acronym + " ") and ROMAN.match(case_acronym[len(acronym) + 1 :]))
    )
    if not candidates:
        return None
    begun = [slug for start, slug in candidates if start <= incident_date]
    return begun[-1] if begun else candidates[0][1]


def csv_rows():
    with SHIPPED_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            row = {name: value.strip() for name, value in row.items()}
            row["incident_date"] = datetime.date.fromisoformat(row["incident_date"])
            yield row


def expected_by_mission():
    """slug -> {"ids", "years": {year: ids}, "incidents": {label: ids}} of distinct casualty ids."""
    cases = shipped_case_studies()
    figures = defaultdict(lambda: {"ids": set(), "years": defaultdict(set), "incidents": defaultdict(set)})
    for row in csv_rows():
        slug = mission_of(row["mission_acronym"], row["incident_date"], cases)
        if slug:
            figures[slug]["ids"].add(row["casualty_id"])
            figures[slug]["years"][row["incident_date"].year].add(row["casualty_id"])
            figures[slug]["incidents"][row["type_of_incident"].lower()].add(row["casualty_id"])
    return figures


@pytest.fixture
def loaded(shipped_casebook_for_module, db):
    """The shipped content with the shipped fatalities (see tests/conftest.py), each test's changes rolled back."""


def section_of(page):
    match = re.search(r'<section class="fatalities".*?</section>', page, re.S)
    return match and match.group(0)


def table_rows(section, table_class):
    table = re.search(rf'<table class="{table_class}">.*?<tbody>(.*?)</tbody>', section, re.S).group(1)
    rows = {}
    for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table, re.S):
        numbers = [int(cell.replace(",", "")) for cell in re.findall(r'<td class="num">([\d,]+)</td>', cells)]
        rows[html.unescape(label)] = numbers
    return rows


def test_every_mission_page_shows_the_counts_of_the_shipped_file(loaded, client):
    expected = expected_by_mission()
    cases = shipped_case_studies()
    published = [slug for slug, (_, _, status) in cases.items() if status == "published"]
    assert {"sierra-leone-unamsil", "egypt-unef-i", "egypt-unef-ii"} <= set(expected)
    checked = 0
    for slug in published:
        page = client.get(reverse("cases:detail", args=[slug])).content.decode()
        section = section_of(page)
        if slug not in expected:
            assert section is None, slug
            continue
        figures = expected[slug]
        total = int(re.search(r'data-figure="fatalities-total">([\d,]+)<', section).group(1).replace(",", ""))
        assert total == len(figures["ids"]), slug
        years = {int(year): counts[0] for year, counts in table_rows(section, "fatalities-by-year").items()}
        assert {year: n for year, n in years.items() if n} == {y: len(ids) for y, ids in figures["years"].items()}
        incidents = {
            label.lower(): counts[-1] for label, counts in table_rows(section, "fatalities-by-incident").items()
        }
        assert incidents == {label: len(ids) for label, ids in figures["incidents"].items()}, slug
        checked += 1
    assert checked == len(expected)


def test_the_readme_figures_hold(loaded):
    # Counted by hand from the file: UNAMSIL 192 (Illness 87, Accident 79, Malicious Act 17,
    # Self-Inflicted 6, To Be Determined 2, Unknown 1), UNEF I 104 and UNEF II 56.
    unamsil = mission_fatalities(CaseStudy.objects.get(slug="sierra-leone-unamsil"))
    assert unamsil.total == 192
    assert {row["label"]: row["total"] for row in unamsil.by_incident} == {
        "Illness": 87,
        "Accident": 79,
        "Malicious act": 17,
        "Self-inflicted": 6,
        "To be determined": 2,
        "Unknown": 1,
    }
    assert CaseStudy.objects.get(slug="egypt-unef-i").un_fatalities == 104
    assert CaseStudy.objects.get(slug="egypt-unef-ii").un_fatalities == 56


def test_every_figure_cites_the_dataset_source_with_licence_and_caveats(loaded, client):
    page = client.get(reverse("cases:detail", args=["mali-minusma"])).content.decode()
    section = section_of(page)
    number = re.search(r'data-figure="fatalities-total">[\d,]+</strong>.*?<a href="#ref-(\d+)"', section, re.S).group(1)
    reference = re.search(rf'<li id="ref-{number}".*?</li>', page, re.S).group(0)
    assert "Mission Fatalities" in html.unescape(reference)
    assert "DPPADPOSS-FATALITIES" in reference
    assert "CC BY-IGO 3.0" in section
    assert "Data from before 2000 may not be complete." in section


def test_every_country_of_the_casebook_gets_its_nationals_counts(loaded, client):
    cases = shipped_case_studies()
    expected = defaultdict(lambda: defaultdict(set))
    for row in csv_rows():
        code = UNCODED_NATIONALITIES.get(row["casualty_nationality"])
        if row["isocode3"]:
            country = pycountry.countries.get(alpha_3=row["isocode3"])
            code = country.alpha_2 if country else None
        if code:
            slug = mission_of(row["mission_acronym"], row["incident_date"], cases)
            expected[code][slug or row["mission_acronym"]].add(row["casualty_id"])
    countries = list(Country.objects.all())
    assert len(countries) > 50
    for country in countries:
        figures = nationals_fatalities(country)
        wanted = {mission: len(ids) for mission, ids in expected[country.code].items()}
        if not wanted:
            assert figures is None, country.code
            continue
        shown = {
            row["case_study"].slug if row["case_study"] else row["acronym"]: row["count"] for row in figures.missions
        }
        assert shown == wanted, country.code
        assert figures.total == sum(wanted.values())
        # And the country's page shows exactly these.
        page = client.get(reverse("cases:country_detail", args=[country.code])).content.decode()
        table = re.search(r'<table class="nationals-fatalities">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
        on_page = {}
        for label, number in re.findall(r'<tr><th scope="row">(.*?)</th><td class="num">([\d,]+)</td></tr>', table):
            linked = re.match(r'<a href="/cases/([^/]+)/#fatalities">', label)
            on_page[linked.group(1) if linked else html.unescape(label)] = int(number.replace(",", ""))
        assert on_page == wanted, country.code
        total = re.search(r'data-figure="nationals-fatalities-total">([\d,]+)<', page).group(1)
        assert int(total.replace(",", "")) == sum(wanted.values()), country.code


def test_the_list_sorts_by_fatalities_with_missing_figures_last(loaded, client):
    expected = expected_by_mission()
    page = client.get(reverse("cases:list") + "?sort=-fatalities").content.decode()
    figures = [int(n.replace(",", "")) for n in re.findall(r"UN-recorded fatalities: ([\d,]+)<", page)]
    assert figures == sorted((len(f["ids"]) for f in expected.values()), reverse=True)[: len(figures)]
    last = client.get(reverse("cases:list") + "?sort=fatalities&page=999").content.decode()
    assert "UN-recorded fatalities: n/a" in last


def test_loading_the_content_again_changes_nothing(loaded):
    assert load_content().changed == 0


def test_compare_shows_each_missions_fatalities_cited_to_the_dataset(loaded, client):
    expected = expected_by_mission()
    page = client.get("/compare/?cases=sierra-leone-unamsil&cases=kosovo-kfor&cases=egypt-unef-i").content.decode()
    row = re.search(r"<tr[^>]*>\s*<th scope=\"row\">UN-recorded fatalities.*?</tr>", page, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    values = [re.sub(r"<sup.*?</sup>|<[^>]+>", "", cell).split()[-1] for cell in cells]
    # KFOR is NATO's: the UN records no deaths for it.
    assert values == [
        f"{len(expected['sierra-leone-unamsil']['ids']):,}",
        "n/a",
        f"{len(expected['egypt-unef-i']['ids']):,}",
    ]
    number = re.search(r'href="#ref-(\d+)"', cells[0]).group(1)
    assert re.search(rf'<li id="ref-{number}".*?Mission Fatalities', page, re.S)
    assert 'href="#ref-' not in cells[1]


def api_rows(client, **query):
    rows, address = [], reverse("api:fatality-list") + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    while address:
        body = client.get(address).json()
        rows += body["results"]
        address = body["next"]
    return rows


def test_the_api_serves_the_same_counts_as_a_data_series(loaded, client):
    expected = expected_by_mission()
    figures = expected["sierra-leone-unamsil"]
    rows = api_rows(client, case_study="sierra-leone-unamsil", page_size=200)
    assert sum(row["deaths"] for row in rows) == len(figures["ids"])
    by_year = defaultdict(int)
    for row in rows:
        by_year[row["year"]] += row["deaths"]
        assert row["source"] == "un-psdata-dppadposs-fatalities" and row["mission_acronym"] == "UNAMSIL"
    assert dict(by_year) == {year: len(ids) for year, ids in figures["years"].items()}
    in_2000 = api_rows(client, case_study="sierra-leone-unamsil", year=2000)
    assert sum(row["deaths"] for row in in_2000) == len(figures["years"][2000])
    # Every death of the file is counted once, its mission named or not (the six people the file
    # lists under two names of one country are one row each).
    everything = api_rows(client, page_size=200)
    assert sum(row["deaths"] for row in everything) == len({row["casualty_id"] for row in csv_rows()})
