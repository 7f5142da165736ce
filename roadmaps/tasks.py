"""The approval round's notices: submitted → the approver, returned or approved → the authors."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from procrastinate.contrib.django import app

from mentoring_portal.queue import RETRY
from notices.models import Notice
from notices.services import notify
from registry.models import Role

from .models import Revision

logger = logging.getLogger(__name__)

TEXTS = {
    "submitted": (Notice.Kind.ROADMAP_SUBMITTED, "Дорожная карта «{roadmap}» отправлена вам на утверждение."),
    "returned": (Notice.Kind.ROADMAP_RETURNED, "Дорожная карта «{roadmap}» возвращена на доработку: {comment}"),
    "approved": (Notice.Kind.ROADMAP_APPROVED, "Дорожная карта «{roadmap}» утверждена."),
}


def recipients(roadmap, event: str):
    """A school's plan: its director approves, its curators write; a municipal one: the head and the coordinators."""
    users = get_user_model().objects.all()
    if roadmap.organisation_id:
        role = Role.DIRECTOR if event == "submitted" else Role.CURATOR
        return users.filter(memberships__role=role, memberships__organisation_id=roadmap.organisation_id)
    role = Role.HEAD if event == "submitted" else Role.COORDINATOR
    return users.filter(memberships__role=role, memberships__municipality_id=roadmap.municipality_id)


@app.task(queue="notices", retry=RETRY)
def roadmap_event(*, revision_id: int, event: str, version: int) -> None:
    revision = Revision.objects.select_related("roadmap__organisation", "roadmap__municipality").filter(pk=revision_id)
    revision = revision.first()
    if revision is None:
        logger.info("roadmap revision %s is gone: nobody is told of %s", revision_id, event)
        return
    roadmap = revision.roadmap
    kind, text = TEXTS[event]
    notify(
        recipients(roadmap, event),
        kind=kind,
        key=f"roadmap_{event}:{revision_id}:{version}",
        text=text.format(roadmap=roadmap, comment=revision.return_comment),
        link=roadmap.get_absolute_url(),
        organisation=str(roadmap.organisation or roadmap.municipality or ""),
    )
