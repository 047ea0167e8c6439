from django.core.management.base import BaseCommand

from cases import search


class Command(BaseCommand):
    help = "Rebuild the full-text search index from the published records (after bulk imports)."

    def handle(self, *args, **options):
        count = search.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} published records."))
