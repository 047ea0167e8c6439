import datetime

import pytest
from django.db import IntegrityError, transaction

from cases.models import CaseStudy, DatePrecision, Source, Status, format_date
from tests.factories import add_strength, make_case, make_source

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
