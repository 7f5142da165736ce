from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from registry.concurrency import save_or_stale
from registry.exporters import attachment_response
from registry.models import Municipality, Organisation, Person, scope_of
from registry.services import form_errors

from .charts import bar_chart
from .forms import (
    AnswerForm,
    ConclusionsForm,
    PeriodForm,
    QuestionFormSet,
    QuestionnaireForm,
    ReadinessForm,
    SchoolReportForm,
)
from .indicators import breakdowns, format_value, values_of
from .models import MonitoringPeriod, Questionnaire, Readiness, SchoolReport
from .reports import AnalyticalReport, FiguresExport, SchoolReportDocument, heading_for, organisation_row
from .services import (
    live_data,
    period_data,
    period_remind,
    questionnaire_create_default,
    questionnaire_results,
    readiness,
    report_submit,
    response_submit,
)


# --- access: one helper per object ---------------------------------------------------------------
def is_municipal(user) -> bool:
    scope = scope_of(user)
    return scope.is_superuser or bool(scope.municipality_ids)


def municipal_organisations(user):
    scope = scope_of(user)
    organisations = Organisation.objects.select_related("municipality").order_by("short_name")
    return organisations if scope.is_superuser else organisations.filter(municipality_id__in=scope.municipality_ids)


def get_school_for(user, pk: int, *, write: bool = False) -> Organisation:
    """A school's monitoring: its staff and its municipality's coordinators; others get 404."""
    scope = scope_of(user)
    organisation = get_object_or_404(Organisation.objects.visible_to(user).select_related("municipality"), pk=pk)
    staff = scope.is_superuser or organisation.pk in scope.managed_organisation_ids
    if not (staff or organisation.municipality_id in scope.municipality_ids):
        if organisation.pk in scope.member_organisation_ids:
            raise PermissionDenied  # a mentor of this school: in scope, but not theirs to read
        raise Http404
    if write and not staff:
        raise PermissionDenied
    return organisation


def get_period_for(user, pk: int) -> MonitoringPeriod:
    return get_object_or_404(MonitoringPeriod.objects.visible_to(user).select_related("municipality"), pk=pk)


def require_coordinator_of(user, period: MonitoringPeriod) -> None:
    scope = scope_of(user)
    if not (scope.is_superuser or period.municipality_id in scope.municipality_ids):
        raise PermissionDenied


# --- dashboards ----------------------------------------------------------------------------------
SORT_KEYS = {"name", "workers", "mentors", "mentees", "pairs", "involved_share", "items_overdue"}


def dashboard(request):
    scope = scope_of(request.user)
    if not is_municipal(request.user):
        if scope.managed_organisation_ids:
            return redirect("monitoring:school_dashboard", pk=min(scope.managed_organisation_ids))
        return redirect("monitoring:questionnaire_list")
    organisations = municipal_organisations(request.user)
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
            "can_edit": organisation.pk in scope_of(request.user).managed_organisation_ids,
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
    if not (is_municipal(request.user) or scope_of(request.user).managed_organisation_ids):
        raise PermissionDenied
    return render(
        request,
        "monitoring/period_list.html",
        {"periods": periods, "can_create": bool(scope_of(request.user).municipality_ids)},
    )


@require_http_methods(["GET", "POST"])
def period_create(request):
    scope = scope_of(request.user)
    if not scope.municipality_ids:
        raise PermissionDenied
    municipality = Municipality.objects.get(pk=min(scope.municipality_ids))
    form = PeriodForm(
        request.POST or None, instance=MonitoringPeriod(municipality=municipality, created_by=request.user)
    )
    if form.is_valid():
        period = form.save()
        messages.success(request, _("Период мониторинга открыт. Организации увидят его на своих страницах."))
        return redirect(period)
    return render(request, "monitoring/period_form.html", {"form": form, "municipality": municipality})


def period_detail(request, pk: int):
    period = get_period_for(request.user, pk)
    scope = scope_of(request.user)
    context = {
        "period": period,
        "is_coordinator": scope.is_superuser or period.municipality_id in scope.municipality_ids,
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
    schools = Organisation.objects.filter(pk__in=scope.managed_organisation_ids, municipality=period.municipality)
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


def period_questionnaires(period: MonitoringPeriod) -> list[dict]:
    return [
        {"questionnaire": questionnaire, "results": questionnaire_results(questionnaire)}
        for questionnaire in period.questionnaires.all()
    ]


def period_pdf(request, pk: int):
    period = get_period_for(request.user, pk)
    require_coordinator_of(request.user, period)
    texts = {"conclusions": period.conclusions, "proposals": period.proposals}
    filename, content_type, content = AnalyticalReport().render(
        period_data(period), heading_for(period), texts, period_questionnaires(period)
    )
    return attachment_response(filename, content_type, content, fallback=f"report-{period.pk}.pdf")


def period_xlsx(request, pk: int):
    period = get_period_for(request.user, pk)
    require_coordinator_of(request.user, period)
    filename, content_type, content = FiguresExport().render(period_data(period), heading_for(period))
    return attachment_response(filename, content_type, content, fallback=f"figures-{period.pk}.xlsx")


def school_report_pdf(request, pk: int, organisation_pk: int):
    period = get_period_for(request.user, pk)
    organisation = get_school_for(request.user, organisation_pk)
    report = SchoolReport.objects.filter(period=period, organisation=organisation, status="submitted").first()
    if report is not None:
        figures, checklist = report.figures, report.figures.get("readiness", [])
    else:
        figures, checklist = live_data([organisation]).rows[0]["figures"], readiness(organisation)
    filename, content_type, content = SchoolReportDocument().render(
        organisation, figures, heading_for(period), report, checklist
    )
    return attachment_response(filename, content_type, content, fallback=f"school-report-{organisation.pk}.pdf")


# --- questionnaires ------------------------------------------------------------------------------
def visible_questionnaires(user):
    scope = scope_of(user)
    if scope.is_superuser:
        return Questionnaire.objects.all()
    municipalities = set(scope.municipality_ids) | set(
        Organisation.objects.filter(pk__in=scope.member_organisation_ids).values_list("municipality_id", flat=True)
    )
    return Questionnaire.objects.filter(municipality_id__in=municipalities)


def respondent(user) -> tuple[Person | None, str]:
    """The person a mentor or mentee answers as, and in which role."""
    from registry.models import Membership, Role

    membership = (
        Membership.objects.filter(user=user, role__in=[Role.MENTOR, Role.MENTEE]).select_related("person").first()
    )
    return (membership.person, membership.role) if membership else (None, "")


def questionnaire_list(request):
    questionnaires = visible_questionnaires(request.user).select_related("period")
    person, role = respondent(request.user)
    answered = set(person.questionnaire_responses.values_list("questionnaire_id", flat=True)) if person else set()
    to_answer = [
        questionnaire
        for questionnaire in questionnaires
        if person
        and questionnaire.is_active
        and questionnaire.audience in ("all", role)
        and questionnaire.pk not in answered
    ]
    return render(
        request,
        "monitoring/questionnaire_list.html",
        {
            "questionnaires": questionnaires,
            "to_answer": to_answer,
            "can_manage": bool(scope_of(request.user).municipality_ids),
            "can_read_results": is_municipal(request.user) or bool(scope_of(request.user).managed_organisation_ids),
        },
    )


@require_POST
def questionnaire_create(request):
    scope = scope_of(request.user)
    if not scope.municipality_ids:
        raise PermissionDenied
    questionnaire = questionnaire_create_default(municipality=Municipality.objects.get(pk=min(scope.municipality_ids)))
    messages.success(request, _("Анкета создана с типовыми вопросами. Отредактируйте их при необходимости."))
    return redirect("monitoring:questionnaire_edit", pk=questionnaire.pk)


def get_questionnaire_for(user, pk: int) -> Questionnaire:
    return get_object_or_404(visible_questionnaires(user), pk=pk)


@require_http_methods(["GET", "POST"])
def questionnaire_edit(request, pk: int):
    questionnaire = get_questionnaire_for(request.user, pk)
    scope = scope_of(request.user)
    if not (scope.is_superuser or questionnaire.municipality_id in scope.municipality_ids):
        raise PermissionDenied
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
    person, role = respondent(request.user)
    if person is None or questionnaire.audience not in ("all", role) or not questionnaire.is_active:
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
    scope = scope_of(request.user)
    if scope.is_superuser or questionnaire.municipality_id in scope.municipality_ids:
        organisations = None
    elif scope.managed_organisation_ids:
        organisations = Organisation.objects.filter(pk__in=scope.managed_organisation_ids)
    else:
        raise PermissionDenied
    results = questionnaire_results(questionnaire, organisations)
    return render(
        request, "monitoring/questionnaire_results.html", {"questionnaire": questionnaire, "results": results}
    )
