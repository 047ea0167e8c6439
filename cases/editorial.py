"""
How a change reaches readers: the editorial model, for every path (admin form, admin action,
management command, content loader).

- A new record is a draft. Editors submit it; reviewers publish it (Publishable.TRANSITIONS).
- Submitting and publishing pass the citation gate (`citation_problems`): every source the
  record cites exists and is published, and every required infobox fact is cited or marked
  unverified. Reviewers can publish a record together with the draft sources it cites.
- A published record is never changed in place by an editor. The edit becomes a Proposal: a
  snapshot of the whole record with its inline rows, in django-reversion's own format. The
  reviewer approves it (it becomes the live version, in history) or returns it with a comment.
  One open proposal per record: its author goes on editing it; anyone else is told who holds
  it, and waits (a second proposal based on a change nobody has reviewed could not be reviewed
  on its own).
- Restoring an old version is applying its snapshot; an editor's restore of a published record
  is a proposal like any other.
"""

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from reversion.revisions import _follow_relations_recursive, _get_options

from cases.models import Citation, Proposal, ProposalState, Status

# Fields that describe the workflow rather than the content: a snapshot never changes them.
WORKFLOW_FIELDS = {
    "status",
    "created_at",
    "updated_at",
    "published_at",
    "reviewed_at",
    "status_changed_at",
    "status_changed_by",
    "edit_revision",
}
# Figures the UN data import keeps (cases/un_data.py), not the editors: a snapshot never changes them.
IMPORTED_FIELDS = {"un_fatalities"}


class EditorialError(Exception):
    """A step the editorial model refuses; the message says why, for the person who tried."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


def citation_problems(record):
    """What keeps a record from readers: the gate that submitting, publishing and approving pass."""
    return record.publication_problems()


def draft_sources(record):
    return [source for source in record.cited_sources().values() if source is not None and not source.is_published]


@transaction.atomic
def publish_with_sources(record, *, user):
    """Publish a record together with the draft sources it cites, in one step (reviewers)."""
    sources = draft_sources(record)
    for source in sources:
        with reversion.create_revision():
            reversion.set_user(user)
            reversion.set_comment(f"Published together with “{record}”")
            source.transition_to(Status.PUBLISHED, user=user)
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(f"Published together with {len(sources)} draft source(s)")
        record.transition_to(Status.PUBLISHED, user=user)
    return sources


# -- snapshots of a record with its inline rows --------------------------------------------


def _key(obj):
    return obj._meta.label_lower, str(obj.pk)


def _serialized(obj, *, new=False):
    options = _get_options(type(obj))
    return {
        "model": obj._meta.label_lower,
        "pk": str(obj.pk),
        "format": options.format,
        "data": serializers.serialize(options.format, [obj], fields=options.fields),
        "repr": str(obj)[:191],
        "new": new,
    }


def followed_keys(record):
    """The (model, pk) of the record and every inline row a version of it holds."""
    return {_key(obj) for obj in _follow_relations_recursive(record)}


def capture(record, existing_keys):
    """
    A snapshot of the record and its inline rows as they are in the database now. Rows not in
    `existing_keys` were written only for this snapshot (and will be rolled back): they are
    marked new, so that applying the snapshot later creates them afresh.
    """
    return [_serialized(obj, new=_key(obj) not in existing_keys) for obj in _follow_relations_recursive(record)]


def snapshot_of_version(version):
    """The snapshot of a reversion Version: the record and the inline rows saved with it."""
    return [
        {
            "model": other.content_type.model_class()._meta.label_lower,
            "pk": other.object_id,
            "format": other.format,
            "data": other.serialized_data,
            "repr": other.object_repr,
            "new": False,
        }
        for other in version.revision.version_set.select_related("content_type")
    ]


def _deserialized(item):
    return next(serializers.deserialize(item["format"], item["data"], ignorenonexistent=True))


def missing_references(snapshot):
    """Records the snapshot's rows point at that no longer exist, described for a person."""
    missing = []
    for item in snapshot:
        deserialized = _deserialized(item)
        obj = deserialized.object
        for field in obj._meta.concrete_fields:
            if not field.is_relation or field.name in WORKFLOW_FIELDS or field.related_model is ContentType:
                continue
            target = getattr(obj, field.attname)
            if target is not None and not field.related_model._default_manager.filter(pk=target).exists():
                missing.append(f"{field.related_model._meta.verbose_name} #{target} (used by {item['repr']})")
        for name, ids in (deserialized.m2m_data or {}).items():
            related = obj._meta.get_field(name).related_model
            gone = set(map(int, ids)) - set(related._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
            for target in sorted(gone):
                missing.append(f"{related._meta.verbose_name} #{target} (one of the {name} of {item['repr']})")
    return missing


def apply_snapshot(record, snapshot, *, keep_new_ids=False):
    """
    Make the record and its inline rows what the snapshot says, keeping the record's workflow
    fields (status, dates, revision counter). Rows the snapshot does not hold are deleted; rows
    it marks new are created with new ids, or with the ids they had when `keep_new_ids` and the
    ids are free (to show a proposal in a form inside a transaction that is rolled back, so that
    the form posts back the ids it showed). The caller saves the record afterwards, which keeps
    the derived data and history in step.
    """
    missing = missing_references(snapshot)
    if missing:
        raise EditorialError(
            "It refers to records that have since been deleted: " + "; ".join(missing) + ". Recreate them first."
        )
    kept = {(item["model"], item["pk"]) for item in snapshot if not item["new"]}
    for obj in _follow_relations_recursive(record):
        if _key(obj) not in kept:
            obj.delete()
    new_ids = {}
    # The record first, then its rows, then the citations of those rows: a parent has its id
    # before its children are written.
    order = {record._meta.label_lower: 0, "cases.citation": 2}
    for item in sorted(snapshot, key=lambda item: order.get(item["model"], 1)):
        deserialized = _deserialized(item)
        obj = deserialized.object
        if isinstance(obj, Citation):
            parent = (obj.content_type.model_class()._meta.label_lower, str(obj.object_id))
            obj.object_id = new_ids.get(parent, obj.object_id)
        if type(obj) is type(record) and obj.pk == record.pk:
            for name in WORKFLOW_FIELDS | IMPORTED_FIELDS:
                if hasattr(record, name):
                    setattr(obj, name, getattr(record, name))
        if item["new"]:
            if not (keep_new_ids and not type(obj)._default_manager.filter(pk=obj.pk).exists()):
                obj.pk = None
            obj.save(force_insert=True)
            new_ids[(item["model"], item["pk"])] = str(obj.pk)
            for name, ids in (deserialized.m2m_data or {}).items():
                getattr(obj, name).set(ids)
        else:
            deserialized.save()


# -- proposals -----------------------------------------------------------------------------

# (from, to): (verb, who may): "author" is the editor who proposed it, "reviewer" anyone who
# may publish records of its kind.
PROPOSAL_TRANSITIONS = {
    (ProposalState.DRAFT, ProposalState.SUBMITTED): ("submit", "author"),
    (ProposalState.RETURNED, ProposalState.SUBMITTED): ("resubmit", "author"),
    (ProposalState.SUBMITTED, ProposalState.APPROVED): ("approve", "reviewer"),
    (ProposalState.SUBMITTED, ProposalState.RETURNED): ("request changes to", "reviewer"),
    (ProposalState.DRAFT, ProposalState.WITHDRAWN): ("withdraw", "author"),
    (ProposalState.SUBMITTED, ProposalState.WITHDRAWN): ("withdraw", "author"),
    (ProposalState.RETURNED, ProposalState.WITHDRAWN): ("withdraw", "author"),
}


def open_proposal(record):
    return (
        Proposal.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk, state__in=Proposal.OPEN_STATES
        )
        .select_related("proposed_by")
        .first()
    )


def is_reviewer(user, record):
    return user.has_perm(record.publish_permission())


def must_propose(user, record):
    """An editor's change to a published record waits for review; a reviewer's goes live."""
    return record.status == Status.PUBLISHED and not is_reviewer(user, record)


def allowed_proposal_transitions(proposal, user):
    return [
        (to, verb)
        for (source, to), (verb, who) in PROPOSAL_TRANSITIONS.items()
        if source == proposal.state and _may(proposal, user, who)
    ]


def _may(proposal, user, who):
    if who == "author":
        return user.pk == proposal.proposed_by_id
    return is_reviewer(user, proposal.record)


def _check_transition(proposal, to, user):
    rule = PROPOSAL_TRANSITIONS.get((proposal.state, to))
    if rule is None:
        raise EditorialError(
            f"A proposal that is {proposal.get_state_display().lower()} cannot become "
            f"{ProposalState(to).label.lower()}."
        )
    verb, who = rule
    if not _may(proposal, user, who):
        whom = "the editor who proposed it" if who == "author" else "a reviewer"
        raise EditorialError(f"Only {whom} may {verb} this proposal.")
    return verb


def propose(record, snapshot, *, user, based_on_revision, note="", submit=False):
    """Keep an editor's change to a published record as a proposal (their open one, if any)."""
    proposal = open_proposal(record)
    if proposal is not None and proposal.proposed_by_id != user.pk:
        raise EditorialError(
            f"“{record}” already has a change proposed by {proposal.proposed_by} "
            f"({proposal.get_state_display().lower()}): it is reviewed or withdrawn before another one "
            "is proposed. Nothing of yours was saved as a proposal."
        )
    if proposal is None:
        proposal = Proposal(record=record, proposed_by=user)
    proposal.snapshot = snapshot
    proposal.based_on_revision = based_on_revision
    if note:
        proposal.note = note
    proposal.save()
    if submit and proposal.state != ProposalState.SUBMITTED:
        submit_proposal(proposal, user=user)
    return proposal


def proposal_problems(proposal):
    """The citation gate, run on the proposed version of the record, without changing anything."""
    record = proposal.record
    with transaction.atomic():
        apply_snapshot(record, proposal.snapshot)
        proposed = type(record)._default_manager.get(pk=record.pk)
        problems = citation_problems(proposed)
        transaction.set_rollback(True)
    return problems


def submit_proposal(proposal, *, user, note=""):
    _check_transition(proposal, ProposalState.SUBMITTED, user)
    problems = proposal_problems(proposal)
    if problems:
        raise EditorialError(
            "The proposal cannot be submitted yet: " + " ".join(problem.message for problem in problems), problems
        )
    proposal.state = ProposalState.SUBMITTED
    proposal.submitted_at = timezone.now()
    if note:
        proposal.note = note
    proposal.save()


def request_changes(proposal, *, user, comment):
    _check_transition(proposal, ProposalState.RETURNED, user)
    if not comment.strip():
        raise EditorialError("Say what should change: the comment is what the editor sees.")
    proposal.state = ProposalState.RETURNED
    proposal.review_comment = comment.strip()
    proposal.reviewed_by, proposal.reviewed_at = user, timezone.now()
    proposal.save()


def withdraw(proposal, *, user):
    _check_transition(proposal, ProposalState.WITHDRAWN, user)
    proposal.state = ProposalState.WITHDRAWN
    proposal.save()


def approve(proposal, *, user):
    """The proposal becomes the live version of its record, a new version in its history."""
    _check_transition(proposal, ProposalState.APPROVED, user)
    model = proposal.content_type.model_class()
    with transaction.atomic(), reversion.create_revision():
        record = model._default_manager.select_for_update().get(pk=proposal.object_id)
        if record.edit_revision != proposal.based_on_revision:
            raise EditorialError(
                f"“{record}” changed after this proposal was made: ask {proposal.proposed_by} to open it again "
                "and check it against the published version, or request changes."
            )
        apply_snapshot(record, proposal.snapshot)
        approved = model._default_manager.get(pk=record.pk)
        problems = citation_problems(approved)
        if problems:
            raise EditorialError(
                "The proposal cannot be approved yet: " + " ".join(problem.message for problem in problems), problems
            )
        approved.reviewed_at = timezone.now()
        approved.save()
        reversion.set_user(user)
        comment = f"Proposed by {proposal.proposed_by}, approved by {user}"
        reversion.set_comment(f"{comment}: {proposal.note}" if proposal.note else comment)
        reversion.add_to_revision(approved)
        proposal.state = ProposalState.APPROVED
        proposal.reviewed_by, proposal.reviewed_at = user, timezone.now()
        proposal.save()
    return approved


def review_queue():
    """Proposals waiting for a reviewer, oldest first."""
    return (
        Proposal.objects.filter(state=ProposalState.SUBMITTED)
        .select_related("proposed_by", "content_type")
        .order_by("submitted_at", "pk")
    )


def proposals_of(user):
    """An editor's own open proposals, the returned ones first."""
    return (
        Proposal.objects.filter(proposed_by=user, state__in=Proposal.OPEN_STATES)
        .select_related("content_type")
        .order_by(models.Case(models.When(state=ProposalState.RETURNED, then=0), default=1), "-updated_at")
    )


def proposal_url(proposal):
    return reverse("admin:cases_proposal_change", args=[proposal.pk])
