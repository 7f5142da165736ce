from django.core.management.base import BaseCommand

from roadmaps.templates_loader import load_roadmap_templates


class Command(BaseCommand):
    help = "Load the roadmap samples of fixtures/roadmap_templates (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(f"Roadmap samples loaded: {load_roadmap_templates()} new.")
