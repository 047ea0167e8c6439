"""
The API's views: read-only, published records only, paginated, and each response kept until the
content changes (after the throttle has counted the request).
"""

import hashlib

import django_filters
from django import forms
from django.db.models import Case, Count, Exists, F, OuterRef, When
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, viewsets
from rest_framework.response import Response
from rest_framework.schemas.inspectors import DefaultSchema

from cases.api import serializers
from cases.api.throttling import AnonymousReaderThrottle
from cases.cache import computed_once_per_version
from cases.exports import case_study_rows_by_id
from cases.filters import CaseStudyFilter
from cases.functions import Year
from cases.models import CaseStudy, Challenge, Country, Fatality, Organization, Source, published
from cases.views import without_empty_values

# What a slug can be (Django's slug converter): anything else is no record's address.
SLUG = "[-a-zA-Z0-9_]+"


class ListFilterBackend(DjangoFilterBackend):
    """
    The case-study list's own FilterSet, read as the list page reads it: an empty value is no
    filter, and a search that is the only filter pages through its ranked matches. A value the
    list page would ignore is a 400 here, naming the parameter: a program should not guess.
    """

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["data"] = without_empty_values(kwargs["data"])
        return kwargs

    def filter_queryset(self, request, queryset, view):
        filtered = super().filter_queryset(request, queryset, view)
        return self.get_filterset(request, queryset, view).paginated(filtered)

    def get_filterset(self, request, queryset, view):
        # One FilterSet per request: its search runs once for the results, the ranking and the count.
        if not hasattr(request, "_case_study_filterset"):
            request._case_study_filterset = super().get_filterset(request, queryset, view)
        return request._case_study_filterset


class SchemaWhenAsked(DefaultSchema):
    """
    The schema inspector of settings.REST_FRAMEWORK (drf-spectacular's), imported when a view is
    inspected, not when the URLs are built: the router reads every attribute of a view set's
    class, and with DRF's own descriptor that loaded drf-spectacular in every worker (see
    schema() below).
    """

    def __get__(self, instance, owner):
        return self if instance is None else super().__get__(instance, owner)


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """
    A list and a detail view whose answers depend only on the published content: each is kept
    in the cache under the content version, so it is computed once per change of the casebook.
    """

    schema = SchemaWhenAsked()

    def list(self, request, *args, **kwargs):
        return self.once_per_version(lambda: super(ReadOnlyViewSet, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return self.once_per_version(lambda: super(ReadOnlyViewSet, self).retrieve(request, *args, **kwargs))

    def once_per_version(self, respond):
        # Links to other pages are absolute: the scheme and host are part of the key.
        address = hashlib.sha256(self.request.build_absolute_uri().encode()).hexdigest()
        data = computed_once_per_version(f"api:{address}", lambda: respond().data, self.request)
        return Response(data)


class CaseStudyViewSet(ReadOnlyViewSet):
    """
    Published case studies. The filters are those of the site's `/cases/` list, with the same
    names and meanings (several values of one parameter: any of them; different parameters narrow
    each other); without `sort`, full case studies come first, then summaries, then facts only.
    """

    serializer_class = serializers.CaseStudySerializer
    filter_backends = [ListFilterBackend]
    filterset_class = CaseStudyFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self):
        # Pages are read as ids; their rows come from the exporter, as the downloads' do.
        return CaseStudy.objects.published().only("pk")

    def list(self, request, *args, **kwargs):
        return self.once_per_version(self.page_of_rows)

    def page_of_rows(self):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = case_study_rows_by_id([case.pk for case in page])
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self.once_per_version(self.one_row)

    def one_row(self):
        case = get_object_or_404(self.get_queryset(), slug=self.kwargs["slug"])
        return Response(self.get_serializer(case_study_rows_by_id([case.pk])[0]).data)


class OrganizationViewSet(ReadOnlyViewSet):
    """Published organisations and alliances, by name."""

    serializer_class = serializers.OrganizationSerializer
    queryset = Organization.objects.published().order_by("name", "id")
    lookup_field = "slug"
    lookup_value_regex = SLUG


class ChallengeViewSet(ReadOnlyViewSet):
    """Published challenges, by name."""

    serializer_class = serializers.ChallengeSerializer
    queryset = Challenge.objects.published().order_by("name", "id")
    lookup_field = "slug"
    lookup_value_regex = SLUG


class CountryViewSet(ReadOnlyViewSet):
    """Countries that host at least one published case study, by name; a code in either case."""

    serializer_class = serializers.CountrySerializer
    queryset = Country.objects.filter(
        Exists(CaseStudy.countries.through.objects.filter(published("casestudy"), country=OuterRef("pk")))
    ).order_by("name", "id")
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]{2}"

    def get_object(self):
        return get_object_or_404(self.get_queryset(), code=self.kwargs["code"].upper())


class SourceViewSet(ReadOnlyViewSet):
    """Published sources, by key; `kind` narrows them to one kind."""

    serializer_class = serializers.SourceSerializer
    queryset = Source.objects.published().order_by("key")
    lookup_field = "key"
    lookup_value_regex = "[a-z0-9-]+"
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["kind"]


class YearFilter(django_filters.NumberFilter):
    # A whole year the calendar has: anything else is a 400 naming the parameter, not a crash.
    field_class = forms.IntegerField


class FatalityFilter(django_filters.FilterSet):
    case_study = django_filters.CharFilter(field_name="case_study__slug", help_text="A case study's slug.")
    mission_acronym = django_filters.CharFilter(help_text="The mission as the dataset names it, e.g. UNEF.")
    nationality = django_filters.CharFilter(
        field_name="nationality_country__code", lookup_expr="iexact", help_text="ISO 3166-1 alpha-2."
    )
    year = YearFilter(field_name="incident_date__year", min_value=1, max_value=9999, help_text="Year of the incidents.")

    class Meta:
        model = Fatality
        fields = ["case_study", "mission_acronym", "nationality", "year"]


class FatalityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """
    The UN's recorded deaths of peacekeeping and political mission personnel, as counts by
    mission, year, incident type, personnel type and nationality, from the published datasets
    (each row names its source). A case study is named only when it is published.
    """

    schema = SchemaWhenAsked()

    serializer_class = serializers.FatalityCountSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = FatalityFilter

    def get_queryset(self):
        # A death counts whatever the casebook holds; a draft case study is never named.
        named = Case(When(published("case_study"), then=F("case_study__slug")), default=None)
        return (
            Fatality.objects.filter(published("source"))
            .annotate(year=Year("incident_date"))
            .values(
                "mission_acronym",
                "year",
                "incident_type",
                "personnel_type",
                case_study_slug=named,
                nationality_code=F("nationality_country__code"),
                source_key=F("source__key"),
            )
            .annotate(deaths=Count("casualty_id", distinct=True))
            .order_by("year", "mission_acronym", "incident_type", "personnel_type", "nationality_code", "source_key")
        )

    def list(self, request, *args, **kwargs):
        address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        data = computed_once_per_version(
            f"api:{address}", lambda: super(FatalityViewSet, self).list(request, *args, **kwargs).data, request
        )
        return Response(data)


def schema(request, *args, **kwargs):
    """
    The OpenAPI schema (cases/api/schema_views.py). drf-spectacular, with what it imports
    (Django's test client and Jinja2 among them), is loaded by the first request for the schema
    or its documentation, not by every worker as it starts.
    """
    from cases.api.schema_views import SchemaView

    return SchemaView.as_view()(request, *args, **kwargs)


def _type_of(schema):
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    kind = schema.get("format") or schema.get("type") or "object"
    return f"{kind} or null" if schema.get("nullable") else kind


def _values_of(schema):
    return schema.get("enum") or schema.get("items", {}).get("enum") or []


class DocsView(TemplateView):
    """
    The API's reference, written from its schema on the server: plain HTML that every reader and
    assistive technology can use. Swagger UI, for trying requests, is at docs/explorer/.
    """

    template_name = "api/docs.html"

    def get_context_data(self, **kwargs):
        from cases.api.schema_views import openapi_schema

        context = super().get_context_data(**kwargs)
        schema = openapi_schema()
        context["api_limit"] = AnonymousReaderThrottle.limit_in_words()
        context["operations"] = [
            {
                "method": method.upper(),
                "path": path,
                "anchor": operation["operationId"],
                "description": operation.get("description", ""),
                "parameters": [
                    {
                        "name": parameter["name"],
                        "where": parameter["in"],
                        "type": _type_of(parameter["schema"]),
                        "values": _values_of(parameter["schema"]),
                        # The option list follows the blank line; the values column shows it.
                        "description": parameter.get("description", "").split("\n\n")[0],
                    }
                    for parameter in operation.get("parameters", [])
                ],
                "responses": [
                    (code, response.get("description") or "The records.")
                    for code, response in operation["responses"].items()
                ],
            }
            for path, operations in schema["paths"].items()
            for method, operation in operations.items()
        ]
        context["records"] = [
            {
                "name": name,
                "fields": [
                    {
                        "name": field,
                        "type": _type_of(definition),
                        "values": _values_of(definition)
                        or _values_of(schema["components"]["schemas"].get(_type_of(definition), {})),
                        "description": definition.get("description", "").split("\n\n")[0],
                    }
                    for field, definition in component.get("properties", {}).items()
                ],
            }
            for name, component in schema["components"]["schemas"].items()
            if component.get("type") == "object" and not name.startswith("Paginated") and "properties" in component
        ]
        return context


class ExplorerView(TemplateView):
    """Swagger UI, self-hosted, for trying requests from the browser."""

    template_name = "api/explorer.html"


def not_found(request, path):
    """Any other address under the API: a JSON 404, as its own addresses answer."""
    return JsonResponse(
        {"detail": f"The API has no address /api/v1/{path}; its addresses are in /api/v1/openapi.json."}, status=404
    )
