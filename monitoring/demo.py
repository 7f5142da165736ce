"""Demo monitoring: a concluded period in which every organisation reported, with the coordinator's
conclusions and an answered questionnaire, so its analytical report is full; and the period open now,
whose reports are still due.

The concluded period goes through the portal's own services (``report_submit`` freezes each
organisation's figures, ``response_submit`` stores each answer), so its report shows what the
portal would compute, not figures made up for the demo.
"""

from __future__ import annotations

import calendar
import datetime
import random

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mentoring_portal.templatetags.portal import russian_plural
from registry.models import Membership, MentoringGroup, Municipality, Organisation, Participation, Person, Role

from .indicators import format_value, values_of
from .models import MonitoringPeriod, Question, Questionnaire, SchoolReport
from .services import period_data, period_organisations, questionnaire_create_default, report_submit, response_submit

MONTHS = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]

# The concluded period is the one reported this many months ago («апрель 2026» seen from December).
CONCLUDED_MONTHS_AGO = 8
RESPONSES = 30

NARRATIVES = {
    Organisation.Kind.SCHOOL: [
        "Молодые педагоги закреплены за наставниками приказом; пары встречаются раз в две недели, планы "
        "персонализированных программ выполняются.",
        "Работает школа молодого педагога: наставники посещают уроки наставляемых и разбирают их вместе.",
        "Пары сформированы по запросам наставляемых; куратор ежемесячно проверяет выполнение планов.",
    ],
    Organisation.Kind.KINDERGARTEN: [
        "Наставники сопровождают молодых воспитателей в организации режимных моментов и занятий.",
        "Молодые воспитатели проводят открытые занятия с разбором; наставники помогают в работе с родителями.",
    ],
    Organisation.Kind.ADDITIONAL: [
        "Наставничество организовано для педагогов дополнительного образования, пришедших из других профессий.",
    ],
    Organisation.Kind.COLLEGE: [
        "Опытные преподаватели сопровождают молодых преподавателей и мастеров производственного обучения.",
    ],
}
DIFFICULTIES = [
    "Не хватает времени на взаимопосещения из-за учебной нагрузки наставников.",
    "Мало наставников с высшей квалификационной категорией.",
    "Нет стимулирующих выплат наставникам.",
    "",
]
BEST_PRACTICES = [
    "Школа молодого педагога",
    "Методический марафон «Первый открытый урок»",
    "Педагогическая мастерская наставников",
    "",
]
PROPOSALS = (
    "1. Закрепить наставников за всеми молодыми педагогами до начала следующего учебного года.\n"
    "2. Провести семинар для кураторов наставничества по составлению персонализированных программ.\n"
    "3. Организациям, где дорожная карта ещё не утверждена, утвердить её до конца учебного года.\n"
    "4. Распространить опыт школ молодого педагога на дошкольные организации."
)
TEXT_ANSWERS = {
    Role.MENTOR: [
        "Не хватает времени на взаимопосещения уроков.",
        "Нужны методические материалы для наставников.",
        "Хотелось бы обмениваться опытом с наставниками других школ.",
    ],
    Role.MENTEE: [
        "Остались трудности с дисциплиной на уроках.",
        "Хотелось бы чаще бывать на уроках наставника.",
        "Нужна помощь в работе с родителями.",
        "Всё устраивает, спасибо наставнику.",
    ],
}


@transaction.atomic
def build_demo_monitoring(municipality: Municipality) -> bool:
    """The concluded period and the open one, each made once; returns whether anything was added."""
    today = timezone.localdate()
    periods = MonitoringPeriod.objects.filter(municipality=municipality)
    added = False
    concluded = periods.filter(deadline__lt=today, reports__status=SchoolReport.Status.SUBMITTED).distinct().first()
    if concluded is None:
        concluded = build_concluded_period(municipality, today)
        added = True
    if not periods.filter(ends_on__gt=concluded.ends_on).exists():
        build_open_period(municipality, today)
        added = True
    if not periods.filter(ends_on__lt=concluded.starts_on).exists():
        # Last academic year's period, so this year's analytical report has figures to compare with.
        build_concluded_period(municipality, today, months_ago=CONCLUDED_MONTHS_AGO + 12, questionnaire=False)
        added = True
    return added


def build_open_period(municipality: Municipality, today: datetime.date) -> MonitoringPeriod:
    """This month's period, reports due in two weeks, with the default questionnaire open for answers."""
    period = MonitoringPeriod.objects.create(
        municipality=municipality,
        title=f"Муниципальный мониторинг, {MONTHS[today.month - 1]} {today.year}",
        starts_on=today.replace(year=today.year - 1),
        ends_on=today,
        deadline=today + datetime.timedelta(days=14),
        created_by=_coordinator(),
    )
    questionnaire_create_default(municipality=municipality, period=period)
    return period


def build_concluded_period(
    municipality: Municipality, today: datetime.date, *, months_ago: int = CONCLUDED_MONTHS_AGO, questionnaire=True
) -> MonitoringPeriod:
    """A past period: every organisation submitted, the questionnaire answered and closed, conclusions written."""
    reported = today - relativedelta(months=months_ago)
    ends_on = reported.replace(day=calendar.monthrange(reported.year, reported.month)[1])
    period = MonitoringPeriod.objects.create(
        municipality=municipality,
        title=f"Муниципальный мониторинг, {MONTHS[reported.month - 1]} {reported.year}",
        starts_on=ends_on - relativedelta(years=1) + datetime.timedelta(days=1),
        ends_on=ends_on,
        deadline=ends_on + datetime.timedelta(days=15),
        created_by=_coordinator(),
    )
    if questionnaire:
        answered = questionnaire_create_default(municipality=municipality, period=period)
        answer_questionnaire(answered, random.Random(f"анкета {period.title}"))
        answered.is_active = False
        answered.save(update_fields=["is_active"])
    submit_reports(period)
    period.conclusions = conclusions(period)
    period.proposals = PROPOSALS
    period.save(update_fields=["conclusions", "proposals"])
    return period


def submit_reports(period: MonitoringPeriod) -> None:
    """Every organisation's report through ``report_submit``, dated as if handed in before the deadline."""
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    for index, organisation in enumerate(period_organisations(period)):
        rng = random.Random(organisation.short_name)
        curator = Membership.objects.filter(organisation=organisation, role=Role.CURATOR).select_related("user").first()
        texts = {
            "narrative": rng.choice(NARRATIVES[organisation.kind]),
            "difficulties": rng.choice(DIFFICULTIES),
            "best_practice": rng.choice(BEST_PRACTICES),
        }
        # Organisations without a curator's account in the demo are entered by the portal's administrator.
        report = report_submit(
            user=curator.user if curator else admin, period=period, organisation=organisation, texts=texts
        )
        # The service stamps the moment of submission; a concluded period's reports were handed in back then.
        handed_in = period.deadline - datetime.timedelta(days=index % 10)
        SchoolReport.objects.filter(pk=report.pk).update(
            submitted_at=timezone.make_aware(datetime.datetime.combine(handed_in, datetime.time(9 + index % 8, 15)))
        )


def conclusions(period: MonitoringPeriod) -> str:
    """The coordinator's conclusions, read off the period's frozen figures."""
    data = period_data(period)
    total = data.total
    values = {row["indicator"].code: row["value"] for row in values_of(total)}
    organisations = total["organisations"]
    if data.submitted == organisations:
        submitted = f"все {organisations} {russian_plural(organisations, 'организация,организации,организаций')}"
    else:
        of = russian_plural(organisations, "организации,организаций,организаций")
        submitted = f"{data.submitted} из {organisations} {of}"
    lines = [
        f"Отчёты за период сдали {submitted} муниципалитета.",
        f"Наставничество реализуется в {total['runs_mentoring']} из {organisations} "
        f"{russian_plural(organisations, 'организации,организаций,организаций')} "
        f"({format_value(values['organisations_share'], '%')}); в него вовлечено "
        f"{format_value(values['involved_share'], '%')} педагогических работников. "
        f"Действующих наставнических пар — {total['pairs']}, групп — {total['groups']}.",
    ]
    if total["young"]:
        lines.append(
            f"Наставника имеют {total['young_with_mentor']} из {total['young']} "
            f"{russian_plural(total['young'], 'молодого педагога,молодых педагогов,молодых педагогов')} "
            f"({format_value(values['young_with_mentor_share'], '%')}) при целевом значении 100 %."
        )
    if total["items_overdue"]:
        lines.append(f"Просрочено мероприятий дорожных карт: {total['items_overdue']}.")
    return "\n".join(lines)


def answer_questionnaire(questionnaire: Questionnaire, rng: random.Random) -> int:
    """Answers of mentors and mentees of the municipality's pairs, through ``response_submit``."""
    groups = MentoringGroup.objects.filter(
        organisation__municipality=questionnaire.municipality,
        status__in=[MentoringGroup.Status.ACTIVE, MentoringGroup.Status.COMPLETED],
    )
    respondents = dict.fromkeys(
        Participation.objects.filter(group__in=groups).order_by("mentee_id").values_list("mentee_id", flat=True),
        Role.MENTEE,
    )
    for mentor_id in groups.order_by("mentor_id").values_list("mentor_id", flat=True).distinct():
        respondents.setdefault(mentor_id, Role.MENTOR)
    chosen = sorted(rng.sample(sorted(respondents), k=min(RESPONSES, len(respondents))))
    people = Person.objects.in_bulk(chosen)
    questions = list(questionnaire.questions.all())
    for person_id in chosen:
        role = respondents[person_id]
        answers = {question.pk: _answer(rng, question, role) for question in questions}
        response_submit(questionnaire=questionnaire, person=people[person_id], role=role, answers=answers)
    return len(chosen)


def _answer(rng: random.Random, question: Question, role: str) -> int | str:
    if question.kind == Question.Kind.SCALE:
        return rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 6, 11, 10])[0]
    if question.kind == Question.Kind.YES_NO:
        return 1 if rng.random() < 0.75 else 0
    return rng.choice([*TEXT_ANSWERS[role], "", ""])


def _coordinator():
    return get_user_model().objects.filter(username="coordinator").first()
