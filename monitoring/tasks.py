"""Monitoring's notices, found by periodic checks rather than hooked into each form: a period opened, its
deadline near, a report missing → the curators and the director; a questionnaire opened → its participants.
Each notice's key makes it once per user, so the checks can run as often as they like."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django import app

from jobs.models import Job
from jobs.services import fail, finish, running, split
from jobs.tasks import defer_parts
from mentoring_portal.queue import RETRY
from mentoring_portal.templatetags.portal import ru_plural
from notices.models import Notice
from notices.services import notify
from registry.models import Role

from .models import MonitoringPeriod, Questionnaire, SchoolReport
from .reports import AnalyticalReport, FiguresExport, heading_for, period_questionnaires, report_context
from .services import period_data, period_organisations

logger = logging.getLogger(__name__)


def staff_of(organisation):
    return get_user_model().objects.filter(
        memberships__role__in=(Role.CURATOR, Role.DIRECTOR), memberships__organisation=organisation
    )


def tell_schools(period, organisations, *, kind: str, key: str, text: str) -> None:
    for organisation in organisations:
        notify(
            staff_of(organisation),
            kind=kind,
            key=f"{key}:{organisation.pk}",
            text=text,
            link=period.get_absolute_url(),
            organisation=organisation.short_name,
        )


def open_periods(today: datetime.date):
    return MonitoringPeriod.objects.filter(deadline__gte=today - datetime.timedelta(days=1)).select_related(
        "municipality"
    )


def check_openings(today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    for period in open_periods(today):
        text = f"Открыт период мониторинга «{period.title}». Сдайте отчёт до {period.deadline:%d.%m.%Y}."
        tell_schools(
            period,
            period_organisations(period),
            kind=Notice.Kind.PERIOD_OPENED,
            key=f"period_opened:{period.pk}",
            text=text,
        )
    for questionnaire in Questionnaire.objects.filter(is_active=True).select_related("municipality"):
        roles = (Role.MENTOR, Role.MENTEE) if questionnaire.audience == "all" else (questionnaire.audience,)
        participants = get_user_model().objects.filter(
            memberships__role__in=roles,
            memberships__person__organisation__municipality=questionnaire.municipality,
        )
        notify(
            participants,
            kind=Notice.Kind.QUESTIONNAIRE_OPENED,
            key=f"questionnaire_opened:{questionnaire.pk}",
            text=f"Открыта анкета «{questionnaire.title}». Ответьте, пожалуйста: это займёт несколько минут.",
            link=reverse("monitoring:questionnaire_answer", args=[questionnaire.pk]),
            organisation=str(questionnaire.municipality),
        )


def check_deadlines(today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    for period in open_periods(today):
        submitted = set(
            period.reports.filter(status=SchoolReport.Status.SUBMITTED).values_list("organisation_id", flat=True)
        )
        missing = [organisation for organisation in period_organisations(period) if organisation.pk not in submitted]
        days = (period.deadline - today).days
        if days in settings.PORTAL_DEADLINE_DAYS:
            left = ru_plural(days, "день,дня,дней")
            text = f"До срока сдачи отчёта по периоду «{period.title}» — {left} ({period.deadline:%d.%m.%Y})."
            tell_schools(
                period, missing, kind=Notice.Kind.PERIOD_DEADLINE, key=f"period_deadline:{period.pk}:{days}", text=text
            )
        elif days < 0:
            text = f"Срок сдачи отчёта по периоду «{period.title}» прошёл {period.deadline:%d.%m.%Y}, а отчёт не сдан."
            tell_schools(period, missing, kind=Notice.Kind.REPORT_MISSING, key=f"report_missing:{period.pk}", text=text)


@app.periodic(cron="*/15 * * * *")
@app.task(queue="notices", queueing_lock="monitoring_openings", retry=RETRY)
def monitoring_openings(timestamp: int) -> None:
    check_openings()


@app.periodic(cron=settings.PORTAL_DEADLINE_CRON)
@app.task(queue="notices", queueing_lock="monitoring_deadlines", retry=RETRY)
def monitoring_deadlines(timestamp: int) -> None:
    check_deadlines()


def period_of_job(job_id: int) -> tuple[Job, MonitoringPeriod] | None:
    job = running(job_id)
    if job is None:
        return None
    period = MonitoringPeriod.objects.select_related("municipality").filter(pk=job.params.get("period")).first()
    if period is None:
        logger.info("job %s: its monitoring period was deleted", job_id)
        fail(job_id, "Период мониторинга удалён.")
        return None
    return job, period


@app.task(queue="documents", retry=RETRY)
def analytical_report_job(*, job_id: int) -> None:
    """The analytical report of a large period: its parts become jobs that any worker renders."""
    found = period_of_job(job_id)
    if found is None:
        return
    job, period = found
    texts = {"conclusions": period.conclusions, "proposals": period.proposals}
    heading = heading_for(period)
    context = report_context(period_data(period), heading, texts, period_questionnaires(period))
    job.params["filename"] = f"Аналитическая справка {heading['title']}.pdf"
    job.save(update_fields=["params"])
    defer_parts(job.pk, split(job, AnalyticalReport().parts(context)))


@app.task(queue="documents", retry=RETRY)
def figures_job(*, job_id: int) -> None:
    found = period_of_job(job_id)
    if found is None:
        return
    job, period = found
    filename, content_type, content = FiguresExport().render(period_data(period), heading_for(period))
    finish(job, filename=filename, content_type=content_type, content=content)
