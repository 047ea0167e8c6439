"""
Bibliography formats: sources as BibTeX or RIS, for reference managers, and ready-made
citations of a case study page (APA, Chicago, BibTeX) for "Cite this page".

These are pure functions: they read what they are given and return text; views decide what to
pass and how to serve it. The batch formatters drop any source that is not published.
"""

import re

from django.conf import settings
from django.utils import timezone

from cases.models import DatePrecision, Source

SITE_NAME = "Peacekeeping Casebook"


# BibTeX ----------------------------------------------------------------------------------------

# Source kind -> BibTeX entry type. UN documents and reports are @techreport when they name an
# issuing body (BibTeX requires an institution), @misc otherwise.
BIBTEX_TYPES = {
    Source.Kind.UN_DOCUMENT: "techreport",
    Source.Kind.REPORT: "techreport",
    Source.Kind.TREATY: "misc",
    Source.Kind.BOOK: "book",
    Source.Kind.JOURNAL_ARTICLE: "article",
    Source.Kind.NEWS: "misc",
    Source.Kind.WEB_PAGE: "misc",
    Source.Kind.PRESS_RELEASE: "misc",
    Source.Kind.DATASET: "misc",
}
# Entry type -> the field that names the publisher or issuing body.
_PUBLISHER_FIELD = {"techreport": "institution", "book": "publisher", "article": "journal", "misc": "organization"}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# English month names, whatever the process locale.
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_DOI = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def bibtex_escape(text):
    """
    Text as a BibTeX field value: LaTeX special characters escaped, whitespace (newlines
    included) collapsed to single spaces, non-ASCII letters kept as UTF-8.

    Braces that pair up become \\{ and \\}; a brace without its partner becomes
    \\textbraceleft{} or \\textbraceright{}, since BibTeX counts every brace, escaped or not.
    """
    text = " ".join(str(text).split())
    pairs = _brace_pairs(text)
    out = []
    for position, char in enumerate(text):
        if char in "{}":
            if position in pairs:
                out.append("\\" + char)
            else:
                out.append(r"\textbraceleft{}" if char == "{" else r"\textbraceright{}")
        else:
            out.append(_LATEX_SPECIAL.get(char, char))
    return "".join(out)


def _brace_pairs(text):
    """Positions of the braces in `text` that close or are closed by a partner."""
    paired, opened = set(), []
    for position, char in enumerate(text):
        if char == "{":
            opened.append(position)
        elif char == "}" and opened:
            paired.update((opened.pop(), position))
    return paired


def _bibtex_url(url):
    """A URL as BibTeX's verbatim url field takes it: characters that would unbalance it encoded."""
    return url.strip().replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def _bibtex_names(authors):
    """Source.authors ("Doe, Jane; Roe, Richard") as BibTeX names joined with "and"."""
    names = []
    for name in authors.split(";"):
        name = bibtex_escape(name)
        if not name:
            continue
        # A name with "and" inside it (a body such as "Department of Peace and Security") is
        # braced so that BibTeX reads it as one name.
        if re.search(r"\band\b", name, re.IGNORECASE):
            name = "{" + name + "}"
        names.append(name)
    return " and ".join(names)


def identifier_field(source):
    """The BibTeX/RIS role of Source.identifier: a DOI, an ISBN for a book, otherwise a number."""
    match = _DOI.match(source.identifier.strip())
    if match:
        return "doi", match.group(1)
    if source.kind == Source.Kind.BOOK:
        return "isbn", source.identifier.strip()
    return "number", source.identifier.strip()


def _date_parts(value, precision):
    """(year, month or None, ISO date as exactly as it is known) for a date and its precision."""
    if precision == DatePrecision.YEAR:
        return value.year, None, f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return value.year, value.month, f"{value.year:04d}-{value.month:02d}"
    return value.year, value.month, value.isoformat()


def _long_date(value):
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def _bibtex_entry(entry_type, key, fields):
    """An entry from (name, value) pairs; values are already escaped, `None` or "" are left out.

    A value is written in braces, except a month, which is BibTeX's month macro.
    """
    lines = [f"@{entry_type}{{{key},"]
    for name, value in fields:
        if value in (None, ""):
            continue
        written = value if name == "month" else "{" + str(value) + "}"
        lines.append(f"  {name} = {written},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def source_to_bibtex(source):
    """
    One BibTeX entry for a source, its key as the citation key.

    Entry type by kind (`BIBTEX_TYPES`). Fields: title (braced so that styles keep its
    capitals), author (Source.authors, several separated by ";"), the publisher or issuing body
    as institution (@techreport), publisher (@book), journal (@article) or organization (@misc),
    year, month and date (as far as the date's precision goes), the identifier as doi, isbn
    (books) or number, url, urldate (the access date) and a note with the kind of source
    (for @misc) and the access date. The caller passes a published source; for lists use
    `sources_to_bibtex()`, which leaves out the others.
    """
    entry_type = BIBTEX_TYPES.get(source.kind, "misc")
    if entry_type == "techreport" and not source.publisher.strip():
        entry_type = "misc"
    fields = [("title", "{" + bibtex_escape(source.title) + "}")]
    fields.append(("author", _bibtex_names(source.authors)))
    if source.publisher.strip():
        fields.append((_PUBLISHER_FIELD[entry_type], "{" + bibtex_escape(source.publisher) + "}"))
    if entry_type == "techreport":
        fields.append(("type", bibtex_escape(source.get_kind_display())))
    if source.date:
        year, month, iso = _date_parts(source.date, source.date_precision)
        fields += [("year", str(year)), ("month", month and _MONTHS[month - 1]), ("date", iso)]
    if source.identifier.strip():
        name, value = identifier_field(source)
        fields.append((name, value if name == "doi" else bibtex_escape(value)))
    if source.url.strip():
        fields.append(("url", _bibtex_url(source.url)))
    if source.accessed:
        fields.append(("urldate", source.accessed.isoformat()))
    note = []
    if entry_type == "misc":
        note.append(source.get_kind_display())
    if source.accessed and source.url.strip():
        note.append(f"Accessed {_long_date(source.accessed)}")
    fields.append(("note", bibtex_escape(". ".join(note))))
    return _bibtex_entry(entry_type, source.key, fields)


def sources_to_bibtex(sources):
    """A BibTeX file (str) of the published sources among `sources`, entries separated by a blank line."""
    return "\n".join(source_to_bibtex(source) for source in sources if source.is_published)


# RIS -------------------------------------------------------------------------------------------

RIS_TYPES = {
    Source.Kind.UN_DOCUMENT: "GOVDOC",
    Source.Kind.REPORT: "RPRT",
    Source.Kind.TREATY: "LEGAL",
    Source.Kind.BOOK: "BOOK",
    Source.Kind.JOURNAL_ARTICLE: "JOUR",
    Source.Kind.NEWS: "NEWS",
    Source.Kind.WEB_PAGE: "ELEC",
    # RIS has no type for press releases; GEN (generic) keeps every field.
    Source.Kind.PRESS_RELEASE: "GEN",
    Source.Kind.DATASET: "DATA",
}
_RIS_IDENTIFIER_TAG = {"doi": "DO", "isbn": "SN", "number": "M1"}
RIS_NEWLINE = "\r\n"


def _ris_line(tag, value):
    return f"{tag}  - {' '.join(str(value).split())}"


def _ris_date(value, precision):
    """RIS date, YYYY/MM/DD/ with the parts the precision does not know left empty."""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}///"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}/{value.month:02d}//"
    return f"{value:%Y/%m/%d}/"


def source_to_ris(source):
    """
    One RIS record for a source, lines ending in CR LF and the record closed by "ER  - ".

    TY by kind (`RIS_TYPES`); ID is the source key; TI the title; one AU per author
    (Source.authors, several separated by ";"); the publisher or issuing body as PB (as T2, the
    journal, for a journal article); PY the year and DA the date as far as its precision goes;
    the identifier as DO (a DOI), SN (a book's ISBN) or M1; UR the URL and Y2 the access date.
    Line breaks inside values become spaces. The caller passes a published source; for lists use
    `sources_to_ris()`, which leaves out the others.
    """
    lines = [_ris_line("TY", RIS_TYPES.get(source.kind, "GEN")), _ris_line("ID", source.key)]
    lines.append(_ris_line("TI", source.title))
    lines += [_ris_line("AU", name) for name in (part.strip() for part in source.authors.split(";")) if name]
    if source.publisher.strip():
        lines.append(_ris_line("T2" if source.kind == Source.Kind.JOURNAL_ARTICLE else "PB", source.publisher))
    if source.date:
        lines.append(_ris_line("PY", f"{source.date.year:04d}"))
        lines.append(_ris_line("DA", _ris_date(source.date, source.date_precision)))
    if source.identifier.strip():
        name, value = identifier_field(source)
        lines.append(_ris_line(_RIS_IDENTIFIER_TAG[name], value))
    if source.url.strip():
        lines.append(_ris_line("UR", source.url.strip()))
    if source.accessed:
        lines.append(_ris_line("Y2", f"{source.accessed:%Y/%m/%d}"))
    lines.append("ER  - ")
    return RIS_NEWLINE.join(lines) + RIS_NEWLINE


def sources_to_ris(sources):
    """An RIS file (str) of the published sources among `sources`, records separated by a blank line."""
    return RIS_NEWLINE.join(source_to_ris(source) for source in sources if source.is_published)


# Citing a case study ---------------------------------------------------------------------------


def _us_date(value):
    return f"{MONTH_NAMES[value.month - 1]} {value.day}, {value.year}"


def _with_period(text):
    """Text ending in one full stop, unless it already ends a sentence."""
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!")) else text + "."


def cite_case_study(case, accessed=None, *, url=None, updated=None):
    """
    Ready-made citations of a case study page, for "Cite this page".

    Returns {"apa": str, "chicago": str, "bibtex": str}. APA and Chicago are plain text with the
    title, the site name, the last-updated date (`case.updated_at`), the access date and the
    permanent URL (`settings.SITE_URL` + the page's path); BibTeX is an @misc entry keyed
    casebook-<slug>. `accessed` is a date, today by default. A past version is cited at its own
    `url`, with the date it was `updated` (saved).
    """
    accessed = accessed or timezone.localdate()
    updated = timezone.localdate(updated or case.updated_at)
    url = url or settings.SITE_URL + case.get_absolute_url()
    title = " ".join(case.title.split())
    apa = (
        f"{_with_period(title)} ({updated.year}, {MONTH_NAMES[updated.month - 1]} {updated.day}). {SITE_NAME}. "
        f"Retrieved {_us_date(accessed)}, from {url}"
    )
    chicago_title = title if title.endswith((".", "?", "!")) else title + "."
    chicago = (
        f"\u201c{chicago_title}\u201d {SITE_NAME}. Last modified {_us_date(updated)}. "
        f"Accessed {_us_date(accessed)}. {url}."
    )
    bibtex = _bibtex_entry(
        "misc",
        f"casebook-{case.slug}",
        [
            ("title", "{" + bibtex_escape(title) + "}"),
            ("howpublished", bibtex_escape(SITE_NAME)),
            ("year", str(updated.year)),
            ("month", _MONTHS[updated.month - 1]),
            ("url", _bibtex_url(url)),
            ("urldate", accessed.isoformat()),
            ("note", bibtex_escape(f"Last updated {_long_date(updated)}. Accessed {_long_date(accessed)}")),
        ],
    )
    return {"apa": apa, "chicago": chicago, "bibtex": bibtex}
