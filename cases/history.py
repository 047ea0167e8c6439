"""
History of records, kept by django-reversion: listing versions, comparing two of them, and
restoring one. A restore is itself a new version, so nothing is ever lost.
"""

import difflib
import re

import reversion
from django.db import models, transaction
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from reversion.models import Version

from cases.citations import CITE_PATTERN
from cases.models import Source, Status

# Fields that describe the workflow rather than the content: not compared, not restored.
WORKFLOW_FIELDS = {
    "status",
    "created_at",
    "updated_at",
    "published_at",
    "reviewed_at",
    "status_changed_at",
    "status_changed_by",
    "edit_revision",
    "peak_authorised_strength",
    "peak_deployed_strength",
    "reading_order",
}


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


def _related_rows(version):
    """The inline rows saved with a version, as readable lines grouped by kind."""
    rows = {}
    for other in version.revision.version_set.exclude(pk=version.pk).select_related("content_type"):
        label = other.content_type.model_class()._meta.verbose_name_plural.capitalize()
        rows.setdefault(label, []).append(other.object_repr)
    return {label: sorted(lines) for label, lines in rows.items()}


def compare(old_version, new_version, public=False):
    """
    Field-by-field differences between two versions of one record. `public` leaves out inline
    rows (they may name unpublished records) and the keys of unpublished sources in text.
    """
    model = new_version.content_type.model_class()
    old, new = old_version.field_dict, new_version.field_dict
    changes = []
    for field in model._meta.get_fields():
        name = field.name
        if name in WORKFLOW_FIELDS or not getattr(field, "concrete", False) or field.auto_created:
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
    old_rows, new_rows = _related_rows(old_version), _related_rows(new_version)
    for label in sorted(set(old_rows) | set(new_rows)):
        removed = sorted(set(old_rows.get(label, [])) - set(new_rows.get(label, [])))
        added = sorted(set(new_rows.get(label, [])) - set(old_rows.get(label, [])))
        if removed or added:
            changes.append({"label": label, "rows": True, "removed": removed, "added": added})
    return changes


def _missing_references(version):
    """Records a version's rows point at that no longer exist, described for a person."""
    missing = []
    for row_version in version.revision.version_set.select_related("content_type"):
        model = row_version.content_type.model_class()
        data = row_version.field_dict
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.name in WORKFLOW_FIELDS or field.name == "content_type":
                continue
            target_id = data.get(field.attname, data.get(field.name))
            if target_id is None:
                continue
            related = field.related_model
            if related is model:
                continue
            if not related._default_manager.filter(pk=target_id).exists():
                missing.append(f"{related._meta.verbose_name} #{target_id} (used by {row_version.object_repr})")
    return missing


def restore(version, *, user):
    """Bring back a version (inline rows included) as a new version; keep the current status."""
    missing = _missing_references(version)
    if missing:
        raise RestoreError(
            "This version cannot be restored because it refers to records that have since been deleted: "
            + "; ".join(missing)
            + ". Recreate them, or restore a later version."
        )
    model = version.content_type.model_class()
    with transaction.atomic(), reversion.create_revision():
        current = model._default_manager.select_for_update().get(pk=version.object_id)
        workflow = {name: getattr(current, name) for name in WORKFLOW_FIELDS if hasattr(current, name)}
        version.revision.revert(delete=True)
        restored = model._default_manager.get(pk=version.object_id)
        for name, value in workflow.items():
            setattr(restored, name, value)
        restored.save()
        reversion.set_user(user)
        reversion.set_comment(f"Restored the version of {version.revision.date_created:%d %B %Y %H:%M}")
        reversion.add_to_revision(restored)
    return restored
