"""
Exports of the casebook for readers and reference managers: case-study data as CSV or JSON,
sources as BibTeX or RIS, and ready-made citations of a case study (APA, Chicago, BibTeX).

These are pure functions: they read what they are given and return or write text; views decide
what to pass and how to serve it. Nothing unpublished leaves through them: case-study rows are
built from published case studies, organisations, challenges and sources only, and the batch
source formatters drop any source that is not published.
"""

import csv
import json
import re
from collections import defaultdict

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseChallenge, CaseOrganization, CaseStudy, Citation, DatePrecision, Source, Status

SITE_NAME = "Peacekeeping Casebook"

# The order of organisation roles in an export: as declared, lead first.
_ROLE_ORDER = Case(
    *(When(role=role, then=Value(position)) for position, role in enumerate(CaseOrganization.Role.values)),
    default=Value(len(CaseOrganization.Role.values)),
    output_field=IntegerField(),
)


# Case-study rows -------------------------------------------------------------------------------


def case_study_rows(queryset):
    """
    One dict per published case study in `queryset`, in the queryset's order.

    `queryset` is a CaseStudy queryset, e.g. `CaseStudy.objects.all()` or the list page's
    filtered queryset; only its published case studies are exported. Keys of each row:
    slug, title, mission_name, acronym, region, countries (ISO codes), organizations (dicts with
    slug, name and role; published organisations only), mandate_type, start_date (ISO),
    start_precision, end_date (ISO or None), end_precision, outcome, objectives (slugs),
    challenges (slugs of published challenges), depth, peak_authorised_strength and
    peak_deployed_strength (int or None), unverified_facts (names of infobox facts),
    url (absolute), updated_at (ISO date-time) and citations.

    `citations` maps each infobox fact (`CaseStudy.CITABLE_FACTS`, plus any other fact a
    citation names) to a list of dicts with the source's key, title, identifier and url and the
    citation's locator, from published sources only.

    The whole export runs in six queries whatever the number of case studies. They read plain
    values, not model instances: an export of the whole casebook is thousands of rows.
    """
    for _pk, row in _rows_with_ids(queryset):
        yield row


def _rows_with_ids(queryset):
    """(id, row) for each published case study in `queryset`, in its order."""
    cases = list(queryset.published().values(*_CASE_FIELDS))
    ids = [case["id"] for case in cases]
    roles = _grouped(
        CaseOrganization.objects.filter(case_study_id__in=ids, organization__status=Status.PUBLISHED)
        .order_by(_ROLE_ORDER, "organization__name")
        .values_list("case_study_id", "organization__slug", "organization__name", "role")
    )
    countries = _grouped(
        CaseStudy.countries.through.objects.filter(casestudy_id__in=ids)
        .order_by("country__name")
        .values_list("casestudy_id", "country__code")
    )
    objectives = _grouped(
        CaseStudy.objectives.through.objects.filter(casestudy_id__in=ids)
        .order_by("objective__name")
        .values_list("casestudy_id", "objective__slug")
    )
    challenges = _grouped(
        CaseChallenge.objects.filter(case_study_id__in=ids, challenge__status=Status.PUBLISHED)
        .order_by("challenge__name")
        .values_list("case_study_id", "challenge__slug")
    )
    citations = _grouped(
        Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(CaseStudy),
            object_id__in=ids,
            source__status=Status.PUBLISHED,
        )
        .exclude(field="")
        .order_by("id")
        .values_list(
            "object_id", "field", "source__key", "source__title", "source__identifier", "source__url", "locator"
        )
    )
    for case in cases:
        pk = case.pop("id")
        cited = {fact: [] for fact in CaseStudy.CITABLE_FACTS}
        for field, key, title, identifier, url, locator in citations[pk]:
            cited.setdefault(field, []).append(
                {"key": key, "title": title, "identifier": identifier, "url": url, "locator": locator}
            )
        yield (
            pk,
            {
                **case,
                "countries": [code for (code,) in countries[pk]],
                "organizations": [{"slug": slug, "name": name, "role": role} for slug, name, role in roles[pk]],
                "objectives": [slug for (slug,) in objectives[pk]],
                "challenges": [slug for (slug,) in challenges[pk]],
                "start_date": case["start_date"].isoformat(),
                "end_date": case["end_date"].isoformat() if case["end_date"] else None,
                "url": settings.SITE_URL + reverse("cases:detail", args=[case["slug"]]),
                "updated_at": case["updated_at"].isoformat(),
                "citations": cited,
            },
        )


# The columns of a row read straight from the case study; the key order is the row's.
_CASE_FIELDS = [
    "id",
    "slug",
    "title",
    "mission_name",
    "acronym",
    "depth",
    "region",
    "mandate_type",
    "start_date",
    "start_precision",
    "end_date",
    "end_precision",
    "outcome",
    "peak_authorised_strength",
    "peak_deployed_strength",
    "unverified_facts",
    "updated_at",
]


def _grouped(rows):
    """(owner id, *values) rows as {owner id: [values, ...]}, in the rows' order."""
    grouped = defaultdict(list)
    for owner, *values in rows:
        grouped[owner].append(tuple(values))
    return grouped


EXPORT_BATCH = 500


def case_study_rows_in_batches(queryset, batch_size=EXPORT_BATCH):
    """
    `case_study_rows()` for any number of case studies in bounded memory: the queryset's ids
    are read in its order, and the rows built a batch at a time (six queries per batch).
    """
    ids = list(queryset.published().values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        rows = dict(_rows_with_ids(CaseStudy.objects.filter(pk__in=batch)))
        for pk in batch:
            yield rows[pk]


# CSV and JSON ----------------------------------------------------------------------------------

CSV_COLUMNS = [
    "slug",
    "title",
    "mission_name",
    "acronym",
    "depth",
    "region",
    "countries",
    "organizations",
    "mandate_type",
    "start_date",
    "start_precision",
    "end_date",
    "end_precision",
    "outcome",
    "objectives",
    "challenges",
    "peak_authorised_strength",
    "peak_deployed_strength",
    "unverified_facts",
    "url",
    "updated_at",
    "sources",
]
LIST_SEPARATOR = "; "
# A cell a spreadsheet would run as a formula; it is written with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() returns what it is given: csv.writer output, line by line."""

    def write(self, value):
        return value


def csv_lines(rows):
    """The CSV of `write_csv`, as a stream of lines for a streaming response."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in _csv_values(row)])


def json_chunks(rows):
    """The JSON document of `to_json`, produced a case study at a time ("count" comes last)."""
    yield '{\n  "generated_at": ' + json.dumps(timezone.now().isoformat()) + ',\n  "case_studies": ['
    count = 0
    for row in rows:
        yield ("," if count else "") + "\n    " + json.dumps(row, ensure_ascii=False)
        count += 1
    yield f'\n  ],\n  "count": {count}\n}}\n'


def write_csv(rows, stream):
    """
    Write rows from `case_study_rows()` to `stream` (a text file opened with newline="", or an
    HttpResponse) as CSV with a header line, columns as in `CSV_COLUMNS`.

    Lists are joined with "; "; organisations appear as "slug (role)"; the citations become one
    column, "sources", listing the keys of the sources cited, each once, in order of first
    citation. Empty values (no end date, no strength) are empty cells. Text that a spreadsheet
    would evaluate as a formula (starting with =, +, -, @) is prefixed with an apostrophe.
    """
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in _csv_values(row)])


def _csv_values(row):
    flat = dict(row)
    flat["organizations"] = [f"{org['slug']} ({org['role']})" for org in row["organizations"]]
    keys = {}
    for citations in row["citations"].values():
        for citation in citations:
            keys.setdefault(citation["key"], None)
    flat["sources"] = list(keys)
    return [flat[column] for column in CSV_COLUMNS]


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_json(rows):
    """
    The rows from `case_study_rows()` as a JSON document (str):
    {"generated_at": ISO date-time, "count": n, "case_studies": [row, ...]}, citations included.
    """
    case_studies = list(rows)
    document = {
        "generated_at": timezone.now().isoformat(),
        "count": len(case_studies),
        "case_studies": case_studies,
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def write_json(rows, stream):
    """Write `to_json(rows)` to a text stream or an HttpResponse."""
    stream.write(to_json(rows))


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


def _identifier_field(source):
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
        name, value = _identifier_field(source)
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
    return "\n".join(source_to_bibtex(source) for source in sources if source.status == Status.PUBLISHED)


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
        name, value = _identifier_field(source)
        lines.append(_ris_line(_RIS_IDENTIFIER_TAG[name], value))
    if source.url.strip():
        lines.append(_ris_line("UR", source.url.strip()))
    if source.accessed:
        lines.append(_ris_line("Y2", f"{source.accessed:%Y/%m/%d}"))
    lines.append("ER  - ")
    return RIS_NEWLINE.join(lines) + RIS_NEWLINE


def sources_to_ris(sources):
    """An RIS file (str) of the published sources among `sources`, records separated by a blank line."""
    return RIS_NEWLINE.join(source_to_ris(source) for source in sources if source.status == Status.PUBLISHED)


# Citing a case study ---------------------------------------------------------------------------


def _us_date(value):
    return f"{MONTH_NAMES[value.month - 1]} {value.day}, {value.year}"


def _with_period(text):
    """Text ending in one full stop, unless it already ends a sentence."""
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!")) else text + "."


def cite_case_study(case, accessed=None):
    """
    Ready-made citations of a case study page, for "Cite this page".

    Returns {"apa": str, "chicago": str, "bibtex": str}. APA and Chicago are plain text with the
    title, the site name, the last-updated date (`case.updated_at`), the access date and the
    permanent URL (`settings.SITE_URL` + the page's path); BibTeX is an @misc entry keyed
    casebook-<slug>. `accessed` is a date, today by default.
    """
    accessed = accessed or timezone.localdate()
    updated = timezone.localdate(case.updated_at)
    url = settings.SITE_URL + case.get_absolute_url()
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
