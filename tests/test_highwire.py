"""
Case pages and source pages carry Highwire `citation_*` tags that Zotero's Embedded Metadata
translator reads: title, authors, date, publisher, address, and a type it maps to the right item.
"""

import datetime
from html.parser import HTMLParser

import pytest
import reversion
from django.conf import settings
from django.urls import reverse
from reversion.models import Version

from cases.models import Source
from tests.factories import make_case, make_source

pytestmark = pytest.mark.django_db


class HeadMeta(HTMLParser):
    """Every <meta name=... content=...> of a page's head, in order, entities decoded."""

    def __init__(self):
        super().__init__()
        self.tags, self.in_head = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "meta" and self.in_head and "name" in attrs:
            self.tags.append((attrs["name"], attrs.get("content")))

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def meta_tags(client, url):
    parser = HeadMeta()
    parser.feed(client.get(url).content.decode())
    return parser.tags


def values(tags, name):
    return [content for tag, content in tags if tag == name]


def the(tags, name):
    [value] = values(tags, name)
    return value


def zotero_item_type(tags):
    """The item type Zotero's Embedded Metadata translator gives a page with these tags."""
    names = {name for name, _ in tags}
    if "citation_journal_title" in names:
        return "journalArticle"
    if "citation_technical_report_institution" in names:
        return "report"
    # Without a Highwire type, a Dublin Core type naming a Zotero item type wins over the
    # "journalArticle" guess that citation_title alone makes.
    dc_types = values(tags, "DC.type")
    if dc_types:
        return dc_types[0]
    return "journalArticle" if "citation_title" in names else None


def test_a_case_page_is_saved_as_a_web_page_of_its_latest_version(client):
    case = make_case(title="Kosovo (KFOR)")
    with reversion.create_revision():
        case.save()
    published = Version.objects.get_for_object(case).first().revision.date_created

    tags = meta_tags(client, case.get_absolute_url())
    assert the(tags, "citation_title") == "Kosovo (KFOR)"
    assert the(tags, "citation_publisher") == "Peacekeeping Casebook"
    assert the(tags, "citation_publication_date") == f"{published:%Y/%m/%d}"
    assert the(tags, "citation_public_url") == settings.SITE_URL + reverse("cases:version", args=[case.slug, 1])
    assert the(tags, "citation_abstract_html_url") == settings.SITE_URL + case.get_absolute_url()
    assert zotero_item_type(tags) == "webpage"

    version_tags = meta_tags(client, reverse("cases:version", args=[case.slug, 1]))
    assert the(version_tags, "citation_public_url") == the(tags, "citation_public_url")
    assert zotero_item_type(version_tags) == "webpage"


@pytest.mark.parametrize(
    ("fields", "item_type", "expected"),
    [
        (
            {
                "kind": Source.Kind.REPORT,
                "authors": "United Nations Secretary-General",
                "publisher": "United Nations",
                "identifier": "S/2000/13",
                "date": datetime.date(2000, 1, 11),
            },
            "report",
            {
                "citation_technical_report_institution": ["United Nations"],
                "citation_technical_report_number": ["S/2000/13"],
                "citation_publication_date": ["2000/01/11"],
                "citation_author": ["United Nations Secretary-General"],
            },
        ),
        (
            {
                "kind": Source.Kind.JOURNAL_ARTICLE,
                "authors": "Doe, Jane; Roe, Richard",
                "publisher": "International Peacekeeping",
                "identifier": "doi:10.1080/13533310008413852",
                "date": datetime.date(2000, 3, 1),
                "date_precision": "month",
            },
            "journalArticle",
            {
                "citation_journal_title": ["International Peacekeeping"],
                "citation_doi": ["10.1080/13533310008413852"],
                "citation_publication_date": ["2000/03"],
                "citation_author": ["Doe, Jane", "Roe, Richard"],
            },
        ),
        (
            {
                "kind": Source.Kind.BOOK,
                "authors": "Doe, Jane",
                "publisher": "Oxford University Press",
                "identifier": "978-0-19-000000-0",
                "date": datetime.date(2004, 1, 1),
                "date_precision": "year",
            },
            "book",
            {
                "citation_publisher": ["Oxford University Press"],
                "citation_isbn": ["978-0-19-000000-0"],
                "citation_publication_date": ["2004"],
            },
        ),
        (
            {"kind": Source.Kind.NEWS, "publisher": "The Times", "identifier": ""},
            "newspaperArticle",
            {"citation_publisher": ["The Times"]},
        ),
    ],
)
def test_a_source_page_is_saved_as_the_source_itself(client, fields, item_type, expected):
    source = make_source(title="A document\nover two lines", **fields)
    tags = meta_tags(client, source.get_absolute_url())
    assert the(tags, "citation_title") == "A document over two lines"
    assert the(tags, "citation_public_url") == source.url
    assert zotero_item_type(tags) == item_type
    for name, wanted in expected.items():
        assert values(tags, name) == wanted, name


def test_a_source_without_web_address_or_with_a_script_one_names_none(client):
    source = make_source(url="javascript:alert(1)")
    tags = meta_tags(client, source.get_absolute_url())
    assert values(tags, "citation_public_url") == []
    assert the(tags, "citation_abstract_html_url") == settings.SITE_URL + source.get_absolute_url()


def test_pages_without_a_citation_have_no_citation_tags(client):
    assert not [name for name, _ in meta_tags(client, reverse("cases:home")) if name.startswith("citation_")]
