"""Small builders for test data: each makes a valid, published record unless told otherwise."""

import datetime
import itertools

from django.contrib.contenttypes.models import ContentType

from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    Challenge,
    Citation,
    Country,
    Objective,
    Organization,
    Source,
    Status,
    StrengthFigure,
    TimelineEvent,
)

_sequence = itertools.count(1)


def make_source(key=None, **fields):
    n = next(_sequence)
    values = {
        "key": key or f"source-{n}",
        "kind": Source.Kind.UN_DOCUMENT,
        "title": f"Security Council resolution {1000 + n}",
        "publisher": "United Nations Security Council",
        "identifier": f"S/RES/{1000 + n} (1999)",
        "url": f"https://undocs.org/S/RES/{1000 + n}(1999)",
        "date": datetime.date(1999, 10, 22),
        "status": Status.PUBLISHED,
    }
    values.update(fields)
    return Source.objects.create(**values)


def make_country(code="SL", name=None, region="africa"):
    country, _ = Country.objects.get_or_create(
        code=code, defaults={"name": name or f"Country {code}", "region": region}
    )
    return country


def make_objective(slug="ddr", name=None):
    objective, _ = Objective.objects.get_or_create(slug=slug, defaults={"name": name or slug.upper()})
    return objective


def make_organization(slug="un", **fields):
    values = {
        "name": fields.pop("name", f"Organisation {slug}"),
        "acronym": slug.upper(),
        "kind": Organization.Kind.GLOBAL,
        "summary": "An organisation.",
        "status": Status.PUBLISHED,
    }
    values.update(fields)
    return Organization.objects.create(slug=slug, **values)


def make_challenge(slug="host-state-consent", **fields):
    values = {
        "name": fields.pop("name", slug.replace("-", " ").capitalize()),
        "category": Challenge.Category.POLITICAL,
        "summary": "A challenge.",
        "status": Status.PUBLISHED,
    }
    values.update(fields)
    return Challenge.objects.create(slug=slug, **values)


def make_case(slug=None, *, organizations=(), countries=(), challenges=(), objectives=(), **fields):
    n = next(_sequence)
    values = {
        "title": f"Case study {n}",
        "mission_name": f"Mission {n}",
        "acronym": f"M{n}",
        "region": "africa",
        "mandate_type": CaseStudy.MandateType.MULTIDIMENSIONAL,
        "start_date": datetime.date(1999, 10, 22),
        "end_date": datetime.date(2005, 12, 31),
        "outcome": CaseStudy.Outcome.COMPLETED,
        "summary": "A mission.",
        "body": "## Background\n\nText.",
        "status": Status.PUBLISHED,
        # A test's case study cites no source for its infobox facts unless the test gives it
        # some: they are marked unverified, as the citation gate asks of uncited facts.
        "unverified_facts": list(CaseStudy.CITABLE_FACTS),
    }
    values.update(fields)
    case = CaseStudy.objects.create(slug=slug or f"case-{n}", **values)
    for organization in organizations:
        organization, role = organization if isinstance(organization, tuple) else (organization, "lead")
        CaseOrganization.objects.create(case_study=case, organization=organization, role=role)
    case.countries.set(countries)
    case.objectives.set(objectives)
    for challenge in challenges:
        CaseChallenge.objects.create(case_study=case, challenge=challenge, description="How it showed up.")
    return case


def add_event(case, title="Event", date=datetime.date(2000, 5, 1), sources=()):
    event = TimelineEvent.objects.create(case_study=case, date=date, title=title)
    for source in sources:
        cite(event, source)
    return event


def add_strength(case, number, source, kind="authorised", date=datetime.date(2000, 1, 1), **fields):
    figure = StrengthFigure.objects.create(
        case_study=case, number=number, source=source, kind=kind, date=date, **fields
    )
    return figure


def cite(obj, source, field="", locator=""):
    return Citation.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        source=source,
        field=field,
        locator=locator,
    )
