"""
Writes the whole casebook to one file: the content, its history (django-reversion), the admin's
action log, and the accounts and groups of the people who wrote it. The search index is not
written: a restore rebuilds it from the records.

The file is JSON (gzip-compressed when its name ends in .gz): a small header and a list of
records in the format of Django's serializers. Records of the casebook keep their primary keys,
because the history refers to them by id; content types and permissions, whose ids differ from
one database to the next, are written by natural key. `restore_casebook` reads it back.
"""

import datetime
import gzip
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone

FORMAT = "peacekeeping-casebook-backup"
FORMAT_VERSION = 1


# Derived from the other records, so never backed up: the search index (a restore rebuilds
# it) and the cache's content version (every restored record moves it on).
DERIVED_MODELS = {"cases.searchdocument", "cases.casestudyfacet", "cases.contentversion"}


def backup_models():
    """
    What a backup holds, in the order a restore loads it: records referred to by natural key
    (groups, users) come before the records that refer to them.
    """
    return [
        apps.get_model("auth", "Group"),
        get_user_model(),
        *(
            model
            for model in apps.get_app_config("cases").get_models()
            if model._meta.label_lower not in DERIVED_MODELS
        ),
        apps.get_model("reversion", "Revision"),
        apps.get_model("reversion", "Version"),
        apps.get_model("admin", "LogEntry"),
    ]


def by_natural_key(model):
    """
    Groups are matched by name: the migrations create Editors and Reviewers in every database,
    so a restore updates those instead of adding copies. Everything else keeps its id.
    """
    return model is apps.get_model("auth", "Group")


class BackupEncoder(DjangoJSONEncoder):
    """Django's encoder, without cutting times down to milliseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def build_backup():
    """The backup document and the number of records of each model, read in one transaction."""
    connection = connections[DEFAULT_DB_ALIAS]
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # One snapshot for all tables, so an edit saved meanwhile is either wholly in or out.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        records = []
        counts = Counter()
        for model in backup_models():
            serialized = serializers.serialize(
                "python",
                model._base_manager.order_by("pk"),
                use_natural_foreign_keys=True,
                use_natural_primary_keys=by_natural_key(model),
            )
            records.extend(serialized)
            counts[model._meta.label_lower] = len(serialized)
        # A version's stored data names content types by id (a citation's `content_type`);
        # this table lets a restore translate them to the ids of the database it writes to.
        content_types = {
            str(pk): [app_label, model]
            for pk, app_label, model in ContentType.objects.order_by("pk").values_list("pk", "app_label", "model")
        }
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now(),
        "content_types": content_types,
        "objects": records,
    }
    return document, counts


def write_file(path, data):
    """Write through a temporary file, so a failed backup never leaves a half-written file behind."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise CommandError(f"Cannot write the backup to {path}: {error.strerror}.") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"Cannot write the backup to {path}: {error.strerror}.") from None


class Command(BaseCommand):
    help = (
        "Back up the whole casebook (content, history, accounts and groups) to one file, "
        "gzip-compressed when its name ends in .gz. Restore it with restore_casebook."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the backup, e.g. casebook-2025-01-31.json.gz.")
        parser.add_argument("--indent", type=int, default=None, help="Indent the JSON for reading (bigger file).")

    def handle(self, *args, file, indent, **options):
        path = Path(file)
        try:
            document, counts = build_backup()
        except DatabaseError as error:
            raise CommandError(f"Cannot read the casebook ({error}): is the database migrated?") from None
        data = json.dumps(document, cls=BackupEncoder, indent=indent, ensure_ascii=False).encode("utf-8")
        compressed = path.name.endswith(".gz")
        if compressed:
            data = gzip.compress(data)
        write_file(path, data)

        for label, count in counts.items():
            self.stdout.write(f"  {self.style.MIGRATE_LABEL(label.ljust(28))} {count:>7}")
        kind = "compressed backup" if compressed else "backup"
        self.stdout.write(
            self.style.SUCCESS(f"Wrote a {kind} of {counts.total()} records to {path} ({len(data):,} bytes).")
        )
        self.stdout.write(
            self.style.WARNING("It holds the password hashes of all accounts: keep it where only admins can read it.")
        )
