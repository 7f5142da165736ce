"""The coordinator's overview: every organisation of the municipality with its roadmap's state and progress."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import overview_organisations
from .models import Item, Revision, Roadmap

STATE_LABELS = {
    "none": _("нет дорожной карты"),
    "draft": _("черновик"),
    "submitted": _("ждёт утверждения"),
    "returned": _("возвращена"),
    "approved": _("утверждена"),
}


def overview_rows(user) -> list[dict]:
    """Every organisation of the user's municipalities with its roadmap state and progress, in four queries."""
    return progress_rows(list(overview_organisations(user).only("short_name", "kind")))


def progress_rows(organisations: list) -> list[dict]:
    """The given organisations, each with its roadmap state and progress, in three queries."""
    roadmaps = {
        roadmap.organisation_id: roadmap
        for roadmap in Roadmap.objects.filter(organisation__in=organisations, is_template=False)
        .order_by("organisation_id", "-created_at")
        .distinct("organisation_id")
    }
    revisions: dict[int, list[Revision]] = {}
    for revision in Revision.objects.filter(roadmap__in=roadmaps.values()).order_by("roadmap_id", "-number"):
        revisions.setdefault(revision.roadmap_id, []).append(revision)
    approved_ids = [
        next((r.pk for r in found if r.status == Revision.Status.APPROVED), None) for found in revisions.values()
    ]
    today = timezone.localdate()
    totals = {
        row["revision_id"]: row
        for row in Item.objects.filter(revision_id__in=[pk for pk in approved_ids if pk])
        .values("revision_id")
        .annotate(
            total=Count("pk", filter=~Q(status=Item.Status.CANCELLED)),
            done=Count("pk", filter=Q(status=Item.Status.DONE)),
            overdue=Count(
                "pk", filter=Q(due_date__lt=today) & ~Q(status__in=[Item.Status.DONE, Item.Status.CANCELLED])
            ),
        )
    }
    rows = []
    for organisation in organisations:
        roadmap = roadmaps.get(organisation.pk)
        found = revisions.get(roadmap.pk, []) if roadmap else []
        latest = found[0] if found else None
        approved = next((r for r in found if r.status == Revision.Status.APPROVED), None)
        figures = totals.get(approved.pk, {}) if approved else {}
        state = "none" if latest is None else ("approved" if latest.status == "approved" else latest.status)
        done, total = figures.get("done", 0), figures.get("total", 0)
        rows.append(
            {
                "organisation": organisation,
                "roadmap": roadmap,
                "state": state,
                "state_label": STATE_LABELS.get(state, state),
                "has_approved": approved is not None,
                "percent": round(100 * done / total) if total else 0,
                "overdue": figures.get("overdue", 0),
            }
        )
    return rows


SORT_KEYS = {
    "name": lambda row: row["organisation"].short_name,
    "state": lambda row: list(STATE_LABELS).index(row["state"]) if row["state"] in STATE_LABELS else 9,
    "percent": lambda row: row["percent"],
    "overdue": lambda row: row["overdue"],
}
