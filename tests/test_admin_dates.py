"""Editors type dates as "8 July 2011" or 2011-07-08; the admin shows "9 Jul 2011"; errors sit at the field."""

import datetime
import re

import pytest
from django.urls import reverse

from cases.models import CaseStudy, Source
from tests.factories import make_case, make_country, make_source
from tests.test_admin import case_form

pytestmark = pytest.mark.django_db


def field_block(html, name):
    """The admin's block for one field (a form row or a fieldline holding it)."""
    start = html.index(f'id="id_{name}"')
    row_start = html.rfind('<div class="form-row', 0, start)
    return html[row_start : start + 2000]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8 July 2011", datetime.date(2011, 7, 8)),
        ("8 Jul 2011", datetime.date(2011, 7, 8)),
        ("2011-07-08", datetime.date(2011, 7, 8)),
        ("July 8, 2011", datetime.date(2011, 7, 8)),
    ],
)
def test_dates_with_the_month_in_words_or_in_iso_order_are_accepted(admin_client, typed, expected):
    make_source(key="unsc-res-1509-2003")
    data = case_form(start_date=typed, end_date="", countries=[make_country("LR", "Liberia").pk])
    response = admin_client.post(reverse("admin:cases_casestudy_add"), data)
    assert response.status_code == 302
    assert CaseStudy.objects.get(slug="liberia-unmil").start_date == expected


def test_a_date_in_figures_alone_is_refused_at_the_field_with_the_expected_format(admin_client):
    make_source(key="unsc-res-1509-2003")
    response = admin_client.post(reverse("admin:cases_casestudy_add"), case_form(start_date="09/07/2011"))
    html = response.content.decode()
    assert response.status_code == 200 and not CaseStudy.objects.exists()
    block = field_block(html, "start_date")
    assert 'class="errorlist"' in block
    assert "Enter the date with the month in words or in ISO order" in block
    assert 'value="09/07/2011"' in html  # what was typed stays, to be corrected


def test_an_end_before_the_start_is_explained_at_the_end_date(admin_client):
    make_source(key="unsc-res-1509-2003")
    response = admin_client.post(
        reverse("admin:cases_casestudy_add"), case_form(start_date="2003-09-19", end_date="2001-01-01")
    )
    html = response.content.decode()
    assert "The end date cannot be before the start date." in field_block(html, "end_date")
    assert not CaseStudy.objects.exists()


def test_date_fields_show_the_expected_format_and_inline_dates_too(admin_client):
    html = admin_client.get(reverse("admin:cases_casestudy_add")).content.decode()
    assert "For example 8 July 2011, 8 Jul 2011 or 2011-07-08." in field_block(html, "start_date")
    assert 'placeholder="8 July 2011"' in html
    # The inline rows' dates (timeline, strength figures, instruments) say the same.
    assert html.count("For example 8 July 2011") >= 5


def test_a_saved_date_is_shown_in_iso_order_in_the_form_and_unambiguously_in_lists(admin_client):
    case = make_case(title="Liberia (UNMIL)", start_date=datetime.date(2011, 7, 9), end_date=None)
    form = admin_client.get(reverse("admin:cases_casestudy_change", args=[case.pk])).content.decode()
    assert re.search(r'name="start_date"[^>]*value="2011-07-09"|value="2011-07-09"[^>]*name="start_date"', form)
    listing = admin_client.get(reverse("admin:cases_casestudy_changelist")).content.decode()
    assert "9 Jul 2011" in listing and "09/07/2011" not in listing
    source = make_source(date=datetime.date(2011, 7, 9))
    listing = admin_client.get(reverse("admin:cases_source_changelist")).content.decode()
    assert "9 Jul 2011" in listing and Source.objects.filter(pk=source.pk).exists()
