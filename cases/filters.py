"""
The filters of the case-study list. Parameter names are part of the public interface: links
and bookmarks carry them, so rename nothing here without a redirect.

Within one parameter several values mean "any of"; different parameters narrow each other.
Invalid values never raise: the form reports them and the list ignores that one parameter.
"""

import datetime

import django_filters
from django import forms
from django.db.models import DurationField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    Challenge,
    Country,
    Objective,
    Organization,
    Region,
)

MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_QUERY_LENGTH = 200


class CountryCodeField(forms.ModelMultipleChoiceField):
    """Country codes in either case: `sl`, `SL`."""

    def clean(self, value):
        if value:
            value = [str(code).strip().upper() for code in value]
        return super().clean(value)


class CountryFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = CountryCodeField


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


SORT_CHOICES = [
    ("title", "Title (A–Z)"),
    ("-title", "Title (Z–A)"),
    ("start", "Start date (oldest first)"),
    ("-start", "Start date (newest first)"),
    ("end", "End date (earliest first)"),
    ("-end", "End date (latest first)"),
    ("duration", "Duration (shortest first)"),
    ("-duration", "Duration (longest first)"),
    ("strength", "Peak authorised strength (smallest first)"),
    ("-strength", "Peak authorised strength (largest first)"),
    ("-updated", "Last updated"),
]

# Ties are broken by title, then id, so that pages never overlap or skip a row.
SORT_ORDERINGS = {
    "title": ["title", "id"],
    "-title": ["-title", "-id"],
    "start": ["start_date", "title", "id"],
    "-start": ["-start_date", "title", "id"],
    "end": [F("end_date").asc(nulls_last=True), "title", "id"],
    "-end": [F("end_date").desc(nulls_first=True), "title", "id"],
    "duration": ["duration", "title", "id"],
    "-duration": ["-duration", "title", "id"],
    "strength": [F("peak_authorised_strength").asc(nulls_last=True), "title", "id"],
    "-strength": [F("peak_authorised_strength").desc(nulls_last=True), "title", "id"],
    "-updated": ["-updated_at", "id"],
}


class CaseStudyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search", max_length=MAX_QUERY_LENGTH, strip=True)
    organization = django_filters.ModelMultipleChoiceFilter(
        queryset=Organization.objects.published(),
        to_field_name="slug",
        method="filter_organization",
        label="Organisation",
    )
    region = django_filters.MultipleChoiceFilter(choices=Region.choices, distinct=False, label="Region")
    country = CountryFilter(
        queryset=Country.objects.all(),
        to_field_name="code",
        method="filter_country",
        label="Host country",
    )
    challenge = django_filters.ModelMultipleChoiceFilter(
        queryset=Challenge.objects.published(),
        to_field_name="slug",
        method="filter_challenge",
        label="Challenge",
    )
    objective = django_filters.ModelMultipleChoiceFilter(
        queryset=Objective.objects.all(),
        to_field_name="slug",
        method="filter_objective",
        label="Objective",
    )
    mandate_type = django_filters.MultipleChoiceFilter(
        choices=CaseStudy.MandateType.choices, distinct=False, label="Mandate type"
    )
    outcome = django_filters.MultipleChoiceFilter(choices=CaseStudy.Outcome.choices, distinct=False, label="Outcome")
    active_in = YearFilter(method="filter_active_in", label="Active in year")
    start_after = YearFilter(method="filter_start_after", label="Started in or after")
    start_before = YearFilter(method="filter_start_before", label="Started in or before")
    ongoing = django_filters.ChoiceFilter(
        choices=[("true", "Ongoing only"), ("false", "Ended only")],
        method="filter_ongoing",
        label="Ongoing",
        empty_label="Ongoing or ended",
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_sort", label="Sort by", empty_label="Title (A–Z)"
    )

    class Meta:
        model = CaseStudy
        fields = []

    def filter_search(self, queryset, name, value):
        from cases.search import search_case_studies

        return search_case_studies(queryset, value)

    def filter_organization(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=CaseOrganization.objects.filter(organization__in=value).values("case_study_id"))

    def filter_country(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            pk__in=CaseStudy.countries.through.objects.filter(country__in=value).values("casestudy_id")
        )

    def filter_challenge(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=CaseChallenge.objects.filter(challenge__in=value).values("case_study_id"))

    def filter_objective(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            pk__in=CaseStudy.objectives.through.objects.filter(objective__in=value).values("casestudy_id")
        )

    def filter_active_in(self, queryset, name, value):
        return queryset.active_in(value)

    def filter_start_after(self, queryset, name, value):
        return queryset.filter(start_date__gte=datetime.date(value, 1, 1))

    def filter_start_before(self, queryset, name, value):
        return queryset.filter(start_date__lt=datetime.date(value + 1, 1, 1))

    def filter_ongoing(self, queryset, name, value):
        return queryset.filter(end_date__isnull=(value == "true"))

    def filter_sort(self, queryset, name, value):
        return sort_case_studies(queryset, value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort") and not self.form.cleaned_data.get("q"):
            queryset = sort_case_studies(queryset, "title")
        return queryset


def sort_case_studies(queryset, sort):
    if sort in {"duration", "-duration"}:
        queryset = queryset.annotate(
            duration=ExpressionWrapper(
                Coalesce(F("end_date"), Value(timezone.now().date())) - F("start_date"),
                output_field=DurationField(),
            )
        )
    return queryset.order_by(*SORT_ORDERINGS.get(sort, SORT_ORDERINGS["title"]))


def active_filter_count(filterset):
    data = filterset.form.cleaned_data if filterset.is_bound and hasattr(filterset.form, "cleaned_data") else {}
    return sum(1 for name, value in data.items() if name not in {"sort"} and value not in (None, "", [], ()))
