"""
History of records, kept by django-reversion: listing versions, comparing two of them, and
restoring one. A restore is itself a new version, so nothing is ever lost.
"""

import difflib
import re

import reversion
from django.apps import apps
from django.core import serializers
from django.db import models, transaction
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from reversion.models import Version

from cases.citations import CITE_PATTERN
from cases.editorial import IMPORTED_FIELDS, WORKFLOW_FIELDS, EditorialError, apply_snapshot, snapshot_of_version
from cases.models import Source, Status

# Fields that describe the workflow or are derived: not compared, not restored.
NOT_COMPARED = (
    WORKFLOW_FIELDS
    | IMPORTED_FIELDS
    | {"peak_authorised_strength", "peak_deployed_strength", "reading_order", "rendered"}
)


# Words, runs of white space and single punctuation marks: a changed comma shows as a comma.
TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


class RestoreError(Exception):
    """A version that cannot be restored as it is; the message says what is missing."""


def versions_of(obj):
    """Newest first, with the revision (user, date, comment) loaded."""
    return Version.objects.get_for_object(obj).select_related("revision", "revision__user")


def published_versions(obj):
    """Versions saved while the record was published: the only ones readers may see."""
    return [version for version in versions_of(obj) if version.field_dict.get("status") == Status.PUBLISHED]


def public_history(obj):
    """Published versions, newest first, each with its changes from the previous published one."""
    versions = published_versions(obj)
    entries = []
    for index, version in enumerate(versions):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        entries.append(
            {
                "version": version,
                "date": version.revision.date_created,
                "summary": version.revision.get_comment(),
                "changes": compare(previous, version, public=True) if previous else None,
            }
        )
    return entries


def changes_since(obj, seen_revision):
    """What was saved after the edit `seen_revision` of a record: compare() rows, newest last."""
    versions = list(versions_of(obj))
    if not versions:
        return []
    latest = versions[0]
    seen = next((v for v in versions if v.field_dict.get("edit_revision") == seen_revision), None)
    if seen is None or seen.pk == latest.pk:
        return []
    return compare(seen, latest)


def _hide_unpublished_citations(text):
    keys = {match.group("key").strip() for match in CITE_PATTERN.finditer(text or "")}
    published = set(Source.objects.published().filter(key__in=keys).values_list("key", flat=True))

    def replace(match):
        return match.group(0) if match.group("key").strip() in published else "[[cite:…]]"

    return CITE_PATTERN.sub(replace, text or "")


def word_diff(old, new):
    """Word-level difference as safe HTML with <del> and <ins>."""
    old_words = TOKEN.findall(str(old or ""))
    new_words = TOKEN.findall(str(new or ""))
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old_words[a1:a2])))
            continue
        if op in ("replace", "delete"):
            parts.append(format_html("<del>{}</del>", "".join(old_words[a1:a2])))
        if op in ("replace", "insert"):
            parts.append(format_html("<ins>{}</ins>", "".join(new_words[b1:b2])))
    return mark_safe("".join(parts))


def _display(model, name, value):
    field = model._meta.get_field(name)
    if value in (None, ""):
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.ManyToManyField):
        names = field.related_model.objects.filter(pk__in=value).values_list(
            "name" if hasattr(field.related_model, "name") else "pk", flat=True
        )
        return ", ".join(sorted(str(name) for name in names)) or "—"
    return str(value)


class RecordState:
    """
    One state of a record with its inline rows, from a saved version or from a snapshot (a
    proposal, or the record as it is now): what compare() compares.
    """

    def __init__(self, model, snapshot, record_pk):
        self.model = model
        label = model._meta.label_lower
        own = next(item for item in snapshot if item["model"] == label and str(item["pk"]) == str(record_pk))
        self.field_dict = _field_dict(own)
        # (kind, id): (readable line, data): a row whose data differ shows as changed.
        self.rows = {
            (item["model"], str(item["pk"])): (item["repr"], _comparable(item)) for item in snapshot if item is not own
        }

    @classmethod
    def nothing(cls, model):
        """The state before a record existed: compared with it, all of a new record is an addition."""
        state = cls.__new__(cls)
        state.model, state.field_dict, state.rows = model, {}, {}
        return state

    @classmethod
    def of_version(cls, version):
        return cls(version.content_type.model_class(), snapshot_of_version(version), version.object_id)


def _field_dict(item):
    deserialized = next(serializers.deserialize(item["format"], item["data"], ignorenonexistent=True))
    obj = deserialized.object
    # A browser sends a textarea's line breaks as CRLF: a text saved from a form differs from
    # the same text loaded from a file only in those, which is no change to show.
    fields = {field.name: _same_line_breaks(getattr(obj, field.attname)) for field in obj._meta.concrete_fields}
    fields.update({name: [int(pk) for pk in ids] for name, ids in (deserialized.m2m_data or {}).items()})
    return fields


def _same_line_breaks(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _comparable(item):
    fields = _field_dict(item)
    return {name: value for name, value in fields.items() if name not in NOT_COMPARED and name != "id"}


def _state(version_or_state):
    return version_or_state if isinstance(version_or_state, RecordState) else RecordState.of_version(version_or_state)


def _related_rows(old, new):
    """Inline rows added, removed or changed between two states, grouped by kind."""
    changes = {}
    for key in sorted(set(old.rows) | set(new.rows)):
        model = apps.get_model(key[0])
        label = model._meta.verbose_name_plural.capitalize()
        entry = changes.setdefault(label, {"removed": [], "added": [], "changed": []})
        if key not in new.rows:
            entry["removed"].append(old.rows[key][0])
        elif key not in old.rows:
            entry["added"].append(new.rows[key][0])
        elif old.rows[key][1] != new.rows[key][1]:
            entry["changed"].append(new.rows[key][0])
    return {label: entry for label, entry in changes.items() if any(entry.values())}


def compare(old_version, new_version, public=False):
    """
    Field-by-field differences between two versions of one record. `public` leaves out inline
    rows (they may name unpublished records) and the keys of unpublished sources in text.
    """
    old_state, new_state = _state(old_version), _state(new_version)
    model = new_state.model
    old, new = old_state.field_dict, new_state.field_dict
    changes = []
    for field in model._meta.get_fields():
        name = field.name
        if name in NOT_COMPARED or not getattr(field, "concrete", False) or field.auto_created:
            continue
        if name not in old and name not in new:
            continue
        before, after = old.get(name), new.get(name)
        if isinstance(field, models.ManyToManyField):
            before, after = sorted(before or []), sorted(after or [])
        if before == after:
            continue
        if isinstance(field, models.TextField):
            if public:
                before, after = _hide_unpublished_citations(before), _hide_unpublished_citations(after)
            changes.append({"label": field.verbose_name, "text": True, "diff": word_diff(before, after)})
        else:
            changes.append(
                {
                    "label": field.verbose_name,
                    "text": False,
                    "old": _display(model, name, before),
                    "new": _display(model, name, after),
                }
            )
    if public:
        return changes
    for label, rows in _related_rows(old_state, new_state).items():
        changes.append({"label": label, "rows": True, **{name: sorted(lines) for name, lines in rows.items()}})
    return changes


def version_number(version):
    """A version's number among its record's versions, the first being 1."""
    return (
        Version.objects.get_for_object_reference(version.content_type.model_class(), version.object_id)
        .filter(pk__lte=version.pk)
        .count()
    )


def restore(version, *, user):
    """Bring back a version (inline rows included) as a new version; keep the current status."""
    model = version.content_type.model_class()
    number = version_number(version)
    with transaction.atomic(), reversion.create_revision():
        current = model._default_manager.select_for_update().get(pk=version.object_id)
        try:
            apply_snapshot(current, snapshot_of_version(version))
        except EditorialError as error:
            raise RestoreError(f"Version {number} cannot be restored. {error}") from None
        restored = model._default_manager.get(pk=version.object_id)
        restored.save()
        reversion.set_user(user)
        reversion.set_comment(f"Restored version {number}")
        reversion.add_to_revision(restored)
    return restored
