"""
Data exports of the casebook: the case studies a reader filtered, as CSV or JSON.
(Sources as BibTeX or RIS, and citations of a page, are in `cases.bibliography`.)

`case_study_rows()` reads the rows of the case studies it is given; `csv_lines()` and
`json_chunks()` turn them into text a piece at a time; views decide which case studies and how
to serve them. Nothing unpublished leaves through them: rows are built from published case
studies, organisations, challenges, sources and strength figures with a published source only.
"""

import csv
import json
from collections import defaultdict

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseChallenge, CaseOrganization, CaseStudy, Citation, StrengthFigure, published
from cases.snapshot import read_snapshot

# The order of organisation roles in an export: as declared, lead first.
_ROLE_ORDER = Case(
    *(When(role=role, then=Value(position)) for position, role in enumerate(CaseOrganization.Role.values)),
    default=Value(len(CaseOrganization.Role.values)),
    output_field=IntegerField(),
)


# Case-study rows -------------------------------------------------------------------------------


EXPORT_BATCH = 500


def case_study_rows(queryset, batch_size=EXPORT_BATCH):
    """
    One dict per published case study in `queryset`, in the queryset's order, in bounded memory
    whatever the size of the casebook: the ids are read first, then the rows built a batch at a
    time, six queries per batch, all in one read-only snapshot of the database. The queries read
    plain values, not model instances: an export of the whole casebook is thousands of rows.

    `queryset` is a CaseStudy queryset, e.g. `CaseStudy.objects.all()` or the list page's
    filtered queryset; only its published case studies are exported. Keys of each row:
    slug, title, mission_name, acronym, region, countries (ISO codes), country_names,
    organizations (dicts with slug, name and role; published organisations only), mandate_type,
    start_date (ISO), start_precision, end_date (ISO or None), end_precision, outcome, objectives
    (slugs), objective_names, challenges (slugs of published challenges), challenge_names, depth,
    peak_authorised_strength and peak_deployed_strength (int or None), unverified_facts (names of
    infobox facts),
    url (absolute), updated_at (ISO date-time) and citations.

    `citations` maps each infobox fact (`CaseStudy.CITABLE_FACTS`, plus any other fact a
    citation names) to a list of dicts with the source's key, title, identifier and url and the
    citation's locator, from published sources only.
    """
    # Every batch is read from the snapshot the ids came from, so a case study unpublished or
    # changed while the export streams is in it as it was, or not at all, never half.
    with read_snapshot():
        ids = list(queryset.published().values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            yield from case_study_rows_by_id(ids[start : start + batch_size])


def case_study_rows_by_id(ids):
    """
    The rows of the published case studies with these ids, in the order of `ids`, in six
    queries: a page of the API, or a batch of an export.
    """
    rows = dict(_rows_with_ids(CaseStudy.objects.filter(pk__in=ids)))
    # A row gone since the ids were read (possible only inside a transaction the caller opened,
    # which decides what is seen) is left out: the response is already under way.
    return [rows[pk] for pk in ids if pk in rows]


def _rows_with_ids(queryset):
    """(id, row) for each published case study in `queryset`, in its order."""
    cases = list(queryset.published().values(*_CASE_FIELDS, peak=_published_peak_strength()))
    ids = [case["id"] for case in cases]
    roles = _grouped(
        CaseOrganization.objects.filter(published("organization"), case_study_id__in=ids)
        .order_by(_ROLE_ORDER, "organization__name")
        .values_list("case_study_id", "organization__slug", "organization__name", "role")
    )
    countries = _grouped(
        CaseStudy.countries.through.objects.filter(casestudy_id__in=ids)
        .order_by("country__name")
        .values_list("casestudy_id", "country__code", "country__name")
    )
    objectives = _grouped(
        CaseStudy.objectives.through.objects.filter(casestudy_id__in=ids)
        .order_by("objective__name")
        .values_list("casestudy_id", "objective__slug", "objective__name")
    )
    challenges = _grouped(
        CaseChallenge.objects.filter(published("challenge"), case_study_id__in=ids)
        .order_by("challenge__name")
        .values_list("case_study_id", "challenge__slug", "challenge__name")
    )
    citations = _grouped(
        Citation.objects.filter(
            published("source"),
            content_type=ContentType.objects.get_for_model(CaseStudy),
            object_id__in=ids,
        )
        .exclude(field="")
        .order_by("id")
        .values_list(
            "object_id", "field", "source__key", "source__title", "source__identifier", "source__url", "locator"
        )
    )
    for case in cases:
        pk = case.pop("id")
        case["peak_authorised_strength"] = case.pop("peak")
        cited = {fact: [] for fact in CaseStudy.CITABLE_FACTS}
        for field, key, title, identifier, url, locator in citations[pk]:
            cited.setdefault(field, []).append(
                {"key": key, "title": title, "identifier": identifier, "url": url, "locator": locator}
            )
        yield (
            pk,
            {
                **case,
                "countries": [code for code, _ in countries[pk]],
                "country_names": [name for _, name in countries[pk]],
                "organizations": [{"slug": slug, "name": name, "role": role} for slug, name, role in roles[pk]],
                "objectives": [slug for slug, _ in objectives[pk]],
                "objective_names": [name for _, name in objectives[pk]],
                "challenges": [slug for slug, _ in challenges[pk]],
                "challenge_names": [name for _, name in challenges[pk]],
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
    "peak_deployed_strength",
    "unverified_facts",
    "updated_at",
]


def _published_peak_strength():
    """
    The highest authorised figure of the case study in the outer query among those whose source
    is published, as its page shows it: a figure readers cannot follow to its source is not shown
    anywhere. (The stored `peak_authorised_strength`, the list's sort key, is not read here.)
    """
    figures = StrengthFigure.objects.filter(
        published("source"), case_study=OuterRef("pk"), kind=StrengthFigure.Kind.AUTHORISED
    )
    return Subquery(figures.order_by("-number").values("number")[:1])


def _grouped(rows):
    """(owner id, *values) rows as {owner id: [values, ...]}, in the rows' order."""
    grouped = defaultdict(list)
    for owner, *values in rows:
        grouped[owner].append(tuple(values))
    return grouped


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
    """
    Rows from `case_study_rows()` as CSV lines, for a streaming response: a header line after a
    byte order mark (which lets spreadsheets read the file as UTF-8), then a line per row,
    columns as in `CSV_COLUMNS`.

    Lists are joined with "; "; organisations appear as "slug (role)"; the citations become one
    column, "sources", listing the keys of the sources cited, each once, in order of first
    citation. Empty values (no end date, no strength) are empty cells. Text that a spreadsheet
    would evaluate as a formula (starting with =, +, -, @) is prefixed with an apostrophe.
    """
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in _csv_values(row)])


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


def json_chunks(rows):
    """
    Rows from `case_study_rows()` as a JSON document, produced a case study at a time:
    {"generated_at": ISO date-time, "case_studies": [row, ...], "count": n}, citations included
    ("count" comes last, once the rows are counted).
    """
    yield '{\n  "generated_at": ' + json.dumps(timezone.now().isoformat()) + ',\n  "case_studies": ['
    count = 0
    for row in rows:
        yield ("," if count else "") + "\n    " + json.dumps(row, ensure_ascii=False)
        count += 1
    yield f'\n  ],\n  "count": {count}\n}}\n'
