"""
The editors' admin. Every save is kept as a version (django-reversion), inline rows included.
"""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.utils.html import format_html
from reversion.admin import VersionAdmin

from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    Challenge,
    Citation,
    Contribution,
    Country,
    LegalInstrument,
    Objective,
    Organization,
    Source,
    StrengthFigure,
    TimelineEvent,
)


class CitationInline(GenericTabularInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["field", "source", "locator", "note"]
    verbose_name = "citation"
    verbose_name_plural = (
        "Citations of facts (field: mission, countries, organizations, mandate_type, start_date, "
        "end_date, outcome, objectives; blank for the whole record)"
    )


class CaseOrganizationInline(admin.TabularInline):
    model = CaseOrganization
    extra = 0
    autocomplete_fields = ["organization"]


class TimelineEventInline(admin.StackedInline):
    model = TimelineEvent
    extra = 0
    fields = [("date", "precision"), "title", "description"]


class StrengthFigureInline(admin.TabularInline):
    model = StrengthFigure
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["date", "date_precision", "kind", "personnel", "number", "approximate", "source", "locator"]


class LegalInstrumentInline(admin.TabularInline):
    model = LegalInstrument
    extra = 0
    autocomplete_fields = ["source"]


class ContributionInline(admin.TabularInline):
    model = Contribution
    extra = 0
    autocomplete_fields = ["country"]


class CaseChallengeInline(admin.StackedInline):
    model = CaseChallenge
    extra = 0
    autocomplete_fields = ["challenge"]


class PublishableAdmin(VersionAdmin):
    list_filter = ["status"]
    readonly_fields = ["created_at", "updated_at", "published_at"]


@admin.register(CaseStudy)
class CaseStudyAdmin(PublishableAdmin):
    list_display = [
        "title",
        "acronym",
        "region",
        "mandate_type",
        "start_date",
        "end_date",
        "outcome",
        "status",
        "updated_at",
    ]
    list_filter = ["status", "region", "mandate_type", "outcome", "organizations", "objectives"]
    search_fields = ["title", "mission_name", "acronym", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["countries"]
    filter_horizontal = ["objectives"]
    date_hierarchy = "start_date"
    list_per_page = 50
    inlines = [
        CaseOrganizationInline,
        CitationInline,
        TimelineEventInline,
        StrengthFigureInline,
        LegalInstrumentInline,
        ContributionInline,
        CaseChallengeInline,
    ]
    fieldsets = [
        ("Identity", {"fields": ["title", "slug", "mission_name", "acronym", "region", "countries"]}),
        (
            "Dates and mandate",
            {
                "fields": [
                    ("start_date", "start_precision"),
                    ("end_date", "end_precision"),
                    "mandate_type",
                    "outcome",
                    "objectives",
                ]
            },
        ),
        ("Content", {"fields": ["summary", "body", "lessons"]}),
        ("Publication", {"fields": ["status", "created_at", "updated_at", "published_at"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_peak_strength()


@admin.register(Organization)
class OrganizationAdmin(PublishableAdmin):
    list_display = ["name", "acronym", "kind", "founded", "status", "updated_at"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "acronym", "summary"]
    prepopulated_fields = {"slug": ["acronym"]}
    autocomplete_fields = ["members"]
    inlines = [CitationInline]


@admin.register(Challenge)
class ChallengeAdmin(PublishableAdmin):
    list_display = ["name", "category", "status", "updated_at"]
    list_filter = ["status", "category"]
    search_fields = ["name", "summary", "body"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CitationInline]


@admin.register(Source)
class SourceAdmin(PublishableAdmin):
    list_display = ["key", "title", "kind", "identifier", "date", "link", "status"]
    list_filter = ["status", "kind", "publisher"]
    search_fields = ["key", "title", "identifier", "publisher", "authors"]
    date_hierarchy = "date"

    @admin.display(description="URL")
    def link(self, source):
        if not source.url:
            return "—"
        return format_html('<a href="{}" rel="noopener noreferrer">open</a>', source.url)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ["source", "content_type", "object_id", "field", "locator"]
    list_filter = ["content_type", "field"]
    list_select_related = ["source", "content_type"]
    search_fields = ["source__key", "locator", "note"]
    autocomplete_fields = ["source"]
