from django.core.management.base import BaseCommand

from cases import facet_index, search


class Command(BaseCommand):
    help = "Rebuild the full-text search index and the facet index from the published records (after bulk imports)."

    def handle(self, *args, **options):
        count = search.rebuild()
        facet_index.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} published records."))
