"""
Reads of the UN data (cases/un_data.py imports it) for public pages, each in a fixed number of
queries. Only rows of a published dataset Source count, and only published case studies are
named. Figures count distinct casualties: the hub lists a few people twice, under two
nationalities.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Sum

from cases.functions import Year
from cases.models import CaseStudy, Fatality, FatalityPersonnel, IncidentType, Source, UNContribution, published


@dataclass
class MissionFatalities:
    """What the mission page's Fatalities section shows."""

    total: int
    # (year, count) for every year from the first recorded death to the last, zeros included:
    # the shape a chart of them takes.
    by_year: list
    # Personnel types present, as (value, label), the columns of the table below.
    personnel: list
    # One row per incident type present: {"label", "counts" (per personnel column), "total"}.
    by_incident: list
    personnel_totals: list
    # The dataset Sources the figures come from, each with its `un_dataset` (licence, caveats).
    sources: list = field(default_factory=list)


def mission_fatalities(case):
    """The UN-recorded fatalities of one case study, or None when there are none: two queries."""
    if case.un_fatalities is None:
        # The import keeps this figure, and it is null when no published dataset records a death:
        # most pages need no query at all.
        return None
    groups = list(
        Fatality.objects.filter(published("source"), case_study=case)
        .annotate(year=Year("incident_date"))
        .order_by()
        .values("source", "year", "incident_type", "personnel_type")
        .annotate(n=Count("casualty_id", distinct=True))
    )
    if not groups:
        return None
    sources = list(
        Source.objects.filter(pk__in={group["source"] for group in groups})
        .select_related("un_dataset")
        .order_by("title")
    )
    years = {}
    cells = {}
    for group in groups:
        years[group["year"]] = years.get(group["year"], 0) + group["n"]
        cell = (group["incident_type"], group["personnel_type"])
        cells[cell] = cells.get(cell, 0) + group["n"]
    personnel = [(value, label) for value, label in FatalityPersonnel.choices if any(p == value for _, p in cells)]
    by_incident = []
    for value, label in IncidentType.choices:
        counts = [cells.get((value, person), 0) for person, _ in personnel]
        if any(counts):
            by_incident.append({"label": label, "counts": counts, "total": sum(counts)})
    first, last = min(years), max(years)
    return MissionFatalities(
        total=sum(years.values()),
        by_year=[(year, years.get(year, 0)) for year in range(first, last + 1)],
        personnel=personnel,
        by_incident=by_incident,
        personnel_totals=[sum(row["counts"][i] for row in by_incident) for i in range(len(personnel))],
        sources=sources,
    )


@dataclass
class NationalsFatalities:
    """A country's nationals who died in UN missions, by mission."""

    total: int
    # {"acronym", "case_study" (published, or None), "count"}, most first.
    missions: list
    sources: list


def nationals_fatalities(country):
    """
    Fatalities of a country's nationals, by mission, from published datasets: three queries. A
    mission the casebook has no published entry for is listed by the acronym the hub gives it.
    """
    groups = list(
        Fatality.objects.filter(published("source"), nationality_country=country)
        .order_by()
        .values("source", "mission_acronym", "case_study")
        .annotate(n=Count("casualty_id", distinct=True))
    )
    if not groups:
        return None
    case_studies = CaseStudy.objects.published().for_links().in_bulk({group["case_study"] for group in groups} - {None})
    sources = list(
        Source.objects.filter(pk__in={group["source"] for group in groups})
        .select_related("un_dataset")
        .order_by("title")
    )
    missions = {}
    for group in groups:
        case_study = case_studies.get(group["case_study"])
        key = case_study.pk if case_study else group["mission_acronym"]
        acronym = case_study.acronym if case_study else group["mission_acronym"]
        row = missions.setdefault(key, {"acronym": acronym, "case_study": case_study, "count": 0})
        row["count"] += group["n"]
    rows = sorted(missions.values(), key=lambda row: (-row["count"], row["acronym"]))
    return NationalsFatalities(total=sum(row["count"] for row in rows), missions=rows, sources=sources)


@dataclass
class CountryContributions:
    """Uniformed personnel a country sent to UN operations, as the UN's monthly data records them."""

    # {"acronym", "case_study" (published, or None), "peak", "peak_month", "latest", "latest_month"},
    # by mission, the largest peak first.
    missions: list
    # The latest month's total over all missions, with the country's rank among contributors,
    # or None: {"total", "month", "rank"}.
    latest: dict | None
    sources: list


def country_contributions(country):
    """
    The uniformed personnel a country contributed, by mission (its peak month and its latest
    month) and over all missions in the latest month reported, from published datasets: three
    queries, or one when there is nothing.
    """
    monthly = list(
        UNContribution.objects.filter(published("source"), country=country)
        .order_by()
        .values("source", "mission_acronym", "case_study", "reporting_date", "rank")
        .annotate(n=Sum(F("female_personnel") + F("male_personnel")))
    )
    if not monthly:
        return None
    case_studies = CaseStudy.objects.published().for_links().in_bulk({row["case_study"] for row in monthly} - {None})
    sources = list(
        Source.objects.filter(pk__in={row["source"] for row in monthly}).select_related("un_dataset").order_by("title")
    )
    missions, latest = {}, None
    for row in sorted(monthly, key=lambda row: row["reporting_date"]):
        if not row["mission_acronym"]:
            # The latest-month dataset's rows are totals over every mission.
            latest = {"total": row["n"], "month": row["reporting_date"], "rank": row["rank"]}
            continue
        case_study = case_studies.get(row["case_study"])
        key = case_study.pk if case_study else row["mission_acronym"]
        acronym = case_study.acronym if case_study else row["mission_acronym"]
        mission = missions.setdefault(
            key, {"acronym": acronym, "case_study": case_study, "peak": -1, "peak_month": None}
        )
        if row["n"] > mission["peak"]:
            mission["peak"], mission["peak_month"] = row["n"], row["reporting_date"]
        # Rows come oldest first: the last one seen is the latest month.
        mission["latest"], mission["latest_month"] = row["n"], row["reporting_date"]
    rows = sorted(missions.values(), key=lambda row: (-row["peak"], row["acronym"]))
    return CountryContributions(missions=rows, latest=latest, sources=sources)
