"""Demo roadmaps: the municipal plan approved by the head of the department, and one school's
approved plan partly done, so the overview has something to show. School 1 has none: the
browser journey builds it."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mentoring_portal.concurrency import bulk_update
from registry.models import Municipality, Organisation

from .models import Item, Revision, Roadmap
from .services import revision_approve, revision_submit, roadmap_create
from .templates_loader import load_roadmap_templates


@transaction.atomic
def build_demo_roadmaps(municipality: Municipality, school: Organisation) -> bool:
    load_roadmap_templates()
    if Roadmap.objects.filter(municipality=municipality, is_template=False).exists():
        return False
    User = get_user_model()
    year = timezone.localdate().year
    samples = Roadmap.objects.filter(is_template=True, municipality__isnull=True)
    municipal_sample = samples.get(level=Roadmap.Level.MUNICIPAL).revisions.first()
    school_sample = samples.get(level=Roadmap.Level.SCHOOL).revisions.first()

    coordinator, head = User.objects.get(username="coordinator"), User.objects.get(username="head")
    municipal = roadmap_create(
        user=coordinator,
        level=Roadmap.Level.MUNICIPAL,
        municipality=municipality,
        title=f"Дорожная карта внедрения целевой модели наставничества на {year} год",
        period=str(year),
        basis=f"Приказ отдела образования от 15.01.{year} № 12-д",
        source=municipal_sample,
    )
    _approve(municipal.revisions.first(), coordinator, head, f"№ 15-д от 20.01.{year}")

    curator, director = User.objects.get(username="curator2"), User.objects.get(username="director2")
    plan = roadmap_create(
        user=curator,
        level=Roadmap.Level.SCHOOL,
        organisation=school,
        title=f"Дорожная карта реализации программы наставничества {school.short_name}",
        period=f"{year - 1}–{year} учебный год",
        source=school_sample,
    )
    revision = plan.revisions.first()
    deadlines = ["сентябрь {0}", "октябрь {0}", "до 20 ноября {0} г.", "декабрь {0}", "в течение года", "май {1}"]
    items = list(revision.items.all())
    for index, item in enumerate(items):
        item.deadline = deadlines[index % len(deadlines)].format(year - 1, year)
        item.responsible = "Куратор наставничества"
    bulk_update(Item, items, ["deadline", "responsible"])
    from .services import read_deadline

    for item in items:
        read_deadline(item, plan.period)
    bulk_update(Item, items, ["deadline_kind", "due_date"])
    _approve(revision, curator, director, f"№ 101-о от 01.09.{year - 1}")
    for item in items[: len(items) // 2]:
        item.status, item.done_on = Item.Status.DONE, item.due_date or datetime.date(year - 1, 12, 1)
        item.evidence_note = "Приказ и протокол размещены на сайте"
    bulk_update(Item, items[: len(items) // 2], ["status", "done_on", "evidence_note"])
    return True


def _approve(revision: Revision, author, approver, order: str) -> None:
    revision_submit(user=author, revision=revision, version=revision.version)
    revision.refresh_from_db()
    revision_approve(user=approver, revision=revision, version=revision.version, order=order)
