"""Readers reuse what they find: exports of the filtered list, bibliographies, citations, feeds."""

import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET

import bibtexparser
import pytest
from django.urls import reverse

from cases.models import CaseStudy, Status
from tests.factories import add_strength, cite, make_case, make_organization, make_source

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def casebook():
    un, nato = make_organization("un", name="United Nations"), make_organization("nato")
    resolution = make_source(key="unsc-res-1244-1999", title="Resolution 1244 (1999)")
    draft_source = make_source(key="draft-source", title="DRAFTSOURCE", status=Status.DRAFT)
    kfor = make_case("kosovo-kfor", title="Kosovo (KFOR)", organizations=[nato, (un, "authorising")], region="europe")
    cite(kfor, resolution, field="start_date", locator="para. 7")
    cite(kfor, draft_source, field="mandate_type")
    add_strength(kfor, 50000, resolution, kind="deployed", approximate=True)
    unamsil = make_case("sierra-leone-unamsil", title="Sierra Leone (UNAMSIL)", organizations=[un])
    add_strength(unamsil, 17500, resolution)
    make_case("draft-case", title="DRAFTCASE", organizations=[un], status=Status.DRAFT)
    return {"kfor": kfor, "unamsil": unamsil}


def test_csv_export_is_the_filtered_list(client, casebook):
    response = client.get(
        reverse("cases:export", args=["csv"]), {"organization": "un", "organization_role": "any", "sort": "-strength"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    page = client.get(reverse("cases:list"), {"organization": "un", "organization_role": "any", "sort": "-strength"})
    assert [row["slug"] for row in rows] == [case.slug for case in page.context["object_list"]]
    assert "DRAFTCASE" not in response.getvalue().decode()
    assert rows[1]["organizations"] == "nato (lead); un (authorising)"


def test_json_export_includes_each_facts_citations_but_no_drafts(client, casebook):
    data = json.loads(client.get(reverse("cases:export", args=["json"]), {"region": "europe"}).getvalue())
    assert data["count"] == 1
    kfor = data["case_studies"][0]
    assert kfor["citations"]["start_date"] == [
        {
            "key": "unsc-res-1244-1999",
            "title": "Resolution 1244 (1999)",
            "identifier": kfor["citations"]["start_date"][0]["identifier"],
            "url": kfor["citations"]["start_date"][0]["url"],
            "locator": "para. 7",
        }
    ]
    assert kfor["citations"]["mandate_type"] == []
    assert "DRAFTSOURCE" not in json.dumps(data)


def test_invalid_export_parameters_are_ignored_like_on_the_page(client, casebook):
    response = client.get(reverse("cases:export", args=["csv"]), {"region": "atlantis"})
    assert response.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))) == 2


def test_bibliography_exports_parse_and_hide_drafts(client, casebook):
    library = bibtexparser.parse_string(client.get(reverse("cases:bibliography_export", args=["bib"])).content.decode())
    assert [entry.key for entry in library.entries] == ["unsc-res-1244-1999"]
    one = bibtexparser.parse_string(
        client.get(reverse("cases:source_export", args=["unsc-res-1244-1999", "bib"])).content.decode()
    )
    assert one.entries[0].key == "unsc-res-1244-1999"
    ris = client.get(reverse("cases:bibliography_export", args=["ris"])).content.decode()
    assert ris.startswith("TY  - ") and "DRAFTSOURCE" not in ris
    assert client.get(reverse("cases:source_export", args=["draft-source", "bib"])).status_code == 404


def test_case_page_offers_formatted_and_bibtex_citations(client, casebook):
    response = client.get(casebook["kfor"].get_absolute_url())
    html = response.content.decode()
    assert "Cite this page" in html and "<dt>APA (7th edition)</dt>" in html and "<dt>BibTeX</dt>" in html
    entry = bibtexparser.parse_string(client.get(reverse("cases:cite_bibtex", args=["kosovo-kfor"])).content.decode())
    assert entry.entries[0].key == "casebook-kosovo-kfor"
    assert entry.entries[0]["url"].endswith("/cases/kosovo-kfor/")


def test_detail_page_has_structured_data_and_open_graph(client, casebook):
    html = client.get(casebook["kfor"].get_absolute_url()).content.decode()
    block = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    data = json.loads(block)
    assert data["@type"] == "Article" and data["headline"] == "Kosovo (KFOR)"
    assert '<meta property="og:title" content="Kosovo (KFOR)">' in html


def test_feed_is_valid_atom_with_published_records_only(client, casebook):
    response = client.get(reverse("cases:feed"))
    root = ET.fromstring(response.content)
    titles = [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]
    assert "Kosovo (KFOR)" in titles and "United Nations (UN)" in titles
    assert "DRAFTCASE" not in response.content.decode()


def test_sitemap_lists_published_pages_with_lastmod(client, casebook, settings):
    root = ET.fromstring(client.get(reverse("cases:sitemap")).content)
    urls = {url.find(f"{SITEMAP}loc").text: url.find(f"{SITEMAP}lastmod") for url in root.findall(f"{SITEMAP}url")}
    assert any(loc.endswith("/cases/kosovo-kfor/") for loc in urls)
    assert not any("draft" in loc for loc in urls)
    # Every record's page says when it last changed; the about pages are fixed text, with no record behind them.
    records = {loc: lastmod for loc, lastmod in urls.items() if "/about/" not in loc}
    assert records and all(datetime.date.fromisoformat(lastmod.text) for lastmod in records.values())
    robots = client.get(reverse("cases:robots")).content.decode()
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in robots and "Disallow: /admin/" in robots
    assert all(loc.startswith(f"{settings.SITE_URL}/") for loc in urls)


def test_compare_shows_facts_side_by_side_with_citations(client, casebook):
    response = client.get(reverse("cases:compare"), {"cases": ["kosovo-kfor", "sierra-leone-unamsil"]})
    html = response.content.decode()
    assert [c.slug for c in response.context["cases"]] == ["kosovo-kfor", "sierra-leone-unamsil"]
    rows = {row["label"]: row for row in response.context["rows"]}
    assert rows["Region"]["differs"] and not rows["Mandate type"]["differs"]
    assert rows["Peak authorised strength"]["cells"][1]["value"] == "17,500 (2000)"
    assert 'href="#ref-1"' in html and "Resolution 1244 (1999)" in html


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        (["kosovo-kfor"], "Choose at least two"),
        ([], "Choose at least two"),
        (["kosovo-kfor", "draft-case"], "no published case study “draft-case”"),
        (["kosovo-kfor", "nope", "x" * 5000], "no published case study “nope”"),
        (["a", "b", "c", "d", "e"], "At most 4"),
    ],
)
def test_compare_explains_bad_requests(client, casebook, slugs, message):
    # As the picker submits them: its button is named "compare".
    response = client.get(reverse("cases:compare"), {"cases": slugs, "compare": "1"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "DRAFTCASE" not in response.content.decode()


def test_compare_query_count_is_fixed(client, casebook, django_assert_max_num_queries):
    for n in range(3):
        make_case(f"extra-{n}")
    with django_assert_max_num_queries(15):
        client.get(reverse("cases:compare"), {"cases": ["kosovo-kfor", "extra-0", "extra-1", "extra-2"]})
    assert CaseStudy.objects.published().count() == 5


@pytest.mark.parametrize(
    "url",
    ["/compare/?cases=kosovo%00-kfor&cases=%00", "/sources/export.bib?key=a%00b&kind=%00", "/cases/export.csv?q=%00"],
)
def test_nul_characters_in_parameters_are_harmless_on_every_database(client, casebook, url):
    assert client.get(url).status_code == 200


def test_exports_stream_in_batches_in_the_lists_order(client, casebook, settings, monkeypatch):
    from cases import exports

    for n in range(7):
        make_case(f"extra-{n}", title=f"Extra {n}")
    monkeypatch.setattr(exports, "EXPORT_BATCH", 3)
    monkeypatch.setattr(exports.case_study_rows, "__defaults__", (3,))
    response = client.get(reverse("cases:export", args=["csv"]), {"sort": "-title"})
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    page = client.get(reverse("cases:list"), {"sort": "-title"})
    assert [row["slug"] for row in rows] == [case.slug for case in page.context["object_list"]]
    data = json.loads(client.get(reverse("cases:export", args=["json"]), {"sort": "-title"}).getvalue())
    assert data["count"] == len(rows) == 9
