"""
The editors' admin. Every save is kept as a version (django-reversion), inline rows included.
"""

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from reversion.admin import VersionAdmin
from reversion.models import Version

from cases import accessibility, attention, editorial, history, reference_import, selectors
from cases.citations import References, cited_keys, render_markdown
from cases.models import (
    BODY_LENGTH,
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    Challenge,
    Citation,
    Contribution,
    Country,
    ErrorReport,
    LegalInstrument,
    Objective,
    Organization,
    Proposal,
    ProposalState,
    Source,
    Status,
    StrengthFigure,
    TimelineEvent,
    TransitionNotAllowed,
    validate_citations,
    validate_links,
)

DATE_HELP = "For example 8 July 2011, 8 Jul 2011 or 2011-07-08."


class DatesExplainedMixin:
    """
    Date fields say which formats they take, and refuse a date in figures alone ("09/07/2011"
    reads as 9 July in Britain and 7 September in the United States) with the same advice.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and type(db_field) is models.DateField:
            formfield.help_text = " ".join(part for part in (str(formfield.help_text), DATE_HELP) if part)
            formfield.error_messages["invalid"] = (
                "Enter the date with the month in words or in ISO order: 8 July 2011, 8 Jul 2011 or 2011-07-08."
            )
            formfield.widget.attrs.update({"placeholder": "8 July 2011", "size": 16})
        return formfield


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


class TimelineEventInline(DatesExplainedMixin, admin.StackedInline):
    model = TimelineEvent
    extra = 0
    fields = [("date", "precision"), "title", "description"]


class StrengthFigureInline(DatesExplainedMixin, admin.TabularInline):
    model = StrengthFigure
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["date", "date_precision", "kind", "personnel", "number", "approximate", "source", "locator"]


class LegalInstrumentInline(DatesExplainedMixin, admin.TabularInline):
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


class ConflictCheckingForm(forms.ModelForm):
    """
    Refuses a save made from a stale copy: the form remembers which edit it started from, and
    if someone saved the record since, it shows what changed and keeps this editor's text.
    """

    based_on_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_summary = forms.CharField(
        required=False,
        max_length=200,
        help_text="Optional: what you changed and why. Shown in the history, to readers too once published.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict_changes = None
        if self.instance.pk:
            self.fields["based_on_revision"].initial = self.instance.edit_revision

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("based_on_revision")
        if self.instance.pk and seen is None:
            # A form that does not say which edit it started from could overwrite anything.
            raise forms.ValidationError(
                "This form does not say which version of the record it was opened from, so it cannot be saved "
                "safely. Open the record again and redo your change.",
                code="edit_conflict",
            )
        current = self.instance.edit_revision if self.instance.pk else None
        if current is not None and not self._claim(seen):
            current = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("edit_revision", flat=True)
                .first()
            )
            self.conflict_changes = history.changes_since(self.instance, seen) or [
                # No version of what this editor started from: show what is saved now.
                {"label": name, "text": False, "old": cleaned[name], "new": getattr(self.instance, name)}
                for name in self.changed_data
                if name in cleaned and hasattr(self.instance, name) and cleaned[name] != getattr(self.instance, name)
            ]
            # The next save, after merging, is made against the record as it is now.
            self.data = self.data.copy()
            self.data["based_on_revision"] = current
            latest = history.versions_of(self.instance).first()
            who = ""
            if latest and latest.revision.user:
                who = f" by {latest.revision.user.get_username()}"
            raise forms.ValidationError(
                f"Someone else saved this record{who} after you opened it. Nothing of yours was saved: "
                "your text is still in the form. Compare it with their changes listed above, merge, "
                "then save again.",
                code="edit_conflict",
            )
        return cleaned

    def _claim(self, seen):
        """
        Whether the record is still at the edit this form started from, checked and locked in one
        statement: the admin saves inside a transaction, and this conditional update holds the
        row until it commits, so of two saves made from the same edit exactly one gets through.
        """
        model = type(self.instance)
        return bool(model._default_manager.filter(pk=self.instance.pk, edit_revision=seen).update(edit_revision=seen))


class CaseStudyForm(ConflictCheckingForm):
    unverified_facts = forms.TypedMultipleChoiceField(
        choices=list(CaseStudy.CITABLE_FACTS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Unverified facts",
        help_text="Facts not yet checked against a primary document: readers see them marked unverified, "
        "and they need no citation.",
    )


class PublishableAdmin(DatesExplainedMixin, VersionAdmin):
    form = ConflictCheckingForm

    class Media:
        js = ["js/admin-preview.js"]

    change_form_template = "admin/cases/publishable_change_form.html"
    # Recovering deleted records would bring back their old publication status unreviewed.
    change_list_template = "admin/change_list.html"
    object_history_template = "admin/cases/history.html"
    list_filter = ["status"]
    readonly_fields = ["status", "created_at", "updated_at", "published_at", "reviewed_at", "status_changed_by"]
    actions = ["submit_for_review", "publish", "unpublish", "return_to_draft"]

    # -- who may do what -----------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        if obj.status == Status.ARCHIVED:
            return request.user.has_perm(self.model.publish_permission())
        if editorial.must_propose(request.user, obj):
            # An editor's change to a published page is a proposal; one at a time per page.
            proposal = editorial.open_proposal(obj)
            return proposal is None or proposal.proposed_by_id == request.user.pk
        return True

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status in (Status.PUBLISHED, Status.ARCHIVED):
            return request.user.is_superuser
        return super().has_delete_permission(request, obj)

    # -- workflow ------------------------------------------------------------------------

    # -- proposals: an editor's change to a published record -----------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and editorial.must_propose(request.user, obj):
            # ModelAdmin's own view: django-reversion's would record a version of the unchanged page.
            return admin.ModelAdmin.change_view(self, request, object_id, form_url, extra_context)
        return super().change_view(request, object_id, form_url, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is None or not editorial.must_propose(request.user, obj):
            return super().changeform_view(request, object_id, form_url, extra_context)
        proposal = editorial.open_proposal(obj)
        extra_context = {**(extra_context or {}), "proposal": proposal, "proposing": True}
        request.proposing = True
        request.existing_keys = editorial.followed_keys(obj)
        # Everything the form writes is rolled back: the published record stays as it is, and
        # what the editor saved is kept as a proposal once the transaction is undone.
        with transaction.atomic():
            if proposal is not None and proposal.proposed_by_id == request.user.pk:
                # The editor goes on from their proposal, not from the published version.
                editorial.apply_snapshot(obj, proposal.snapshot, keep_new_ids=True)
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            transaction.set_rollback(True)
        snapshot = getattr(request, "proposal_snapshot", None)
        if snapshot is not None:
            self._keep_proposal(request, obj, snapshot)
        return response

    def _keep_proposal(self, request, obj, snapshot):
        submit = "_submit_proposal" in request.POST
        try:
            with transaction.atomic():
                proposal = editorial.propose(
                    obj,
                    snapshot,
                    user=request.user,
                    based_on_revision=int(request.POST.get("based_on_revision") or obj.edit_revision),
                    note=request.POST.get("change_summary", ""),
                )
        except editorial.EditorialError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        if submit:
            try:
                editorial.submit_proposal(proposal, user=request.user)
            except editorial.EditorialError as error:
                self.message_user(request, f"Your proposal is saved but not submitted. {error}", messages.ERROR)
                return
        state = "submitted for review" if proposal.state == ProposalState.SUBMITTED else "saved, not yet submitted"
        self.message_user(
            request,
            f"Your change to “{obj}” is a proposal, {state}: readers see the published version until a reviewer "
            "approves it.",
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A new record is a draft: its form offers the same next steps ("Save and submit for
        # review") as a saved draft's.
        context["transitions"] = (obj or self.model()).allowed_transitions(request.user)
        if obj is not None and obj.pk:
            # From the saved record: the form may hold a slug or key that is not valid (yet).
            context["public_url"] = self.model._default_manager.get(pk=obj.pk).get_absolute_url()
        if obj is not None and any(status == Status.PUBLISHED for status, _ in context["transitions"]):
            context["draft_sources"] = editorial.draft_sources(obj)
        if obj is not None and editorial.must_propose(request.user, obj):
            context["transitions"] = []
            context["proposal"] = editorial.open_proposal(obj)
            context["proposing"] = True
        elif obj is not None and obj.pk:
            # A reviewer who opens the record from a list lands on its edit form: point them to
            # the change waiting for their review, which is reviewed on its own page.
            proposal = editorial.open_proposal(obj)
            if proposal is not None and proposal.state == ProposalState.SUBMITTED:
                context["proposal_to_review"] = proposal
        context["can_publish"] = request.user.has_perm(self.model.publish_permission())
        context["history_url"] = (
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk]) if obj else ""
        )
        # Shown before publishing, never blocking: what readers using assistive technology would miss.
        context["accessibility_warnings"] = accessibility.warnings_for_record(obj) if obj is not None else []
        return super().render_change_form(request, context, add, change, form_url, obj)

    def log_addition(self, request, obj, message):
        super().log_addition(request, obj, message)
        self._set_summary(request)

    def log_change(self, request, obj, message):
        if getattr(request, "proposing", False):
            return  # the proposal is the record of this change
        super().log_change(request, obj, message)
        self._set_summary(request)

    def _set_summary(self, request):
        summary = getattr(request, "change_summary", "")
        if summary and reversion.is_active():
            reversion.set_comment(summary)

    def save_model(self, request, obj, form, change):
        request.change_summary = form.cleaned_data.get("change_summary", "")
        if getattr(request, "proposing", False):
            obj.save()  # in the transaction changeform_view rolls back
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        # Status changes come after the inline rows: the citation gate reads what the form saved.
        target = request.POST.get("_transition")
        if getattr(request, "proposing", False):
            request.proposal_snapshot = editorial.capture(obj, request.existing_keys)
        elif target:
            request.transition_refused = not self._transition(request, obj, target, saved=True)
        elif "_publish_with_sources" in request.POST:
            try:
                sources = editorial.publish_with_sources(obj, user=request.user)
            except TransitionNotAllowed as error:
                request.transition_refused = True
                self.message_user(request, f"{error} Your other changes to “{obj}” were saved.", messages.ERROR)
            else:
                titles = ", ".join(f"“{source.title}”" for source in sources)
                self.message_user(request, f"“{obj}” is published, together with {len(sources)} source(s): {titles}.")

    def _transition(self, request, obj, target, saved=False):
        try:
            verb = obj.transition_to(target, user=request.user)
        except TransitionNotAllowed as error:
            message = str(error)
            if saved:
                # The form's other changes were saved: say so, in the one message shown.
                message += f" Your other changes to “{obj}” were saved; it is still {obj.get_status_display().lower()}."
            self.message_user(request, message, messages.ERROR)
            return False
        self.message_user(request, f"“{obj}”: {verb} done; it is now {obj.get_status_display().lower()}.")
        return True

    # A refused transition is the outcome to show, not "… was changed successfully": back to the form.
    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "transition_refused", False):
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "proposing", False):
            return redirect(request.path)
        if getattr(request, "transition_refused", False):
            return redirect(request.path)
        return super().response_change(request, obj)

    def _bulk_transition(self, request, queryset, target):
        done = 0
        for obj in queryset:
            with reversion.create_revision():
                reversion.set_user(request.user)
                reversion.set_comment(f"Status changed to {Status(target).label.lower()}")
                done += self._transition(request, obj, target)
        if not done:
            self.message_user(request, "Nothing changed.", messages.WARNING)

    @admin.action(description="Submit selected for review")
    def submit_for_review(self, request, queryset):
        self._bulk_transition(request, queryset, Status.REVIEW)

    @admin.action(description="Publish selected (reviewers)")
    def publish(self, request, queryset):
        self._bulk_transition(request, queryset, Status.PUBLISHED)

    @admin.action(description="Unpublish selected (reviewers)")
    def unpublish(self, request, queryset):
        self._bulk_transition(request, queryset, Status.DRAFT)

    @admin.action(description="Return selected to draft")
    def return_to_draft(self, request, queryset):
        self._bulk_transition(request, queryset, Status.DRAFT)

    # -- history -------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="{}_{}_restore".format(*info),
            ),
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="{}_{}_review".format(*info),
            ),
            *super().get_urls(),
        ]

    # -- review of a record submitted for the first time ---------------------------------------

    def review_view(self, request, object_id):
        """
        What a reviewer reads before publishing a record waiting for review: all of it, as an
        addition (changes to a published record are proposals, reviewed on their own page), who
        submitted it and when, what stops it being published, and the two decisions.
        """
        obj = self._object_or_404(request, object_id)
        if request.method == "POST":
            return self._review_decision(request, obj)
        model = type(obj)
        current = history.RecordState(model, editorial.capture(obj, editorial.followed_keys(obj)), obj.pk)
        waiting = obj.status == Status.REVIEW
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review “{obj}”",
            "record": obj,
            "changes": history.compare(history.RecordState.nothing(model), current),
            "accessibility_warnings": accessibility.warnings_for(model, current.field_dict),
            "problems": obj.publication_problems() if waiting else [],
            "decisions": obj.allowed_transitions(request.user) if waiting else [],
        }
        return TemplateResponse(request, "admin/cases/record_review.html", context)

    def _review_decision(self, request, obj):
        target = request.POST.get("decision")
        comment = request.POST.get("comment", "").strip()
        if obj.status != Status.REVIEW or target not in (Status.PUBLISHED, Status.DRAFT):
            self.message_user(request, "This record is not waiting for review.", messages.ERROR)
            return redirect(request.path)
        if target == Status.DRAFT and not comment:
            self.message_user(request, "Say what should change before returning it to its editor.", messages.ERROR)
            return redirect(request.path)
        with reversion.create_revision():
            reversion.set_user(request.user)
            # The reviewer's comment stays in the record's history, where its editor reads it.
            outcome = f"Returned to draft: {comment}" if target == Status.DRAFT else "Published after review"
            reversion.set_comment(outcome)
            done = self._transition(request, obj, target)
        if done and target == Status.PUBLISHED:
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]))
        return redirect(request.path)

    def _object_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404("No such record.")
        return obj

    def history_view(self, request, object_id, extra_context=None):
        obj = self._object_or_404(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "title": f"History of “{obj}”",
            "versions": history.versions_of(obj),
            "can_restore": self.has_change_permission(request, obj),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def compare_view(self, request, object_id):
        obj = self._object_or_404(request, object_id)
        versions = history.versions_of(obj)
        try:
            old = versions.get(pk=int(request.GET.get("from", "")))
            new = versions.get(pk=int(request.GET.get("to", "")))
        except (ValueError, Version.DoesNotExist):
            self.message_user(request, "Choose two versions of this record to compare.", messages.ERROR)
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk]))
        if old.revision_id > new.revision_id:
            old, new = new, old
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "title": f"Changes to “{obj}”",
            "old": old,
            "new": new,
            "changes": history.compare(old, new),
            "can_restore": self.has_change_permission(request, obj),
        }
        return TemplateResponse(request, "admin/cases/compare.html", context)

    def restore_view(self, request, object_id, version_id):
        obj = self._object_or_404(request, object_id)
        history_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk])
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(history.versions_of(obj), pk=version_id)
        number = history.version_number(version)
        if request.method != "POST" or (obj.is_published and "confirmed" not in request.POST):
            # Restoring a published page changes what readers see: say so and ask first.
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "object": obj,
                "title": f"Restore version {number} of “{obj}”?",
                "version": version,
                "number": number,
                "proposing": editorial.must_propose(request.user, obj),
                "changes": history.compare(
                    history.RecordState(type(obj), editorial.capture(obj, editorial.followed_keys(obj)), obj.pk),
                    version,
                ),
            }
            return TemplateResponse(request, "admin/cases/restore_confirm.html", context)
        try:
            if editorial.must_propose(request.user, obj):
                missing = editorial.missing_references(editorial.snapshot_of_version(version))
                if missing:
                    raise history.RestoreError(
                        f"Version {number} cannot be restored. It refers to records that have since been deleted: "
                        + "; ".join(missing)
                        + "."
                    )
                editorial.propose(
                    obj,
                    editorial.snapshot_of_version(version),
                    user=request.user,
                    based_on_revision=obj.edit_revision,
                    note=f"Restore version {number}",
                    submit=True,
                )
                message = (
                    f"Restoring version {number} is proposed for review: readers see the published page until a "
                    "reviewer approves it."
                )
            else:
                history.restore(version, user=request.user)
                message = f"Restored version {number}. The restore is a new version: nothing was lost."
        except (history.RestoreError, editorial.EditorialError) as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, message)
        return redirect(history_url)

    # The stock revision and recover views would restore the workflow status along with the
    # content, bypassing review; restoring goes through restore_view instead.
    def revision_view(self, request, object_id, version_id, extra_context=None):
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[object_id]))

    def recover_view(self, request, version_id, extra_context=None):
        raise PermissionDenied


@admin.register(CaseStudy)
class CaseStudyAdmin(PublishableAdmin):
    form = CaseStudyForm
    list_display = ["title", "mandate_type", "start_date", "end_date", "status", "updated_at"]
    list_filter = ["status", "region", "mandate_type", "outcome", "organizations", "objectives"]
    search_fields = ["title", "mission_name", "acronym", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["countries", "predecessors"]
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
        (
            "Identity",
            {
                "fields": [
                    "title",
                    "slug",
                    "mission_name",
                    "acronym",
                    "official_names",
                    "region",
                    "countries",
                    "depth",
                    "featured",
                    "predecessors",
                ]
            },
        ),
        (
            "Dates and mandate",
            {
                "fields": [
                    ("start_date", "start_precision"),
                    ("end_date", "end_precision"),
                    "mandate_type",
                    "outcome",
                    "objectives",
                    "unverified_facts",
                ]
            },
        ),
        ("Content", {"fields": ["summary", "body", "lessons"]}),
        (
            "Publication",
            {
                "fields": [
                    "status",
                    "status_changed_by",
                    "created_at",
                    "updated_at",
                    "published_at",
                    "reviewed_at",
                    "change_summary",
                    "based_on_revision",
                ]
            },
        ),
    ]


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
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    change_list_template = "admin/cases/source/change_list.html"

    @admin.display(description="URL")
    def link(self, source):
        if not source.url:
            return "—"
        return format_html('<a href="{}" rel="noopener noreferrer">open</a>', source.url)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="cases_source_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """
        Import references from a BibTeX, RIS or CSL-JSON file: upload, a dry run that marks
        every entry new, duplicate or invalid, then the chosen new ones as draft sources.
        """
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": "Import references"}
        if request.method == "POST" and "references" in request.POST:
            return self._import_chosen(request, context)
        form = ReferenceUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            references = form.cleaned_data["references"]
            entries = reference_import.dry_run(references)
            context.update(
                entries=entries,
                counts=reference_import.counts(entries),
                signed=signing.dumps(references, salt=IMPORT_SALT, compress=True),
                filename=form.cleaned_data["file"].name,
            )
        context["form"] = form
        return TemplateResponse(request, "admin/cases/source/import.html", context)

    def _import_chosen(self, request, context):
        try:
            references = signing.loads(request.POST["references"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
        except signing.BadSignature:
            messages.error(request, "The dry run has expired or was altered; upload the file again.")
            return redirect("admin:cases_source_import")
        chosen = {int(number) for number in request.POST.getlist("chosen") if number.isdigit()}
        if not chosen:
            messages.warning(request, "No entry was chosen, so nothing was imported.")
            return redirect("admin:cases_source_import")
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment("Imported from a reference file")
            created = reference_import.import_references(references, chosen)
        messages.success(
            request,
            f"Imported {len(created)} reference{'s' if len(created) != 1 else ''} as draft sources.",
        )
        return redirect(reverse("admin:cases_source_changelist") + "?status__exact=draft")


# The dry run's entries travel to the import signed; an hour is long enough to choose.
IMPORT_SALT = "cases.reference-import"
IMPORT_MAX_AGE = 3600
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ReferenceUploadForm(forms.Form):
    file = forms.FileField(
        label="Reference file",
        help_text="BibTeX (.bib), RIS (.ris) or CSL-JSON (.json), as Zotero exports them; up to 10 MB.",
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 10 MB; split it and import each part.")
        try:
            cleaned["references"] = reference_import.read_references(upload.read(), upload.name)
        except reference_import.UnreadableFile as error:
            raise ValidationError(str(error)) from error
        return cleaned


class SharedTermAdmin(VersionAdmin):
    """
    Countries and objectives appear on every page that uses them: renaming or deleting one
    changes published pages at once, so only reviewers do it, every change is a version, and
    one that published pages use is never deleted.
    """

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _is_reviewer(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _is_reviewer(request.user)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, perms_needed, [*protected, *pages_using(objs)]


def _is_reviewer(user):
    return user.has_perm(CaseStudy.publish_permission())


def pages_using(records):
    """The published case studies that show these countries, objectives, organisations or challenges."""
    lookups = {
        Country: "countries",
        Objective: "objectives",
        Organization: "roles__organization",
        Challenge: "case_challenges__challenge",
    }
    pages = []
    for record in records:
        using = CaseStudy.objects.published().filter(**{lookups[type(record)]: record}).distinct().order_by("title")
        pages += [f"“{case}” (published) uses {record}" for case in using]
    return pages


@admin.register(Country)
class CountryAdmin(SharedTermAdmin):
    list_display = ["name", "code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]


@admin.register(Objective)
class ObjectiveAdmin(SharedTermAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    """Read only: a citation changes with the record it supports, in that record's form, reviewed and versioned."""

    list_display = ["source", "content_type", "object_id", "field", "locator"]
    list_filter = ["content_type", "field"]
    list_select_related = ["source", "content_type"]
    search_fields = ["source__key", "locator", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Proposed changes to published records: editors see their own, reviewers the queue."""

    list_display = ["__str__", "state", "proposed_by", "submitted_at", "updated_at"]
    list_filter = ["state"]
    change_form_template = "admin/cases/proposal_review.html"

    def get_queryset(self, request):
        proposals = super().get_queryset(request).select_related("proposed_by", "content_type")
        if any(
            request.user.has_perm(model.publish_permission()) for model in (CaseStudy, Organization, Challenge, Source)
        ):
            return proposals
        return proposals.filter(proposed_by=request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_object(request, unquote(object_id))
        if proposal is None:
            raise Http404("No such proposal.")
        record = proposal.record
        if request.method == "POST":
            return self._act(request, proposal)
        live = editorial.capture(record, editorial.followed_keys(record))
        model = type(record)
        proposed = history.RecordState(model, proposal.snapshot, record.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(proposal),
            "proposal": proposal,
            "record": record,
            "changes": history.compare(history.RecordState(model, live, record.pk), proposed),
            "accessibility_warnings": accessibility.warnings_for(model, proposed.field_dict),
            "actions": editorial.allowed_proposal_transitions(proposal, request.user),
            "stale": record.edit_revision != proposal.based_on_revision,
        }
        return TemplateResponse(request, self.change_form_template, context)

    def _act(self, request, proposal):
        action = request.POST.get("action")
        try:
            if action == ProposalState.APPROVED:
                editorial.approve(proposal, user=request.user)
                message = f"Approved: “{proposal.record}” now shows the proposed change, a new version in its history."
            elif action == ProposalState.RETURNED:
                editorial.request_changes(proposal, user=request.user, comment=request.POST.get("comment", ""))
                message = f"Returned to {proposal.proposed_by} with your comment."
            elif action == ProposalState.SUBMITTED:
                editorial.submit_proposal(proposal, user=request.user, note=request.POST.get("note", ""))
                message = "Submitted for review."
            elif action == ProposalState.WITHDRAWN:
                editorial.withdraw(proposal, user=request.user)
                message = "Withdrawn: the published version stays as it is."
            else:
                raise editorial.EditorialError("Choose what to do with this proposal.")
        except editorial.EditorialError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, message)
        return redirect(request.path)


@admin.register(ErrorReport)
class ErrorReportAdmin(admin.ModelAdmin):
    """Readers' reports: read, followed up in the record's own form, then closed. Never public."""

    list_display = ["created_at", "excerpt", "page_link", "record_link", "version_number", "sender", "status"]
    list_display_links = ["created_at", "excerpt"]
    list_filter = ["status", "content_type"]
    search_fields = ["message", "source", "page", "email"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "page_link",
        "record_link",
        "version_number",
        "message",
        "source",
        "email",
        "sender",
    ]
    fields = [*readonly_fields, "status"]
    actions = ["close", "reopen"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("record")

    def has_add_permission(self, request):
        return False  # reports come from readers only

    @admin.display(description="report", ordering="message")
    def excerpt(self, report):
        return report.message if len(report.message) <= 80 else report.message[:79] + "…"

    @admin.display(description="page", ordering="page")
    def page_link(self, report):
        if not report.page:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', report.page, report.page)

    @admin.display(description="record")
    def record_link(self, report):
        record = report.record
        if record is None:
            return "—"
        url = reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, record)

    @admin.action(description="Close the selected reports (dealt with)")
    def close(self, request, queryset):
        count = queryset.open().update(status=ErrorReport.Status.CLOSED)
        self.message_user(request, f"Closed {count} report(s).")

    @admin.action(description="Reopen the selected reports")
    def reopen(self, request, queryset):
        count = queryset.exclude(status=ErrorReport.Status.OPEN).update(status=ErrorReport.Status.OPEN)
        self.message_user(request, f"Reopened {count} report(s).")


def attention_board_view(request):
    """Everything that needs an editor: uncited facts, waiting reviews, unused sources..."""
    context = {
        **admin.site.each_context(request),
        "title": "Needs attention",
        **attention.board(request.user),
    }
    return TemplateResponse(request, "admin/cases/attention.html", context)


@require_POST
def markdown_preview_view(request):
    """The editor's Markdown rendered as readers will see it, with numbered references."""
    text = request.POST.get("text", "")
    if len(text) > BODY_LENGTH:
        problem = (
            f"This text has {len(text):,} characters; a text may have at most {BODY_LENGTH:,}. "
            "Shorten it to preview it."
        )
        return JsonResponse({"html": "", "references": [], "problems": [problem]})
    problems = []
    for validate in (validate_citations, validate_links):
        try:
            validate(text)
        except ValidationError as error:
            problems += error.messages
    stored = render_markdown(text)
    # An editor's preview shows links to drafts too: the page they will be once both are published.
    references = References(
        {source.key: source for source in Source.objects.filter(key__in=cited_keys(text))},
        links=selectors.link_targets([stored], readers=False),
    )
    rendered = references.render(stored)
    entries = [
        {"number": entry.number, "title": entry.source.title, "published": entry.source.is_published}
        for entry in references.entries
    ]
    return JsonResponse({"html": str(rendered), "references": entries, "problems": problems})
