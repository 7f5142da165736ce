"""The demo municipality, its schools, people, roadmaps and monitoring, with the demo accounts.

It sits above the apps: each builds its own part (``registry.demo``, ``roadmaps.demo``,
``monitoring.demo``), and only this command knows all three.
"""

import time

from django.core.management.base import BaseCommand

from monitoring.demo import build_demo_monitoring
from registry.demo import (
    DEMO_PASSWORD,
    DemoBuilder,
    build_demo_bank_program,
    build_demo_draft_order,
    build_demo_mentor_agenda,
    build_demo_requisites,
)
from roadmaps.demo import build_demo_roadmaps


class Command(BaseCommand):
    help = "Load the demo municipality and accounts (idempotent); --scale region adds ~100,000 people for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "region"], default="demo")

    def handle(self, *args, scale, **options):
        started = time.monotonic()
        builder = DemoBuilder()
        result = builder.build(scale=scale)
        accounts = builder.ensure_accounts()
        municipality, schools = builder.demo_municipality_and_schools()
        # The journeys' starting points, each made once: school 1's roadmap waiting for its director,
        # a program in the bank, the mentor's week, a concluded monitoring period (last: it freezes the
        # figures of everything above) beside the open one.
        added = [
            build_demo_roadmaps(municipality, approved=schools[1], waiting=schools[0]),
            build_demo_bank_program(schools[0]),
            build_demo_mentor_agenda(),
            build_demo_draft_order(schools[0]),  # a draft order for school 1's director to sign
            build_demo_requisites(municipality, schools),  # what the documents print at the top
            build_demo_monitoring(municipality),
            # The region's second municipality: its own reported period, so the region compares two.
            build_demo_monitoring(builder.second_municipality()),
        ]
        if result.created:
            self.stdout.write(
                f"Demo data loaded in {time.monotonic() - started:.1f} s: {result.municipalities} municipalities, "
                f"{result.organisations} organisations, {result.people} people."
            )
        elif any(added):
            self.stdout.write("Demo data completed: the parts an earlier load did not make were added.")
        else:
            self.stdout.write("Demo data already present; nothing loaded.")
        self.stdout.write(f"Demo accounts (password «{DEMO_PASSWORD}»):")
        for username, description in accounts:
            self.stdout.write(f"  {username:<12} {description}")
