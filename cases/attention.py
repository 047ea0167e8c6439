"""
What needs an editor's attention: uncited facts and sections, records waiting for review,
incomplete or unused sources, published pages nobody has reviewed for a year, and readers'
reports of errors.
"""

import datetime
import re

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cases import editorial
from cases.citations import CITE_PATTERN
from cases.models import (
    CaseChallenge,
    CaseStudy,
    Challenge,
    Citation,
    ErrorReport,
    LegalInstrument,
    Organization,
    Source,
    Status,
    StrengthFigure,
    TimelineEvent,
)

STALE_AFTER = datetime.timedelta(days=365)
PUBLISHABLE = [CaseStudy, Organization, Challenge, Source]
# Facts every case study's infobox shows; end_date only once the mission has ended.
MARKDOWN_FIELDS = [
    (CaseStudy, ["summary", "body", "lessons"]),
    (Organization, ["summary", "body"]),
    (Challenge, ["summary", "body"]),
    (TimelineEvent, ["description"]),
    (CaseChallenge, ["description"]),
]
REQUIRED_FACTS = ["mission", "countries", "organizations", "mandate_type", "start_date", "outcome"]


def uncited_facts():
    """(case study, [fact labels]) for infobox facts with no citation."""
    case_type = ContentType.objects.get_for_model(CaseStudy)
    cited = {}
    for object_id, field in Citation.objects.filter(content_type=case_type).values_list("object_id", "field"):
        cited.setdefault(object_id, set()).add(field)
    result = []
    for case in CaseStudy.objects.exclude(status=Status.ARCHIVED).order_by("title"):
        wanted = REQUIRED_FACTS + (["end_date"] if case.end_date else [])
        missing = [CaseStudy.CITABLE_FACTS[fact] for fact in wanted if fact not in cited.get(case.pk, set())]
        if missing:
            result.append((case, missing))
    return result


def uncited_sections():
    """(record, [section headings]) for Markdown sections that cite nothing."""
    result = []
    for model in (CaseStudy, Organization, Challenge):
        for record in model.objects.exclude(status=Status.ARCHIVED).only("pk", "body", "status", *_title(model)):
            parts = re.split(r"^## +(.+)$", record.body or "", flags=re.M)
            headings = parts[1::2]
            bodies = parts[2::2]
            missing = [h.strip() for h, text in zip(headings, bodies, strict=True) if not CITE_PATTERN.search(h + text)]
            if not headings and record.body and not CITE_PATTERN.search(record.body):
                missing = ["(whole text)"]
            if missing:
                result.append((record, missing))
    return result


def _title(model):
    return ["title"] if model is CaseStudy else ["name"]


def waiting_for_review():
    """Records in review, oldest first."""
    rows = []
    for model in PUBLISHABLE:
        rows += list(model.objects.filter(status=Status.REVIEW))
    return sorted(rows, key=lambda record: record.status_changed_at or record.updated_at)


def incomplete_sources():
    return Source.objects.filter(url="", identifier="").order_by("key")


def unused_sources():
    keys_in_text = set()
    for model, fields in MARKDOWN_FIELDS:
        for values in model.objects.values_list(*fields):
            for text in values:
                keys_in_text.update(match.group("key").strip() for match in CITE_PATTERN.finditer(text or ""))
    return (
        Source.objects.exclude(key__in=keys_in_text)
        .exclude(Exists(Citation.objects.filter(source=OuterRef("pk"))))
        .exclude(Exists(StrengthFigure.objects.filter(source=OuterRef("pk"))))
        .exclude(Exists(LegalInstrument.objects.filter(source=OuterRef("pk"))))
        .order_by("key")
    )


def stale_pages(now=None):
    cutoff = (now or timezone.now()) - STALE_AFTER
    rows = []
    for model in (CaseStudy, Organization, Challenge):
        rows += list(model.objects.published().filter(Q(reviewed_at__lt=cutoff) | Q(reviewed_at__isnull=True)))
    return rows


def open_error_reports():
    """Readers' reports nobody has closed yet, oldest first."""
    return ErrorReport.objects.open().prefetch_related("record").order_by("created_at")


def board(user=None):
    """What needs attention; for a signed-in editor or reviewer, their proposals too."""
    proposals = {}
    if user is not None:
        proposals["own_proposals"] = list(editorial.proposals_of(user))
        if _reviews(user):
            proposals["review_queue"] = list(editorial.review_queue())
    return {
        **proposals,
        "uncited_facts": uncited_facts(),
        "uncited_sections": uncited_sections(),
        "waiting_for_review": waiting_for_review(),
        "incomplete_sources": list(incomplete_sources()),
        "unused_sources": list(unused_sources()),
        "stale_pages": stale_pages(),
        "error_reports": list(open_error_reports()),
    }


def counts(user=None):
    return {name: len(rows) for name, rows in board(user).items()}


def _reviews(user):
    return any(user.has_perm(model.publish_permission()) for model in (CaseStudy, Organization, Challenge))
