"""What of the roadmaps waits on the home page: approvals, returns, and the month's items.

The director approves a submitted school roadmap right from the home page, the head of the
department the municipal one; the curator sees a roadmap returned with its comment; the
coordinator the municipal roadmap's items due this month. The organisation table of the
municipal home page gets the roadmap's state and how much of it is done.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from mentoring_portal.desk import (
    LINES_SHOWN,
    Block,
    Cell,
    Column,
    Desk,
    Line,
    Waiting,
    contributor,
    organisation_column,
)
from registry.models import Organisation, Role

from .models import Item, Revision, Roadmap
from .overview import STATE_LABELS, progress_rows


def _revision_lines(desk: Desk, revisions, *, include: str = "") -> list[Line]:
    if not desk.full:
        return []
    lines = []
    for revision in revisions.select_related("roadmap__organisation").order_by("-submitted_at", "-pk")[:LINES_SHOWN]:
        roadmap = revision.roadmap
        when = revision.submitted_at or revision.created_at
        note = revision.return_comment if revision.status == Revision.Status.RETURNED else ""
        lines.append(Line(roadmap.title, roadmap.get_absolute_url(), when, note, include=include, obj=revision))
    return lines


def to_approve(desk: Desk, block: Block, revisions) -> None:
    block.add(
        Waiting(
            key="roadmaps_to_approve",
            title=_("Дорожные карты ждут утверждения"),
            count=revisions.count(),
            url=reverse("roadmaps:roadmap_list"),
            menu="roadmaps",
            lines=_revision_lines(desk, revisions, include="roadmaps/desk_approve.html"),
        )
    )


def returned(desk: Desk, block: Block, revisions) -> None:
    block.add(
        Waiting(
            key="roadmaps_returned",
            title=_("Дорожные карты возвращены на доработку"),
            count=revisions.count(),
            url=reverse("roadmaps:roadmap_list"),
            menu="roadmaps",
            lines=_revision_lines(desk, revisions),
            action=_("Исправить и отправить снова"),
        )
    )


def due_this_month(desk: Desk, block: Block) -> None:
    """The municipal roadmap's items whose control date falls in this month (or has passed) and are not done."""
    today = desk.today
    month_end = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    items = Item.objects.filter(
        revision__status=Revision.Status.APPROVED,
        revision__roadmap__municipality_id=block.municipality_id,
        revision__roadmap__level=Roadmap.Level.MUNICIPAL,
        revision__roadmap__is_template=False,
        due_date__lte=month_end,
        due_date__gte=today.replace(day=1),
    ).exclude(status__in=[Item.Status.DONE, Item.Status.CANCELLED])
    lines = []
    if desk.full:
        for item in items.select_related("revision__roadmap").order_by("due_date", "position")[:LINES_SHOWN]:
            roadmap = item.revision.roadmap
            url = reverse("roadmaps:item_track", args=[roadmap.pk, item.pk])
            lines.append(Line(f"{item.number} {item.content}", url, item.due_date, item.deadline))
    block.add(
        Waiting(
            key="municipal_items_due",
            title=_("Пункты муниципальной дорожной карты со сроком в этом месяце"),
            count=items.count(),
            url=reverse("roadmaps:roadmap_list"),
            menu="roadmaps",
            lines=lines,
        )
    )


@contributor
def roadmaps_desk(desk: Desk) -> None:
    plans = Revision.objects.filter(roadmap__is_template=False)
    submitted, sent_back = plans.filter(status=Revision.Status.SUBMITTED), plans.filter(status=Revision.Status.RETURNED)
    for block in desk.of(Role.DIRECTOR):
        to_approve(desk, block, submitted.filter(roadmap__organisation_id=block.organisation_id))
    for block in desk.of(Role.HEAD):
        to_approve(desk, block, submitted.filter(_municipal(block)))
    for block in desk.of(Role.CURATOR):
        returned(desk, block, sent_back.filter(roadmap__organisation_id=block.organisation_id))
    for block in desk.of(Role.COORDINATOR):
        returned(desk, block, sent_back.filter(_municipal(block)))
        due_this_month(desk, block)


def _municipal(block: Block) -> Q:
    return Q(roadmap__municipality_id=block.municipality_id, roadmap__level=Roadmap.Level.MUNICIPAL)


@organisation_column
def roadmap_columns(organisations: list[Organisation], today: datetime.date) -> list[Column]:
    rows = {row["organisation"].pk: row for row in progress_rows(organisations)}
    order = list(STATE_LABELS)
    state, done = {}, {}
    for pk, row in rows.items():
        url = row["roadmap"].get_absolute_url() if row["roadmap"] else ""
        state[pk] = Cell(str(row["state_label"]), order.index(row["state"]) if row["state"] in order else 9, url)
        text = f"{row['percent']} %" if row["has_approved"] else "—"
        if row["overdue"]:
            text += " " + _("(просрочено: %(n)s)") % {"n": row["overdue"]}
        done[pk] = Cell(text, row["percent"] if row["has_approved"] else -1, late=bool(row["overdue"]))
    return [Column("roadmap", _("Дорожная карта"), state), Column("roadmap_done", _("Выполнено"), done)]
