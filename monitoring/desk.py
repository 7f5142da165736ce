"""What of monitoring waits on the home page: reports due, questionnaires to answer, the indicators.

A school's curator and director see the monitoring report their school has not submitted, with
its deadline; a mentor or mentee the questionnaires they have not answered; the coordinator and
the head the municipality's indicators against their targets and the schools that are late.
The organisation table gets each school's report for the newest period and its readiness.
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

from .access import can_open_period
from .charts import bar_chart
from .indicators import breakdowns, format_value, values_of
from .models import MonitoringPeriod, Questionnaire, SchoolReport
from .services import READINESS_POINTS, live_data, readiness_done


def open_periods(municipality_id: int, today: datetime.date):
    """Periods still taking reports: from the day they open until the coordinator's conclusions close them."""
    return MonitoringPeriod.objects.filter(municipality_id=municipality_id, conclusions="", starts_on__lte=today)


def report_due(desk: Desk, block: Block, municipality_id: int) -> None:
    periods = open_periods(municipality_id, desk.today).exclude(
        reports__organisation_id=block.organisation_id, reports__status=SchoolReport.Status.SUBMITTED
    )
    lines = []
    if desk.full:
        for period in periods.order_by("deadline")[:LINES_SHOWN]:
            url = f"{period.get_absolute_url()}#own-{block.organisation_id}"
            note = _("срок сдачи %(date)s") % {"date": f"{period.deadline:%d.%m.%Y}"}
            lines.append(Line(period.title, url, period.deadline, note, late=period.deadline < desk.today))
    block.add(
        Waiting(
            key="report_due",
            title=_("Отчёт мониторинга к сдаче"),
            count=periods.count(),
            url=reverse("monitoring:school_dashboard", args=[block.organisation_id]),
            menu="monitoring",
            lines=lines,
            action=_("Сдать отчёт"),
        )
    )


def questionnaires_to_answer(desk: Desk, block: Block, municipality_id: int) -> None:
    audiences = [Questionnaire.Audience.ALL, block.role]
    pending = Questionnaire.objects.filter(municipality_id=municipality_id, is_active=True, audience__in=audiences)
    pending = pending.exclude(responses__person_id=block.person_id)
    lines = []
    if desk.full:
        for questionnaire in pending.order_by("-pk")[:LINES_SHOWN]:
            url = reverse("monitoring:questionnaire_answer", args=[questionnaire.pk])
            lines.append(Line(questionnaire.title, url, None))
    block.add(
        Waiting(
            key="questionnaires",
            title=_("Анкеты, на которые вы ещё не ответили"),
            count=pending.count(),
            url=reverse("monitoring:questionnaire_list"),
            menu="monitoring",
            lines=lines,
            action=_("Ответить"),
        )
    )


def late_schools(desk: Desk, block: Block) -> None:
    """The newest open period whose deadline has passed, with the organisations that have not reported."""
    period = (
        open_periods(block.municipality_id, desk.today).filter(deadline__lt=desk.today).order_by("-deadline").first()
    )
    if period is None:
        return
    late = Organisation.objects.filter(municipality_id=block.municipality_id).exclude(
        Q(monitoring_reports__period=period) & Q(monitoring_reports__status=SchoolReport.Status.SUBMITTED)
    )
    lines = []
    if desk.full:
        for organisation in late.order_by("short_name")[:LINES_SHOWN]:
            lines.append(Line(organisation.short_name, period.get_absolute_url(), None, late=True))
    block.add(
        Waiting(
            key="late_reports",
            title=_("Не сдали отчёт за «%(period)s» в срок") % {"period": period.title},
            count=late.count(),
            url=period.get_absolute_url(),
            menu="monitoring",
            lines=lines,
            action=_("Напомнить"),
        )
    )


def indicators_panel(desk: Desk, block: Block) -> None:
    """The municipality's indicators against their targets and the dashboard's two charts."""
    data = live_data(list(Organisation.objects.filter(municipality_id=block.municipality_id)), today=desk.today)
    charts = breakdowns(data.total)
    summary = [{**row, "text": format_value(row["value"], row["indicator"].unit)} for row in values_of(data.total)]
    periods = MonitoringPeriod.objects.filter(municipality_id=block.municipality_id).order_by("-ends_on", "-pk")[:3]
    context = {
        "periods": list(periods),
        "can_open": can_open_period(desk.user),
        "summary": [row for row in summary if row["indicator"].target is not None or row["indicator"].target_text],
        "chart_forms": bar_chart(charts["forms"], title=_("Пары и группы по формам наставничества")),
        "chart_kinds": bar_chart(charts["kinds"], title=_("Пары и группы по видам наставничества")),
    }
    block.add_panel("monitoring/desk_indicators.html", context, 30)


@contributor
def monitoring_desk(desk: Desk) -> None:
    school_blocks = desk.of(Role.CURATOR, Role.DIRECTOR)
    person_blocks = desk.of(Role.MENTOR, Role.MENTEE)
    organisation_ids = {block.organisation_id for block in school_blocks + person_blocks}
    municipalities = dict(Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", "municipality_id"))
    for block in school_blocks:
        report_due(desk, block, municipalities[block.organisation_id])
    for block in person_blocks:
        questionnaires_to_answer(desk, block, municipalities[block.organisation_id])
    for block in desk.of(Role.COORDINATOR, Role.HEAD):
        late_schools(desk, block)
        if desk.full:
            indicators_panel(desk, block)


@organisation_column
def monitoring_columns(organisations: list[Organisation], today: datetime.date) -> list[Column]:
    municipality_ids = {organisation.municipality_id for organisation in organisations}
    periods = {
        period.municipality_id: period
        for period in MonitoringPeriod.objects.filter(municipality_id__in=municipality_ids, starts_on__lte=today)
        .order_by("municipality_id", "-ends_on", "-pk")
        .distinct("municipality_id")
    }
    submitted = set(
        SchoolReport.objects.filter(
            period__in=periods.values(), status=SchoolReport.Status.SUBMITTED, organisation__in=organisations
        ).values_list("organisation_id", flat=True)
    )
    ready = readiness_done(organisations)
    report, readiness = {}, {}
    for organisation in organisations:
        period = periods.get(organisation.municipality_id)
        if period is None:
            report[organisation.pk] = Cell("—", -1)
        elif organisation.pk in submitted:
            report[organisation.pk] = Cell(_("сдан"), 1, period.get_absolute_url())
        else:
            late = period.deadline < today
            report[organisation.pk] = Cell(_("не сдан"), 0, period.get_absolute_url(), late=late)
        done = ready[organisation.pk]
        readiness[organisation.pk] = Cell(
            _("%(done)s из %(all)s") % {"done": done, "all": READINESS_POINTS},
            done,
            reverse("monitoring:school_dashboard", args=[organisation.pk]),
        )
    return [
        Column("report", _("Отчёт мониторинга"), report),
        Column("readiness", _("Готовность"), readiness),
    ]
