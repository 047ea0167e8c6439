"""
Loads a backup written by `backup_casebook` into an empty, migrated database, in one
transaction: either everything is restored or nothing is. The search index is rebuilt from the
restored records.
"""

import gzip
import json
import zlib
from collections import Counter
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from cases import derived
from cases.management.commands.backup_casebook import FORMAT, FORMAT_VERSION, backup_models

GZIP_MAGIC = b"\x1f\x8b"


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
