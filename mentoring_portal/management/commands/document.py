"""``manage.py document <kind> <pk> --format pdf|docx [--output FILE]``: any document the portal prints.

The same exporters as the views and the tests, so a document rendered here is the one a user downloads.
It sits above the apps, as ``load_demo`` does: only this command knows the documents of all three.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monitoring.models import MonitoringPeriod
from monitoring.reports import AnalyticalReport, SchoolReportDocument
from registry.documents import ConsentDocument, CuratorOrderDocument, OrderDocument, ProgramDocument
from registry.models import Membership, MentoringOrder, Organisation, Person, Program, Role
from roadmaps.documents import RoadmapDocument
from roadmaps.models import Roadmap


def _get(model, pk: int, queryset=None):
    try:
        return (queryset if queryset is not None else model.objects).get(pk=pk)
    except model.DoesNotExist:
        raise CommandError(f"{model._meta.verbose_name} {pk}: нет такой записи.") from None


def _consent(pk: int, options: dict):
    person = _get(Person, pk)
    role = options["role"] or ("mentor" if hasattr(person, "mentor_profile") else "mentee")
    return ConsentDocument(), (person, role)


def _roadmap(pk: int, options: dict):
    roadmap = _get(Roadmap, pk)
    revisions = roadmap.revisions.all()
    revision = revisions.filter(number=options["revision"]).first() if options["revision"] else revisions.first()
    if revision is None:
        raise CommandError(f"У дорожной карты {pk} нет редакции {options['revision'] or ''}.".replace("  ", " "))
    return RoadmapDocument(), (revision,)


def _school_report(pk: int, options: dict):
    if not options["organisation"]:
        raise CommandError("Для отчёта организации укажите --organisation <pk>.")
    return SchoolReportDocument(), (_get(MonitoringPeriod, pk), _get(Organisation, options["organisation"]))


def _program(pk: int, options: dict):
    program = _get(Program, pk)
    if program.group is None:
        raise CommandError(f"Программа {pk} — образец в банке программ, без пары: её не печатают.")
    return ProgramDocument(), (program,)


KINDS = {
    "order": lambda pk, options: (OrderDocument(), (_get(MentoringOrder, pk),)),
    "curator-order": lambda pk, options: (
        CuratorOrderDocument(),
        (_get(Membership, pk, Membership.objects.filter(role=Role.CURATOR)),),
    ),
    "program": _program,
    "consent": _consent,
    "roadmap": _roadmap,
    "school-report": _school_report,
    "analytical-report": lambda pk, options: (AnalyticalReport(), (_get(MonitoringPeriod, pk),)),
}


class Command(BaseCommand):
    help = (
        "Render a document as PDF or Word with the portal's own exporters: "
        "order (pk of the order), curator-order (pk of the curator's role), program, consent (pk of the person, "
        "--role), roadmap (pk of the roadmap, --revision), school-report (pk of the period, --organisation), "
        "analytical-report (pk of the period)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("pk", type=int)
        parser.add_argument("--format", choices=["pdf", "docx"], default="pdf")
        parser.add_argument("--output", help="the file to write; by default the document's own name, here")
        parser.add_argument("--role", choices=["mentor", "mentee"], help="consent: as a mentor or as a mentee")
        parser.add_argument("--organisation", type=int, help="school-report: the organisation's pk")
        parser.add_argument("--revision", type=int, help="roadmap: the revision's number (the latest by default)")

    def handle(self, *args, kind: str, pk: int, format: str, output: str | None, **options):
        exporter, arguments = KINDS[kind](pk, options)
        filename, _content_type, content = exporter.render(*arguments, format=format)
        path = Path(output or filename)
        path.write_bytes(content)
        self.stdout.write(f"{path} ({len(content):,} bytes)".replace(",", " "))
