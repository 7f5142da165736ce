"""Monitoring's writes and readings: periods, the schools' frozen reports, readiness, questionnaires."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Membership, MentoringOrder, Organisation, Role, scope_of
from roadmaps.models import Revision

from .indicators import aggregate, organisation_figures
from .models import Answer, MonitoringPeriod, Question, Questionnaire, Readiness, Response, SchoolReport

MIN_ANSWERS_FOR_BREAKDOWN = 3


def period_organisations(period: MonitoringPeriod) -> list[Organisation]:
    return list(Organisation.objects.filter(municipality=period.municipality).order_by("short_name"))


@transaction.atomic
def report_submit(*, user, period: MonitoringPeriod, organisation: Organisation, texts: dict) -> SchoolReport:
    """The school's report: its figures are frozen now, so the period's report is reproducible later."""
    if organisation.pk not in scope_of(user).managed_organisation_ids and not user.is_superuser:
        raise PermissionDenied
    if organisation.municipality_id != period.municipality_id:
        raise PermissionDenied
    report, _created = SchoolReport.objects.select_for_update().get_or_create(period=period, organisation=organisation)
    if report.status == SchoolReport.Status.SUBMITTED:
        raise ValidationError(_("Отчёт уже сдан."))
    figures = organisation_figures([organisation], starts_on=period.starts_on, ends_on=period.ends_on)[organisation.pk]
    report.figures = figures | {"readiness": readiness(organisation)}
    for name, value in texts.items():
        setattr(report, name, value)
    report.status = SchoolReport.Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = user
    report.save()
    return report


@transaction.atomic
def period_remind(*, period: MonitoringPeriod) -> int:
    """Mark the schools that have not reported as reminded; their curators see it on their pages."""
    organisations = period_organisations(period)
    submitted = set(
        period.reports.filter(status=SchoolReport.Status.SUBMITTED).values_list("organisation_id", flat=True)
    )
    now = timezone.now()
    reminded = 0
    for organisation in organisations:
        if organisation.pk in submitted:
            continue
        report, _created = SchoolReport.objects.get_or_create(period=period, organisation=organisation)
        report.reminded_at = now
        report.save(update_fields=["reminded_at"])
        reminded += 1
    return reminded


@dataclass
class PeriodData:
    """A period's figures: frozen for the schools that reported; the others are listed as not reported."""

    rows: list[dict]
    total: dict
    submitted: int
    missing: list[Organisation]


def period_data(period: MonitoringPeriod) -> PeriodData:
    organisations = period_organisations(period)
    reports = {report.organisation_id: report for report in period.reports.all()}
    rows, missing = [], []
    for organisation in organisations:
        report = reports.get(organisation.pk)
        if report and report.status == SchoolReport.Status.SUBMITTED:
            rows.append({"organisation": organisation, "figures": report.figures, "report": report})
        else:
            missing.append(organisation)
    total = aggregate([row["figures"] for row in rows])
    total["organisations"] = len(organisations)
    return PeriodData(rows=rows, total=total, submitted=len(rows), missing=missing)


def live_data(organisations: list[Organisation], *, today: datetime.date | None = None, among=None) -> PeriodData:
    """The dashboard's figures: live, for the last twelve months (``among``: see ``organisation_figures``)."""
    today = today or timezone.localdate()
    starts_on = today.replace(year=today.year - 1)
    figures = organisation_figures(organisations, starts_on=starts_on, ends_on=today, today=today, among=among)
    rows = [{"organisation": organisation, "figures": figures[organisation.pk]} for organisation in organisations]
    total = aggregate([row["figures"] for row in rows])
    return PeriodData(rows=rows, total=total, submitted=len(rows), missing=[])


# --- readiness checklist ----------------------------------------------------------------------
def readiness(organisation: Organisation) -> list[dict]:
    """The readiness checklist of seed 002: derived from the data where it can be, ticked where not."""
    manual = Readiness.objects.filter(organisation=organisation).first() or Readiness(organisation=organisation)
    curators = Membership.objects.filter(organisation=organisation, role=Role.CURATOR).count()
    approved = Revision.objects.filter(
        roadmap__organisation=organisation, roadmap__is_template=False, status=Revision.Status.APPROVED
    ).first()
    order = MentoringOrder.objects.signed().filter(organisation=organisation).order_by("-date").first()
    mentors = organisation.people.filter(mentor_profile__isnull=False).count()
    mentees = organisation.people.filter(mentee_profile__isnull=False).count()
    return [
        {"label": _("Назначен куратор наставничества"), "done": curators > 0, "evidence": "", "derived": True},
        {
            "label": _("Утверждено положение о наставничестве"),
            "done": manual.regulation_approved_on is not None,
            "evidence": manual.regulation_evidence,
            "derived": False,
        },
        {
            "label": _("Утверждена дорожная карта"),
            "done": approved is not None,
            "evidence": approved.approval_order if approved else "",
            "derived": True,
        },
        {
            "label": _("Издан приказ о закреплении наставнических пар"),
            "done": order is not None,
            "evidence": str(order) if order else "",
            "derived": True,
        },
        {
            "label": _("На сайте есть раздел «НАСТАВНИЧЕСТВО»"),
            "done": bool(manual.website_section_url),
            "evidence": manual.website_section_url,
            "derived": False,
        },
        {
            "label": _("Заполнены банк наставников и база наставляемых"),
            "done": mentors > 0 and mentees > 0,
            "evidence": _("наставников: %(m)s, наставляемых: %(n)s") % {"m": mentors, "n": mentees},
            "derived": True,
        },
    ]


def readiness_done(organisations: list[Organisation]) -> dict[int, int]:
    """How many of the checklist's six points each organisation meets, in five queries for any number of them."""
    ids = [organisation.pk for organisation in organisations]
    curated = set(
        Membership.objects.filter(organisation_id__in=ids, role=Role.CURATOR).values_list("organisation_id", flat=True)
    )
    manual = {row.organisation_id: row for row in Readiness.objects.filter(organisation_id__in=ids)}
    approved = set(
        Revision.objects.filter(
            roadmap__organisation_id__in=ids, roadmap__is_template=False, status=Revision.Status.APPROVED
        ).values_list("roadmap__organisation_id", flat=True)
    )
    ordered = set(
        MentoringOrder.objects.signed().filter(organisation_id__in=ids).values_list("organisation_id", flat=True)
    )
    banks = {
        row["pk"]: row
        for row in Organisation.objects.filter(pk__in=ids)
        .values("pk")
        .annotate(
            mentors=Count("people__mentor_profile", distinct=True),
            mentees=Count("people__mentee_profile", distinct=True),
        )
    }
    done = {}
    for pk in ids:
        own = manual.get(pk)
        points = [
            pk in curated,
            bool(own and own.regulation_approved_on),
            pk in approved,
            pk in ordered,
            bool(own and own.website_section_url),
            bool(banks.get(pk, {}).get("mentors") and banks.get(pk, {}).get("mentees")),
        ]
        done[pk] = sum(points)
    return done


READINESS_POINTS = 6


# --- questionnaires ---------------------------------------------------------------------------
DEFAULT_QUESTIONS = [
    ("Насколько вы удовлетворены участием в программе наставничества?", Question.Kind.SCALE),
    ("Насколько полезными были встречи и мероприятия программы?", Question.Kind.SCALE),
    ("Удалось ли решить профессиональные затруднения, с которыми вы пришли?", Question.Kind.YES_NO),
    ("Какие затруднения остались или что стоит изменить?", Question.Kind.TEXT),
]


@transaction.atomic
def questionnaire_create_default(*, municipality, period=None) -> Questionnaire:
    questionnaire = Questionnaire.objects.create(
        municipality=municipality, title=_("Анкета удовлетворённости наставничеством"), period=period
    )
    Question.objects.bulk_create(
        [
            Question(questionnaire=questionnaire, position=index, text=text, kind=kind)
            for index, (text, kind) in enumerate(DEFAULT_QUESTIONS, start=1)
        ]
    )
    return questionnaire


@transaction.atomic
def response_submit(*, questionnaire: Questionnaire, person, role: str, answers: dict[int, object]) -> Response:
    # Locked, so a double click cannot slip a second response past the check into the unique constraint.
    Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if Response.objects.filter(questionnaire=questionnaire, person=person).exists():
        raise ValidationError(_("Вы уже ответили на эту анкету."))
    response = Response.objects.create(
        questionnaire=questionnaire, person=person, organisation=person.organisation, role=role
    )
    Answer.objects.bulk_create(
        [
            Answer(
                response=response,
                question_id=question_id,
                number=value if isinstance(value, int) else None,
                text=value if isinstance(value, str) else "",
            )
            for question_id, value in answers.items()
        ]
    )
    return response


def questionnaire_results(questionnaire: Questionnaire, organisations=None) -> dict:
    """Averages and distributions; nothing is broken down where fewer than three people answered."""
    responses = questionnaire.responses.all()
    if organisations is not None:
        responses = responses.filter(organisation__in=organisations)
    count = responses.count()
    questions = []
    for question in questionnaire.questions.all():
        answers = Answer.objects.filter(response__in=responses, question=question)
        row = {"question": question, "count": answers.count(), "hidden": False}
        if row["count"] < MIN_ANSWERS_FOR_BREAKDOWN:
            row["hidden"] = True
        elif question.kind == Question.Kind.SCALE:
            row["average"] = round(answers.aggregate(value=Avg("number"))["value"], 1)
            distribution = dict(answers.values_list("number").annotate(n=Count("pk")))
            row["distribution"] = [(score, distribution.get(score, 0)) for score in range(1, 6)]
        elif question.kind == Question.Kind.YES_NO:
            yes = answers.filter(number=1).count()
            row["yes"], row["no"] = yes, row["count"] - yes
        else:
            row["texts"] = list(answers.exclude(text="").values_list("text", flat=True)[:50])
        questions.append(row)
    by_organisation = []
    for row in (
        responses.values("organisation__short_name").annotate(n=Count("pk")).order_by("organisation__short_name")
    ):
        by_organisation.append(
            {
                "organisation": row["organisation__short_name"],
                "count": row["n"],
                "hidden": row["n"] < MIN_ANSWERS_FOR_BREAKDOWN,
            }
        )
    return {"count": count, "questions": questions, "by_organisation": by_organisation}
