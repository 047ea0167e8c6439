from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.content_loader import CONTENT_DIR, ContentError
from cases.coverage import coverage_table, with_table


class Command(BaseCommand):
    help = (
        "Print the casebook's coverage, every operation in the content files, as a Markdown table; "
        "with --write, put it between the coverage-table markers of a file such as README.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CONTENT_DIR), help="Folder of content files (default: %(default)s).")
        parser.add_argument("--write", metavar="FILE", help="Replace the table between the markers in FILE.")

    def handle(self, *args, path, write, **options):
        try:
            table = coverage_table(path)
        except ContentError as error:
            raise CommandError(f"No table made: {error}") from None
        if not write:
            self.stdout.write(table, ending="")
            return
        target = Path(write)
        try:
            text = target.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read {target}: {error.strerror}.") from None
        try:
            updated = with_table(text, table, name=str(target))
        except ValueError as error:
            raise CommandError(f"{error} Nothing was written.") from None
        if updated == text:
            self.stdout.write(self.style.SUCCESS(f"{target}: the coverage table is already up to date."))
            return
        target.write_text(updated, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"{target}: coverage table updated."))
