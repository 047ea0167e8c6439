"""The Editors and Reviewers groups, with exactly the permissions each role needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITED_MODELS = [
    "casestudy", "organization", "challenge", "source", "country", "objective", "citation",
    "caseorganization", "casechallenge", "timelineevent", "strengthfigure", "legalinstrument", "contribution",
]
PUBLISHABLE = ["casestudy", "organization", "challenge", "source"]


def editor_codenames():
    # Editors may delete rows, but ModelAdmin.has_delete_permission keeps published records
    # for superusers only.
    return [f"{action}_{model}" for model in EDITED_MODELS for action in ("view", "add", "change", "delete")]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    cases_permissions = Permission.objects.filter(content_type__app_label="cases")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(cases_permissions.filter(codename__in=editor_codenames()))
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    reviewers.permissions.set(
        cases_permissions.filter(codename__in=editor_codenames() + [f"publish_{model}" for model in PUBLISHABLE])
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
