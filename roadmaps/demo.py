"""Demo roadmaps: the municipal plan approved by the head of the department, school 2's plan
approved and half done (so the overview has progress to show), and school 1's plan drafted by
its curator and submitted, so the director finds it waiting for approval."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mentoring_portal.concurrency import bulk_update
from registry.models import Municipality, Organisation
from registry.years import previous_year, year_of

from .models import Item, Revision, Roadmap
from .services import read_deadline, revision_approve, revision_submit, roadmap_create
from .templates_loader import load_roadmap_templates


@transaction.atomic
def build_demo_roadmaps(municipality: Municipality, *, approved: Organisation, waiting: Organisation) -> bool:
    """The demo's roadmaps, each part made once; returns whether anything was added."""
    load_roadmap_templates()
    added = False
    plans = Roadmap.objects.filter(municipality=municipality, is_template=False)
    if not plans.exclude(organisation=waiting).exists():
        build_approved_roadmaps(municipality, approved)
        added = True
    if not plans.filter(organisation=waiting).exists():
        build_waiting_roadmap(waiting)
        added = True
    return added


def sample(level: str) -> Revision:
    """The seeds' sample of that level, which every demo plan starts from."""
    return Roadmap.objects.get(is_template=True, municipality__isnull=True, level=level).revisions.first()


def build_approved_roadmaps(municipality: Municipality, school: Organisation) -> None:
    """The municipal plan approved by the head, and ``school``'s plan approved by its director, half done."""
    User = get_user_model()
    year = timezone.localdate().year
    coordinator, head = User.objects.get(username="coordinator"), User.objects.get(username="head")
    municipal = roadmap_create(
        user=coordinator,
        level=Roadmap.Level.MUNICIPAL,
        municipality=municipality,
        title=f"Дорожная карта внедрения целевой модели наставничества на {year} год",
        period=str(year),
        basis=f"Приказ отдела образования от 15.01.{year} № 12-д",
        source=sample(Roadmap.Level.MUNICIPAL),
    )
    _approve(municipal.revisions.first(), coordinator, head, f"№ 15-д от 20.01.{year}")

    curator, director = User.objects.get(username="curator2"), User.objects.get(username="director2")
    deadlines = ["сентябрь {0}", "октябрь {0}", "до 20 ноября {0} г.", "декабрь {0}", "в течение года", "май {1}"]
    this_year = year_of(municipality)
    build_archived_roadmap(school, curator, director, previous_year(this_year), deadlines)
    first_year = this_year.starts_on.year
    revision = _school_plan(curator, school, first_year, deadlines)
    _approve(revision, curator, director, f"№ 101-о от 01.09.{first_year}")
    items = list(revision.items.all())
    for item in items[: len(items) // 2]:
        item.status, item.done_on = Item.Status.DONE, item.due_date or datetime.date(year - 1, 12, 1)
        item.evidence_note = "Приказ и протокол размещены на сайте"
    bulk_update(Item, items[: len(items) // 2], ["status", "done_on", "evidence_note"])


def build_archived_roadmap(school: Organisation, curator, director, year, deadlines: list[str]) -> None:
    """Last academic year's plan of ``school``, approved and done, in a year already archived."""
    first_year = year.starts_on.year
    revision = _school_plan(curator, school, first_year, deadlines, academic_year=year)
    _approve(revision, curator, director, f"№ 98-о от 01.09.{first_year}")
    items = list(revision.items.all())
    for item in items:
        item.status, item.done_on = Item.Status.DONE, item.due_date or year.ends_on
        item.evidence_note = "Выполнено, отчёт на сайте"
    bulk_update(Item, items, ["status", "done_on", "evidence_note"])
    if year.archived_at is None:
        year.archived_at = timezone.make_aware(datetime.datetime.combine(year.ends_on, datetime.time(18)))
        year.save(update_fields=["archived_at"])


def build_waiting_roadmap(school: Organisation) -> Revision:
    """The curator's plan for the current school year (the next one from June), submitted, not yet approved."""
    today = timezone.localdate()
    first_year = today.year if today.month >= 6 else today.year - 1
    curator = get_user_model().objects.get(username="curator")
    deadlines = ["январь {1}", "февраль {1}", "до 20 марта {1} г.", "апрель {1}", "в течение года", "май {1}"]
    revision = _school_plan(curator, school, first_year, deadlines)
    revision_submit(user=curator, revision=revision, version=revision.version)
    return revision


def _school_plan(curator, school: Organisation, first_year: int, deadlines: list[str], academic_year=None) -> Revision:
    """A school's draft from the seeds' sample, every item with a deadline (read into a date) and a responsible."""
    plan = roadmap_create(
        user=curator,
        level=Roadmap.Level.SCHOOL,
        organisation=school,
        title=f"Дорожная карта реализации программы наставничества {school.short_name}",
        period=f"{first_year}–{first_year + 1} учебный год",
        source=sample(Roadmap.Level.SCHOOL),
        academic_year=academic_year,
    )
    revision = plan.revisions.first()
    items = list(revision.items.all())
    for index, item in enumerate(items):
        item.deadline = deadlines[index % len(deadlines)].format(first_year, first_year + 1)
        item.responsible = "Куратор наставничества"
        read_deadline(item, plan.period)
    bulk_update(Item, items, ["deadline", "responsible", "deadline_kind", "due_date"])
    revision.refresh_from_db()
    return revision


def _approve(revision: Revision, author, approver, order: str) -> None:
    revision_submit(user=author, revision=revision, version=revision.version)
    revision.refresh_from_db()
    revision_approve(user=approver, revision=revision, version=revision.version, order=order)
