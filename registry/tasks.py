"""The registry's jobs: an order signed → the mentors and mentees of its pairs are told; a large
teachers' file is checked and loaded (``import_jobs``)."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db.models import Q
from procrastinate.contrib.django import app

from jobs.tasks import last_attempt
from mentoring_portal.queue import RETRY
from notices.models import Notice
from notices.services import notify

from . import import_jobs
from .models import MentoringGroup, MentoringOrder

logger = logging.getLogger(__name__)


@app.task(queue="notices", retry=RETRY)
def order_signed(*, order_id: int) -> None:
    order = MentoringOrder.objects.select_related("organisation").filter(pk=order_id).first()
    if order is None or order.is_draft:
        logger.info("order %s is gone or not signed: nobody is told", order_id)
        return
    groups = MentoringGroup.objects.filter(order=order)
    people = Q(memberships__person__in=groups.values("mentor")) | Q(
        memberships__person__in=groups.values("participations__mentee")
    )
    for user in get_user_model().objects.filter(people).distinct():
        group = groups.filter(Q(mentor__memberships__user=user) | Q(participations__mentee__memberships__user=user))
        group = group.first()
        notify(
            [user],
            kind=Notice.Kind.ORDER_SIGNED,
            key=f"order_signed:{order_id}",
            text=f"Подписан приказ {order}: ваша пара начинает работу.",
            link=group.get_absolute_url() if group else "",
            organisation=order.organisation.short_name,
        )


# ``context`` is None when the task runs in the process (``PORTAL_JOBS_EAGER``): then it is tried once.
@app.task(queue="imports", retry=RETRY, pass_context=True)
def import_plan_job(context=None, *, job_id: int) -> None:
    """A large file's preview, planned by the worker and kept in its upload."""
    import_jobs.plan_batch(job_id, final=context is None or last_attempt(context))


@app.task(queue="imports", retry=RETRY, pass_context=True)
def import_confirm_job(context=None, *, job_id: int) -> None:
    """A large file's confirm: its rows written once, in one transaction under the upload's lock."""
    import_jobs.confirm_batch(job_id, final=context is None or last_attempt(context))
