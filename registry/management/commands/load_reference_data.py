from django.core.management.base import BaseCommand

from registry.reference import load_reference_data


class Command(BaseCommand):
    help = "Load the reference lists from fixtures/ (idempotent); run once on a fresh installation."

    def handle(self, *args, **options):
        created = load_reference_data()
        self.stdout.write(f"Reference lists loaded: {created} new terms.")
