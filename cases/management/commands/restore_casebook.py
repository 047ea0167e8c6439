"""
Loads a backup written by `backup_casebook` into an empty, migrated database, in one
transaction: either everything is restored or nothing is. Every record is checked before any is
written, and a damaged backup is refused, naming the records at fault. The search index is
rebuilt from the restored records.
"""

import gzip
import json
import zlib
from collections import Counter
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import CheckConstraint
from reversion.models import Version

from cases import derived
from cases.management.commands.backup_casebook import FORMAT, FORMAT_VERSION, backup_models

GZIP_MAGIC = b"\x1f\x8b"
# How many of a damaged backup's problems the refusal lists.
PROBLEMS_SHOWN = 10
# What deserializers raise for data they cannot read.
UNREADABLE = (DeserializationError, FieldDoesNotExist, KeyError, TypeError, ValueError)


def read_backup(path):
    """The backup document, or a CommandError that says what is wrong with the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"There is no backup file at {path}.") from None
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
    if data.startswith(GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise CommandError(f"{path} is a damaged gzip file ({error}); nothing was restored.") from None
    try:
        document = json.loads(data)
    except ValueError as error:
        raise CommandError(f"{path} is not a casebook backup: it is not valid JSON ({error}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CommandError(f"{path} is not a casebook backup (written by manage.py backup_casebook).")
    if document.get("format_version") != FORMAT_VERSION:
        raise CommandError(
            f"{path} is a backup of format version {document.get('format_version')!r}; "
            f"this version of the casebook reads version {FORMAT_VERSION}."
        )
    if not isinstance(document.get("objects"), list) or not isinstance(document.get("content_types"), dict):
        raise CommandError(f"{path} is damaged: its list of records is missing.")
    allowed = {model._meta.label_lower for model in backup_models()}
    for record in document["objects"]:
        if (
            not isinstance(record, dict)
            or str(record.get("model", "")).lower() not in allowed
            or not isinstance(record.get("fields"), dict)
        ):
            raise CommandError(f"{path} is damaged: it holds a record that is not part of a casebook: {record!r:.200}")
    return document


def record_label(record):
    """How a refusal names a record: "cases.casestudy #12"; groups, written by name, by their name."""
    if "pk" in record:
        return f"{record['model'].lower()} #{record['pk']}"
    return f"{record['model'].lower()} {record['fields'].get('name')!r}"


def reason(error):
    """What a deserializer's error says; Django wraps the error of a value it could not read."""
    wrapped = error.__cause__ or error.__context__
    if isinstance(wrapped, ValidationError):
        return " ".join(wrapped.messages)
    return str(error) or str(wrapped)


class BackupChecker:
    """
    Checks every record of a backup before a restore writes any. Loading saves records raw, so
    without these checks a damaged backup restores silently: a case study without a title, a
    record whose id repeats (the second overwrites the first), a version whose data history
    cannot read (its page then fails).

    Each record passes its model's own validation, less what needs rows not yet written: the
    records it refers to (the load checks every reference once all are written) and uniqueness
    against the database, which is empty; ids and unique values must instead not repeat within
    the backup. A version's data must be readable as a record of the version's model.
    """

    def __init__(self):
        self.problems = []
        self.unique_values = {}  # (model, fields) -> {values: label of the first record with them}
        self.constraint_results = {}  # (model, constraint name, values it reads) -> messages

    def check(self, records):
        """The problems found, e.g. "cases.casestudy #12: title: This field cannot be blank."."""
        for record in records:
            self.check_record(record)
        return self.problems

    def report(self, record, problem):
        self.problems.append(f"{record_label(record)}: {problem}")

    def check_record(self, record):
        try:
            # References to records not yet written (accounts, by name) are left unresolved.
            [deserialized] = serializers.deserialize("python", [record], handle_forward_references=True)
        except UNREADABLE as error:
            self.report(record, reason(error))
            return
        obj = deserialized.object
        failed = self.check_fields(record, obj)
        self.check_unique(record, obj, exclude=failed)
        if isinstance(obj, Version) and not failed:
            self.check_version_data(record, obj)

    def check_fields(self, record, obj):
        """Run the model's validation, less its lookups of other rows; return the names of the fields failing it."""
        relations = {field.name for field in obj._meta.concrete_fields if field.is_relation}
        errors = {}
        try:
            # Constraints are checked below, each against the fields it reads: given every field,
            # as full_clean gives them, each check compiled a query of the whole record, and that
            # was most of a restore's time.
            obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, items in error.error_dict.items():
                # validate_citations looks cited keys up among the sources, which are not written yet.
                messages = " ".join(m for item in items if item.code != "unknown_source" for m in item.messages)
                if messages:
                    errors[name] = messages if name == NON_FIELD_ERRORS else f"{name}: {messages}"
        violations = self.check_constraints(obj, exclude=relations | set(errors))
        if violations:
            errors[NON_FIELD_ERRORS] = " ".join([*filter(None, [errors.get(NON_FIELD_ERRORS)]), *violations])
        if errors:
            self.report(record, "; ".join(errors.values()))
        return set(errors)

    def check_constraints(self, obj, exclude):
        """
        The messages of the check constraints a record breaks. Each is checked against only the
        fields its condition reads, and once for each set of values of those fields: thousands
        of records share a status or a kind, and each check is a query. (In an empty database the
        unique constraints are the backup's own matter: check_unique.)
        """
        violations = []
        for model, constraints in obj.get_constraints():
            fields = {field.name for field in model._meta.local_concrete_fields} | {"pk"}
            for constraint in constraints:
                read = fields_read(model, constraint.condition) if isinstance(constraint, CheckConstraint) else None
                if not read or read & exclude:
                    continue
                key = (model, constraint.name, *field_values(obj, model, sorted(read)))
                if key not in self.constraint_results:
                    try:
                        constraint.validate(model, obj, exclude=fields - read)
                        self.constraint_results[key] = []
                    except ValidationError as error:
                        self.constraint_results[key] = error.messages
                violations += self.constraint_results[key]
        return violations

    def check_unique(self, record, obj, exclude):
        """The database is empty, so ids and unique values can only clash within the backup."""
        unique_checks, _ = obj._get_unique_checks(exclude=exclude, include_meta_constraints=True)
        for model, names in unique_checks:
            values = tuple(getattr(obj, model._meta.get_field(name).attname) for name in names)
            if None in values:
                continue  # Unset, or a reference to a record not yet written.
            seen = self.unique_values.setdefault((model, names), {})
            if values not in seen:
                seen[values] = record_label(record)
            elif names == (model._meta.pk.name,):
                self.report(record, f"another {model._meta.label_lower} in the backup has the same id")
            else:
                self.report(record, f"it has the same {', '.join(names)} as {seen[values]}")

    def check_version_data(self, record, version):
        """History reads a version's data with the serializer its format names, as one record of its model."""
        model = (
            ContentType.objects.get_for_id(version.content_type_id).model_class() if version.content_type_id else None
        )
        if model is None:
            content_type = record["fields"].get("content_type")
            self.report(record, f"it is a version of {content_type!r}, which is not a model of this casebook")
            return
        if version.format not in serializers.get_public_serializer_formats():
            self.report(record, f"its data is in an unknown format, {version.format!r}")
            return
        try:
            objects = list(
                serializers.deserialize(
                    version.format, version.serialized_data, ignorenonexistent=True, handle_forward_references=True
                )
            )
        except UNREADABLE as error:
            self.report(record, f"its data cannot be read: {reason(error)}")
            return
        if len(objects) != 1 or objects[0].object._meta.concrete_model is not model._meta.concrete_model:
            self.report(record, f"its data must be one {model._meta.label_lower}, the record it is a version of")


def field_values(obj, model, names):
    """The values of a record's fields, hashable (a JSON field's list or dict as its JSON text)."""
    for name in names:
        value = obj.pk if name == "pk" else getattr(obj, model._meta.get_field(name).attname)
        yield json.dumps(value, sort_keys=True, default=str) if isinstance(value, list | dict) else value


def fields_read(model, expression):
    """The names of the fields an expression reads, those a generated field it reads is computed from included."""
    names = set()
    for name, *_ in model._get_expr_references(expression):
        names.add(name)
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        if field.generated:
            names |= fields_read(model, field.expression)
    return names


def refusal(path, problems):
    """The message refusing a damaged backup: its first problems, and how many more it has."""
    shown = "\n  ".join(problems[:PROBLEMS_SHOWN])
    more = len(problems) - PROBLEMS_SHOWN
    message = f"{path} could not be restored, so nothing was restored: it has damaged records:\n  {shown}"
    return message + (f"\n  and {more} more problems." if more > 0 else "")


def records_in_the_way():
    """What the database already holds that a restore would collide with, e.g. ['11 case studies']."""
    found = []
    for model in backup_models():
        if model is apps.get_model("auth", "Group"):
            continue  # The migrations create Editors and Reviewers; a restore updates them.
        count = model._base_manager.count()
        if count:
            name = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
            found.append(f"{count} {name}")
    return found


def local_content_type_ids(content_types):
    """Ids of content types in the backup's database -> ids of the same content types here."""
    local = {}
    for old_id, (app_label, model) in content_types.items():
        try:
            local[int(old_id)] = ContentType.objects.get_by_natural_key(app_label, model).pk
        except ContentType.DoesNotExist:
            continue
    return local


def renumber_content_types(records, id_map):
    """
    A version's stored data names content types by id, e.g. the record a citation belongs to.
    Where this database numbers content types differently, translate them, or history would
    point at the wrong kind of record. Returns how many versions were changed.
    """
    if all(old == new for old, new in id_map.items()):
        return 0
    changed = 0
    for record in records:
        if record["model"].lower() != "reversion.version" or record["fields"].get("format") != "json":
            continue
        try:
            model = apps.get_model(*record["fields"]["content_type"])
        except (LookupError, TypeError, ValueError):
            continue
        names = [
            field.name
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is ContentType
        ]
        if not names:
            continue
        data = json.loads(record["fields"]["serialized_data"])
        for item in data:
            for name in names:
                old = item["fields"].get(name)
                if old in id_map and id_map[old] != old:
                    item["fields"][name] = id_map[old]
        record["fields"]["serialized_data"] = json.dumps(data)
        changed += 1
    return changed


def load_records(records):
    """Save the records, check every reference, and move id sequences past the restored ids."""
    connection = connections[DEFAULT_DB_ALIAS]
    models = backup_models()
    counts = Counter({model._meta.label_lower: 0 for model in models})
    with connection.constraint_checks_disabled():
        waiting = []
        for deserialized in serializers.deserialize("python", records, handle_forward_references=True):
            deserialized.save()
            counts[deserialized.object._meta.label_lower] += 1
            if deserialized.deferred_fields:
                waiting.append(deserialized)
        for deserialized in waiting:
            deserialized.save_deferred_fields()
    tables = [model._meta.db_table for model in models]
    tables += [
        field.remote_field.through._meta.db_table for model in models for field in model._meta.local_many_to_many
    ]
    connection.check_constraints(table_names=tables)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    return counts


class Command(BaseCommand):
    help = (
        "Restore a backup written by backup_casebook into an empty, migrated database, in one "
        "transaction: everything is restored or nothing is."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file (.json or .json.gz).")

    def handle(self, *args, file, **options):
        path = Path(file)
        document = read_backup(path)
        try:
            with transaction.atomic():
                try:
                    in_the_way = records_in_the_way()
                except DatabaseError as error:
                    raise CommandError(
                        f"The database is not ready ({error}): run `manage.py migrate` first; nothing was restored."
                    ) from None
                if in_the_way:
                    raise CommandError(
                        f"The database is not empty: it already holds {', '.join(in_the_way)}. "
                        "Restore into a new database after `manage.py migrate`; nothing was restored."
                    )
                records = document["objects"]
                problems = BackupChecker().check(records)
                if problems:
                    raise CommandError(refusal(path, problems))
                renumbered = renumber_content_types(records, local_content_type_ids(document["content_types"]))
                counts = load_records(records)
                # Restored records were saved raw: their indexes are derived once, for all of them.
                indexed = derived.rebuild_all(render=False)
        except (DeserializationError, DatabaseError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"{path} could not be restored, so nothing was restored: {error}") from None

        for label, count in counts.items():
            self.stdout.write(f"  {self.style.MIGRATE_LABEL(label.ljust(28))} {count:>7}")
        if renumbered:
            self.stdout.write(f"  Content types of {renumbered} versions renumbered for this database.")
        self.stdout.write(f"  Search index rebuilt: {indexed} published records.")
        self.stdout.write(self.style.SUCCESS(f"Restored {counts.total()} records from {path}."))
