"""
The filters of the case-study list, and the facet counts shown beside each option.

Parameter names are part of the public interface: links and bookmarks carry them, so rename
nothing here without a redirect. Within one parameter several values mean "any of"; different
parameters narrow each other. Invalid values never raise: the form reports them and the list
ignores that one parameter.

The page stays within a fixed number of queries whatever the data: every option of the four
linked facets (organisations, countries, challenges, objectives), and of the contributing
countries, is read in one UNION query,
their counts in one more from the facet index (cases/facet_index.py), and the counts of the four
case-study fields (region, mandate type, outcome, ongoing) in one grouped query.
"""

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import django_filters
from django import forms
from django.db.models import BooleanField, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone

from cases.cache import computed_once_per_version
from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    CaseStudyFacet,
    Challenge,
    Contribution,
    Country,
    Objective,
    Organization,
    OrganizationRole,
    Region,
    Source,
    SourceKind,
    published,
)
from cases.search import CaseStudySearch, RankedPages, SourceSearch

MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_QUERY_LENGTH = 200

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
    ("deployed_strength", "Peak deployed strength (smallest first)"),
    ("-deployed_strength", "Peak deployed strength (largest first)"),
    ("fatalities", "UN-recorded fatalities (fewest first)"),
    ("-fatalities", "UN-recorded fatalities (most first)"),
    ("-updated", "Last updated"),
]

# Ties are broken by title, then id, so that pages never overlap or skip a row. A missing figure
# sorts last both ways (each order has an index built that way: migrations 0007, 0020 and 0024).
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
    "deployed_strength": [F("peak_deployed_strength").asc(nulls_last=True), "title", "id"],
    "-deployed_strength": [F("peak_deployed_strength").desc(nulls_last=True), "title", "id"],
    "fatalities": [F("un_fatalities").asc(nulls_last=True), "title", "id"],
    "-fatalities": [F("un_fatalities").desc(nulls_last=True), "title", "id"],
    "-updated": ["-updated_at", "-id"],
}

NOT_AVAILABLE = "n/a"


def sorted_by_figure(case, sort):
    """
    (label, value) of what a list sorted by `sort` orders by, for its cards to show; "n/a" for a
    missing figure; None when sorted by title.
    """
    key = (sort or "").removeprefix("-")
    if key == "strength":
        return "Peak authorised strength", _number(case.peak_authorised_strength)
    if key == "deployed_strength":
        return "Peak deployed strength", _number(case.peak_deployed_strength)
    if key == "fatalities":
        return "UN-recorded fatalities", _number(case.un_fatalities)
    if key == "start":
        return "Start", case.start_display
    if key == "end":
        return "End", case.end_display
    if key == "duration" and getattr(case, "duration", None) is not None:
        return "Duration", f"{case.duration.days / 365.25:.1f} years"
    if key == "updated":
        return "Updated", f"{case.updated_at.day} {case.updated_at:%B %Y}"
    return None


def _number(value):
    return NOT_AVAILABLE if value is None else f"{value:,}"


ONGOING_CHOICES = [("true", "Ongoing"), ("false", "Ended")]
# The facets that are fields of the case study itself; the others are linked records.
SCALAR_FACETS = ("region", "mandate_type", "outcome", "depth", "ongoing")

# What `organization` means: the missions the chosen organisations lead, unless another role is
# chosen with `organization_role`.
ANY_ROLE = "any"
ORGANIZATION_ROLE_CHOICES = [
    (OrganizationRole.LEAD, "Led by"),
    (OrganizationRole.AUTHORISING, "Authorised by"),
    (OrganizationRole.FUNDING, "Funded by"),
    (OrganizationRole.PARTNER, "Partner"),
    (ANY_ROLE, "Any role"),
]

# A facet of more than LONG_FACET options shows its chosen and most frequent ones, FACET_TOP in
# all; `?more=<facet>` shows every option. A shorter facet shows them all, by name.
LONG_FACET = 20
FACET_TOP = 12
EXPAND_PARAMETER = "more"


def shortened(options):
    """The chosen options and the most frequent others, FACET_TOP in all, largest count first."""
    chosen = [option for option in options if option["selected"]]
    others = sorted(
        (option for option in options if not option["selected"] and option["count"]),
        key=lambda option: (-option["count"], option["label"]),
    )
    return chosen + others[: max(FACET_TOP - len(chosen), 0)]


def scalar_combinations(case_studies):
    """[(region, mandate type, outcome, depth, "true" if ongoing else "false", how many)], per combination."""
    rows = (
        case_studies.order_by()
        .annotate(ongoing=ExpressionWrapper(Q(end_date__isnull=True), output_field=BooleanField()))
        .values_list(*SCALAR_FACETS)
        .annotate(n=Count("id"))
    )
    return [
        (region, mandate, outcome, depth, "true" if ongoing else "false", n)
        for region, mandate, outcome, depth, ongoing, n in rows
    ]


@dataclass
class LinkedOptions:
    """Options of the linked facets: {"organization": [(slug, label)], ...}, and each one by its row id."""

    choices: dict
    value_of_id: dict


def linked_options():
    """The options of the linked facets, in one query."""
    parts = [
        Organization.objects.published()
        .annotate(facet=Value("organization"))
        .values_list("facet", "pk", "slug", "name"),
        Challenge.objects.published().annotate(facet=Value("challenge")).values_list("facet", "pk", "slug", "name"),
        Objective.objects.annotate(facet=Value("objective")).values_list("facet", "pk", "slug", "name"),
        # Only countries that host a published case study are worth offering. EXISTS stops at
        # the first one, where a join would visit every hosted mission and then deduplicate.
        Country.objects.filter(
            Exists(CaseStudy.countries.through.objects.filter(published("casestudy"), country=OuterRef("pk")))
        )
        .annotate(facet=Value("country"))
        .values_list("facet", "pk", "code", "name"),
        # Likewise the countries that contributed to one (the `contributor` filter's options).
        Country.objects.filter(Exists(Contribution.objects.filter(published("case_study"), country=OuterRef("pk"))))
        .annotate(facet=Value("contributor"))
        .values_list("facet", "pk", "code", "name"),
    ]
    names = (*CaseStudyFilter.LINKED, "contributor")
    choices = {name: [] for name in names}
    value_of_id = {name: {} for name in names}
    parts = [part.order_by() for part in parts]
    for facet, pk, value, label in parts[0].union(*parts[1:], all=True):
        choices[facet].append((value, label))
        value_of_id[facet][pk] = value
    for values in choices.values():
        values.sort(key=lambda option: option[1])
    return LinkedOptions(choices, value_of_id)


class CountryCodesField(forms.MultipleChoiceField):
    """Country codes in either case: `sl`, `SL`."""

    def to_python(self, value):
        return [str(code).strip().upper() for code in super().to_python(value)]


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


class CountryFilter(django_filters.MultipleChoiceFilter):
    field_class = CountryCodesField


class CaseStudyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search", max_length=MAX_QUERY_LENGTH, strip=True)
    organization = django_filters.MultipleChoiceFilter(method="filter_organization", label="Organisation")
    # Not a filter of its own: it says what `organization` means (see filter_organization).
    organization_role = django_filters.ChoiceFilter(
        choices=ORGANIZATION_ROLE_CHOICES, method="keep", label="Role of the organisation", empty_label=None
    )
    region = django_filters.MultipleChoiceFilter(choices=Region.choices, distinct=False, label="Region")
    country = CountryFilter(method="filter_country", label="Host country")
    # Countries that sent troops, police, observers, funds or logistics (the casebook's
    # Contribution rows). Not counted in the facet panel: the facet index has no rows for them.
    contributor = CountryFilter(method="filter_contributor", label="Contributing country")
    challenge = django_filters.MultipleChoiceFilter(method="filter_challenge", label="Challenge")
    objective = django_filters.MultipleChoiceFilter(method="filter_objective", label="Objective")
    mandate_type = django_filters.MultipleChoiceFilter(
        choices=CaseStudy.MandateType.choices, distinct=False, label="Mandate type"
    )
    outcome = django_filters.MultipleChoiceFilter(choices=CaseStudy.Outcome.choices, distinct=False, label="Outcome")
    depth = django_filters.MultipleChoiceFilter(choices=CaseStudy.Depth.choices, distinct=False, label="Depth")
    active_in = YearFilter(method="filter_active_in", label="Active in year")
    start_after = YearFilter(method="filter_start_after", label="Started in or after")
    start_before = YearFilter(method="filter_start_before", label="Started in or before")
    ongoing = django_filters.ChoiceFilter(
        choices=ONGOING_CHOICES, method="filter_ongoing", label="Ongoing", empty_label="Ongoing or ended"
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_sort", label="Sort by", empty_label="Best match or title"
    )

    LINKED = ("organization", "country", "challenge", "objective")
    FACETS = (
        "organization",
        "region",
        "country",
        "challenge",
        "objective",
        "mandate_type",
        "outcome",
        "depth",
        "ongoing",
    )
    # Parameters that shape the others rather than filter by themselves.
    MODIFIERS = ("sort", "organization_role")

    class Meta:
        model = CaseStudy
        fields = []

    def __init__(self, *args, options=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.queryset is not None:
            # The default order, with or without parameters (django-filter filters nothing without
            # any): full case studies first. A sort or a search orders by itself instead.
            self.queryset = self.queryset.in_reading_order("title", "id")
        if options is None:
            # The same for every request until the content changes.
            options = computed_once_per_version("linked-options", linked_options, kwargs.get("request"))
        self.linked = options
        for name in (*self.LINKED, "contributor"):
            # A callable: the form field then keeps a reference to the (long) list of options
            # instead of normalising and deep-copying it with every form.
            self.filters[name].extra["choices"] = self.linked.choices[name].copy

    def filter_search(self, queryset, name, value):
        return self.case_study_search.rank(queryset)

    @cached_property
    def case_study_search(self):
        """The `q` match, made once: the results, their count and every facet count use it."""
        return CaseStudySearch(self.active.get("q", ""), self.request)

    def paginated(self, queryset):
        """
        What the list pages through: the filtered queryset, except for a search that is the only
        filter, in rank order, whose pages read only their own rows (see RankedPages).
        """
        if set(self.active) == {"q"} and not self.form.cleaned_data.get("sort") and self.case_study_search:
            return RankedPages(self.queryset, self.case_study_search)
        return queryset

    @property
    def chosen_role(self):
        """The role `organization` means: led by, unless a valid other role is chosen."""
        role = getattr(self.form, "cleaned_data", {}).get("organization_role")
        return role or OrganizationRole.LEAD

    def filter_organization(self, queryset, name, value: list[str]):
        linked = CaseOrganization.objects.filter(organization__slug__in=value)
        if self.chosen_role != ANY_ROLE:
            linked = linked.filter(role=self.chosen_role)
        return queryset.filter(pk__in=linked.values("case_study_id"))

    def keep(self, queryset, name, value: str):
        return queryset

    def filter_country(self, queryset, name, value: list[str]):
        linked = CaseStudy.countries.through.objects.filter(country__code__in=value)
        return queryset.filter(pk__in=linked.values("casestudy_id"))

    def filter_contributor(self, queryset, name, value: list[str]):
        linked = Contribution.objects.filter(country__code__in=value)
        return queryset.filter(pk__in=linked.values("case_study_id"))

    def filter_challenge(self, queryset, name, value: list[str]):
        linked = CaseChallenge.objects.filter(challenge__slug__in=value)
        return queryset.filter(pk__in=linked.values("case_study_id"))

    def filter_objective(self, queryset, name, value: list[str]):
        linked = CaseStudy.objectives.through.objects.filter(objective__slug__in=value)
        return queryset.filter(pk__in=linked.values("casestudy_id"))

    def filter_active_in(self, queryset, name, value: int):
        return queryset.active_in(value)

    def filter_start_after(self, queryset, name, value: int):
        return queryset.filter(start_date__gte=datetime.date(value, 1, 1))

    def filter_start_before(self, queryset, name, value: int):
        return queryset.filter(start_date__lt=datetime.date(value + 1, 1, 1))

    def filter_ongoing(self, queryset, name, value):
        return queryset.filter(end_date__isnull=(value == "true"))

    def filter_sort(self, queryset, name, value):
        return sort_case_studies(queryset, value)

    # -- facets ------------------------------------------------------------------------------

    @property
    def active(self):
        """The valid, non-empty filter values, by parameter (sort and the organisations' role excluded)."""
        data = getattr(self.form, "cleaned_data", {})
        return {
            name: value
            for name, value in data.items()
            if name not in self.MODIFIERS and value not in (None, "", [], ())
        }

    def filtered_without(self, *excluded):
        """Published case studies matching every active filter but the excluded ones."""
        queryset = CaseStudy.objects.published()
        for name, value in self.active.items():
            if name not in excluded and name != "q":
                queryset = self.filters[name].filter(queryset, value)
        if "q" not in excluded:
            queryset = self.case_study_search.restrict(queryset)
        return queryset

    def facets(self, expanded=None):
        """
        For each facet, its options with the number of results choosing each would give.

        A facet with more than LONG_FACET options (at scale: hundreds of organisations or
        countries) shows its chosen options and its most frequent ones, largest count first,
        unless it is the `expanded` one; the rest are a "show all" link away.
        """
        # The counts of a choice of filters (or of none: the whole casebook) are the same on every
        # page and in every sort order, and the costliest part of the page: they are kept.
        counts = self._counts_once_per_version() if self.active else self._casebook_counts()
        choices = {
            "region": Region.choices,
            "mandate_type": CaseStudy.MandateType.choices,
            "outcome": CaseStudy.Outcome.choices,
            "depth": CaseStudy.Depth.choices,
            "ongoing": ONGOING_CHOICES,
            **self.linked.choices,
        }
        selected = self.active
        facets = []
        for name in self.FACETS:
            chosen = selected.get(name) or []
            chosen = [chosen] if isinstance(chosen, str) else chosen
            options = [
                {
                    "value": value,
                    "label": label,
                    "count": counts[name].get(value, 0),
                    "selected": value in chosen,
                }
                for value, label in choices[name]
            ]
            total = len(options)
            every_option = options
            if total > LONG_FACET and name != expanded:
                options = shortened(options)
            elif total > LONG_FACET:
                # All of a long facet: the chosen options first, where a reader can see them.
                options = sorted(options, key=lambda option: not option["selected"])
            links = self.data.copy() if self.data is not None else QueryDict(mutable=True)
            links.pop("page", None)
            links.pop(EXPAND_PARAMETER, None)
            fewer_query = links.urlencode()
            links[EXPAND_PARAMETER] = name
            facets.append(
                {
                    "name": name,
                    "label": self.filters[name].label,
                    "options": options,
                    # The options shown or not (a map draws them all).
                    "every_option": every_option,
                    "total": total,
                    "hidden": total - len(options),
                    "expanded": name == expanded and total > LONG_FACET,
                    "more_query": links.urlencode(),
                    "fewer_query": fewer_query,
                    "multiple": name != "ongoing",
                    "roles": self._role_options() if name == "organization" else [],
                    "open": bool(chosen) or name in ("organization", "region") or name == expanded,
                }
            )
        return facets

    def _role_options(self):
        """The meanings the organisation facet can take, the current one checked."""
        return [
            # "Led by" is what no role means: the form leaves it out of the address.
            {
                "value": "" if value == OrganizationRole.LEAD else value,
                "label": label,
                "selected": value == self.chosen_role,
            }
            for value, label in ORGANIZATION_ROLE_CHOICES
        ]

    def _counts(self):
        return {**self._scalar_counts(), **self._linked_counts()}

    def _counts_once_per_version(self):
        """
        The counts of this choice of filters, kept until the content changes: every page of the
        results and every sort order show the same counts, and at scale they cost more than the
        rest of the page (a broad region reads a hundred thousand rows of the facet index).
        """
        choice = json.dumps([sorted(self.active.items()), self.chosen_role], sort_keys=True, default=str)
        key = hashlib.md5(choice.encode(), usedforsecurity=False).hexdigest()
        return computed_once_per_version(f"facet-counts:{key}", self._counts, self.request)

    def _scalar_counts(self):
        """
        Region, mandate type, outcome and ongoing counts from one grouped query: the matching
        case studies per combination of the four (a few dozen rows, read from a covering index),
        each option's count then summed here over the combinations the other three allow.
        """
        if any(name not in SCALAR_FACETS for name in self.active):
            combinations = scalar_combinations(self.filtered_without(*SCALAR_FACETS))
        else:
            # Over the whole casebook: the same for every choice of these four facets.
            combinations = computed_once_per_version(
                "facet-combinations:all", lambda: scalar_combinations(CaseStudy.objects.published()), self.request
            )
        # Chosen values by facet ("ongoing" takes one value, the others several).
        chosen = {name: set(value) if isinstance(value, list) else {value} for name, value in self.active.items()}
        counts = {name: defaultdict(int) for name in SCALAR_FACETS}
        for *values, number in combinations:
            row = dict(zip(SCALAR_FACETS, values, strict=True))
            allowed = {name: name not in chosen or row[name] in chosen[name] for name in SCALAR_FACETS}
            for name in SCALAR_FACETS:
                if all(allowed[other] for other in SCALAR_FACETS if other != name):
                    counts[name][row[name]] += number
        return {name: dict(numbers) for name, numbers in counts.items()}

    def _linked_counts(self):
        """Organisation, country, challenge and objective counts, from the facet index."""
        counts = {name: {} for name in self.LINKED}
        for facets, excluded in self._linked_groups():
            if self._counted_over_casebook(excluded):
                for name in facets:
                    counts[name] = self._casebook_counts()[name]
        query = self.facet_count_query()
        for facet, option, number in query if query is not None else ():
            option = self.linked.value_of_id[facet].get(option)
            if option is not None:  # an unpublished organisation or challenge is no option
                counts[facet][option] = number
        return counts

    def _linked_groups(self):
        """
        (facets, filter set aside) pairs to count: the linked facets without an active filter
        together, over the results; each one with an active filter over the results of every
        other filter (choosing one of its options replaces that facet's selection).
        """
        filtered = [name for name in self.LINKED if name in self.active]
        groups = [([name for name in self.LINKED if name not in filtered], ())]
        groups += [([name], (name,)) for name in filtered]
        return [(facets, excluded) for facets, excluded in groups if facets]

    def _counted_over_casebook(self, excluded):
        """True when setting `excluded` aside leaves no filter: the unfiltered list's counts apply."""
        return bool(self.active) and all(name in excluded for name in self.active)

    def _casebook_counts(self):
        """Every facet's counts over the whole casebook, the same for every request until an edit."""

        role = self.chosen_role

        def count():
            # No filter, but the same meaning of the organisation facet: its counts are by role.
            data = QueryDict(mutable=True)
            data["organization_role"] = role
            unfiltered = CaseStudyFilter(data, queryset=self.queryset, request=self.request, options=self.linked)
            unfiltered.is_valid()
            return unfiltered._counts()

        return computed_once_per_version(f"facet-counts:all:{role}", count, self.request)

    def facet_count_query(self):
        """
        The linked facets' counts still to be read, as rows of (facet, option id, number): one
        grouped query over the facet index per group of `_linked_groups()`, in one UNION query;
        None when every group's counts are the unfiltered list's.
        """
        role = self.chosen_role
        if role == ANY_ROLE:
            # An organisation has a row per role it holds in a mission: count the missions.
            rows, number = Q(), Count("case_study", distinct=True)
        else:
            rows, number = ~Q(facet="organization") | Q(role=role), Count("*")
        parts = [
            CaseStudyFacet.objects.filter(rows, self._results_without(*excluded), facet__in=facets)
            .order_by()
            .values_list("facet", "option")
            .annotate(n=number)
            for facets, excluded in self._linked_groups()
            if not self._counted_over_casebook(excluded)
        ]
        return parts[0].union(*parts[1:], all=True) if parts else None

    def _results_without(self, *excluded):
        """A condition on facet rows: their case study matches every active filter but the excluded."""
        remaining = {name: value for name, value in self.active.items() if name not in excluded and name != "q"}
        # Only published case studies have facet rows: the search's matches need no other test.
        condition = self.case_study_search.condition("case_study_id")
        if set(remaining) <= set(SCALAR_FACETS):
            # Filters on the case study's own fields read the copies each facet row carries.
            for name, value in remaining.items():
                condition &= Q(ongoing=value == "true") if name == "ongoing" else Q(**{f"{name}__in": value})
            return condition
        return Q(case_study__in=self.filtered_without(*excluded).values("pk"))

    def chips(self):
        """Active filters as (label, value label, query string without it) for removable chips."""
        labels = {name: dict(options) for name, options in self.linked.choices.items()}
        for facet in self.facets_cache:
            labels[facet["name"]] = {option["value"]: option["label"] for option in facet["options"]}
        chips = []
        for name, value in self.active.items():
            values = value if isinstance(value, list) else [value]
            for item in values:
                query = self.data.copy()
                remaining = [v for v in query.getlist(name) if str(v).upper() != str(item).upper()]
                query.setlist(name, remaining)
                if name == "organization" and not remaining:
                    query.pop("organization_role", None)  # a role of no organisation means nothing
                query.pop("page", None)
                label = labels.get(name, {}).get(item, item)
                chips.append((self.label_of(name), label, query.urlencode()))
        return chips

    def label_of(self, name):
        """A filter's name for readers; the organisation filter's says which role it means."""
        if name == "organization":
            role = dict(ORGANIZATION_ROLE_CHOICES)[self.chosen_role]
            return f"{self.filters[name].label} ({role.lower()})"
        return self.filters[name].label

    def host_country_counts(self):
        """
        Every host country's option in the facet panel, shortened or not: its code, name, count
        (the results choosing it would give, as beside its checkbox) and whether it is chosen.
        The list's map draws these.
        """
        return next(facet["every_option"] for facet in self.facets_cache if facet["name"] == "country")

    @property
    def facets_cache(self):
        if not hasattr(self, "_facets"):
            self._facets = self.facets(expanded=self.data.get(EXPAND_PARAMETER) if self.data else None)
        return self._facets


def sort_case_studies(queryset, sort):
    if sort in {"duration", "-duration"}:
        queryset = queryset.annotate(
            duration=ExpressionWrapper(
                Coalesce(F("end_date"), Value(timezone.now().date())) - F("start_date"),
                output_field=DurationField(),
            )
        )
    return queryset.order_by(*SORT_ORDERINGS.get(sort, SORT_ORDERINGS["title"]))


# -- the bibliography (/sources/) ---------------------------------------------------------------


def source_publishers():
    """[(publisher, number of published sources)]: the options of the bibliography's publisher filter."""
    published_sources = Source.objects.published().exclude(publisher="").order_by("publisher")
    return list(published_sources.values_list("publisher").annotate(count=Count("id")))


class SourceFilter(django_filters.FilterSet):
    """
    The filters of /sources/: a search of titles, authors, publishers, identifiers and keys (the
    casebook's full-text search), kinds (any of), one publisher and a range of years. Like the
    case-study list's, invalid values are reported and ignored, and the others still filter.
    """

    q = django_filters.CharFilter(method="filter_search", label="Search", max_length=MAX_QUERY_LENGTH, strip=True)
    kind = django_filters.MultipleChoiceFilter(choices=SourceKind.choices, distinct=False, label="Kind")
    publisher = django_filters.ChoiceFilter(
        method="filter_publisher", label="Publisher or issuing body", empty_label="Any publisher"
    )
    year_from = YearFilter(method="filter_year_from", label="From year")
    year_to = YearFilter(method="filter_year_to", label="To year")

    class Meta:
        model = Source
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.queryset is not None:
            self.queryset = self.queryset.order_by("kind", "date", "key")
        # The same for every request until the content changes.
        publishers = computed_once_per_version("source-publishers", source_publishers, kwargs.get("request"))
        self.filters["publisher"].extra["choices"] = [(name, f"{name} ({count:,})") for name, count in publishers]

    @cached_property
    def source_search(self):
        """The `q` match, made once: the results, their count and the counts by kind use it."""
        query = self.form.cleaned_data.get("q", "") if self.is_bound and self.form.is_valid() else ""
        return SourceSearch(query or "", self.request)

    def filter_search(self, queryset, name, value):
        return self.source_search.rank(queryset)

    def filter_publisher(self, queryset, name, value):
        return queryset.filter(publisher=value)

    def filter_year_from(self, queryset, name, value):
        return queryset.filter(date__gte=datetime.date(value, 1, 1))

    def filter_year_to(self, queryset, name, value):
        return queryset.filter(date__lt=datetime.date(value + 1, 1, 1))

    @property
    def active(self):
        """{name: value} of the valid filters in use."""
        if not self.is_bound or not hasattr(self.form, "cleaned_data"):
            return {}
        return {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "", [])}

    def filter_queryset(self, queryset):
        cleaned = self.form.cleaned_data
        if cleaned.get("year_from") and cleaned.get("year_to") and cleaned["year_from"] > cleaned["year_to"]:
            # Surely meant the other way round: say so rather than show nothing.
            cleaned["year_from"], cleaned["year_to"] = cleaned["year_to"], cleaned["year_from"]
            self.notes = ["The years were the wrong way round: showing sources from the earlier to the later."]
        return super().filter_queryset(queryset)

    notes = ()

    def kind_counts(self):
        """{kind: number of results} for each kind, under every filter but the kinds chosen: one query."""
        queryset = self.queryset
        for name, value in self.active.items():
            if name != "kind":
                queryset = self.filters[name].filter(queryset, value)
        return dict(queryset.order_by().values_list("kind").annotate(count=Count("id")))
