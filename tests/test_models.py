import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction

from cases.models import CaseStudy, DatePrecision, LegalInstrument, SearchDocument, Source, Status, format_date
from tests.factories import add_strength, make_case, make_challenge, make_source

pytestmark = pytest.mark.django_db


def test_end_date_before_start_date_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_case(start_date=datetime.date(2005, 1, 1), end_date=datetime.date(2004, 12, 31))


def test_ongoing_case_needs_no_end_date():
    case = make_case(end_date=None, outcome=CaseStudy.Outcome.ONGOING)
    assert case.is_ongoing and case.end_display == "Ongoing"


def test_status_outside_the_fixed_set_is_refused():
    case = make_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStudy.objects.filter(pk=case.pk).update(status="secret")


def test_slugs_and_source_keys_are_unique():
    make_case(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_case(slug="same")
    make_source(key="unsc-res-1270-1999")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_source(key="unsc-res-1270-1999")


def test_source_key_format_is_enforced_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(key="Bad Key!", kind="web_page", title="x")


def test_negative_strength_is_refused():
    case = make_case()
    source = make_source()
    with pytest.raises(IntegrityError), transaction.atomic():
        add_strength(case, -5, source)


def test_peak_authorised_strength_follows_the_figures():
    case = make_case()
    source = make_source()
    add_strength(case, 6000, source)
    add_strength(case, 17500, source, date=datetime.date(2001, 3, 30))
    add_strength(case, 20000, source, kind="deployed")
    case.refresh_from_db()
    assert case.peak_authorised_strength == 17500


def test_published_at_is_set_on_first_publication_only():
    case = make_case(status=Status.DRAFT)
    assert case.published_at is None
    case.status = Status.PUBLISHED
    case.save()
    first = case.published_at
    assert first is not None
    case.title = "Renamed"
    case.save()
    assert case.published_at == first


@pytest.mark.parametrize(
    ("precision", "expected"),
    [(DatePrecision.DAY, "6 March 2007"), (DatePrecision.MONTH, "March 2007"), (DatePrecision.YEAR, "2007")],
)
def test_dates_show_only_the_precision_they_have(precision, expected):
    assert format_date(datetime.date(2007, 3, 6), precision) == expected


def test_active_in_counts_ongoing_missions_as_active_this_year():
    ongoing = make_case(start_date=datetime.date(1999, 6, 12), end_date=None, outcome="ongoing")
    ended = make_case(start_date=datetime.date(1999, 10, 22), end_date=datetime.date(2005, 12, 31))
    this_year = datetime.date.today().year
    assert list(CaseStudy.objects.active_in(this_year)) == [ongoing]
    assert set(CaseStudy.objects.active_in(2005)) == {ongoing, ended}
    assert set(CaseStudy.objects.active_in(1999)) == {ongoing, ended}
    assert not CaseStudy.objects.active_in(1998).exists()


def test_every_field_with_choices_is_guarded_by_a_database_constraint():
    """Whatever writes a row (the admin, a loader, raw SQL), no value outside the choices gets in."""
    unguarded = []
    for model in apps.get_app_config("cases").get_models():
        if model is SearchDocument:
            # Written only by cases/search_index.py; its table carries the full-text triggers,
            # which adding a constraint (a table rebuild on SQLite) would drop.
            continue
        guarded = {
            child[0].removesuffix("__in"): set(child[1])
            for constraint in model._meta.constraints
            if isinstance(constraint, models.CheckConstraint)
            for child in constraint.condition.children
            if isinstance(child, tuple) and child[0].endswith("__in")
        }
        for field in model._meta.concrete_fields:
            # A field that may be left blank also accepts "" (an unknown value, not a choice).
            allowed = {value for value, _ in field.choices or [] if value is not None} | (
                {""} if field.blank and field.choices else set()
            )
            if field.choices and guarded.get(field.name) != allowed:
                unguarded.append(f"{model.__name__}.{field.name}")
    assert not unguarded


@pytest.mark.parametrize(
    "model, field",
    [("Source", "kind"), ("StrengthFigure", "personnel"), ("LegalInstrument", "role"), ("Challenge", "category")],
)
def test_values_outside_the_choices_are_refused_by_the_database(model, field):
    source = make_source(key="some-source")
    case = make_case("case")
    rows = {
        "Source": source,
        "Challenge": make_challenge("consent"),
        "StrengthFigure": add_strength(case, 100, source),
        "LegalInstrument": LegalInstrument.objects.create(
            case_study=case, source=source, role="establishing", date=case.start_date
        ),
    }
    row = rows[model]
    with pytest.raises(IntegrityError), transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(**{field: "nonsense"})
