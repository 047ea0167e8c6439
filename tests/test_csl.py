"""
Citations formatted by the CSL processor in five styles, with copy buttons, and CSL-JSON exports.
"""

import datetime
import json
import re

import pytest
import reversion
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from reversion.models import Version

from cases import csl
from cases.models import Source, Status
from tests.factories import make_case, make_source

pytestmark = pytest.mark.django_db

STYLE_LABELS = [
    "APA (7th edition)",
    "Chicago (author-date)",
    "Harvard (Cite Them Right)",
    "MLA (9th edition)",
    "Vancouver (NLM)",
]


@pytest.fixture
def real_cache(settings):
    """A working cache (the tests' own is a dummy that keeps nothing)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def publish_version(record, **changes):
    with reversion.create_revision():
        for name, value in changes.items():
            setattr(record, name, value)
        record.save()
    return Version.objects.get_for_object(record).first()


def citations_of(html):
    """{label: inner HTML of the citation} of a page's citation list."""
    labels = re.findall(
        r"<dt>([^<]+)</dt>\s*<dd><p class=\"citation-text\" id=\"citation-[a-z]+\">(.*?)</p>", html, re.S
    )
    return dict(labels)


def test_a_case_page_cites_its_latest_version_in_five_styles_each_with_a_copy_button(client):
    case = make_case(title="Sierra Leone (UNAMSIL)")
    stored = publish_version(case)
    published = stored.revision.date_created.astimezone(datetime.UTC).date()
    html = client.get(case.get_absolute_url()).content.decode()

    citations = citations_of(html)
    assert list(citations) == STYLE_LABELS
    permanent = settings.SITE_URL + reverse("cases:version", args=[case.slug, 1])
    for label, citation in citations.items():
        assert "Sierra Leone (UNAMSIL)" in citation and permanent in citation, label
        assert str(published.year) in citation, label
    month = published.strftime("%B")
    # APA: the site as author, the date, the title in italics, the permanent address.
    assert citations["APA (7th edition)"] == (
        f"Peacekeeping Casebook. ({published.year}, {month} {published.day}). "
        f"<i>Sierra Leone (UNAMSIL)</i>. {permanent}"
    )
    assert "Version 1" in citations["MLA (9th edition)"]
    # One copy button per citation, and the BibTeX entry's, each naming what it copies.
    for key in ["apa", "chicago", "harvard", "mla", "vancouver", "bibtex"]:
        assert f'data-copy="citation-{key}"' in html
    assert 'Copy<span class="visually-hidden"> the APA (7th edition) citation</span>' in html


def test_a_version_page_cites_the_version_as_it_was_published(client):
    case = make_case(title="First title")
    publish_version(case)
    publish_version(case, title="Second title")
    old = citations_of(client.get(reverse("cases:version", args=[case.slug, 1])).content.decode())
    new = citations_of(client.get(case.get_absolute_url()).content.decode())
    assert "First title" in old["APA (7th edition)"] and "/v/1/" in old["APA (7th edition)"]
    assert "Second title" in new["APA (7th edition)"] and "/v/2/" in new["APA (7th edition)"]


def test_a_page_without_a_public_version_is_cited_at_its_address_with_todays_date(client, staff_user):
    case = make_case(title="Draft entry", status=Status.DRAFT)
    client.force_login(staff_user)
    html = client.get(case.get_absolute_url()).content.decode()
    apa = citations_of(html)["APA (7th edition)"]
    assert settings.SITE_URL + case.get_absolute_url() in apa and "/v/" not in apa


def test_sources_are_cited_in_each_style_from_their_own_details(client):
    source = make_source(
        "doe-roe-2000",
        kind=Source.Kind.JOURNAL_ARTICLE,
        title="Peacekeeping in Sierra Leone",
        authors="Doe, Jane; Roe, Richard",
        publisher="International Peacekeeping",
        identifier="10.1080/13533310008413852",
        url="",
        date=datetime.date(2000, 1, 1),
        date_precision="year",
    )
    citations = citations_of(client.get(source.get_absolute_url()).content.decode())
    assert list(citations) == STYLE_LABELS
    assert citations["APA (7th edition)"] == (
        "Doe, J., &amp; Roe, R. (2000). Peacekeeping in Sierra Leone. <i>International Peacekeeping</i>. "
        "https://doi.org/10.1080/13533310008413852"
    )
    assert citations["Vancouver (NLM)"].startswith("Doe J, Roe R. Peacekeeping in Sierra Leone.")


def test_a_document_without_authors_is_the_issuing_bodys(client):
    resolution = make_source(
        "unsc-res-1270-1999", title="Resolution 1270 (1999)", authors="", identifier="S/RES/1270 (1999)"
    )
    apa = citations_of(client.get(resolution.get_absolute_url()).content.decode())["APA (7th edition)"]
    assert apa == (
        f"United Nations Security Council. (1999). <i>Resolution 1270 (1999)</i> (S/RES/1270 (1999)). {resolution.url}"
    )


def test_vancouver_dates_are_spaced_and_carry_no_list_number(client):
    source = make_source(
        "sg-report",
        kind=Source.Kind.REPORT,
        title="Report of the Secretary-General",
        authors="United Nations Secretary-General",
        date=datetime.date(2000, 1, 11),
        date_precision="month",
    )
    vancouver = citations_of(client.get(source.get_absolute_url()).content.decode())["Vancouver (NLM)"]
    assert vancouver.startswith("United Nations Secretary-General. Report of the Secretary-General")
    assert "2000 Jan" in vancouver


def test_markup_in_a_title_stays_text(client):
    source = make_source(title='<script>alert(1)</script> & <b onclick="x">bold</b>')
    html = client.get(source.get_absolute_url()).content.decode()
    citation = citations_of(html)["APA (7th edition)"]
    assert "<script" not in citation and "<b " not in citation
    assert "<i>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b onclick" in citation


def test_formatted_citations_are_worked_out_once_per_version(
    client, monkeypatch, real_cache, django_capture_on_commit_callbacks
):
    case = make_case()
    publish_version(case)
    calls = []
    real = csl.format_all
    monkeypatch.setattr(csl, "format_all", lambda item: calls.append(item["id"]) or real(item))
    client.get(case.get_absolute_url())
    client.get(case.get_absolute_url() + "?again")
    assert len(calls) == 1
    # A new version (the content version moves on once it commits) is formatted anew.
    with django_capture_on_commit_callbacks(execute=True):
        publish_version(case, title="A new title")
    assert "A new title" in client.get(case.get_absolute_url()).content.decode()
    assert len(calls) == 2


# CSL-JSON ------------------------------------------------------------------------------------


def csl_items(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    return json.loads(response.content)


def test_csl_json_for_one_source_a_kind_a_pages_references_and_the_whole_bibliography(client):
    report = make_source("report-a", kind=Source.Kind.REPORT, authors="Doe, Jane")
    book = make_source("book-b", kind=Source.Kind.BOOK, identifier="978-0-19-000000-0", publisher="Oxford")
    make_source("draft-c", status=Status.DRAFT)

    [item] = csl_items(client, reverse("cases:source_export", args=["report-a", "json"]))
    assert item["id"] == "report-a" and item["type"] == "report"
    assert item["title"] == report.title and item["author"] == [{"family": "Doe", "given": "Jane"}]
    assert item["issued"] == {"date-parts": [[1999, 10, 22]]} and item["URL"] == report.url

    everything = csl_items(client, reverse("cases:bibliography_export", args=["json"]))
    assert [entry["id"] for entry in everything] == ["book-b", "report-a"]
    books = csl_items(client, reverse("cases:bibliography_export", args=["json"]) + "?kind=book")
    assert [(entry["id"], entry["ISBN"], entry["publisher"]) for entry in books] == [
        ("book-b", book.identifier, "Oxford")
    ]
    chosen = csl_items(client, reverse("cases:bibliography_export", args=["json"]) + "?key=report-a&key=draft-c")
    assert [entry["id"] for entry in chosen] == ["report-a"]
    assert client.get(reverse("cases:source_export", args=["draft-c", "json"])).status_code == 404


def test_the_case_page_links_its_references_in_three_formats(client):
    source = make_source("cited-one")
    case = make_case(body="## Background\n\nText [[cite:cited-one]].")
    html = client.get(case.get_absolute_url()).content.decode()
    for fmt in ["bib", "ris", "json"]:
        assert f'{reverse("cases:bibliography_export", args=[fmt])}?key={source.key}"' in html
    source_list = client.get(reverse("cases:source_list")).content.decode()
    assert f'{reverse("cases:bibliography_export", args=["json"])}?kind=un_document"' in source_list
