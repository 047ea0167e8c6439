from django.core.management.base import BaseCommand

from cases.releases import make_release


class Command(BaseCommand):
    help = (
        "Release a new version of the full dump of the published casebook (/downloads/) if published "
        "content changed since the last one. Run it after load_content and on a schedule (e.g. hourly)."
    )

    def handle(self, *args, **options):
        number, made = make_release()
        if made:
            self.stdout.write(self.style.SUCCESS(f"Released casebook-{number}.json."))
        else:
            self.stdout.write(f"Published content is unchanged since casebook-{number}.json: nothing released.")
