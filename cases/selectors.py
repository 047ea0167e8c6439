"""
Reads for the public pages: each function loads what one page shows in a fixed number of
queries, from published records only (a published page links only to published neighbours).
"""

from collections import defaultdict

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.html import format_html

from cases.citations import References, cited_keys
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


def case_study_page(case, *, citations=None, sources=None):
    """
    Everything the case-study page shows, rendered in reading order so footnotes number up.
    A past version (cases/versions.py) brings its own citation rows and sources, as they were.
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
    instruments = [
        {"instrument": instrument, "marker": references.cite(instrument.source.key)}
        for instrument in case.instruments.all()
    ]
    for contribution in contributions:
        contribution.markers = references.cite_all(_citations_for(grouped, contribution))
    lessons = references.render(case.rendered.get("lessons"))
    return {
        "summary": summary,
        "facts": facts,
        "strength": strength,
        "peaks": peaks,
        "unverified_facts": [label for name, label in CaseStudy.CITABLE_FACTS.items() if name in case.unverified_facts],
        "editorial_policy_url": EDITORIAL_POLICY_URL,
        "established_by": established_by,
        "instruments": instruments,
        "body": body,
        "challenges": challenges,
        "events": events,
        "contributions": contributions,
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
# What readers see where a figure is not known.
NOT_AVAILABLE = "n/a"


def comparison(slugs):
    """
    Side-by-side facts of 2 to 4 published case studies, each fact with its citations.

    Returns (cases, rows, references, problems): rows are {"label", "cells", "differs"}, in the
    order of `slugs`; problems explain slugs that were ignored.
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
                cells.append({"value": NOT_AVAILABLE, "marker": ""})
                continue
            about = "about " if best.approximate else ""
            value = f"{about}{best.number:,} ({best.date.year})"
            cells.append({"value": value, "marker": references.cite(best.source.key, best.locator)})
        return {"label": label, "cells": cells, "differs": len({cell["value"] for cell in cells}) > 1}

    def fact(label, field, value_of):
        cells = []
        for case in cases:
            value = value_of(case)
            marker = fact_markers(references, grouped, case, field) if field else ""
            cells.append({"value": value, "marker": marker})
        return {"label": label, "cells": cells, "differs": len({cell["value"] for cell in cells}) > 1}

    rows = [
        fact("Mission", "mission", lambda c: c.mission_name),
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
        fact("Outcome", "outcome", lambda c: c.get_outcome_display()),
        fact("Objectives", "objectives", lambda c: ", ".join(o.name for o in c.objectives.all()) or "—"),
        fact("Challenges", "", lambda c: ", ".join(cc.challenge.name for cc in c.case_challenges.all()) or "—"),
    ]
    rows[7:7] = [
        peak("Peak authorised strength", StrengthFigure.Kind.AUTHORISED),
        peak("Peak deployed strength", StrengthFigure.Kind.DEPLOYED),
    ]
    return cases, rows, references, problems


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
