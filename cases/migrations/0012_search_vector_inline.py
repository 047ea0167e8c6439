from django.db import migrations

# PostgreSQL only. Ranking a match reads the tsvector of every matching document. Left to the
# default storage, a case study's vector (the largest column of its row) was moved out of line
# into the TOAST table, so a search matching thousands read each vector through a second lookup.
# MAIN keeps it in the row and moves the long texts out instead, which only snippets read, ten at
# a time. Existing vectors are rewritten so that they move.


def keep_vectors_in_the_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_searchdocument ALTER COLUMN vector SET STORAGE MAIN")
        schema_editor.execute(
            "UPDATE cases_searchdocument SET vector = vector || ''::tsvector WHERE vector IS NOT NULL"
        )


def default_storage(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_searchdocument ALTER COLUMN vector SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_search_kind_lookup"),
    ]

    operations = [migrations.RunPython(keep_vectors_in_the_row, default_storage)]
