from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jobs.models import Job
from jobs.services import job_start
from mentoring_portal.concurrency import save_or_stale
from mentoring_portal.forms import form_errors
from registry.access import coordinates_a_municipality, reads_areas
from registry.models import Organisation

from .access import (
    can_coordinate,
    can_edit_school,
    can_manage_questionnaires,
    can_open_period,
    can_read_periods,
    can_read_reports,
    can_read_results,
    dashboard_organisations,
    get_period_for,
    get_questionnaire_for,
    get_school_for,
    is_municipal,
    own_schools,
    period_municipalities,
    require_coordinator_of,
    require_questionnaire_editor,
    require_report_reader,
    respondent,
    respondent_roles,
    result_organisations,
    visible_questionnaires,
)
from .charts import bar_chart
from .forms import (
    AnswerForm,
    ConclusionsForm,
    PeriodForm,
    QuestionFormSet,
    QuestionnaireCreateForm,
    QuestionnaireForm,
    ReadinessForm,
    SchoolReportForm,
)
from .indicators import breakdowns, format_value, values_of
from .models import MonitoringPeriod, Readiness, Response, SchoolReport
from .reports import AnalyticalReport, FiguresExport, SchoolReportDocument, heading_for, organisation_row
from .services import (
    live_data,
    period_data,
    period_organisations,
    period_remind,
    questionnaire_create_default,
    questionnaire_results,
    readiness,
    report_submit,
    response_submit,
)
from .tasks import analytical_report_job, figures_job

# --- dashboards ----------------------------------------------------------------------------------
SORT_KEYS = {"name", "workers", "mentors", "mentees", "pairs", "involved_share", "items_overdue"}


@require_safe
def dashboard(request):
    if not is_municipal(request.user):
        schools = list(own_schools(request.user))
        if len(schools) == 1:
            return redirect("monitoring:school_dashboard", pk=schools[0].pk)
        if schools:
            # A director or curator of several schools: each school's page, not the first one silently.
            return render(request, "monitoring/school_choice.html", {"schools": schools})
        return redirect("monitoring:questionnaire_list")
    if reads_areas(request.user) and not coordinates_a_municipality(request.user):
        # Above the municipalities the dashboard is the region's table (municipalities × indicators), not
        # thousands of schools in one list; each municipality's figures are a link away from it.
        return redirect("region:area_list")
    organisations = dashboard_organisations(request.user)
    kind = request.GET.get("kind")
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    data = live_data(list(organisations))
    rows = []
    for row in data.rows:
        values = {item["indicator"].code: item["value"] for item in values_of(row["figures"], per_organisation=True)}
        rows.append({"organisation": row["organisation"], "values": values, "cells": organisation_row(row["figures"])})
    ordering = request.GET.get("ordering", "name")
    key = ordering.lstrip("-")
    if key in SORT_KEYS:
        rows.sort(
            key=(lambda r: r["organisation"].short_name) if key == "name" else (lambda r: r["values"].get(key) or 0),
            reverse=ordering.startswith("-"),
        )
    charts = breakdowns(data.total)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "summary": [
                {**item, "text": format_value(item["value"], item["indicator"].unit)} for item in values_of(data.total)
            ],
            "rows": rows,
            "ordering": ordering,
            "kind": kind,
            "kinds": Organisation.Kind.choices,
            "chart_forms": bar_chart(charts["forms"], title=_("Пары и группы по формам наставничества")),
            "chart_kinds": bar_chart(charts["kinds"], title=_("Пары и группы по видам наставничества")),
            "periods": MonitoringPeriod.objects.visible_to(request.user)[:5],
        },
    )


def school_dashboard(request, pk: int):
    organisation = get_school_for(request.user, pk)
    data = live_data([organisation])
    figures = data.rows[0]["figures"]
    charts = breakdowns(figures)
    periods = MonitoringPeriod.objects.filter(municipality=organisation.municipality)[:10]
    reports = {report.period_id: report for report in SchoolReport.objects.filter(organisation=organisation)}
    return render(
        request,
        "monitoring/school_dashboard.html",
        {
            "organisation": organisation,
            "summary": [
                {**item, "text": format_value(item["value"], item["indicator"].unit)}
                for item in values_of(figures, per_organisation=True)
            ],
            "checklist": readiness(organisation),
            "chart_kinds": bar_chart(charts["kinds"], title=_("Пары и группы по видам наставничества")),
            "periods": [(period, reports.get(period.pk)) for period in periods],
            "can_edit": can_edit_school(request.user, organisation),
        },
    )


@require_http_methods(["GET", "POST"])
def readiness_edit(request, pk: int):
    organisation = get_school_for(request.user, pk, write=True)
    instance = Readiness.objects.filter(organisation=organisation).first() or Readiness(organisation=organisation)
    form = ReadinessForm(request.POST or None, instance=instance)
    if form.is_valid() and save_or_stale(form):
        messages.success(request, _("Чек-лист сохранён."))
        return redirect("monitoring:school_dashboard", pk=organisation.pk)
    return render(request, "monitoring/readiness_form.html", {"form": form, "organisation": organisation})


# --- periods -------------------------------------------------------------------------------------
def period_list(request):
    periods = MonitoringPeriod.objects.visible_to(request.user).select_related("municipality")
    if not can_read_periods(request.user):
        raise PermissionDenied
    return render(
        request,
        "monitoring/period_list.html",
        {"periods": periods, "can_create": can_open_period(request.user)},
    )


@require_http_methods(["GET", "POST"])
def period_create(request):
    if not can_open_period(request.user):
        raise PermissionDenied
    form = PeriodForm(
        request.POST or None,
        instance=MonitoringPeriod(created_by=request.user),
        municipalities=period_municipalities(request.user),
    )
    municipality = form.only_choice("municipality")
    if form.is_valid():
        period = form.save()
        messages.success(request, _("Период мониторинга открыт. Организации увидят его на своих страницах."))
        return redirect(period)
    return render(request, "monitoring/period_form.html", {"form": form, "municipality": municipality})


def period_detail(request, pk: int):
    period = get_period_for(request.user, pk)
    context = {
        "period": period,
        "is_coordinator": can_read_reports(request.user, period),
        "can_conclude": can_coordinate(request.user, period),
    }
    if context["is_coordinator"]:
        data = period_data(period)
        reports = {report.organisation_id: report for report in period.reports.all()}
        context |= {
            "data": data,
            "statuses": [(organisation, reports.get(organisation.pk)) for organisation in data.missing]
            + [(row["organisation"], row["report"]) for row in data.rows],
            "conclusions_form": ConclusionsForm(instance=period),
            "summary": [
                {**item, "text": format_value(item["value"], item["indicator"].unit)} for item in values_of(data.total)
            ],
        }
    schools = own_schools(request.user).filter(municipality=period.municipality)
    context["own"] = [
        (school, SchoolReport.objects.filter(period=period, organisation=school).first(), SchoolReportForm())
        for school in schools
    ]
    return render(request, "monitoring/period_detail.html", context)


@require_POST
def period_submit(request, pk: int, organisation_pk: int):
    period = get_period_for(request.user, pk)
    organisation = get_school_for(request.user, organisation_pk, write=True)
    form = SchoolReportForm(request.POST)
    if form.is_valid():
        try:
            report_submit(user=request.user, period=period, organisation=organisation, texts=form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Отчёт сдан. Показатели зафиксированы на сегодняшний день."))
    return redirect(period)


@require_POST
def period_remind_view(request, pk: int):
    period = get_period_for(request.user, pk)
    require_coordinator_of(request.user, period)
    count = period_remind(period=period)
    messages.success(request, _("Напоминание отправлено организациям, не сдавшим отчёт: %(n)s.") % {"n": count})
    return redirect(period)


@require_POST
def period_conclusions(request, pk: int):
    period = get_period_for(request.user, pk)
    require_coordinator_of(request.user, period)
    form = ConclusionsForm(request.POST, instance=period)
    if form.is_valid():
        form.save()
        messages.success(request, _("Выводы и предложения сохранены."))
    else:
        messages.error(request, form_errors(form))
    return redirect(period)


def period_report(request, pk: int, format: str):
    """The analytical report, as PDF or Word (``format`` comes from the URL pattern). A PDF too large for one
    request (hundreds of organisations) becomes a job: the page shows its progress and keeps the file."""
    period = get_period_for(request.user, pk)
    require_report_reader(request.user, period)
    report = AnalyticalReport()
    if format == "pdf" and report.in_parts(len(period_organisations(period))):
        return report_job(request, period, Job.Kind.ANALYTICAL_REPORT, analytical_report_job)
    return report.response(period, format=format)


def period_xlsx(request, pk: int):
    period = get_period_for(request.user, pk)
    require_report_reader(request.user, period)
    if AnalyticalReport().in_parts(len(period_organisations(period))):
        return report_job(request, period, Job.Kind.FIGURES, figures_job)
    return FiguresExport().response(period_data(period), heading_for(period))


def report_job(request, period, kind: str, task):
    title = f"{Job.Kind(kind).label}: {period.title}"
    job = job_start(user=request.user, kind=kind, title=title, params={"period": period.pk}, task=task)
    messages.info(request, _("Документ большой: он готовится в фоне, файл появится на этой странице."))
    return redirect(job)


def school_report(request, pk: int, organisation_pk: int, format: str):
    """A school's report for the period, as PDF or Word."""
    period = get_period_for(request.user, pk)
    organisation = get_school_for(request.user, organisation_pk)
    return SchoolReportDocument().response(period, organisation, format=format)


# --- questionnaires ------------------------------------------------------------------------------
def questionnaire_list(request):
    questionnaires = visible_questionnaires(request.user).select_related("period")
    roles = respondent_roles(request.user)
    answered = set(Response.objects.filter(person__in=roles.values()).values_list("questionnaire_id", flat=True))
    to_answer = [
        questionnaire
        for questionnaire in questionnaires
        if questionnaire.is_active
        and (questionnaire.audience in roles or (questionnaire.audience == "all" and roles))
        and questionnaire.pk not in answered
    ]
    return render(
        request,
        "monitoring/questionnaire_list.html",
        {
            "questionnaires": questionnaires,
            "to_answer": to_answer,
            "can_manage": can_manage_questionnaires(request.user),
            "create_form": QuestionnaireCreateForm(municipalities=period_municipalities(request.user)),
            "can_read_results": can_read_results(request.user),
        },
    )


@require_POST
def questionnaire_create(request):
    if not can_manage_questionnaires(request.user):
        raise PermissionDenied
    form = QuestionnaireCreateForm(request.POST, municipalities=period_municipalities(request.user))
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("monitoring:questionnaire_list")
    questionnaire = questionnaire_create_default(municipality=form.cleaned_data["municipality"])
    messages.success(request, _("Анкета создана с типовыми вопросами. Отредактируйте их при необходимости."))
    return redirect("monitoring:questionnaire_edit", pk=questionnaire.pk)


@require_http_methods(["GET", "POST"])
def questionnaire_edit(request, pk: int):
    questionnaire = get_questionnaire_for(request.user, pk)
    require_questionnaire_editor(request.user, questionnaire)
    form = QuestionnaireForm(request.POST or None, instance=questionnaire)
    formset = QuestionFormSet(request.POST or None, instance=questionnaire, prefix="questions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            form.save()
            formset.save()
        messages.success(request, _("Анкета сохранена."))
        return redirect("monitoring:questionnaire_list")
    return render(request, "monitoring/questionnaire_edit.html", {"form": form, "formset": formset})


@require_http_methods(["GET", "POST"])
def questionnaire_answer(request, pk: int):
    questionnaire = get_questionnaire_for(request.user, pk)
    person, role = respondent(request.user, questionnaire)
    if person is None or not questionnaire.is_active:
        raise PermissionDenied
    form = AnswerForm(request.POST if request.method == "POST" else None, questionnaire=questionnaire)
    if form.is_valid():
        try:
            response_submit(questionnaire=questionnaire, person=person, role=role, answers=form.answers())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Спасибо! Ответы сохранены."))
        return redirect("monitoring:questionnaire_list")
    return render(request, "monitoring/questionnaire_answer.html", {"questionnaire": questionnaire, "form": form})


def questionnaire_results_view(request, pk: int):
    questionnaire = get_questionnaire_for(request.user, pk)
    results = questionnaire_results(questionnaire, result_organisations(request.user, questionnaire))
    return render(
        request, "monitoring/questionnaire_results.html", {"questionnaire": questionnaire, "results": results}
    )
