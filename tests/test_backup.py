"""
Backing up the whole casebook and restoring it into an empty database: the restored casebook is
the original record by record, its history and the people who wrote it included.
"""

import gzip
import json
import os
import subprocess
import sys
from collections import Counter
from io import StringIO

import pytest
import reversion
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection
from reversion.models import Revision, Version

from cases.content_loader import CONTENT_DIR
from cases.management.commands.backup_casebook import backup_models
from cases.models import CaseStudy, Citation, SearchDocument, Source, Status
from tests.factories import cite, make_case, make_source

pytestmark = pytest.mark.django_db

COMPARED = ["cases", "reversion", "auth.user", "auth.group", "admin.logentry"]


def start_manage(database, *arguments):
    """Start manage.py on another SQLite database, as an operator would run it."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.Popen(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(command):
    stdout, stderr = command.communicate(timeout=120)
    assert command.returncode == 0, stderr
    return stdout


def manage(database, *arguments):
    return finish(start_manage(database, *arguments))


def canonical(value):
    """Many-to-many values (lists of ids or of natural keys) compared as sets."""
    if isinstance(value, list) and value and all(isinstance(item, list) for item in value):
        return sorted(value)
    if isinstance(value, list) and value and all(isinstance(item, int) for item in value):
        return sorted(value)
    return value


# Matched by what they hold, not by id: groups (by name), and search documents and facet rows
# (rebuilt on restore).
MATCHED_WITHOUT_ID = {"auth.group", "cases.searchdocument", "cases.casestudyfacet"}
DERIVED = ("cases.searchdocument", "cases.casestudyfacet")
# The cache's counter of changes: not content, and moved on by the restore itself.
NOT_COMPARED = {"cases.contentversion"}
# The PostgreSQL search vector: derived from the other fields, and absent on SQLite.
IGNORED_FIELDS = {"vector"}


def records(dump):
    """Every record of a JSON dumpdata as (model, pk, fields)."""
    found = set()
    for item in json.loads(dump):
        if item["model"] in NOT_COMPARED:
            continue
        pk = None if item["model"] in MATCHED_WITHOUT_ID else item["pk"]
        fields = {name: canonical(value) for name, value in item["fields"].items() if name not in IGNORED_FIELDS}
        found.add((item["model"], pk, json.dumps(fields, sort_keys=True, default=str)))
    return found


def dump_this_database():
    output = StringIO()
    call_command("dumpdata", *COMPARED, natural_foreign=True, format="json", stdout=output)
    return output.getvalue()


# The restored casebook is a SQLite database of its own, whatever the suite's: run once, in the
# SQLite pass. The shipped content comes first: putting it in replaces the whole database,
# accounts included.
@pytest.mark.standalone
def test_a_restored_casebook_is_the_original_record_by_record(shipped_casebook, tmp_path, editor, reviewer):
    restored_database = tmp_path / "restored.sqlite3"
    migrating = start_manage(restored_database, "migrate", "--no-input", "--verbosity", "0")
    # Groups as an admin left them: not as the migrations create them.
    Group.objects.get(name="Editors").permissions.remove(Permission.objects.get(codename="delete_casestudy"))
    editor.groups.add(Group.objects.create(name="Translators"))
    case = CaseStudy.objects.get(slug="kosovo-kfor")
    with reversion.create_revision():
        reversion.set_user(editor)
        reversion.set_comment("Summary tightened")
        case.summary += " KFOR remains in Kosovo."
        case.save()
    with reversion.create_revision():
        reversion.set_user(reviewer)
        case.transition_to(Status.DRAFT, user=reviewer)
    backup = tmp_path / "casebook.json.gz"
    call_command("backup_casebook", str(backup), stdout=StringIO())
    finish(migrating)
    restoring = start_manage(restored_database, "restore_casebook", str(backup))
    original = records(dump_this_database())
    output = finish(restoring)
    restored = records(manage(restored_database, "dumpdata", *COMPARED, "--natural-foreign", "--format", "json"))

    missing = sorted(original - restored)
    unexpected = sorted(restored - original)
    assert not missing and not unexpected, (
        f"{len(missing)} records missing or changed, e.g. {[record[:2] for record in missing[:10]]}, "
        f"{len(unexpected)} unexpected, e.g. {[record[:2] for record in unexpected[:10]]}; "
        f"first difference:\n{(missing or unexpected)[0][2][:2000]}"
    )
    # The comparison covered the content, its history, its authors and the search and facet indexes.
    models = Counter(model for model, _, _ in original)
    assert f"Restored {len(original) - sum(models[model] for model in DERIVED)} records" in output
    assert f"Search index rebuilt: {models['cases.searchdocument']} published records" in output
    shipped_case_studies = len(list((CONTENT_DIR / "cases").glob("*.yaml")))
    assert (
        models["cases.casestudy"] == shipped_case_studies
        and models["cases.citation"] > 100
        and models["reversion.version"] > 100
    )
    assert models["auth.user"] == 2 and models["auth.group"] == 3 and models["cases.searchdocument"] > 100
    assert models["cases.casestudyfacet"] > 10 * 8
    assert any(
        model == "reversion.revision" and '"user": ["editor"]' in fields and "Summary tightened" in fields
        for model, _, fields in restored
    )


def small_casebook_with_history(editor):
    """A case study and a citation of it, saved by an editor as one version."""
    case = make_case("sierra-leone-unamsil")
    source = make_source("unsc-res-1270-1999")
    with reversion.create_revision():
        reversion.set_user(editor)
        citation = cite(case, source, field="start_date")
        reversion.add_to_revision(case)
    return case, citation


def empty_the_database():
    """As after `migrate`: no content, history or accounts; the Editors and Reviewers groups."""
    models = [model for model in reversed(backup_models()) if model is not Group] + [SearchDocument]
    for model in models:
        model._base_manager.all().delete()
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def back_up(path):
    call_command("backup_casebook", str(path), stdout=StringIO())
    return path


def test_the_backup_names_content_types_and_permissions_by_natural_key(tmp_path, editor):
    small_casebook_with_history(editor)
    document = json.loads(back_up(tmp_path / "casebook.json").read_text())
    by_model = {}
    for record in document["objects"]:
        by_model.setdefault(record["model"], []).append(record)
    assert by_model["cases.citation"][0]["fields"]["content_type"] == ["cases", "casestudy"]
    assert {tuple(version["fields"]["content_type"]) for version in by_model["reversion.version"]} == {
        ("cases", "casestudy"),
        ("cases", "citation"),
    }
    editors = next(group for group in by_model["auth.group"] if group["fields"]["name"] == "Editors")
    assert "pk" not in editors
    assert ["add_casestudy", "cases", "casestudy"] in editors["fields"]["permissions"]
    assert by_model["auth.user"][0]["fields"]["groups"] == [["Editors"]]


def test_history_survives_a_database_that_numbers_content_types_differently(tmp_path, editor):
    _, citation = small_casebook_with_history(editor)
    document = json.loads(back_up(tmp_path / "casebook.json").read_text())
    # Pretend the backup comes from a database where case studies were content type 9999.
    here = ContentType.objects.get_for_model(CaseStudy).pk
    document["content_types"]["9999"] = document["content_types"].pop(str(here))
    [version] = [
        record
        for record in document["objects"]
        if record["model"] == "reversion.version" and record["fields"]["content_type"] == ["cases", "citation"]
    ]
    data = json.loads(version["fields"]["serialized_data"])
    assert data[0]["fields"]["content_type"] == here
    data[0]["fields"]["content_type"] = 9999
    version["fields"]["serialized_data"] = json.dumps(data)
    backup = tmp_path / "from-elsewhere.json"
    backup.write_text(json.dumps(document))
    empty_the_database()

    call_command("restore_casebook", str(backup), stdout=StringIO())

    # An editor restores the deleted citation from history: it is again a citation of the case study.
    Citation.objects.get().delete()
    Version.objects.get_for_object_reference(Citation, citation.pk).get().revert()
    assert Citation.objects.get().content_object == CaseStudy.objects.get(slug="sierra-leone-unamsil")
    # Records added after a restore get new ids rather than colliding with restored ones.
    assert make_source("added-after-the-restore").pk > Source.objects.get(key="unsc-res-1270-1999").pk
    assert User.objects.create_user("newcomer").pk > User.objects.get(username="editor").pk


def test_restore_refuses_a_database_that_already_holds_case_studies(tmp_path, editor):
    small_casebook_with_history(editor)
    backup = back_up(tmp_path / "casebook.json")
    with pytest.raises(CommandError, match=r"not empty: it already holds .*1 case study.*nothing was restored"):
        call_command("restore_casebook", str(backup))
    assert CaseStudy.objects.count() == 1 and Citation.objects.count() == 1 and Version.objects.count() == 2


def broken_record_at_the_end(data):
    document = json.loads(gzip.decompress(data))
    document["objects"].append({"model": "cases.casestudy", "pk": 999, "fields": {"start_date": "not a date"}})
    return gzip.compress(json.dumps(document).encode())


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (None, "There is no backup file"),
        (lambda data: data[: len(data) // 2], "damaged gzip file"),
        (lambda data: b"This is not a backup.", "not valid JSON"),
        (lambda data: b'[{"model": "cases.country", "pk": 1, "fields": {}}]', "not a casebook backup"),
        (broken_record_at_the_end, "could not be restored, so nothing was restored"),
    ],
    ids=["missing", "truncated", "not-json", "a-fixture", "broken-record"],
)
def test_a_missing_or_damaged_backup_is_refused_and_restores_nothing(tmp_path, editor, damage, message):
    small_casebook_with_history(editor)
    good = back_up(tmp_path / "casebook.json.gz").read_bytes()
    empty_the_database()
    damaged = tmp_path / "damaged.json.gz"
    if damage:
        damaged.write_bytes(damage(good))
    with pytest.raises(CommandError, match=message):
        call_command("restore_casebook", str(damaged))
    assert_nothing_restored()


def assert_nothing_restored():
    assert not Source.objects.exists() and not CaseStudy.objects.exists() and not Citation.objects.exists()
    assert not User.objects.exists() and not Revision.objects.exists() and not Version.objects.exists()


def test_a_good_backup_restores_and_its_history_can_be_read(tmp_path, editor, client):
    source = make_source("unsc-res-1270-1999")
    with reversion.create_revision():
        reversion.set_user(editor)
        case = make_case("sierra-leone-unamsil", summary="Deployed in 1999.[[cite:unsc-res-1270-1999|para. 9]]")
        cite(case, source, field="start_date")
    backup = back_up(tmp_path / "casebook.json.gz")
    original = records(dump_this_database())
    empty_the_database()

    output = StringIO()
    call_command("restore_casebook", str(backup), stdout=output)

    assert records(dump_this_database()) == original
    rebuilt = sum(1 for model, _, _ in original if model in DERIVED)
    assert f"Restored {len(original) - rebuilt} records" in output.getvalue()
    assert client.get(f"/cases/{case.slug}/history/").status_code == 200


def damaged_backup(tmp_path, damage):
    """A real backup of this database, its list of records edited by `damage`; the database emptied."""
    document = json.loads(back_up(tmp_path / "casebook.json").read_text())
    damage(document["objects"])
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(document))
    empty_the_database()
    return damaged


def record_of(objects, obj):
    """The backup's record of `obj`."""
    return next(record for record in objects if record["model"] == obj._meta.label_lower and record["pk"] == obj.pk)


def version_of(objects, obj):
    """The backup's record of the one version of `obj`."""
    [version] = [
        record
        for record in objects
        if record["model"] == "reversion.version"
        and record["fields"]["content_type"] == [obj._meta.app_label, obj._meta.model_name]
        and record["fields"]["object_id"] == str(obj.pk)
    ]
    return version


def refusal(backup):
    """The message the restore refuses `backup` with, having written nothing."""
    with pytest.raises(CommandError) as refused:
        call_command("restore_casebook", str(backup), stdout=StringIO())
    assert_nothing_restored()
    message = str(refused.value)
    assert "could not be restored, so nothing was restored" in message
    return message


def with_fields(**fields):
    def edit(data):
        data[0]["fields"].update(fields)
        return json.dumps(data)

    return edit


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda data: "{not json", "its data cannot be read: Expecting property name"),
        (lambda data: "", "serialized_data: This field cannot be blank."),
        (lambda data: "[]", "its data must be one cases.casestudy, the record it is a version of"),
        (with_fields(start_date="not a date"), "its data cannot be read: “not a date” value has an invalid date"),
        (lambda data: json.dumps([{**data[0], "model": "cases.nosuchmodel"}]), "its data must be one cases.casestudy"),
        (lambda data: json.dumps([{**data[0], "model": "cases.source"}]), "its data must be one cases.casestudy"),
    ],
    ids=["not-json", "empty", "no-record", "bad-date", "unknown-model", "another-model"],
)
def test_a_version_whose_data_cannot_be_read_is_refused_naming_it(tmp_path, editor, edit, problem):
    case, _ = small_casebook_with_history(editor)
    version = Version.objects.get_for_object(case).get()

    def damage(objects):
        fields = version_of(objects, case)["fields"]
        fields["serialized_data"] = edit(json.loads(fields["serialized_data"]))

    message = refusal(damaged_backup(tmp_path, damage))
    assert f"reversion.version #{version.pk}: {problem}" in message


def test_version_data_with_a_field_the_model_no_longer_has_is_restored(tmp_path, editor):
    """History reads such data, ignoring the field; so does the restore."""
    case, _ = small_casebook_with_history(editor)

    def damage(objects):
        fields = version_of(objects, case)["fields"]
        fields["serialized_data"] = with_fields(removed_field=1, title="Old title")(
            json.loads(fields["serialized_data"])
        )

    call_command("restore_casebook", str(damaged_backup(tmp_path, damage)), stdout=StringIO())
    assert Version.objects.get_for_object(case).get().field_dict["title"] == "Old title"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"title": ""}, "title: This field cannot be blank."),
        ({"title": "x" * 201}, "title: Ensure this value has at most 200 characters (it has 201)."),
        ({"mandate_type": "invasion"}, "mandate_type: Value 'invasion' is not a valid choice."),
        ({"status": "lost"}, "Constraint “casestudy_status_valid” is violated."),  # Not editable: no choice check.
        ({"summary": "See [[cite:Not A Key]]."}, "summary: “[[cite:Not A Key]]” has no valid source key"),
        ({"end_date": "1990-01-01"}, "end_date: The end date cannot be before the start date."),
        ({"start_date": "not a date"}, "“not a date” value has an invalid date format"),
        ({"no_such_field": 1}, "CaseStudy has no field named 'no_such_field'"),
    ],
    ids=[
        "no-title",
        "long-title",
        "bad-choice",
        "bad-status",
        "bad-citation",
        "ends-before-start",
        "bad-date",
        "unknown-field",
    ],
)
def test_a_record_that_fails_the_models_validation_is_refused_naming_it(tmp_path, editor, fields, problem):
    case, _ = small_casebook_with_history(editor)
    message = refusal(damaged_backup(tmp_path, lambda objects: record_of(objects, case)["fields"].update(fields)))
    assert f"cases.casestudy #{case.pk}: {problem}" in message


def test_every_record_breaking_a_constraint_is_named_not_only_the_first(tmp_path, editor):
    case, _ = small_casebook_with_history(editor)

    def damage(objects):
        record_of(objects, case)["fields"]["status"] = "lost"
        twin = json.loads(json.dumps(record_of(objects, case)))
        twin["pk"] = case.pk + 1
        twin["fields"]["slug"] = "a-second-case"
        objects.append(twin)

    message = refusal(damaged_backup(tmp_path, damage))
    for pk in (case.pk, case.pk + 1):
        assert f"cases.casestudy #{pk}: Constraint “casestudy_status_valid” is violated." in message


def test_a_duplicated_record_id_is_refused_naming_the_record(tmp_path, editor):
    _, citation = small_casebook_with_history(editor)
    source = citation.source

    def damage(objects):
        copy = json.loads(json.dumps(record_of(objects, source)))
        copy["fields"]["key"] = "a-second-source"
        objects.append(copy)

    message = refusal(damaged_backup(tmp_path, damage))
    assert f"cases.source #{source.pk}: another cases.source in the backup has the same id" in message


def test_a_duplicated_unique_value_is_refused_naming_both_records(tmp_path, editor):
    case, _ = small_casebook_with_history(editor)

    def damage(objects):
        copy = json.loads(json.dumps(record_of(objects, case)))
        copy["pk"] = case.pk + 100
        objects.append(copy)

    message = refusal(damaged_backup(tmp_path, damage))
    assert f"cases.casestudy #{case.pk + 100}: it has the same slug as cases.casestudy #{case.pk}" in message


def test_the_refusal_lists_the_first_problems_and_counts_the_others(tmp_path, editor):
    case, _ = small_casebook_with_history(editor)

    def damage(objects):
        objects.extend({**record_of(objects, case), "pk": case.pk + n} for n in range(1, 16))

    message = refusal(damaged_backup(tmp_path, damage))
    assert message.count(f"it has the same slug as cases.casestudy #{case.pk}") == 10
    assert message.endswith("and 5 more problems.")


def test_a_backup_that_cannot_be_written_fails_with_a_clear_message(tmp_path, editor):
    small_casebook_with_history(editor)
    target = tmp_path / "no-such-folder" / "casebook.json"
    with pytest.raises(CommandError, match="Cannot write the backup to .*No such file or directory"):
        call_command("backup_casebook", str(target), stdout=StringIO())
    assert not target.parent.exists()
