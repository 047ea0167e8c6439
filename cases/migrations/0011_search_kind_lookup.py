from django.db import migrations

# SQLite only. A full-text match yields document ids; which of them are case studies, and which
# case study each is, is then read from this narrow index instead of from the documents
# themselves, whose long texts a broad search would otherwise page through (and push everything
# else out of SQLite's page cache). PostgreSQL reads kind and object id beside the tsvector.
INDEX = "cases_searchdocument_kind_lookup"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON cases_searchdocument (id, kind, object_id)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_facet_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
