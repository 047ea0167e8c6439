"""
Highwire Press `citation_*` meta tags, which reference managers read from a page's head.

Zotero's browser connector reads them with its "Embedded Metadata" translator: citation_title,
one citation_author per author ("Family, Given" is split at the comma), citation_publication_date
(or citation_date), citation_publisher, citation_public_url, citation_doi, citation_isbn, and
the item type from the tags present: citation_journal_title makes a journal article,
citation_technical_report_institution (with citation_technical_report_number) a report. Without
one of those it guesses "journal article" from citation_title alone, unless a Dublin Core type
says otherwise: `DC.type` with a Zotero item type ("webpage", "newspaperArticle", ...) wins over
that guess (and over og:type "article", which is only a guess too). So every page names its type.

Values are plain text; the template escapes them.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from cases.bibliography import SITE_NAME, identifier_field
from cases.models import DatePrecision, Source

# Source kind -> the Zotero item type it is saved as.
ZOTERO_TYPES = {
    Source.Kind.UN_DOCUMENT: "report",
    Source.Kind.REPORT: "report",
    Source.Kind.TREATY: "document",
    Source.Kind.BOOK: "book",
    Source.Kind.JOURNAL_ARTICLE: "journalArticle",
    Source.Kind.NEWS: "newspaperArticle",
    Source.Kind.WEB_PAGE: "webpage",
    Source.Kind.PRESS_RELEASE: "document",
    Source.Kind.DATASET: "dataset",
}


def highwire_date(value, precision=DatePrecision.DAY):
    """YYYY/MM/DD, or as much of it as is known."""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}/{value.month:02d}"
    return f"{value:%Y/%m/%d}"


def source_tags(source):
    """[(name, content)] describing a source, so that saving its page saves the source itself."""
    zotero_type = ZOTERO_TYPES.get(source.kind, "document")
    publisher = " ".join(source.publisher.split())
    tags = [("citation_title", " ".join(source.title.split()))]
    tags += [("citation_author", name.strip()) for name in source.authors.split(";") if name.strip()]
    if source.date:
        tags.append(("citation_publication_date", highwire_date(source.date, source.date_precision)))
    identifier = identifier_field(source) if source.identifier.strip() else None
    if zotero_type == "journalArticle" and publisher:
        tags.append(("citation_journal_title", publisher))
    elif zotero_type == "report" and publisher:
        tags.append(("citation_technical_report_institution", publisher))
    elif publisher:
        tags.append(("citation_publisher", publisher))
    if identifier:
        role, value = identifier
        if role == "doi":
            tags.append(("citation_doi", value))
        elif role == "isbn":
            tags.append(("citation_isbn", value))
        elif zotero_type == "report":
            tags.append(("citation_technical_report_number", value))
    if source.safe_url:
        tags.append(("citation_public_url", source.safe_url))
    tags.append(("citation_abstract_html_url", settings.SITE_URL + source.get_absolute_url()))
    tags.append(("citation_language", "en"))
    tags.append(("DC.type", zotero_type))
    return tags


def page_tags(record, *, title, url, date):
    """[(name, content)] describing a page of the casebook (saved as a web page), cited at `url`."""
    date = timezone.localdate(date) if isinstance(date, datetime.datetime) else date
    return [
        ("citation_title", " ".join(title.split())),
        ("citation_publisher", SITE_NAME),
        ("citation_publication_date", highwire_date(date)),
        ("citation_public_url", url),
        ("citation_abstract_html_url", settings.SITE_URL + record.get_absolute_url()),
        ("citation_language", "en"),
        ("DC.type", "webpage"),
    ]
