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
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    Citation,
    DatePrecision,
    OrganizationRole,
    Region,
    StrengthFigure,
    published,
)
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

LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Column:
    """
    One column of the CSV download: how a row gives its value, and what readers (and the
    datapackage.json that describes the download, cases/datapackage.py) are told about it.
    """

    name: str
    description: str
    value: Callable = None  # row -> value; by default the row's own key of that name
    type: str = "string"  # a Frictionless Table Schema type
    choices: tuple = ()  # (code, label) pairs: the allowed values
    pattern: str = ""  # a regular expression every non-empty value matches
    unit: str = ""
    required: bool = False

    def of(self, row):
        return self.value(row) if self.value else row[self.name]


def _labels(choices):
    labels = dict(choices)
    return lambda code: labels.get(code, code)


def _label_of(key, choices):
    label = _labels(choices)
    return lambda row: label(row[key])


_role_label = _labels(OrganizationRole.choices)
_LIST = f"several values are separated by “{LIST_SEPARATOR}”"
_SLUGS = rf"^[a-z0-9_-]+({LIST_SEPARATOR}[a-z0-9_-]+)*$"

COLUMNS = [
    Column(
        "slug", "The case study's identifier: its page is /cases/<slug>/.", required=True, pattern=r"^[-a-zA-Z0-9_]+$"
    ),
    Column("title", "The case study's title.", required=True),
    Column("mission_name", "The operation's official name.", required=True),
    Column("acronym", "The operation's acronym; may be empty."),
    Column("depth", "How much the entry tells (code).", choices=tuple(CaseStudy.Depth.choices), required=True),
    Column("depth_label", "How much the entry tells.", _label_of("depth", CaseStudy.Depth.choices)),
    Column("region", "The region of the host countries (code).", choices=tuple(Region.choices), required=True),
    Column("region_label", "The region of the host countries.", _label_of("region", Region.choices)),
    Column(
        "countries",
        f"Host countries, ISO 3166-1 alpha-2 codes; {_LIST}.",
        pattern=rf"^[A-Z]{{2}}({LIST_SEPARATOR}[A-Z]{{2}})*$",
    ),
    Column(
        "country_names",
        f"Host countries' names, in the order of `countries`; {_LIST}.",
        lambda row: row["country_names"],
    ),
    Column(
        "organizations",
        f"Organisations as “slug (role)”, the role one of lead, partner, authorising, funding; {_LIST}.",
        lambda row: [f"{org['slug']} ({org['role']})" for org in row["organizations"]],
    ),
    Column(
        "organization_names",
        f"The same organisations by name, with their role in words; {_LIST}.",
        lambda row: [f"{org['name']} ({_role_label(org['role']).lower()})" for org in row["organizations"]],
    ),
    Column("mandate_type", "The kind of mandate (code).", choices=tuple(CaseStudy.MandateType.choices), required=True),
    Column("mandate_type_label", "The kind of mandate.", _label_of("mandate_type", CaseStudy.MandateType.choices)),
    Column("start_date", "When the operation started (ISO 8601).", type="date", required=True),
    Column(
        "start_precision",
        "How exact start_date is: to the day, or only its month or year.",
        choices=tuple(DatePrecision.choices),
        required=True,
    ),
    Column("end_date", "When the operation ended (ISO 8601); empty while it is ongoing.", type="date"),
    Column("end_precision", "How exact end_date is.", choices=tuple(DatePrecision.choices), required=True),
    Column("outcome", "How the operation ended (code).", choices=tuple(CaseStudy.Outcome.choices), required=True),
    Column("outcome_label", "How the operation ended.", _label_of("outcome", CaseStudy.Outcome.choices)),
    Column("objectives", f"Objectives of the mandate (slugs); {_LIST}.", pattern=_SLUGS),
    Column("objective_names", f"The same objectives by name; {_LIST}."),
    Column("challenges", f"Challenges the operation met (slugs of /challenges/<slug>/); {_LIST}.", pattern=_SLUGS),
    Column("challenge_names", f"The same challenges by name; {_LIST}."),
    Column(
        "peak_authorised_strength",
        "The highest authorised personnel ceiling cited to a published source; empty when none is.",
        type="integer",
        unit="persons",
    ),
    Column(
        "peak_deployed_strength",
        "The highest number of personnel deployed cited to a published source; empty when none is.",
        type="integer",
        unit="persons",
    ),
    Column(
        "unverified_facts",
        f"Infobox facts not yet checked against a primary document (field names); {_LIST}.",
        pattern=_SLUGS,
    ),
    Column("url", "The case study's page.", required=True),
    Column("updated_at", "When the entry last changed (ISO 8601, UTC).", type="datetime", required=True),
    Column(
        "sources",
        f"Keys of the sources cited for the infobox facts, each once (/sources/<key>/); {_LIST}.",
        lambda row: list(dict.fromkeys(c["key"] for cited in row["citations"].values() for c in cited)),
        pattern=_SLUGS,
    ),
]
CSV_COLUMNS = [column.name for column in COLUMNS]
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
    columns as in `COLUMNS`, each code followed by its label.

    Lists are joined with "; "; organisations appear as "slug (role)"; the citations become one
    column, "sources", listing the keys of the sources cited, each once, in order of first
    citation. Empty values (no end date, no strength) are empty cells. Text that a spreadsheet
    would evaluate as a formula (starting with =, +, -, @) is prefixed with an apostrophe.
    """
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow([_csv_cell(column.of(row)) for column in COLUMNS])


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


# File names -------------------------------------------------------------------------------------

MAX_NAME_LENGTH = 150


def download_name(filterset, extension, day=None, subject="case-studies"):
    """
    A file name that says what was filtered and when, e.g.
    casebook-case-studies-organization-un-region-africa-2026-12-01.csv: each valid filter as its
    parameter and values, in the list's order of filters; the organisations' role when it is
    not "lead"; long names shortened (the date is always kept).
    """
    parts = [f"casebook-{subject}"]
    active = filterset.active
    for name in filterset.filters:
        if name not in active:
            continue
        values = active[name] if isinstance(active[name], list) else [active[name]]
        parts.append("-".join([name, *(slugify(str(value)) for value in values)]))
        if name == "organization" and filterset.chosen_role != OrganizationRole.LEAD:
            parts.append(f"organization_role-{filterset.chosen_role}")
    stem = "-".join(part for part in parts if part)[:MAX_NAME_LENGTH].rstrip("-")
    return f"{stem}-{(day or timezone.localdate()).isoformat()}.{extension}"
