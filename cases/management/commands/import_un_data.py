import datetime

from django.core.management.base import BaseCommand, CommandError

from cases.un_data import DATASETS, UNDataError, import_un_data, relink_un_data

# Below this many rows an import is quick enough to need no progress line.
PROGRESS_FROM_ROWS = 1000


class Command(BaseCommand):
    help = (
        "Import a dataset of the UN Peace and Security Data Hub (https://psdata.un.org) from its CSV "
        "or JSON file as published. All or nothing: a bad row is named and nothing is written. "
        "Importing the same file twice changes nothing. --relink links imported rows to the "
        "casebook's missions and countries again, after content changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="The hub's CSV or JSON file.")
        parser.add_argument("--dataset", choices=list(DATASETS), help="Which dataset the file holds.")
        parser.add_argument(
            "--provenance",
            help="YAML file describing the dataset (default: <file name>.provenance.yaml beside the file, "
            "else the hub's own description and the file's last_update).",
        )
        parser.add_argument(
            "--last-update",
            type=datetime.date.fromisoformat,
            help="When the hub last updated the dataset (YYYY-MM-DD), for a file with neither a provenance "
            "file nor a last_update column.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would change, and change nothing.")
        parser.add_argument(
            "--relink", action="store_true", help="Link every imported row to the casebook's missions again."
        )

    def handle(self, *args, file, dataset, provenance, last_update, dry_run, relink, **options):
        if relink:
            if file:
                raise CommandError("--relink takes no file.")
            self.report_relink(relink_un_data(dry_run=dry_run), dry_run)
            return
        if not file or not dataset:
            raise CommandError("Give the file and --dataset (one of: " + ", ".join(DATASETS) + "), or --relink.")
        try:
            report = import_un_data(
                file, dataset, provenance=provenance, last_update=last_update, dry_run=dry_run, progress=self.progress
            )
        except UNDataError as error:
            raise CommandError(f"Nothing imported. {error}") from None
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run: {report.changed} change(s) found, nothing written."))
        elif report.changed:
            self.stdout.write(self.style.SUCCESS(f"Imported {report.dataset}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{report.dataset} already up to date: nothing changed."))

    def progress(self, done, total, phase):
        if total >= PROGRESS_FROM_ROWS:
            self.stderr.write(f"  {done:,} of {total:,} rows {phase}", ending="\n" if done == total else "\r")
            self.stderr.flush()

    def report_relink(self, changes, dry_run):
        for label, count in changes.items():
            self.stdout.write(f"  {label}: {count} changed")
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run: {sum(changes.values())} change(s) found, nothing written."))
        elif changes:
            self.stdout.write(self.style.SUCCESS("Links updated."))
        else:
            self.stdout.write(self.style.SUCCESS("Every link already up to date: nothing changed."))
