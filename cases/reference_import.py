"""
Bulk import of references: a BibTeX, RIS or CSL-JSON file (the formats Zotero exports) read into
draft sources, after a dry run that says what each entry would become.

1. `read_references(data, filename)` parses the file with bibtexparser, rispy or json into plain
   dicts of Source fields, one per entry (an entry that cannot be read keeps its reason). A file
   that cannot be read at all raises `UnreadableFile` with a message for the editor.
2. `dry_run(references)` marks each entry as new, a duplicate of an existing source (matched by
   DOI, URL, identifier, or title plus year) or of an earlier entry of the same file, or invalid
   with the reason (the model's own validation).
3. `import_references(references, chosen, user)` writes the chosen new entries as draft sources
   in one transaction: all of them or, on any error, none.

The parsed entries travel between the dry run and the import in a signed form field, so the
file is read once and nothing an editor did not see is ever written.
"""

import datetime
import json
import re
from dataclasses import dataclass, field

import bibtexparser
import rispy
from bibtexparser.middlewares import SeparateCoAuthors
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from cases.models import DatePrecision, Source

MAX_ENTRIES = 5000
# Fields of Source an entry may set; everything else in a file is left out.
SOURCE_FIELDS = ("kind", "title", "authors", "publisher", "date", "date_precision", "identifier", "url", "accessed")
KIND_BY_LABEL = {label.lower(): kind for kind, label in Source.Kind.choices}
DOI = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


class UnreadableFile(Exception):
    """The file is not BibTeX, RIS or CSL-JSON; the message says what is wrong."""


# -- reading -----------------------------------------------------------------------------------


def read_references(data, filename=""):
    """[{"fields": {...}, "problem": str}] of the entries in the file, in order."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile("The file is not UTF-8 text; export it again as UTF-8.") from error
    name = filename.lower()
    stripped = text.lstrip()
    if name.endswith(".json") or stripped.startswith(("[", "{")):
        references = _from_csl_json(text)
    elif name.endswith(".ris") or re.match(r"^TY  - ", stripped):
        references = _from_ris(text)
    elif name.endswith(".bib") or stripped.startswith("@"):
        references = _from_bibtex(text)
    else:
        raise UnreadableFile("This is not a BibTeX (.bib), RIS (.ris) or CSL-JSON (.json) file.")
    if not references:
        raise UnreadableFile("The file holds no references.")
    if len(references) > MAX_ENTRIES:
        raise UnreadableFile(f"The file holds {len(references)} references; import at most {MAX_ENTRIES} at a time.")
    return references


def _reference(**fields):
    values = {name: fields.get(name) or "" for name in SOURCE_FIELDS}
    values["date_precision"] = fields.get("date_precision") or DatePrecision.DAY
    return {"fields": values, "problem": ""}


def _unreadable(problem):
    return {"fields": dict.fromkeys(SOURCE_FIELDS, ""), "problem": problem}


def _identifier(doi="", isbn="", number=""):
    return (DOI.match(doi.strip()) and DOI.match(doi.strip()).group(1)) or isbn.strip() or number.strip()


def _iso_date(text):
    """(ISO date, precision) from "2000", "2000-01", "2000-01-11" or their RIS forms "2000/01/11/"."""
    parts = [part for part in re.split(r"[-/]", (text or "").strip()) if part]
    try:
        numbers = [int(part) for part in parts[:3]]
    except ValueError:
        return "", ""
    return _date_from_parts(numbers)


def _date_from_parts(numbers):
    if not numbers:
        return "", ""
    year, month, day = (list(numbers) + [1, 1])[:3]
    precision = {1: DatePrecision.YEAR, 2: DatePrecision.MONTH}.get(len(numbers), DatePrecision.DAY)
    try:
        return datetime.date(year, month, day).isoformat(), precision
    except ValueError:
        return f"{numbers}", precision  # kept as written: validation reports it


def _latex_decoder():
    """pylatexenc as bibtexparser configures it, plus the text symbols BibTeX files use for braces."""
    context = get_default_latex_context_db()
    context.add_context_category(
        "latex-text-symbols",
        prepend=True,
        macros=[
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciicircum", "^"),
        ],
    )
    return LatexNodes2Text(latex_context=context, keep_braced_groups=False, math_mode="verbatim")


BIBTEX_KINDS = {
    "article": Source.Kind.JOURNAL_ARTICLE,
    "book": Source.Kind.BOOK,
    "techreport": Source.Kind.REPORT,
    "report": Source.Kind.REPORT,
    "online": Source.Kind.WEB_PAGE,
    "electronic": Source.Kind.WEB_PAGE,
    "www": Source.Kind.WEB_PAGE,
    "dataset": Source.Kind.DATASET,
    "misc": Source.Kind.WEB_PAGE,
}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def _from_bibtex(text):
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    decode = _latex_decoder().latex_to_text
    references = [_unreadable(f"Not a readable BibTeX entry: {block.error}") for block in library.failed_blocks]
    for entry in library.entries:

        def value(name, entry=entry):
            raw = entry.fields_dict[name].value if name in entry.fields_dict else ""
            return " ".join(decode(raw).split()) if isinstance(raw, str) else raw

        kind = BIBTEX_KINDS.get(entry.entry_type.lower(), Source.Kind.REPORT)
        # The casebook's own files name the kind: in `type` (reports) or first in `note` (others).
        named = KIND_BY_LABEL.get(value("type").lower()) or KIND_BY_LABEL.get(value("note").split(". ")[0].lower())
        date, precision = _iso_date(value("date"))
        if not date and value("year"):
            month = value("month").lower()[:3]
            parts = [value("year"), str(MONTHS.index(month) + 1)] if month in MONTHS else [value("year")]
            date, precision = _iso_date("-".join(parts))
        authors = value("author")
        references.append(
            _reference(
                kind=named or kind,
                title=value("title"),
                authors="; ".join(" ".join(decode(name).split()) for name in authors) if authors else "",
                publisher=value("journal") or value("publisher") or value("institution") or value("organization"),
                date=date,
                date_precision=precision,
                identifier=_identifier(value("doi"), value("isbn"), value("number")),
                url=value("url"),
                accessed=_iso_date(value("urldate"))[0],
            )
        )
    return references


RIS_KINDS = {
    "GOVDOC": Source.Kind.UN_DOCUMENT,
    "RPRT": Source.Kind.REPORT,
    "LEGAL": Source.Kind.TREATY,
    "BOOK": Source.Kind.BOOK,
    "JOUR": Source.Kind.JOURNAL_ARTICLE,
    "NEWS": Source.Kind.NEWS,
    "ELEC": Source.Kind.WEB_PAGE,
    "WEB": Source.Kind.WEB_PAGE,
    "DATA": Source.Kind.DATASET,
}


def _from_ris(text):
    try:
        records = rispy.loads(text, skip_unknown_tags=True)
    except (OSError, ValueError) as error:
        raise UnreadableFile(f"This RIS file cannot be read: {error}") from error
    references = []
    for record in records:
        date, precision = _iso_date(record.get("date", ""))
        if not date and record.get("year"):
            date, precision = _iso_date(str(record["year"]))
        urls = record.get("urls") or []
        references.append(
            _reference(
                kind=RIS_KINDS.get(record.get("type_of_reference", ""), Source.Kind.REPORT),
                title=" ".join((record.get("title") or record.get("primary_title") or "").split()),
                authors="; ".join(record.get("authors") or record.get("first_authors") or []),
                publisher=record.get("publisher") or record.get("secondary_title") or record.get("journal_name") or "",
                date=date,
                date_precision=precision,
                identifier=_identifier(record.get("doi", ""), record.get("issn", ""), record.get("note", "")),
                url=urls[0] if urls else "",
                accessed=_iso_date(record.get("access_date", ""))[0],
            )
        )
    return references


CSL_KINDS = {
    "report": Source.Kind.REPORT,
    "treaty": Source.Kind.TREATY,
    "legislation": Source.Kind.TREATY,
    "book": Source.Kind.BOOK,
    "article-journal": Source.Kind.JOURNAL_ARTICLE,
    "article-newspaper": Source.Kind.NEWS,
    "webpage": Source.Kind.WEB_PAGE,
    "post": Source.Kind.WEB_PAGE,
    "dataset": Source.Kind.DATASET,
}


def _csl_names(names):
    written = []
    for name in names or []:
        if name.get("literal"):
            written.append(name["literal"])
        elif name.get("family"):
            written.append(f"{name['family']}, {name['given']}" if name.get("given") else name["family"])
    return "; ".join(written)


def _csl_date(value):
    parts = (value or {}).get("date-parts") or [[]]
    try:
        return _date_from_parts([int(part) for part in parts[0]])
    except (TypeError, ValueError):
        return "", ""


def _from_csl_json(text):
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableFile(f"This JSON file cannot be read: {error.msg} (line {error.lineno}).") from error
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise UnreadableFile("A CSL-JSON file is a list of items.")
    references = []
    for item in items:
        if not isinstance(item, dict):
            references.append(_unreadable("Not a CSL-JSON item."))
            continue
        date, precision = _csl_date(item.get("issued"))
        references.append(
            _reference(
                kind=CSL_KINDS.get(item.get("type", ""), Source.Kind.REPORT),
                title=" ".join(str(item.get("title", "")).split()),
                authors=_csl_names(item.get("author")),
                publisher=str(item.get("container-title") or item.get("publisher") or ""),
                date=date,
                date_precision=precision,
                identifier=_identifier(*(str(item.get(name, "")) for name in ("DOI", "ISBN", "number"))),
                url=str(item.get("URL", "")),
                accessed=_csl_date(item.get("accessed"))[0],
            )
        )
    return references


# -- the dry run -------------------------------------------------------------------------------

NEW, DUPLICATE, INVALID = "new", "duplicate", "invalid"


@dataclass
class Entry:
    number: int  # 1-based, as the editor counts
    fields: dict
    status: str = NEW
    reason: str = ""
    duplicate_of: Source | None = None
    matched_by: str = ""
    key: str = ""
    source: Source | None = field(default=None, repr=False)


def _normal(text):
    return " ".join(str(text).lower().split())


def _match_keys(fields):
    """(what, value) pairs by which an entry is recognised, most certain first."""
    keys = []
    identifier = _normal(fields["identifier"])
    if DOI.match(identifier):
        keys.append(("DOI", DOI.match(identifier).group(1)))
    if fields["url"]:
        keys.append(("URL", fields["url"].strip().rstrip("/").lower()))
    if identifier and not DOI.match(identifier):
        keys.append(("identifier", identifier))
    if fields["title"] and fields["date"]:
        keys.append(("title and year", (_normal(fields["title"]), str(fields["date"])[:4])))
    return keys


def _existing_index():
    """{(what, value): Source} of every source already in the casebook, drafts included."""
    index = {}
    for source in Source.objects.only("pk", "key", "title", "identifier", "url", "date").order_by("pk"):
        fields = {"identifier": source.identifier, "url": source.url, "title": source.title, "date": source.date or ""}
        for match in _match_keys(fields):
            index.setdefault(match, source)
    return index


def _label(name):
    return "" if name == "__all__" else f"{Source._meta.get_field(name).verbose_name.capitalize()}: "


def _validated(fields, key):
    """(an unsaved draft Source, "") or (None, the reason it is invalid)."""
    values = {name: value or None if name in ("date", "accessed") else value for name, value in fields.items()}
    source = Source(key=key, **values)
    if not source.title:
        return None, "It has no title."
    try:
        source.full_clean(validate_unique=False)
    except ValidationError as error:
        return None, " ".join(f"{_label(name)}{' '.join(messages)}" for name, messages in error.message_dict.items())
    return source, ""


def derive_key(fields, taken):
    """A source key from the first author's or the body's name, the year and the title's first words."""
    who = (fields["authors"] or fields["publisher"]).split(";")[0].split(",")[0]
    year = str(fields["date"])[:4] if fields["date"] else ""
    words = slugify(fields["title"]).split("-")[:4]
    base = "-".join(part for part in [slugify(who)[:30], year, *words] if part)[:70].strip("-") or "reference"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


def dry_run(references):
    """[Entry] for each reference: new, duplicate (of what, by what) or invalid (why)."""
    existing = _existing_index()
    taken = set(Source.objects.values_list("key", flat=True))
    seen = {}
    entries = []
    for number, reference in enumerate(references, start=1):
        fields = dict(reference["fields"])
        entry = Entry(number=number, fields=fields)
        entries.append(entry)
        if reference["problem"]:
            entry.status, entry.reason = INVALID, reference["problem"]
            continue
        matches = _match_keys(fields)
        for match in matches:
            if match in existing:
                entry.status, entry.duplicate_of, entry.matched_by = DUPLICATE, existing[match], match[0]
                break
            if match in seen:
                entry.status, entry.matched_by = DUPLICATE, match[0]
                entry.reason = f"the same {match[0]} as entry {seen[match]} of this file"
                break
        if entry.status == DUPLICATE:
            continue
        entry.key = derive_key(fields, taken)
        entry.source, problem = _validated(fields, entry.key)
        if problem:
            entry.status, entry.reason = INVALID, problem
            continue
        for match in matches:
            seen.setdefault(match, number)
    return entries


def counts(entries):
    return {status: sum(entry.status == status for entry in entries) for status in (NEW, DUPLICATE, INVALID)}


@transaction.atomic
def import_references(references, chosen):
    """
    Create draft sources from the chosen entries (numbers) that are new; the dry run is done
    again first, so an entry that became a duplicate since, or is not valid, is never written.
    Returns the created sources. Any error writes nothing.
    """
    created = []
    for entry in dry_run(references):
        if entry.number in chosen and entry.status == NEW:
            entry.source.save()
            created.append(entry.source)
    return created
