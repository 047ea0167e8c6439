from django.core.management.base import BaseCommand, CommandError

from cases.content_loader import CONTENT_DIR, ContentError, load_content


class Command(BaseCommand):
    help = (
        "Load the casebook's content from its YAML files. Idempotent: records already as the "
        "files describe them are left untouched, so running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CONTENT_DIR), help="Folder of content files (default: %(default)s).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change, and change nothing.")

    def handle(self, *args, path, dry_run, **options):
        try:
            report = load_content(path, dry_run=dry_run)
        except ContentError as error:
            raise CommandError(f"Content not loaded: {error}") from None
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run: {report.changed} change(s) found, nothing written."))
        elif report.changed:
            self.stdout.write(self.style.SUCCESS(f"Content loaded: {report.changed} record(s) created or updated."))
        else:
            self.stdout.write(self.style.SUCCESS("Content already up to date: nothing changed."))
