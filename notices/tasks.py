"""Mail and the weekly digest, run by the worker (``manage.py procrastinate worker``)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django import app

from mentoring_portal import mail
from mentoring_portal.queue import RETRY
from mentoring_portal.templatetags.portal import ru_plural
from registry.models import Activity, Membership, Role

from .models import Notice
from .services import notify, wants_digest

logger = logging.getLogger(__name__)


@app.task(queue="mail", retry=RETRY)
def send_rendered(*, to: list[str], subject: str, text: str, html: str = "") -> None:
    """A message rendered in the request (a password reset, an invitation: their tokens are made there)."""
    mail.send_parts(to=to, subject=subject, text=text, html=html)


def digest_items(person_ids, today: datetime.date) -> dict[int, list[Activity]]:
    """The undone activities due within three days or overdue, per mentor, of the pairs under way."""
    activities = (
        Activity.objects.filter(
            program__group__mentor_id__in=person_ids,
            program__group__status="active",
            done_on__isnull=True,
            due_date__lte=today + datetime.timedelta(days=3),
        )
        .select_related("program__group")
        .order_by("due_date", "pk")
    )
    items: dict[int, list[Activity]] = {}
    for activity in activities:
        items.setdefault(activity.program.group.mentor_id, []).append(activity)
    return items


def digest_text(activities: list[Activity], today: datetime.date) -> str:
    overdue = sum(1 for activity in activities if activity.due_date < today)
    head = f"Ждут выполнения {ru_plural(len(activities), 'мероприятие,мероприятия,мероприятий')}"
    if overdue:
        head += f", из них просрочено {overdue}"
    lines = [
        f"— {activity.title}: срок {activity.due_date:%d.%m.%Y}{' (просрочено)' if activity.due_date < today else ''}"
        for activity in activities
    ]
    return head + ".\n" + "\n".join(lines)


def send_digest(today: datetime.date | None = None) -> int:
    """One notice and one mail per mentor with activities due, never one per activity. Returns the mentors told."""
    today = today or timezone.localdate()
    memberships = Membership.objects.filter(
        role=Role.MENTOR, person__isnull=False, user__in=wants_digest(get_user_model().objects.all())
    )
    by_person: dict[int, list] = {}
    for membership in memberships.select_related("user"):
        by_person.setdefault(membership.person_id, []).append(membership.user)
    year, week, _day = today.isocalendar()
    told = 0
    for person_id, activities in digest_items(list(by_person), today).items():
        users = get_user_model().objects.filter(pk__in=[user.pk for user in by_person[person_id]])
        notify(
            users,
            kind=Notice.Kind.DIGEST,
            key=f"digest:{person_id}:{year}-{week}",
            text=digest_text(activities, today),
            link=reverse("home"),
        )
        told += 1
    return told


@app.periodic(cron=settings.PORTAL_DIGEST_CRON)
@app.task(queue="notices", queueing_lock="weekly_digest", retry=RETRY)
def weekly_digest(timestamp: int) -> None:
    logger.info("weekly digest: %s mentors told", send_digest())


@app.periodic(cron="*/5 * * * *")
@app.task(queue="notices", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """Jobs of a worker that died (killed, its machine gone) go back to the queue; each task is idempotent."""
    await retry_stalled(context.app, seconds=settings.PORTAL_STALLED_SECONDS)


async def retry_stalled(queue_app, *, seconds: float) -> int:
    stalled = await queue_app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds)
    for job in stalled:
        logger.warning("job %s (%s) of a dead worker is retried", job.id, job.task_name)
        await queue_app.job_manager.retry_job(job)
    return len(stalled)
