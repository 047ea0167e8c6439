"""
Reads for the public pages: each function loads what one page shows in a fixed number of
queries, from published records only (a published page links only to published neighbours).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from cases.charts import PALETTE, Point, Series, line_chart
from cases.citations import References, cited_keys
from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    Challenge,
    Citation,
    ContentVersion,
    Contribution,
    LegalInstrument,
    Organization,
    Source,
    StrengthFigure,
    TimelineEvent,
    published,
)
from cases.search_index import plain_text


def citations_by_object(objects):
    """Citation rows (with their published sources) for several records, in one query."""
    wanted = defaultdict(set)
    for obj in objects:
        wanted[ContentType.objects.get_for_model(obj).pk].add(obj.pk)
    if not wanted:
        return {}
    condition = Q()
    for content_type_id, ids in wanted.items():
        condition |= Q(content_type_id=content_type_id, object_id__in=ids)
    grouped = defaultdict(list)
    rows = Citation.objects.filter(condition, published("source")).select_related("source")
    for citation in rows.order_by("id"):
        grouped[(citation.content_type_id, citation.object_id, citation.field)].append(citation)
    return grouped


def _citations_for(grouped, obj, field=""):
    return grouped.get((ContentType.objects.get_for_model(obj).pk, obj.pk, field), [])


# Shown instead of citations beside a fact the editors have not yet checked against a primary
# document (CaseStudy.unverified_facts); pages that show it link to the editorial policy.
UNVERIFIED_MARKER = format_html(
    ' <span class="unverified" title="{}">unverified</span>', "Not yet checked against a primary document"
)
EDITORIAL_POLICY_URL = "/about/editorial-policy/"


def fact_markers(references, grouped, case, name):
    """A fact's citation markers, or the 'unverified' marking if it is not yet verified."""
    if name in case.unverified_facts:
        return UNVERIFIED_MARKER
    return references.cite_all(_citations_for(grouped, case, name))


def peak_figure(case, kind):
    """The highest figure of a kind among a case study's (prefetched, published-source) figures."""
    return max((f for f in case.strength_figures.all() if f.kind == kind), key=lambda f: f.number, default=None)


# Authorised ceilings hold until the next one (steps, square markers); deployed strength is a
# count at a date, joined by dashed lines (round markers): told apart without colour.
STRENGTH_SERIES_STYLE = {
    StrengthFigure.Kind.AUTHORISED: {"step": True, "dashed": False, "marker": "square"},
    StrengthFigure.Kind.DEPLOYED: {"step": False, "dashed": True, "marker": "circle"},
}
# A type of personnel keeps its colour on every chart.
PERSONNEL_COLOURS = dict(zip(StrengthFigure.Personnel.values, PALETTE, strict=False))


def strength_chart(case, strength, references, *, y_max=None):
    """
    The strength-over-time chart of a case study, from its cited figures (`strength`: rows of
    {"figure", "marker"}, already cited in `references`), or None if it has none. Each point links
    to its reference.

    A series for each kind (authorised, deployed) and type of personnel: ceilings for troops,
    police and observers are set by different resolutions at different dates, and "troops" and
    "military personnel" overlap, so a total would be a figure no source gives.
    """
    grouped = defaultdict(list)
    for row in strength:
        figure = row["figure"]
        about = "about " if figure.approximate else ""
        source = figure.source.identifier or figure.source.title
        number = references.number_of(figure.source.key)
        grouped[(figure.kind, figure.personnel)].append(
            Point(
                date=figure.date,
                value=figure.number,
                date_label=figure.date_display,
                value_label=f"{about}{figure.number:,}",
                url=f"#ref-{number}",
                link_label=f"reference {number}, {source}",
                citation=format_html("{}{}", source, row["marker"]),
                precision=figure.date_precision,
            )
        )
    kinds, personnel = list(StrengthFigure.Kind), list(StrengthFigure.Personnel)
    series = [
        Series(
            name=f"{StrengthFigure.Kind(kind).label} {StrengthFigure.Personnel(staff).label.lower()}",
            points=points,
            colour=PERSONNEL_COLOURS[staff],
            **STRENGTH_SERIES_STYLE[kind],
        )
        for (kind, staff), points in sorted(
            grouped.items(), key=lambda item: (kinds.index(item[0][0]), personnel.index(item[0][1]))
        )
    ]
    name = case.acronym or case.title
    return line_chart(
        series,
        chart_id=f"strength-{case.slug}",
        title=f"Strength of {name} over time",
        description=(
            "Authorised ceilings are drawn as steps, each holding until the next recorded ceiling; "
            "deployed strength, where known, as dashed lines between counts. One series for each kind "
            "and type of personnel. Each point links to its source in the references; the table lists every point."
        ),
        x_label="Year",
        y_label="Personnel",
        first=case.start_date,
        last=case.end_date or timezone.localdate(),
        y_max=y_max,
    )


def published_sources(keys):
    return {source.key: source for source in Source.objects.published().filter(key__in=keys)}


def case_studies_with_facts(queryset):
    """Case studies with everything their infobox shows, published neighbours only."""
    return queryset.prefetch_related(
        Prefetch(
            "roles",
            queryset=CaseOrganization.objects.filter(published("organization")).select_related("organization"),
        ),
        "countries",
        "objectives",
        Prefetch(
            "case_challenges",
            queryset=CaseChallenge.objects.filter(published("challenge")).select_related("challenge"),
        ),
        "timeline_events",
        # The operations it took over from and that took over from it, readers' ones only.
        Prefetch("predecessors", queryset=CaseStudy.objects.published().only("slug", "title", "acronym", "start_date")),
        Prefetch("successors", queryset=CaseStudy.objects.published().only("slug", "title", "acronym", "start_date")),
        # A figure or an instrument is shown only with its published source.
        Prefetch(
            "strength_figures",
            queryset=StrengthFigure.objects.filter(published("source")).select_related("source"),
        ),
        Prefetch(
            "instruments",
            queryset=LegalInstrument.objects.filter(published("source")).select_related("source"),
        ),
        Prefetch("contributions", queryset=Contribution.objects.select_related("country")),
    )


def case_study_for_page(slug, user):
    return get_object_or_404(case_studies_with_facts(CaseStudy.objects.visible_to(user)), slug=slug)


def case_study_page(case, *, citations=None, sources=None, fatalities=None):
    """
    Everything the case-study page shows, rendered in reading order so footnotes number up.
    A past version (cases/versions.py) brings its own citation rows and sources, as they were.
    `fatalities` (cases/un_figures.py) is the live page's UN data: its sources join the references.
    """
    events = list(case.timeline_events.all())
    challenges = list(case.case_challenges.all())
    contributions = list(case.contributions.all())
    if citations is None:
        citations = citations_by_object([case, *events, *challenges, *contributions])
    grouped = citations
    texts = [case.summary, case.body, case.lessons]
    texts += [item.description for item in events + challenges]
    references = References(dict(sources) if sources is not None else published_sources(cited_keys(*texts)))
    for citation_list in grouped.values():
        for citation in citation_list:
            references.sources_by_key.setdefault(citation.source.key, citation.source)
    for figure in case.strength_figures.all():
        if figure.source.is_published:
            references.sources_by_key.setdefault(figure.source.key, figure.source)
    for instrument in case.instruments.all():
        if instrument.source.is_published:
            references.sources_by_key.setdefault(instrument.source.key, instrument.source)

    summary = references.render(case.rendered.get("summary"))
    whole_record = references.cite_all(_citations_for(grouped, case))
    facts = {name: fact_markers(references, grouped, case, name) for name in CaseStudy.CITABLE_FACTS}
    peaks = []
    for kind, label in [
        (StrengthFigure.Kind.AUTHORISED, "Peak authorised strength"),
        (StrengthFigure.Kind.DEPLOYED, "Peak deployed strength"),
    ]:
        peak = peak_figure(case, kind)
        peaks.append(
            {"label": label, "figure": peak, "marker": peak and references.cite(peak.source.key, peak.locator)}
        )
    established_by = [
        {"instrument": instrument, "marker": references.cite(instrument.source.key)}
        for instrument in case.instruments.all()
        if instrument.role == LegalInstrument.Role.ESTABLISHING
    ]
    body = references.render(case.rendered.get("body"))
    for challenge in challenges:
        challenge.description_html = references.render(challenge.rendered.get("description"))
        challenge.markers = references.cite_all(_citations_for(grouped, challenge))
    for event in events:
        event.description_html = references.render(event.rendered.get("description"))
        event.markers = references.cite_all(_citations_for(grouped, event))
    strength = [
        {"figure": figure, "marker": references.cite(figure.source.key, figure.locator)}
        for figure in case.strength_figures.all()
    ]
    chart = strength_chart(case, strength, references)
    instruments = [
        {"instrument": instrument, "marker": references.cite(instrument.source.key)}
        for instrument in case.instruments.all()
    ]
    for contribution in contributions:
        contribution.markers = references.cite_all(_citations_for(grouped, contribution))
    fatality_markers = ""
    if fatalities:
        for source in fatalities.sources:
            references.sources_by_key.setdefault(source.key, source)
        fatality_markers = format_html_join("", "{}", ((references.cite(source.key),) for source in fatalities.sources))
    lessons = references.render(case.rendered.get("lessons"))
    return {
        "summary": summary,
        "facts": facts,
        "strength": strength,
        "strength_chart": chart,
        "peaks": peaks,
        "unverified_facts": [label for name, label in CaseStudy.CITABLE_FACTS.items() if name in case.unverified_facts],
        "editorial_policy_url": EDITORIAL_POLICY_URL,
        "established_by": established_by,
        "instruments": instruments,
        "body": body,
        "challenges": challenges,
        "events": events,
        "contributions": contributions,
        "fatalities": fatalities,
        "fatality_markers": fatality_markers,
        "lessons": lessons,
        "general_citations": whole_record,
        "references": references,
        "lead_roles": [role for role in case.roles.all() if role.role == CaseOrganization.Role.LEAD],
    }


def record_page(record, *, citations=None, sources=None):
    """Summary and body of an organisation or challenge, with its whole-record citations (as case_study_page)."""
    grouped = citations if citations is not None else citations_by_object([record])
    if sources is None:
        sources = published_sources(cited_keys(record.summary, record.body))
    references = References(dict(sources))
    for citation in _citations_for(grouped, record):
        references.sources_by_key.setdefault(citation.source.key, citation.source)
    summary = references.render(record.rendered.get("summary"))
    markers = references.cite_all(_citations_for(grouped, record))
    body = references.render(record.rendered.get("body"))
    return {"summary": summary, "markers": markers, "body": body, "references": references}


def organization_list():
    return Organization.objects.published().annotate(
        case_count=Count("roles__case_study", filter=published("roles__case_study"), distinct=True)
    )


def challenge_list():
    return Challenge.objects.published().annotate(
        case_count=Count("case_challenges", filter=published("case_challenges__case_study"), distinct=True)
    )


def case_studies_of_organization(organization):
    return (
        CaseStudy.objects.published()
        .filter(pk__in=CaseOrganization.objects.filter(organization=organization).values("case_study_id"))
        .for_list()
        .order_by("start_date", "title")
    )


def case_challenges_of(challenge):
    return (
        CaseChallenge.objects.filter(published("case_study"), challenge=challenge)
        .select_related("case_study")
        .order_by("case_study__start_date")
    )


def source_citing_records(source):
    """
    Every published page that cites a source: inline in its text, for one of its facts, or as
    the source of a strength figure or legal instrument. Each way is a subquery of ids, so no
    join multiplies rows however many inline rows a case study has.
    """
    marker = f"[[cite:{source.key}"

    def cites_in(*fields):
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__contains": marker + "]"}) | Q(**{f"{field}__contains": marker + "|"})
        return condition

    def cited_rows(model):
        content_type = ContentType.objects.get_for_model(model)
        return Citation.objects.filter(source=source, content_type=content_type).values("object_id")

    case_ids = [
        CaseStudy.objects.filter(cites_in("summary", "body", "lessons")).values("pk"),
        cited_rows(CaseStudy),
        StrengthFigure.objects.filter(source=source).values("case_study_id"),
        LegalInstrument.objects.filter(source=source).values("case_study_id"),
        TimelineEvent.objects.filter(cites_in("description") | Q(pk__in=cited_rows(TimelineEvent))).values(
            "case_study_id"
        ),
        CaseChallenge.objects.filter(cites_in("description") | Q(pk__in=cited_rows(CaseChallenge))).values(
            "case_study_id"
        ),
        Contribution.objects.filter(pk__in=cited_rows(Contribution)).values("case_study_id"),
    ]
    citing_cases = Q()
    for ids in case_ids:
        citing_cases |= Q(pk__in=ids)

    def citing(model):
        return model.objects.published().filter(cites_in("summary", "body") | Q(pk__in=cited_rows(model)))

    return {
        "case_studies": CaseStudy.objects.published().filter(citing_cases).order_by("title"),
        "organizations": citing(Organization).order_by("name"),
        "challenges": citing(Challenge).order_by("name"),
    }


MAX_COMPARED = 4
MAX_PICKER_CHOICES = 300
# What readers see where a figure is not known.
NOT_AVAILABLE = "n/a"


@dataclass
class Comparison:
    """
    What the compare page shows. `rows` are {"label", "cells", "differs"}, each cell {"case",
    "value", "marker"} in the order of the slugs; `charts` are {"case", "chart"}.
    """

    cases: list
    rows: list
    charts: list
    references: References
    problems: list


def comparison(slugs):
    """
    Side-by-side facts of 2 to 4 published case studies, each fact with its citations, and their
    strength charts on one scale. `problems` explain slugs that were ignored.
    """
    problems = []
    wanted = list(dict.fromkeys(slug.strip() for slug in slugs if slug.strip()))
    if len(wanted) > MAX_COMPARED:
        problems.append(f"At most {MAX_COMPARED} case studies can be compared; the first {MAX_COMPARED} are shown.")
        wanted = wanted[:MAX_COMPARED]
    found = {case.slug: case for case in case_studies_with_facts(CaseStudy.objects.published()).filter(slug__in=wanted)}
    for slug in wanted:
        if slug not in found:
            problems.append(f"There is no published case study “{slug[:80]}”.")
    cases = [found[slug] for slug in wanted if slug in found]
    grouped = citations_by_object(cases)
    sources = {}
    for citation_list in grouped.values():
        for citation in citation_list:
            sources[citation.source.key] = citation.source
    for case in cases:
        for figure in case.strength_figures.all():
            if figure.source.is_published:
                sources[figure.source.key] = figure.source
    references = References(sources)

    def peak(label, kind):
        cells = []
        for case in cases:
            best = peak_figure(case, kind)
            if best is None:
                cells.append({"case": case, "value": NOT_AVAILABLE, "marker": ""})
                continue
            about = "about " if best.approximate else ""
            value = f"{about}{best.number:,} ({best.date.year})"
            cells.append({"case": case, "value": value, "marker": references.cite(best.source.key, best.locator)})
        return {"label": label, "cells": cells, "differs": len({cell["value"] for cell in cells}) > 1}

    def fact(label, field, value_of, *, identity=False):
        cells = []
        for case in cases:
            value = value_of(case)
            marker = fact_markers(references, grouped, case, field) if field else ""
            cells.append({"case": case, "value": value, "marker": marker})
        # A mission's name and acronym tell the columns apart: that they differ says nothing.
        differs = not identity and len({cell["value"] for cell in cells}) > 1
        return {"label": label, "cells": cells, "differs": differs}

    rows = [
        fact("Mission", "mission", lambda c: c.mission_name, identity=True),
        fact("Acronym", "", lambda c: c.acronym or "—", identity=True),
        fact(
            "Organisations",
            "organizations",
            lambda c: "; ".join(f"{r.organization.acronym} ({r.get_role_display().lower()})" for r in c.roles.all()),
        ),
        fact("Host countries", "countries", lambda c: ", ".join(country.name for country in c.countries.all())),
        fact("Region", "", lambda c: c.get_region_display()),
        fact("Mandate type", "mandate_type", lambda c: c.get_mandate_type_display()),
        fact("Start", "start_date", lambda c: c.start_display),
        fact("End", "end_date", lambda c: c.end_display),
        fact("Duration", "", lambda c: c.duration_display),
        peak("Peak authorised strength", StrengthFigure.Kind.AUTHORISED),
        peak("Peak deployed strength", StrengthFigure.Kind.DEPLOYED),
    ]
    # UN fatalities come with the UN's own data, not yet imported: the row appears once a
    # compared case study has the figure.
    if any(getattr(case, "un_fatalities", None) is not None for case in cases):
        rows.append(
            fact(
                "UN fatalities",
                "un_fatalities",
                lambda c: NOT_AVAILABLE if getattr(c, "un_fatalities", None) is None else f"{c.un_fatalities:,}",
            )
        )
    rows += [
        fact("Outcome", "outcome", lambda c: c.get_outcome_display()),
        fact("Objectives", "objectives", lambda c: ", ".join(o.name for o in c.objectives.all()) or "—"),
        challenges_row(cases),
    ]

    strength = {
        case.pk: [
            {"figure": figure, "marker": references.cite(figure.source.key, figure.locator)}
            for figure in case.strength_figures.all()
        ]
        for case in cases
    }
    # One scale for every chart, so that the heights of side-by-side charts compare.
    highest = max((row["figure"].number for rows_of in strength.values() for row in rows_of), default=0)
    charts = [
        {"case": case, "chart": strength_chart(case, strength[case.pk], references, y_max=highest)} for case in cases
    ]
    return Comparison(cases=cases, rows=rows, charts=charts, references=references, problems=problems)


def compare_choices():
    """The published case studies the compare page offers, by title (one more than it lists: are there more?)."""
    return CaseStudy.objects.published().order_by("title", "pk").values("slug", "title")[: MAX_PICKER_CHOICES + 1]


def challenges_row(cases):
    """
    The challenges each case study met, each marked: "shared" (every compared case met it),
    "only here" (no other did), or, comparing three or four, which of the others also met it.
    """
    met_by = defaultdict(list)
    for case in cases:
        for case_challenge in case.case_challenges.all():
            met_by[case_challenge.challenge_id].append(case)
    cells = []
    for case in cases:
        items = []
        for case_challenge in case.case_challenges.all():
            others = [other for other in met_by[case_challenge.challenge_id] if other is not case]
            if len(others) == len(cases) - 1:
                mark = "shared"
            elif not others:
                mark = "unique"
            else:
                mark = "some"
            also = ", ".join(other.acronym or other.title for other in others)
            items.append({"challenge": case_challenge.challenge, "mark": mark, "also": also})
        cells.append(
            {"case": case, "challenges": items, "value": "; ".join(item["challenge"].name for item in items) or "—"}
        )
    return {"label": "Challenges", "cells": cells, "differs": False, "challenges": True}


def case_study_structured_data(case):
    """schema.org description of a case-study page, for search engines (JSON-LD)."""
    url = settings.SITE_URL + case.get_absolute_url()
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": case.title,
        "description": plain_text(case.summary)[:300],
        "url": url,
        "mainEntityOfPage": url,
        "dateModified": case.updated_at.isoformat(),
        "datePublished": (case.published_at or case.updated_at).isoformat(),
        "publisher": {"@type": "Organization", "name": "Peacekeeping Casebook"},
        "about": {
            "@type": "Event",
            "name": case.mission_name,
            "startDate": case.start_date.isoformat(),
            **({"endDate": case.end_date.isoformat()} if case.end_date else {}),
            "location": [{"@type": "Country", "name": country.name} for country in case.countries.all()],
            "organizer": [
                {"@type": "Organization", "name": role.organization.name}
                for role in case.roles.all()
                if role.role == CaseOrganization.Role.LEAD
            ],
        },
    }


def casebook_counts():
    """How many published records of each kind there are, in one query."""

    def count_of(model):
        counted = model.objects.published().order_by().values("status").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted), 0)

    # The single ContentVersion row always exists: it carries the four counts as subqueries.
    return (
        ContentVersion.objects.filter(pk=1)
        .values(
            case_studies=count_of(CaseStudy),
            organizations=count_of(Organization),
            challenges=count_of(Challenge),
            sources=count_of(Source),
        )
        .get()
    )
