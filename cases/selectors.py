"""
Reads for the public pages: each function loads what one page shows in a fixed number of
queries, from published records only (a published page links only to published neighbours).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, Min, Prefetch, Q, Subquery, Value
from django.db.models.functions import Abs, Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from cases import wiki_links
from cases.charts import PALETTE, Point, Series, bar_chart, line_chart
from cases.citations import References, cited_keys
from cases.functions import Year
from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    CaseStudyFacet,
    Challenge,
    Citation,
    ContentVersion,
    Contribution,
    Country,
    LegalInstrument,
    Organization,
    PageLink,
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


# Each kind of page a text links to: its model and the field that is its title.
LINKED_PAGES = {"case": (CaseStudy, "title"), "org": (Organization, "name"), "challenge": (Challenge, "name")}


def link_targets(renderings, *, readers=True):
    """
    {(kind, slug): LinkTarget} of the pages some stored renderings link to, in one query (none
    without links): the published ones, or with `readers=False` (an editor's preview) any.
    """
    wanted = wiki_links.stored_targets(*(rendering.get("html", "") for rendering in renderings if rendering))
    if not wanted:
        return {}
    queries = []
    for kind, (model, title_field) in LINKED_PAGES.items():
        slugs = {slug for target_kind, slug in wanted if target_kind == kind}
        if slugs:
            pages = model.objects.published() if readers else model.objects.all()
            queries.append(
                pages.filter(slug__in=slugs)
                .annotate(link_kind=Value(kind, output_field=CharField()), link_title=F(title_field))
                .values_list("link_kind", "slug", "link_title")
                .order_by()
            )
    urls = {"case": "cases:detail", "org": "cases:organization_detail", "challenge": "cases:challenge_detail"}
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    return {(kind, slug): wiki_links.LinkTarget(reverse(urls[kind], args=[slug]), title) for kind, slug, title in rows}


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
    renderings = [case.rendered.get(name) for name in case.markdown_fields]
    renderings += [item.rendered.get("description") for item in events + challenges]
    references = References(
        dict(sources) if sources is not None else published_sources(cited_keys(*texts)),
        links=link_targets(renderings),
    )
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
    fatality_chart = fatalities and bar_chart(
        fatalities.by_year,
        chart_id=f"fatalities-{case.slug}",
        title=f"Deaths of {case.acronym or case.title} personnel by year",
        description="One bar per year, from the first recorded death to the last; the table lists the same counts.",
        x_label="Year",
        y_label="Deaths",
    )
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
        "fatality_chart": fatality_chart,
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
    links = link_targets([record.rendered.get(name) for name in record.markdown_fields])
    references = References(dict(sources), links=links)
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


# A country page lists the first of its operations; the case-study list, filtered by the
# country, pages through all of them (a country may host hundreds in a large casebook).
COUNTRY_PAGE_ROWS = 20


def country_for_page(code):
    """A country by its ISO code, in either case; 404 for a code the casebook does not have."""
    return get_object_or_404(Country, code=code.upper())


def country_counts():
    """
    {country id: (operations hosted, operations contributed to)}, published ones, for every
    country with either, in two grouped queries: hosts from the facet index (which holds
    published case studies only), contributions from their own table.
    """
    hosted = CaseStudyFacet.objects.filter(facet="country").order_by().values_list("option").annotate(n=Count("*"))
    contributed = (
        Contribution.objects.filter(published("case_study"))
        .order_by()
        .values_list("country_id")
        .annotate(n=Count("case_study_id", distinct=True))
    )
    counts = defaultdict(lambda: [0, 0])
    for country_id, number in hosted:
        counts[country_id][0] = number
    for country_id, number in contributed:
        counts[country_id][1] = number
    return {country_id: tuple(numbers) for country_id, numbers in counts.items()}


def country_list(counts):
    """The countries with a published operation hosted or contributed to, by name, each with its two counts."""
    countries = list(Country.objects.filter(pk__in=list(counts)).order_by("name"))
    for country in countries:
        country.hosted_count, country.contributed_count = counts[country.pk]
    return countries


def country_page(country):
    """
    The operations a country hosted and those it contributed to (the casebook's Contribution
    rows), published ones only, oldest first: the first COUNTRY_PAGE_ROWS of each and how many
    there are, in six queries.
    """
    hosted = CaseStudy.objects.published().filter(
        pk__in=CaseStudy.countries.through.objects.filter(country=country).values("casestudy_id")
    )
    contributions = Contribution.objects.filter(published("case_study"), country=country)
    return {
        "hosted": hosted.for_list().order_by("start_date", "title", "id")[:COUNTRY_PAGE_ROWS],
        "hosted_count": hosted.count(),
        "contributions": contributions.select_related("case_study")
        .only(
            "role",
            "peak_personnel",
            "approximate",
            "case_study__slug",
            "case_study__title",
            "case_study__acronym",
            "case_study__start_date",
            "case_study__end_date",
        )
        .order_by("case_study__start_date", "case_study__title", "case_study_id", "role")[:COUNTRY_PAGE_ROWS],
        "contributed_count": contributions.values("case_study_id").distinct().count(),
    }


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
        {
            **fact("Host countries", "countries", lambda c: ", ".join(country.name for country in c.countries.all())),
            # Each name links to its country's page.
            "countries": True,
        },
        fact("Region", "", lambda c: c.get_region_display()),
        fact("Mandate type", "mandate_type", lambda c: c.get_mandate_type_display()),
        fact("Start", "start_date", lambda c: c.start_display),
        fact("End", "end_date", lambda c: c.end_display),
        fact("Duration", "", lambda c: c.duration_display),
        peak("Peak authorised strength", StrengthFigure.Kind.AUTHORISED),
        peak("Peak deployed strength", StrengthFigure.Kind.DEPLOYED),
    ]
    # The UN's fatality figures, cited to the published datasets they are counted from: the row
    # appears when a compared case study has one.
    datasets = (
        list(Source.objects.published().filter(fatalities__case_study__in=cases).distinct().order_by("key"))
        if any(case.un_fatalities is not None for case in cases)
        else []
    )
    if datasets:
        for dataset in datasets:
            references.sources_by_key.setdefault(dataset.key, dataset)
        dataset_markers = format_html_join("", "{}", ((references.cite(dataset.key),) for dataset in datasets))
        cells = [
            {"case": case, "value": NOT_AVAILABLE, "marker": ""}
            if case.un_fatalities is None
            else {"case": case, "value": f"{case.un_fatalities:,}", "marker": dataset_markers}
            for case in cases
        ]
        rows.append(
            {"label": "UN-recorded fatalities", "cells": cells, "differs": len({cell["value"] for cell in cells}) > 1}
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


# -- links between pages -------------------------------------------------------------------

LINKED_FROM_SHOWN = 100
LINK_TARGET_FIELDS = {CaseStudy: "to_case_study", Organization: "to_organization", Challenge: "to_challenge"}


def what_links_here(record):
    """
    The published pages whose text links to a record ([[case:…]] and the like), by title, the
    first LINKED_FROM_SHOWN of them, in one query: {"pages": [{"kind", "title", "url"}], "more"}.
    The structural links (operations before and after, organisations' roles, challenges met) are
    listed on the pages themselves already, and only named in "What links here".
    """
    readers_see_linker = published("from_case_study") | published("from_organization") | published("from_challenge")
    links = (
        PageLink.objects.filter(readers_see_linker, **{LINK_TARGET_FIELDS[type(record)]: record})
        .select_related("from_case_study", "from_organization", "from_challenge")
        .only(
            "from_case_study__slug",
            "from_case_study__title",
            "from_organization__slug",
            "from_organization__name",
            "from_challenge__slug",
            "from_challenge__name",
        )
        .annotate(linker_title=Coalesce("from_case_study__title", "from_organization__name", "from_challenge__name"))
        .order_by("linker_title", "pk")[: LINKED_FROM_SHOWN + 1]
    )
    pages = [
        {"kind": link.linker._meta.verbose_name, "title": link.linker_title, "url": link.linker.get_absolute_url()}
        for link in links
    ]
    return {"pages": pages[:LINKED_FROM_SHOWN], "more": len(pages) > LINKED_FROM_SHOWN}


SEE_ALSO_EACH = 4


def see_also(case):
    """
    A few published case studies related to one (prefetched by case_studies_with_facts): its
    predecessors and successors, then those sharing its host countries, its lead organisations
    and its challenges, each the closest in time first, none shown twice. Three queries at most,
    one per kind, each reading a link table's index for this case study's few options, so the
    cost follows the size of those options, not of the casebook.
    """
    neighbours = {
        case.pk,
        *(other.pk for other in case.predecessors.all()),
        *(other.pk for other in case.successors.all()),
    }
    wanted = SEE_ALSO_EACH * 3 + len(neighbours)  # enough to leave SEE_ALSO_EACH after repeats
    columns = ("pk", "slug", "title", "acronym", "start_date", "end_date", "group", "shared")

    def candidates(group, links, case_study_field, sharing=None):
        """
        The nearest few through a link table (`links`, filtered to this case study's options), or
        with `sharing` (challenges) those sharing most of them: chosen in a subquery driven by that
        table's index, then read by id (grouped by the short columns only).
        """
        # Grouped by case study (one in two host countries is one neighbour); the ordering is
        # made of aggregates, so the grouping stays by case study alone, as cheap as it gets.
        started = f"{case_study_field}__start_date"
        chosen = (
            links.filter(published(case_study_field))
            .exclude(**{case_study_field: case})
            .values(case_study_field)
            .annotate(
                shared=Count("pk"),
                years_apart=Abs(Min(Year(started)) - case.start_date.year),
                started=Min(started),
            )
        )
        order = ["years_apart", "started", case_study_field]
        shared = Value(1)
        if sharing is not None:
            order.insert(0, "-shared")
            shared = Count("case_challenges", filter=Q(case_challenges__challenge__in=sharing))
        nearest = chosen.order_by(*order).values(case_study_field)[:wanted]
        return (
            CaseStudy.objects.filter(pk__in=nearest)
            .order_by()
            .values(*columns[:-2])  # grouped by these alone, never by the long texts
            .annotate(group=Value(group), shared=shared)
            .values_list(*columns)
        )

    groups, queries = {}, []
    countries = list(case.countries.all())
    if countries:
        hosted = CaseStudy.countries.through.objects.filter(country__in=countries)
        groups["country"] = {
            "heading": "Also in " + ", ".join(country.name for country in countries),
            "more": "?" + "&".join(f"country={country.code}" for country in countries),
        }
        queries.append(candidates("country", hosted, "casestudy"))
    leads = [role.organization for role in case.roles.all() if role.role == CaseOrganization.Role.LEAD]
    if leads:
        led = CaseOrganization.objects.filter(role=CaseOrganization.Role.LEAD, organization__in=leads)
        groups["lead"] = {
            "heading": "Also led by " + ", ".join(lead.acronym or lead.name for lead in leads),
            "more": "?" + "&".join(f"organization={lead.slug}" for lead in leads),
        }
        queries.append(candidates("lead", led, "case_study"))
    challenges = [item.challenge for item in case.case_challenges.all()]
    if challenges:
        groups["challenge"] = {
            "heading": "Sharing its challenges",
            "more": "?" + "&".join(f"challenge={challenge.slug}" for challenge in challenges),
        }
        sharing = CaseChallenge.objects.filter(challenge__in=challenges)
        queries.append(candidates("challenge", sharing, "case_study", sharing=challenges))
    # One query per kind: as one UNION, SQLite took three times as long as the three parts.
    rows = [row for query in queries for row in query]
    for group in groups.values():
        group["cases"] = []
    shown = set(neighbours)
    # Rows read by id come in no promised order: each group's are sorted again as its query did.
    by_group = defaultdict(list)
    for *fields, group, shared in rows:
        by_group[group].append((fields, shared))
    year = case.start_date.year
    for name, group in groups.items():
        in_order = sorted(by_group[name], key=lambda row: (-row[1], abs(row[0][4].year - year), row[0][4], row[0][0]))
        for (pk, slug, title, acronym, start_date, end_date), shared in in_order:
            if pk in shown or len(group["cases"]) == SEE_ALSO_EACH:
                continue
            shown.add(pk)
            other = CaseStudy(pk=pk, slug=slug, title=title, acronym=acronym, start_date=start_date, end_date=end_date)
            other.shared = shared
            group["cases"].append(other)
    return {
        "predecessors": list(case.predecessors.all()),
        "successors": list(case.successors.all()),
        "groups": [group for group in groups.values() if group["cases"]],
    }


POPULAR_ENTRIES = 6


def popular_case_studies():
    """
    (title, address) of the case studies offered where a reader reaches a dead end: the featured
    ones in reading order (a partial index answers), or with none featured the list's first.
    """
    published = CaseStudy.objects.published().only("slug", "title")
    featured = published.filter(featured=True).in_reading_order("start_date", "title")[:POPULAR_ENTRIES]
    entries = list(featured) or list(published.in_reading_order("title", "id")[:POPULAR_ENTRIES])
    return [(case.title, case.get_absolute_url()) for case in entries]
