"""
The Frictionless Data Package (datapackage.json) that describes the casebook's downloads: every
column of the CSV download and every field of the JSON rows, with its type, meaning, allowed
values and unit. Written from the definitions the downloads themselves are made from (the CSV's
`cases.exports.COLUMNS`, the JSON rows' serializer shared with the API), so the description
cannot drift from the files.
"""

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers as fields

from cases.api.serializers import CaseStudySerializer
from cases.exports import COLUMNS

_CSV_COLUMNS = {column.name: column for column in COLUMNS}
LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}


def csv_field(column):
    field = {"name": column.name, "type": column.type, "description": column.description}
    constraints = {}
    if column.required:
        constraints["required"] = True
    if column.choices:
        constraints["enum"] = [code for code, _ in column.choices]
        field["description"] += " Codes: " + "; ".join(f"{code} ({label})" for code, label in column.choices) + "."
    if column.pattern:
        constraints["pattern"] = column.pattern
    if column.type == "integer":
        constraints["minimum"] = 0
    if column.unit:
        field["unit"] = column.unit
        field["description"] += f" Unit: {column.unit}."
    if constraints:
        field["constraints"] = constraints
    return field


# Serializer fields as Table Schema types; a field not listed is a string.
_JSON_TYPES = [
    (fields.ListSerializer, "array"),
    (fields.ListField, "array"),
    (fields.DictField, "object"),
    (fields.IntegerField, "integer"),
    (fields.DateTimeField, "datetime"),
    (fields.DateField, "date"),
]


def json_field(name, serializer_field):
    kind = next((kind for cls, kind in _JSON_TYPES if isinstance(serializer_field, cls)), "string")
    column = _CSV_COLUMNS.get(name)
    description = str(serializer_field.help_text or "") or (column.description if column else "")
    field = {"name": name, "type": kind, "description": description}
    if isinstance(serializer_field, fields.ChoiceField):
        field["constraints"] = {"enum": list(serializer_field.choices)}
    if column and column.unit:
        field["unit"] = column.unit
    return field


def descriptor():
    """The datapackage.json of the downloads, with absolute addresses."""
    site = settings.SITE_URL
    case_study_fields = CaseStudySerializer().fields
    json_schema = {"fields": [json_field(name, field) for name, field in case_study_fields.items()]}
    return {
        "name": "peacekeeping-casebook",
        "title": "Peacekeeping Casebook",
        "description": (
            "Published case studies of peacekeeping operations, each fact cited to a primary source. The "
            "case-study downloads take the filters of the list at /cases/ (same parameters); without "
            "parameters they hold every published case study."
        ),
        "homepage": site + "/",
        "licenses": [LICENCE],
        "resources": [
            {
                "name": "case-studies",
                "title": "Case studies (CSV)",
                "path": site + reverse("cases:export", args=["csv"]),
                "format": "csv",
                "mediatype": "text/csv",
                # A byte order mark opens the file, so that spreadsheets read it as UTF-8.
                "encoding": "utf-8-sig",
                "description": "One row per published case study; each code is followed by its label.",
                "schema": {"fields": [csv_field(column) for column in COLUMNS], "primaryKey": ["slug"]},
            },
            {
                "name": "case-studies-json",
                "title": "Case studies (JSON)",
                "path": site + reverse("cases:export", args=["json"]),
                "format": "json",
                "mediatype": "application/json",
                "description": (
                    "The same case studies as JSON, lists as arrays and citations by fact: "
                    '{"generated_at": ..., "case_studies": [row, ...], "count": n}. '
                    "The rows are those of the API's /api/v1/case-studies/."
                ),
                "dialect": {"json": {"property": "case_studies", "keyed": True}},
                "schema": json_schema,
            },
            {
                "name": "casebook-dump",
                "title": "The whole published casebook (JSON), versioned",
                "path": site + reverse("downloads:dump_latest"),
                "format": "json",
                "mediatype": "application/json",
                "description": (
                    "Every published case study (the rows above), organisation, challenge, host country and "
                    "source, as the API gives them, under a version number; each version has a SHA-256 "
                    "checksum file beside it (casebook-<version>.json.sha256) and the changelog at "
                    + site
                    + reverse("downloads:changelog")
                    + " lists every version and what changed."
                ),
                "dialect": {"json": {"property": "case_studies", "keyed": True}},
                "schema": json_schema,
            },
        ],
    }
