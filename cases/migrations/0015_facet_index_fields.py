from django.db import migrations, models


def clear(apps, schema_editor):
    # Derived rows: emptied here, written again with their new columns at the end.
    apps.get_model("cases", "CaseStudyFacet").objects.all().delete()


def rebuild(apps, schema_editor):
    if apps.get_model("cases", "CaseStudy").objects.exists():
        from cases import facet_index

        facet_index.rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_facets_by_id_index"),
    ]

    operations = [
        migrations.RunPython(clear, migrations.RunPython.noop),
        migrations.AddField(
            model_name="casestudyfacet",
            name="region",
            field=models.CharField(
                choices=[
                    ("africa", "Africa"),
                    ("americas", "Americas"),
                    ("asia", "Asia"),
                    ("europe", "Europe"),
                    ("middle-east", "Middle East"),
                    ("oceania", "Oceania"),
                ],
                default="",
                max_length=12,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casestudyfacet",
            name="mandate_type",
            field=models.CharField(
                choices=[
                    ("observer", "Observer"),
                    ("traditional", "Traditional peacekeeping"),
                    ("multidimensional", "Multidimensional"),
                    ("enforcement", "Enforcement / stabilisation"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casestudyfacet",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("completed", "Mandate completed"),
                    ("transitioned", "Transitioned to a successor"),
                    ("withdrawn", "Withdrawn or terminated"),
                    ("ongoing", "Ongoing"),
                ],
                default="",
                max_length=12,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casestudyfacet",
            name="ongoing",
            field=models.BooleanField(default=False),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="casestudyfacet",
            index=models.Index(
                fields=["facet", "region", "mandate_type", "outcome", "ongoing", "option"],
                name="casestudyfacet_by_fields_idx",
            ),
        ),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]
