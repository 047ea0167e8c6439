from django.core.management.base import BaseCommand

from cases import derived


class Command(BaseCommand):
    help = (
        "Derive again everything derived from the records (rendered text, search index, facet index, "
        "peak strengths), after bulk imports that bypass the models."
    )

    def handle(self, *args, **options):
        count = derived.rebuild_all()
        self.stdout.write(self.style.SUCCESS(f"Rendered every text again and indexed {count} published records."))
