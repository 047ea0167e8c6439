"""
Imports datasets of the UN Peace and Security Data Hub (https://psdata.un.org) exactly as the hub
publishes them, as CSV or as JSON (a list of objects with the CSV's column names, dates as
milliseconds since 1970 and missing values as null), with the quirks of the real files:

- values with trailing spaces ("Local "), and personnel and incident types written as labels;
- M49 codes written as decimals ("250.0"), and the contribution datasets' metadata swapping the
  labels of `isocode3` and `m49_code`: a code is read for what its value is, not its column;
- nationalities with no code ("ZZ [Undetermined]", and a few real countries the hub left
  uncoded) and states that no longer exist (Yugoslavia, Serbia and Montenegro): their text is
  kept, and they link to no country;
- one acronym naming several missions (UNEF for UNEF I and II), told apart by date
  (`case_study_for`);
- special political missions and the UN Secretariat beside peacekeeping operations: kept,
  linked to no case study, and counted in the report rather than dropped.

Every import is one transaction: a file with one bad row writes nothing, and the error names
each bad row and its problem. Importing the same file again changes nothing. The dataset is a
Source (kind "dataset", published) that every figure from it cites; its provenance (publisher,
last update, licence, address, attribution, caveats) comes from a YAML file beside the data.
"""

import csv
import datetime
import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pycountry
import reversion
import yaml
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cases.cache import bump_content_version
from cases.models import (
    CaseStudy,
    ContributedPersonnel,
    Country,
    Fatality,
    FatalityPersonnel,
    IncidentType,
    LeadDepartment,
    Source,
    Status,
    UNContribution,
    UNDataset,
    UNDatasetId,
    UNOperation,
    published,
)

SHIPPED_DATA_DIR = Path(__file__).resolve().parent / "content" / "data" / "un-psdata"
PROVENANCE_SUFFIX = ".provenance.yaml"
# Bad rows listed in one error message; the message says how many more there are.
MAX_PROBLEMS_SHOWN = 20
PROGRESS_EVERY = 500
WRITE_BATCH = 500


class UNDataError(Exception):
    """A file, a row or a provenance record the import cannot take, described for the person running it."""


class RowProblem(Exception):
    """What is wrong with one value of one row."""


# -- provenance ---------------------------------------------------------------------------------

HUB_PUBLISHER = "United Nations, Peace and Security Data Hub"
HUB_LICENCE = "Creative Commons Attribution for Intergovernmental Organisations (CC BY-IGO 3.0)"


@dataclass(frozen=True)
class Provenance:
    """Where a dataset comes from: it becomes the dataset's Source and UNDataset."""

    dataset_id: str
    name: str
    publisher: str
    last_update: datetime.date
    licence: str
    url: str
    attribution: str
    caveats: tuple = ()

    REQUIRED = ("dataset_id", "name", "publisher", "last_update", "licence", "url", "attribution")

    @classmethod
    def from_file(cls, path):
        path = Path(path)
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise UNDataError(f"{path.name}: cannot read the provenance file: {error.strerror}.") from None
        except yaml.YAMLError as error:
            raise UNDataError(f"{path.name}: the provenance file is not valid YAML: {error}") from None
        if not isinstance(document, dict):
            raise UNDataError(f"{path.name}: the provenance file should be a mapping with {', '.join(cls.REQUIRED)}.")
        missing = [name for name in cls.REQUIRED if not document.get(name)]
        if missing:
            raise UNDataError(f"{path.name}: the provenance file lacks {', '.join(missing)}.")
        last_update = document["last_update"]
        if not isinstance(last_update, datetime.date):
            try:
                last_update = datetime.date.fromisoformat(str(last_update))
            except ValueError:
                raise UNDataError(f"{path.name}: last_update '{last_update}' is not a date (YYYY-MM-DD).") from None
        caveats = document.get("caveats") or []
        if not isinstance(caveats, list):
            raise UNDataError(f"{path.name}: caveats should be a list of sentences.")
        return cls(
            dataset_id=str(document["dataset_id"]).strip(),
            name=str(document["name"]).strip(),
            publisher=str(document["publisher"]).strip(),
            last_update=last_update,
            licence=str(document["licence"]).strip(),
            url=str(document["url"]).strip(),
            attribution=str(document["attribution"]).strip(),
            caveats=tuple(str(caveat).strip() for caveat in caveats),
        )

    @classmethod
    def of_hub(cls, dataset_id, last_update):
        """The hub's own description of a dataset, for a file that comes without a provenance file."""
        name = UNDatasetId(dataset_id).label
        return cls(
            dataset_id=dataset_id,
            name=name,
            publisher=HUB_PUBLISHER,
            last_update=last_update,
            licence=HUB_LICENCE,
            url=f"https://psdata.un.org/dataset/{dataset_id}",
            attribution=f"{HUB_PUBLISHER}, {name}, last updated {last_update.isoformat()}",
            caveats=HUB_CAVEATS.get(dataset_id, ()),
        )

    @property
    def source_key(self):
        return f"un-psdata-{self.dataset_id.lower()}"


# The "Limitations and Exceptions" of each dataset in the hub's metadata, in our words.
HUB_CAVEATS = {
    UNDatasetId.FATALITIES: (
        "Data from before 2000 may not be complete.",
        "There may be a lag of several days before a death is included.",
        "Staff of UN agencies, funds and programmes are not included.",
    ),
    UNDatasetId.OPERATIONS: (
        "There may be a lag between the creation of an operation and its addition to the list.",
        "Coordinates locate the headquarters' city, not its building.",
        "Special political missions are not listed.",
    ),
    UNDatasetId.CONTRIBUTIONS: ("Some months are missing from the dataset.",),
    UNDatasetId.LATEST_CONTRIBUTIONS: (),
}


def provenance_file_for(data_file):
    """The provenance file that travels with a data file: `<name>.provenance.yaml` beside it."""
    data_file = Path(data_file)
    return data_file.with_name(data_file.stem + PROVENANCE_SUFFIX)


def file_sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- reading files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    where: str  # "line 12" of a CSV file, "record 11" of a JSON file
    values: dict


def read_records(path):
    """The file's rows as Records, and its column names. CSV (any line endings) or JSON."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".json"}:
        raise UNDataError(f"{path.name}: expected a .csv or .json file as the hub publishes it.")
    try:
        if suffix == ".json":
            return _read_json(path)
        return _read_csv(path)
    except OSError as error:
        raise UNDataError(f"{path.name}: cannot read the file: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise UNDataError(f"{path.name}: the file is not UTF-8 text.") from None


def _read_csv(path):
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = columns
        records = []
        try:
            for values in reader:
                where = f"line {reader.line_num}"
                if None in values:
                    raise UNDataError(f"{path.name}, {where}: more values than the header has columns.")
                records.append(Record(where, values))
        except csv.Error as error:
            raise UNDataError(f"{path.name}, line {reader.line_num}: not valid CSV: {error}.") from None
    return records, columns


def _read_json(path):
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise UNDataError(f"{path.name}: not valid JSON: {error}.") from None
    if not isinstance(document, list):
        raise UNDataError(f"{path.name}: expected a list of objects, one per row, as the hub publishes.")
    columns = []
    records = []
    for number, values in enumerate(document, start=1):
        if not isinstance(values, dict):
            raise UNDataError(f"{path.name}, record {number}: expected an object of column names and values.")
        columns.extend(name for name in values if name not in columns)
        records.append(Record(f"record {number}", values))
    return records, columns


# -- values -------------------------------------------------------------------------------------


def text(values, column, *, required=False, max_length=None):
    """The value without surrounding spaces; "" for an empty or null one."""
    value = values.get(column)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise RowProblem(f"{column} is empty")
    if max_length and len(value) > max_length:
        raise RowProblem(f"{column} is longer than {max_length} characters")
    return value


def date_value(values, column, *, required=True):
    """A date written as YYYY-MM-DD (a time after it is ignored), or as the JSON's milliseconds since 1970."""
    value = values.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowProblem(f"{column} is empty")
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value / 1000, tz=datetime.UTC).date()
    match = re.match(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+Z-]*)?\s*$", str(value))
    try:
        return datetime.date.fromisoformat(match.group(1)) if match else _not_a_date(column, value)
    except ValueError:
        return _not_a_date(column, value)


def _not_a_date(column, value):
    raise RowProblem(f"{column} '{value}' is not a date (YYYY-MM-DD)")


def count_value(values, column):
    """A number of people: a whole number, not negative ("12" and "12.0" both read as 12)."""
    value = text(values, column, required=True)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowProblem(f"{column} '{value}' is not a number") from None
    if number != number.to_integral_value() or number < 0:
        raise RowProblem(f"{column} '{value}' is not a whole number of people")
    return int(number)


def coordinate(values, column, limit):
    value = text(values, column)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowProblem(f"{column} '{value}' is not a number") from None
    if not -limit <= number <= limit:
        raise RowProblem(f"{column} {value} is outside -{limit} to {limit}")
    return number.quantize(Decimal("0.000001"))


def choice(values, column, choices):
    """A label as the hub writes it ("Malicious Act", "Local ") read as one of `choices`."""
    value = text(values, column, required=True)
    normalised = re.sub(r"[\s-]+", "_", value.lower())
    if normalised not in choices.values:
        expected = ", ".join(label for label in choices.labels)
        raise RowProblem(f"{column} '{value}' is not one of the hub's values ({expected})")
    return normalised


def country_codes(values, columns=("m49_code", "isocode3")):
    """
    (m49, iso3) from the code columns, each recognised by its value: a number is an M49 code
    (written "250.0" by the hub), three letters an ISO alpha-3 code, whatever the column's label.
    """
    m49 = iso3 = ""
    for column in columns:
        value = text(values, column)
        if not value:
            continue
        if re.fullmatch(r"\d{1,3}(\.0+)?", value):
            code, kind = value.split(".")[0].zfill(3), "M49"
        elif re.fullmatch(r"[A-Za-z]{3}", value):
            code, kind = value.upper(), "ISO alpha-3"
        else:
            raise RowProblem(f"{column} '{value}' is neither an M49 code nor an ISO alpha-3 code")
        if (m49 if kind == "M49" else iso3) not in ("", code):
            raise RowProblem(f"two different {kind} codes in {', '.join(columns)}")
        if kind == "M49":
            m49 = code
        else:
            iso3 = code
    return m49, iso3


def _name_key(name):
    """A country name compared without case, accents or apostrophes: "Côte dIvoire" is "Côte d'Ivoire"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower().replace("'", "")).strip()


class CountryLinks:
    """The casebook's Country for a published nationality, by M49 code, then ISO code, then name."""

    def __init__(self):
        self.country_ids = dict(Country.objects.values_list("code", "pk"))
        self.by_name = {}
        for country in pycountry.countries:
            for name in (country.name, getattr(country, "official_name", ""), getattr(country, "common_name", "")):
                if name:
                    self.by_name.setdefault(_name_key(name), country.alpha_2)

    def country_id(self, m49, iso3, name):
        found = (
            (m49 and pycountry.countries.get(numeric=m49)) or (iso3 and pycountry.countries.get(alpha_3=iso3)) or None
        )
        if found is not None:
            alpha_2 = found.alpha_2
        elif m49 or iso3:
            # A code pycountry does not hold is a state that no longer exists (890 Yugoslavia,
            # 891 Serbia and Montenegro): the row keeps its text and codes, and no country.
            return None
        else:
            alpha_2 = self.by_name.get(_name_key(name)) if name else None
        return self.country_ids.get(alpha_2)


# -- missions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mission:
    case_study_id: int
    acronym: str
    start_date: datetime.date


ROMAN_NUMBERED = re.compile(r"^(?P<base>.+?)\s+(?P<numeral>[IVX]+)$")


def missions_by_acronym(case_studies):
    """
    The casebook's missions under each acronym the hub may write for them, in order of start:
    "UNEF I" and "UNEF II" are both under UNEF, where the hub puts both, and each under its own.
    """
    index = defaultdict(list)
    for case_study_id, acronym, start_date in case_studies.values_list("pk", "acronym", "start_date"):
        acronym = acronym.strip().upper()
        if not acronym:
            continue
        mission = Mission(case_study_id, acronym, start_date)
        index[acronym].append(mission)
        numbered = ROMAN_NUMBERED.match(acronym)
        if numbered:
            index[numbered.group("base")].append(mission)
    return {acronym: sorted(missions, key=lambda m: (m.start_date, m.acronym)) for acronym, missions in index.items()}


def case_study_for(acronym, on_date, missions):
    """
    The case study a dataset row belongs to: the casebook's mission of that acronym; where one
    acronym names several (UNEF for UNEF I and UNEF II), the latest of them to have started by
    the row's date, so a death after one mission's end and before the next one's start stays
    with the one that ended, and a date before them all goes to the first. None when the
    casebook has no such mission.
    """
    candidates = missions.get(acronym.strip().upper(), [])
    if not candidates:
        return None
    if on_date is None or len(candidates) == 1:
        return candidates[0].case_study_id
    started = [mission for mission in candidates if mission.start_date <= on_date]
    return (started[-1] if started else candidates[0]).case_study_id


def case_study_starting_nearest(acronym, start_date, missions):
    """
    The case study an operation of the hub's list is: the casebook's mission of that acronym
    whose start is nearest its own (the hub and the casebook may date a start a few days apart).
    """
    candidates = missions.get(acronym.strip().upper(), [])
    if not candidates:
        return None
    return min(candidates, key=lambda mission: abs((mission.start_date - start_date).days)).case_study_id


# -- datasets -----------------------------------------------------------------------------------


@dataclass
class Links:
    """What rows are linked to: the casebook's missions and countries, read once per import."""

    missions: dict
    countries: CountryLinks

    @classmethod
    def current(cls):
        return cls(missions_by_acronym(CaseStudy.objects.all()), CountryLinks())


def fatality_row(values, links):
    incident_date = date_value(values, "incident_date")
    acronym = text(values, "mission_acronym", required=True, max_length=30)
    if text(values, "type_of_casualty") not in ("", "Fatality"):
        raise RowProblem(f"type_of_casualty '{text(values, 'type_of_casualty')}' is not Fatality")
    gender = text(values, "gender").upper()
    if gender not in ("", "F", "M"):
        raise RowProblem(f"gender '{text(values, 'gender')}' is not M, F or empty")
    nationality = text(values, "casualty_nationality", max_length=100)
    m49, iso3 = country_codes(values)
    return {
        "casualty_id": text(values, "casualty_id", required=True, max_length=40),
        "incident_date": incident_date,
        "mission_acronym": acronym,
        "case_study_id": case_study_for(acronym, incident_date, links.missions),
        "nationality": nationality,
        "nationality_country_id": links.countries.country_id(m49, iso3, nationality),
        "m49_code": m49,
        "iso3_code": iso3,
        "personnel_type": choice(values, "casualty_personnel_type", FatalityPersonnel),
        "incident_type": choice(values, "type_of_incident", IncidentType),
        "gender": gender,
    }


def operation_row(values, links):
    acronym = text(values, "mission_acronym", required=True, max_length=30)
    start_date = date_value(values, "start_date")
    end_date = date_value(values, "end_date", required=False)
    if end_date and end_date < start_date:
        raise RowProblem(f"end_date {end_date} is before start_date {start_date}")
    department = text(values, "lead_department").upper()
    if department not in ("", *LeadDepartment.values):
        raise RowProblem(f"lead_department '{department}' is not DPO or DPPA")
    active = text(values, "mission_isactive", required=True).lower()
    if active not in ACTIVE_VALUES:
        raise RowProblem(f"mission_isactive '{active}' is not a yes or no (Active, Inactive, true, false, 1, 0)")
    return {
        "acronym": acronym,
        "name": text(values, "mission_name", required=True, max_length=300),
        "start_date": start_date,
        "end_date": end_date,
        "lead_department": department,
        "is_active": ACTIVE_VALUES[active],
        "headquarters": text(values, "mission_location", max_length=200),
        "latitude": coordinate(values, "mission_latitude", 90),
        "longitude": coordinate(values, "mission_longitude", 180),
        "case_study_id": case_study_starting_nearest(acronym, start_date, links.missions),
    }


ACTIVE_VALUES = {
    "active": True,
    "inactive": False,
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
    "1.0": True,
    "0.0": False,
}


def contribution_row(values, links):
    """A row of DPO-UCHISTORICAL: one country, one mission, one month, one personnel type."""
    acronym = text(values, "mission_acronym", required=True, max_length=30)
    reporting_date = date_value(values, "last_reporting_date")
    country = text(values, "contributing_country", required=True, max_length=100)
    m49, iso3 = country_codes(values)
    return {
        "reporting_date": reporting_date,
        "mission_acronym": acronym,
        "case_study_id": case_study_for(acronym, reporting_date, links.missions),
        "contributing_country": country,
        "country_id": links.countries.country_id(m49, iso3, country),
        "m49_code": m49,
        "iso3_code": iso3,
        "personnel_type": choice(values, "personnel_type", ContributedPersonnel),
        "female_personnel": count_value(values, "female_personnel"),
        "male_personnel": count_value(values, "male_personnel"),
        "rank": None,
    }


def latest_contribution_row(values, links):
    """A row of DPO-UCLATEST: one country's uniformed personnel in all missions, its rank that month."""
    country = text(values, "contributing_country", required=True, max_length=100)
    m49, iso3 = country_codes(values)
    female, male = count_value(values, "female_personnel"), count_value(values, "male_personnel")
    total = count_value(values, "total_uniformed_personnel")
    if total != female + male:
        raise RowProblem(f"total_uniformed_personnel {total} is not female {female} + male {male}")
    rank = count_value(values, "personnel_contribution_rank")
    if rank < 1:
        raise RowProblem("personnel_contribution_rank is below 1")
    return {
        "reporting_date": date_value(values, "last_reporting_date"),
        "mission_acronym": "",
        "case_study_id": None,
        "contributing_country": country,
        "country_id": links.countries.country_id(m49, iso3, country),
        "m49_code": m49,
        "iso3_code": iso3,
        "personnel_type": ContributedPersonnel.ALL,
        "female_personnel": female,
        "male_personnel": male,
        "rank": rank,
    }


@dataclass(frozen=True)
class DatasetSpec:
    """How one of the hub's datasets is read: its columns, its rows' key, and its model."""

    dataset_id: str
    model: type
    columns: tuple
    key: tuple
    parse: object
    # The links recomputed when the casebook's missions or countries change.
    link_fields: tuple
    # The row's country link and the published name it comes from.
    country_field: str = "country_id"
    country_name: str = "contributing_country"
    described_by: str = "mission_acronym"

    def key_of(self, values):
        return tuple(values[name] for name in self.key)


DATASETS = {
    "fatalities": DatasetSpec(
        dataset_id=UNDatasetId.FATALITIES,
        model=Fatality,
        columns=(
            "incident_date",
            "casualty_id",
            "mission_acronym",
            "type_of_casualty",
            "gender",
            "casualty_nationality",
            "casualty_personnel_type",
            "type_of_incident",
            "m49_code",
            "isocode3",
        ),
        key=("casualty_id", "nationality"),
        parse=fatality_row,
        link_fields=("case_study_id", "nationality_country_id"),
        country_field="nationality_country_id",
        country_name="nationality",
    ),
    "operations": DatasetSpec(
        dataset_id=UNDatasetId.OPERATIONS,
        model=UNOperation,
        columns=(
            "mission_acronym",
            "mission_name",
            "start_date",
            "end_date",
            "lead_department",
            "mission_isactive",
            "mission_location",
            "mission_latitude",
            "mission_longitude",
        ),
        key=("acronym", "start_date"),
        parse=operation_row,
        link_fields=("case_study_id",),
        country_field="",
        country_name="",
        described_by="acronym",
    ),
    "contributions": DatasetSpec(
        dataset_id=UNDatasetId.CONTRIBUTIONS,
        model=UNContribution,
        columns=(
            "contributing_country",
            "isocode3",
            "m49_code",
            "last_reporting_date",
            "mission_acronym",
            "personnel_type",
            "female_personnel",
            "male_personnel",
        ),
        key=("reporting_date", "mission_acronym", "contributing_country", "personnel_type"),
        parse=contribution_row,
        link_fields=("case_study_id", "country_id"),
    ),
    "latest-contributions": DatasetSpec(
        dataset_id=UNDatasetId.LATEST_CONTRIBUTIONS,
        model=UNContribution,
        columns=(
            "contributing_country",
            "isocode3",
            "m49_code",
            "last_reporting_date",
            "female_personnel",
            "male_personnel",
            "total_uniformed_personnel",
            "personnel_contribution_rank",
        ),
        key=("reporting_date", "mission_acronym", "contributing_country", "personnel_type"),
        parse=latest_contribution_row,
        link_fields=("country_id",),
    ),
}
DATASET_NAMES = {spec.dataset_id: name for name, spec in DATASETS.items()}


# -- the import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    dataset: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    source: str = "unchanged"  # the dataset Source: created, updated or unchanged
    # Rows of missions the casebook has no entry for, by acronym as published.
    unmatched: Counter = field(default_factory=Counter)
    # Casualties the hub lists more than once (under different nationalities): id -> nationalities.
    repeated: dict = field(default_factory=dict)
    # Published nationalities or countries that link to no country of the casebook, with their rows.
    unlinked_countries: Counter = field(default_factory=Counter)
    figures_changed: int = 0

    @property
    def changed(self):
        return self.created + self.updated + self.removed + (self.source != "unchanged") + self.figures_changed

    def lines(self):
        yield (
            f"{self.dataset}: {self.rows} rows read; {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed; the dataset's source {self.source}"
        )
        if self.figures_changed:
            yield f"{self.figures_changed} case studies' fatality figures changed"
        if self.unmatched:
            rows = sum(self.unmatched.values())
            yield (
                f"{rows} rows of {len(self.unmatched)} missions the casebook has no entry for "
                "(kept, linked to no case study):"
            )
            yield "  " + ", ".join(f"{acronym}: {n}" for acronym, n in sorted(self.unmatched.items()))
        if self.repeated:
            yield f"{len(self.repeated)} casualties listed more than once, each counted once in the figures:"
            yield "  " + "; ".join(f"{key}: {' / '.join(names)}" for key, names in sorted(self.repeated.items()))
        if self.unlinked_countries:
            yield (
                f"{sum(self.unlinked_countries.values())} rows name a nationality or country the casebook "
                "does not list (undetermined, former states, or countries it has no entry for)"
            )


def import_un_data(path, dataset, *, provenance=None, last_update=None, dry_run=False, progress=None):
    """
    Import one of the hub's files (CSV or JSON) for `dataset` (a key of DATASETS). All or
    nothing: a bad row raises UNDataError naming every bad row, and nothing is written.
    `provenance` is a Provenance or a path; without one, the file's `<name>.provenance.yaml` is
    read if it exists, else the hub's own description with `last_update` (a date) or, without
    it, the file's own `last_update` column (only the fatalities dataset has one).
    `progress(done, total)` is called as rows are read and written.
    """
    if dataset not in DATASETS:
        raise UNDataError(f"Unknown dataset '{dataset}': choose one of {', '.join(DATASETS)}.")
    spec = DATASETS[dataset]
    path = Path(path)
    records, columns = read_records(path)
    missing = [column for column in spec.columns if column not in columns]
    if missing:
        raise UNDataError(
            f"{path.name}: missing the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} of "
            f"{spec.dataset_id}; is this the right file for --dataset {dataset}?"
        )
    report = ImportReport(dataset=spec.dataset_id, rows=len(records))
    with transaction.atomic():
        links = Links.current()
        rows = _parse(path, spec, records, links, report, progress)
        provenance = _provenance_for(path, spec, records, provenance, last_update)
        source = _sync_source(provenance, report)
        _sync_rows(spec, source, rows, report, progress)
        report.figures_changed = refresh_fatality_figures()
        if report.changed:
            bump_content_version()
        if dry_run:
            transaction.set_rollback(True)
    return report


def _provenance_for(path, spec, records, provenance, last_update):
    if isinstance(provenance, str | Path):
        provenance = Provenance.from_file(provenance)
    elif provenance is None and provenance_file_for(path).exists():
        provenance = Provenance.from_file(provenance_file_for(path))
    elif provenance is None:
        provenance = Provenance.of_hub(spec.dataset_id, last_update or _last_update_of(path, records))
    if provenance.dataset_id != spec.dataset_id:
        raise UNDataError(
            f"The provenance describes {provenance.dataset_id}, not {spec.dataset_id}: check the file and --dataset."
        )
    return provenance


def _last_update_of(path, records):
    """The one `last_update` the file's rows give, as the fatalities dataset has."""
    dates = set()
    for record in records:
        try:
            dates.add(date_value(record.values, "last_update", required=False))
        except RowProblem as problem:
            raise UNDataError(f"{path.name}, {record.where}: {problem}.") from None
    dates.discard(None)
    if len(dates) != 1:
        raise UNDataError(
            f"{path.name}: cannot tell when the hub last updated this dataset (no single last_update "
            f"in the file): give --last-update, or put {provenance_file_for(path).name} beside it."
        )
    return dates.pop()


def _parse(path, spec, records, links, report, progress):
    """Every row's values, keyed by the row's identity in the dataset; every bad row named at once."""
    rows, first_seen, problems = {}, {}, []
    for done, record in enumerate(records, start=1):
        try:
            values = spec.parse(record.values, links)
        except RowProblem as problem:
            problems.append(f"{record.where}: {problem}")
            continue
        key = spec.key_of(values)
        if key in rows:
            problems.append(f"{record.where}: the same row as {first_seen[key]} ({', '.join(map(str, key))})")
            continue
        rows[key], first_seen[key] = values, record.where
        if progress and (done % PROGRESS_EVERY == 0 or done == len(records)):
            progress(done, len(records), "read")
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        raise UNDataError(
            f"{path.name}: {len(problems)} bad row{'s' if len(problems) > 1 else ''}, nothing imported:\n  "
            + "\n  ".join(shown)
            + (f"\n  ... and {more} more" if more else "")
        )
    for values in rows.values():
        if "case_study_id" in spec.link_fields and values["case_study_id"] is None:
            report.unmatched[values[spec.described_by]] += 1
        if spec.country_field and values[spec.country_field] is None:
            report.unlinked_countries[values[spec.country_name]] += 1
    if spec.model is Fatality:
        nationalities = defaultdict(list)
        for casualty_id, nationality in rows:
            nationalities[casualty_id].append(nationality)
        report.repeated = {key: names for key, names in nationalities.items() if len(names) > 1}
    return rows


def _keep_version(obj, comment):
    with reversion.create_revision():
        reversion.set_comment(comment)
        reversion.add_to_revision(obj)


def _sync_source(provenance, report):
    """The dataset's Source (published) and its UNDataset, as the provenance describes them."""
    values = {
        "kind": Source.Kind.DATASET,
        "title": provenance.name,
        "publisher": provenance.publisher,
        "date": provenance.last_update,
        "date_precision": "day",
        "identifier": provenance.dataset_id,
        "url": provenance.url,
        "status": Status.PUBLISHED,
    }
    source = Source.objects.filter(key=provenance.source_key).first()
    if source is None:
        source = Source(key=provenance.source_key, **values)
        report.source = "created"
    else:
        for name, value in values.items():
            if getattr(source, name) != value:
                setattr(source, name, value)
                report.source = "updated"
    if report.source != "unchanged":
        source.full_clean(validate_unique=False, validate_constraints=False)
        source.save()
        _keep_version(source, f"Imported from the UN Peace and Security Data Hub ({provenance.dataset_id})")
    dataset_values = {
        "source": source,
        "licence": provenance.licence,
        "attribution": provenance.attribution,
        "caveats": list(provenance.caveats),
    }
    dataset = UNDataset.objects.filter(dataset_id=provenance.dataset_id).first()
    if dataset is None:
        UNDataset.objects.create(dataset_id=provenance.dataset_id, imported_at=timezone.now(), **dataset_values)
        report.source = "created" if report.source == "created" else "updated"
    elif any(getattr(dataset, name) != value for name, value in dataset_values.items()):
        UNDataset.objects.filter(pk=dataset.pk).update(imported_at=timezone.now(), **dataset_values)
        report.source = report.source if report.source != "unchanged" else "updated"
    return source


def _sync_rows(spec, source, rows, report, progress):
    """Create, update and remove the source's rows so they are exactly `rows`; count each."""
    model = spec.model
    # The two contribution datasets share a model: each has its own source.
    existing = {tuple(getattr(obj, name) for name in spec.key): obj for obj in model.objects.filter(source=source)}
    fields = list(next(iter(rows.values())).keys()) if rows else []
    to_create, to_update = [], []
    for key, values in rows.items():
        obj = existing.pop(key, None)
        if obj is None:
            to_create.append(model(source=source, **values))
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            to_update.append(obj)
        else:
            report.unchanged += 1
    total = len(to_create) + len(to_update)
    for start in range(0, len(to_create), WRITE_BATCH):
        model.objects.bulk_create(to_create[start : start + WRITE_BATCH])
        if progress:
            progress(min(start + WRITE_BATCH, len(to_create)), total, "written")
    model.objects.bulk_update(to_update, fields, batch_size=WRITE_BATCH)
    if existing:
        model.objects.filter(pk__in=[obj.pk for obj in existing.values()]).delete()
    report.created, report.updated, report.removed = len(to_create), len(to_update), len(existing)


def refresh_fatality_figures():
    """
    Set every case study's `un_fatalities` from the fatalities of published datasets: distinct
    casualties linked to it, or null where there are none. Returns how many changed.
    """
    counts = dict(
        Fatality.objects.filter(published("source"), case_study__isnull=False)
        .order_by()
        .values("case_study")
        .annotate(n=Count("casualty_id", distinct=True))
        .values_list("case_study", "n")
    )
    changed = []
    for case in CaseStudy.objects.only("pk", "un_fatalities"):
        wanted = counts.get(case.pk)
        if case.un_fatalities != wanted:
            case.un_fatalities = wanted
            changed.append(case)
    # A derived figure, not an edit: no new version, no change of "last updated".
    CaseStudy.objects.bulk_update(changed, ["un_fatalities"], batch_size=WRITE_BATCH)
    return len(changed)


def relink_un_data(*, dry_run=False):
    """
    Link every imported row again to the casebook's missions and countries as they are now (after
    content loads or edits), and refresh the fatality figures. Returns {model name: rows changed}.
    """
    changes = Counter()
    with transaction.atomic():
        links = Links.current()
        for model, link in (
            (Fatality, _fatality_links),
            (UNOperation, _operation_links),
            (UNContribution, _contribution_links),
        ):
            changed = []
            for obj in model.objects.all():
                wanted = link(obj, links)
                if any(getattr(obj, name) != value for name, value in wanted.items()):
                    for name, value in wanted.items():
                        setattr(obj, name, value)
                    changed.append(obj)
            if changed:
                model.objects.bulk_update(changed, list(wanted), batch_size=WRITE_BATCH)
                changes[model._meta.verbose_name_plural] = len(changed)
        figures = refresh_fatality_figures()
        if figures:
            changes["case study fatality figures"] = figures
        if changes:
            bump_content_version()
        if dry_run:
            transaction.set_rollback(True)
    return dict(changes)


def _fatality_links(obj, links):
    return {
        "case_study_id": case_study_for(obj.mission_acronym, obj.incident_date, links.missions),
        "nationality_country_id": links.countries.country_id(obj.m49_code, obj.iso3_code, obj.nationality),
    }


def _operation_links(obj, links):
    return {"case_study_id": case_study_starting_nearest(obj.acronym, obj.start_date, links.missions)}


def _contribution_links(obj, links):
    case_study_id = (
        case_study_for(obj.mission_acronym, obj.reporting_date, links.missions) if obj.mission_acronym else None
    )
    return {
        "case_study_id": case_study_id,
        "country_id": links.countries.country_id(obj.m49_code, obj.iso3_code, obj.contributing_country),
    }


def shipped_files(directory=SHIPPED_DATA_DIR):
    """(data file, dataset name) of each dataset shipped with the content, with its provenance beside it."""
    found = []
    for provenance_path in sorted(Path(directory).glob(f"*{PROVENANCE_SUFFIX}")):
        provenance = Provenance.from_file(provenance_path)
        name = DATASET_NAMES.get(provenance.dataset_id)
        if name is None:
            raise UNDataError(f"{provenance_path.name}: unknown dataset {provenance.dataset_id}.")
        stem = provenance_path.name.removesuffix(PROVENANCE_SUFFIX)
        candidates = [provenance_path.with_name(stem + extension) for extension in (".csv", ".json")]
        data_files = [path for path in candidates if path.exists()]
        if not data_files:
            raise UNDataError(f"{provenance_path.name}: no {stem}.csv or {stem}.json beside it.")
        found.append((data_files[0], name))
    return found
