"""
What the API says about each kind of record.

A case study is the row the downloads are made of (`cases.exports.case_study_rows_by_id`), so
the API, the CSV and JSON downloads and the full dump describe a mission in the same words. The
other kinds are read from their published records.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from cases.models import (
    CaseStudy,
    Challenge,
    Country,
    DatePrecision,
    FatalityPersonnel,
    IncidentType,
    Organization,
    OrganizationRole,
    Region,
    Source,
)


def site_url(path):
    return settings.SITE_URL + path


def case_studies_where(**filters):
    """The API's case studies with these filters, as an absolute address."""
    return site_url(reverse("api:case-study-list") + "?" + urlencode(filters))


class CaseOrganizationSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=OrganizationRole.choices, help_text="What the organisation did.")


class CitationSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The source's key: /api/v1/sources/<key>/.")
    title = serializers.CharField()
    identifier = serializers.CharField(help_text="UN symbol, DOI or ISBN; may be empty.")
    url = serializers.CharField(help_text="Where the document can be read; may be empty.")
    locator = serializers.CharField(help_text="Page, paragraph or article cited; may be empty.")


class CaseStudySerializer(serializers.Serializer):
    """A published case study; read from an export row, not a model instance."""

    slug = serializers.SlugField()
    title = serializers.CharField()
    mission_name = serializers.CharField()
    acronym = serializers.CharField(help_text="May be empty.")
    depth = serializers.ChoiceField(choices=CaseStudy.Depth.choices, help_text="How much the entry tells.")
    region = serializers.ChoiceField(choices=Region.choices)
    countries = serializers.ListField(child=serializers.CharField(), help_text="Host countries, ISO 3166-1 alpha-2.")
    country_names = serializers.ListField(child=serializers.CharField(), help_text="Host countries' names.")
    organizations = CaseOrganizationSerializer(many=True, help_text="Published organisations and their roles.")
    mandate_type = serializers.ChoiceField(choices=CaseStudy.MandateType.choices)
    start_date = serializers.DateField()
    start_precision = serializers.ChoiceField(choices=DatePrecision.choices, help_text="How exact start_date is.")
    end_date = serializers.DateField(allow_null=True, help_text="Null while the mission is ongoing.")
    end_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    outcome = serializers.ChoiceField(choices=CaseStudy.Outcome.choices)
    objectives = serializers.ListField(child=serializers.SlugField())
    objective_names = serializers.ListField(child=serializers.CharField())
    challenges = serializers.ListField(child=serializers.SlugField(), help_text="Published challenges met.")
    challenge_names = serializers.ListField(child=serializers.CharField())
    peak_authorised_strength = serializers.IntegerField(
        allow_null=True, help_text="Highest authorised personnel figure cited to a published source (persons)."
    )
    peak_deployed_strength = serializers.IntegerField(
        allow_null=True, help_text="Highest deployed personnel figure cited to a published source (persons)."
    )
    unverified_facts = serializers.ListField(
        child=serializers.CharField(), help_text="Infobox facts not yet checked against a primary document."
    )
    url = serializers.URLField(help_text="The case study's page.")
    updated_at = serializers.DateTimeField()
    citations = serializers.DictField(
        child=CitationSerializer(many=True), help_text="Sources cited for each infobox fact, by fact."
    )


class OrganizationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The organisation's page.")
    case_studies = serializers.SerializerMethodField(help_text="The case studies it led, in this API.")

    class Meta:
        model = Organization
        fields = ["slug", "name", "acronym", "kind", "founded", "headquarters", "url", "case_studies"]

    def get_url(self, organization) -> str:
        return site_url(organization.get_absolute_url())

    def get_case_studies(self, organization) -> str:
        return case_studies_where(organization=organization.slug)


class ChallengeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The challenge's page.")
    case_studies = serializers.SerializerMethodField(help_text="The case studies that met it, in this API.")

    class Meta:
        model = Challenge
        fields = ["slug", "name", "category", "url", "case_studies"]

    def get_url(self, challenge) -> str:
        return site_url(challenge.get_absolute_url())

    def get_case_studies(self, challenge) -> str:
        return case_studies_where(challenge=challenge.slug)


class CountrySerializer(serializers.ModelSerializer):
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    case_studies = serializers.SerializerMethodField(help_text="The case studies it hosted, in this API.")

    class Meta:
        model = Country
        fields = ["code", "name", "region", "case_studies"]

    def get_case_studies(self, country) -> str:
        return case_studies_where(country=country.code)


class SourceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where the document can be read; may be empty.")
    archived_url = serializers.SerializerMethodField(help_text="A web archive's copy; may be empty.")
    page = serializers.SerializerMethodField(help_text="The source's page in the casebook.")

    class Meta:
        model = Source
        fields = [
            "key",
            "kind",
            "title",
            "authors",
            "publisher",
            "date",
            "date_precision",
            "identifier",
            "url",
            "archived_url",
            "page",
        ]

    # Only web addresses leave the casebook, as on its pages.
    def get_url(self, source) -> str:
        return source.safe_url

    def get_archived_url(self, source) -> str:
        return source.safe_archived_url

    def get_page(self, source) -> str:
        return site_url(source.get_absolute_url())


class FatalityCountSerializer(serializers.Serializer):
    """Deaths recorded by the UN's fatalities dataset, counted for one combination of the fields."""

    case_study = serializers.SlugField(
        source="case_study_slug", allow_null=True, help_text="The published case study; null if none."
    )
    mission_acronym = serializers.CharField(help_text="The mission as the dataset names it.")
    year = serializers.IntegerField(help_text="Year of the incidents.")
    incident_type = serializers.ChoiceField(choices=IncidentType.choices)
    personnel_type = serializers.ChoiceField(choices=FatalityPersonnel.choices)
    nationality = serializers.CharField(
        source="nationality_code",
        allow_null=True,
        help_text="ISO 3166-1 alpha-2 of the nationals' country; null if undetermined or historical.",
    )
    deaths = serializers.IntegerField(help_text="Distinct casualties (persons).")
    source = serializers.CharField(source="source_key", help_text="The dataset's source key: /api/v1/sources/<key>/.")
