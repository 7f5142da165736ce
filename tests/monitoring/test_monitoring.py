"""Journey 4: indicators from the data, periods with frozen reports, questionnaires, PDF and Excel."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from monitoring.indicators import BY_CODE, aggregate, organisation_figures, values_of
from monitoring.models import MonitoringPeriod, Question, Readiness, SchoolReport
from monitoring.services import period_data, questionnaire_create_default, report_submit, response_submit
from registry.models import MentoringGroup, MentoringOrder, Participation, Program, Role
from tests.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PersonFactory,
    make_user,
)
from tests.utils import downloaded, form_data, page_text

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YOUNG = TODAY - datetime.timedelta(days=400)


def active_group(organisation, mentor, mentees, **extra):
    order = MentoringOrder.objects.create(
        organisation=organisation, number=f"{organisation.pk}-{mentor.pk}", date=TODAY, signed_by="Директор"
    )
    group = MentoringGroup.objects.create(
        organisation=organisation,
        mentor=mentor,
        status="active",
        order=order,
        start_date=TODAY - datetime.timedelta(days=30),
        planned_end_date=TODAY + datetime.timedelta(days=200),
        **extra,
    )
    Participation.objects.bulk_create([Participation(group=group, mentee=mentee) for mentee in mentees])
    return group


@pytest.fixture
def town():
    """Two schools whose figures are known by hand.

    Лицей: 8 teachers (3 young); mentor Орлова leads a pair (young Зайцева), mentor Новиков another pair
    alike (Соколова, not young); mentor Белова leads a group (young Котова and Лисин, not young); one young
    teacher (Новикова) has no mentor. One program started 30 days ago. Гимназия: 2 teachers, no pairs: it
    does not run mentoring.
    """
    municipality = MunicipalityFactory()
    lyceum = OrganisationFactory(municipality=municipality, short_name="МБОУ «Лицей № 1»")
    gymnasium = OrganisationFactory(municipality=municipality, short_name="МБОУ «Гимназия № 2»")
    orlova = MentorProfileFactory(person__organisation=lyceum, person__last_name="Орлова").person
    belova = MentorProfileFactory(person__organisation=lyceum, person__last_name="Белова").person
    zaytseva = MenteeProfileFactory(person__organisation=lyceum, person__teaching_since=YOUNG).person
    kotova = MenteeProfileFactory(person__organisation=lyceum, person__teaching_since=YOUNG).person
    lisin = MenteeProfileFactory(person__organisation=lyceum).person
    PersonFactory(organisation=lyceum, last_name="Новикова", teaching_since=YOUNG)
    PersonFactory.create_batch(2, organisation=gymnasium)
    pair = active_group(lyceum, orlova, [zaytseva], form="teacher_teacher", kinds=["traditional"])
    # A second pair alike in form and kinds: it must still count as a pair of its own.
    novikov = MentorProfileFactory(person__organisation=lyceum, person__last_name="Новиков").person
    sokolova = MenteeProfileFactory(person__organisation=lyceum).person
    active_group(lyceum, novikov, [sokolova], form="teacher_teacher", kinds=["traditional"])
    active_group(lyceum, belova, [kotova, lisin], form="teacher_teacher", kinds=["traditional", "virtual"])
    Program.objects.create(
        organisation=lyceum,
        group=pair,
        title="П",
        goals="Ц",
        start_date=pair.start_date,
        end_date=pair.planned_end_date,
    )
    return {
        "municipality": municipality,
        "lyceum": lyceum,
        "gymnasium": gymnasium,
        "coordinator": make_user(Role.COORDINATOR, municipality),
        "curator": make_user(Role.CURATOR, lyceum),
        "mentee": kotova,
    }


def year_figures(organisations):
    return organisation_figures(organisations, starts_on=TODAY.replace(year=TODAY.year - 1), ends_on=TODAY)


def test_each_indicator_on_a_data_set_known_by_hand(town):
    figures = year_figures([town["lyceum"], town["gymnasium"]])
    lyceum = figures[town["lyceum"].pk]
    assert {key: lyceum[key] for key in ("workers", "mentors", "mentees", "involved", "pairs", "groups")} == {
        "workers": 8,
        "mentors": 3,
        "mentees": 4,
        "involved": 7,
        "pairs": 2,
        "groups": 1,
    }
    assert (lyceum["young"], lyceum["young_with_mentor"], lyceum["programs_started"]) == (3, 2, 1)
    assert lyceum["kinds"] == {"traditional": 3, "virtual": 1}
    assert figures[town["gymnasium"].pk]["runs_mentoring"] == 0

    total = aggregate(list(figures.values()))
    values = {row["indicator"].code: row["value"] for row in values_of(total)}
    assert values["workers"] == 10
    assert values["involved_share"] == 70.0  # 7 of 10
    assert values["young_with_mentor_share"] == 66.7  # 2 of 3
    assert values["organisations_share"] == 50.0  # 1 of 2
    assert BY_CODE["organisations_share"].meets_target(values["organisations_share"]) is False


def test_indicators_compute_in_a_fixed_number_of_queries(town):
    with CaptureQueriesContext(connection) as few:
        year_figures([town["lyceum"]])
    many = [OrganisationFactory(municipality=town["municipality"], short_name=f"ООШ {n}") for n in range(12)]
    for organisation in many:
        mentor = MentorProfileFactory(person__organisation=organisation).person
        active_group(organisation, mentor, [MenteeProfileFactory(person__organisation=organisation).person])
    with CaptureQueriesContext(connection) as lots:
        year_figures([town["lyceum"], *many])
    assert len(lots) == len(few)


@pytest.fixture
def period(town):
    return MonitoringPeriod.objects.create(
        municipality=town["municipality"],
        title="Муниципальный мониторинг, апрель 2026",
        starts_on=TODAY.replace(year=TODAY.year - 1),
        ends_on=TODAY,
        deadline=TODAY + datetime.timedelta(days=10),
    )


def test_a_frozen_period_report_is_unchanged_after_the_live_data_changes(client, town, period):
    report_submit(user=town["curator"], period=period, organisation=town["lyceum"], texts={"narrative": "Идёт"})
    client.force_login(town["coordinator"])
    before = pdf_text(client.get(reverse("monitoring:period_pdf", args=[period.pk])))
    PersonFactory.create_batch(4, organisation=town["lyceum"])
    MentoringGroup.objects.filter(organisation=town["lyceum"]).update(status="completed")
    after = pdf_text(client.get(reverse("monitoring:period_pdf", args=[period.pk])))
    strip = lambda text: text.split("Справка сформирована")[1]  # noqa: E731 - the date line may differ
    assert strip(before) == strip(after)
    assert period_data(period).total["workers"] == 8


def test_a_school_cannot_submit_twice_or_for_another_school(town, period):
    report_submit(user=town["curator"], period=period, organisation=town["lyceum"], texts={})
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):
        report_submit(user=town["curator"], period=period, organisation=town["lyceum"], texts={})
    with pytest.raises(PermissionDenied):
        report_submit(user=town["curator"], period=period, organisation=town["gymnasium"], texts={})
    assert not SchoolReport.objects.filter(organisation=town["gymnasium"]).exists()


def test_the_coordinator_sees_who_submitted_and_reminds_the_rest(client, town, period):
    report_submit(user=town["curator"], period=period, organisation=town["lyceum"], texts={})
    client.force_login(town["coordinator"])
    client.post(reverse("monitoring:period_remind", args=[period.pk]))
    reminded = SchoolReport.objects.get(period=period, organisation=town["gymnasium"])
    assert reminded.reminded_at is not None and reminded.status == "draft"
    assert SchoolReport.objects.get(period=period, organisation=town["lyceum"]).reminded_at is None
    assert "Сдали отчёт: 1 из 2" in page_text(client.get(period.get_absolute_url()))
    gymnasium_curator = make_user(Role.CURATOR, town["gymnasium"])
    client.force_login(gymnasium_curator)
    assert "Координатор напоминает" in page_text(
        client.get(reverse("monitoring:school_dashboard", args=[town["gymnasium"].pk]))
    )


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(downloaded(response)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_analytical_report_pdf_holds_the_values_every_school_and_the_conclusions(client, town, period):
    report_submit(user=town["curator"], period=period, organisation=town["lyceum"], texts={})
    gymnasium_curator = make_user(Role.CURATOR, town["gymnasium"])
    report_submit(user=gymnasium_curator, period=period, organisation=town["gymnasium"], texts={})
    client.force_login(town["coordinator"])
    url = reverse("monitoring:period_conclusions", args=[period.pk])
    page = client.get(reverse("monitoring:period_detail", args=[period.pk]))
    client.post(
        url,
        form_data(page, action=url)
        | {"conclusions": "Наставничество ведут не все школы.", "proposals": "Помочь гимназии."},
    )
    text = pdf_text(client.get(reverse("monitoring:period_pdf", args=[period.pk])))
    assert "Аналитическая справка" in text
    assert "Муниципальный мониторинг, апрель 2026" in text
    assert "70,0 %" in text and "66,7 %" in text and "50,0 %" in text
    assert "МБОУ «Лицей № 1»" in text and "МБОУ «Гимназия № 2»" in text
    assert "Наставничество ведут не все школы." in text
    assert "Страница 1 из" in text


def test_the_figures_xlsx_holds_the_same_numbers(client, town, period):
    report_submit(user=town["curator"], period=period, organisation=town["lyceum"], texts={})
    client.force_login(town["coordinator"])
    workbook = load_workbook(io.BytesIO(downloaded(client.get(reverse("monitoring:period_xlsx", args=[period.pk])))))
    summary = {row[0]: row[1] for row in workbook["Показатели"].iter_rows(min_row=4, values_only=True)}
    assert summary["Педагогических работников"] == 8
    assert summary["Доля педагогов, вовлечённых в наставничество"] == pytest.approx(87.5)  # 7 of 8
    rows = list(workbook["Организации"].iter_rows(min_row=2, values_only=True))
    assert ("МБОУ «Гимназия № 2»", town["municipality"].name, "отчёт не сдан") == rows[-1][:3]
    assert rows[0][0] == "МБОУ «Лицей № 1»" and rows[0][2] == 8


def test_an_empty_municipality_gives_a_report_that_says_there_is_no_data(client):
    municipality = MunicipalityFactory()
    coordinator = make_user(Role.COORDINATOR, municipality)
    period = MonitoringPeriod.objects.create(
        municipality=municipality, title="Пустой мониторинг", starts_on=TODAY, ends_on=TODAY, deadline=TODAY
    )
    client.force_login(coordinator)
    response = client.get(reverse("monitoring:period_pdf", args=[period.pk]))
    assert response.status_code == 200
    assert "Нет данных" in pdf_text(response)


def test_the_readiness_checklist_is_derived_where_it_can_be(client, town):
    client.force_login(town["curator"])
    response = client.get(reverse("monitoring:school_dashboard", args=[town["lyceum"].pk]))
    done = {check["label"]: check["done"] for check in response.context["checklist"]}
    assert done["Назначен куратор наставничества"] is True
    assert done["Издан приказ о закреплении наставнических пар"] is True
    assert done["Утверждено положение о наставничестве"] is False
    response = client.post(
        reverse("monitoring:readiness_edit", args=[town["lyceum"].pk]), {"regulation_approved_on": "2026-01-10"}
    )
    assert response.context["form"].errors["regulation_evidence"] == ["Укажите приказ, которым утверждено положение."]
    client.post(
        reverse("monitoring:readiness_edit", args=[town["lyceum"].pk]),
        {
            "regulation_approved_on": "2026-01-10",
            "regulation_evidence": "Приказ № 5",
            "website_section_url": "lyceum1.ru/nast",
        },
    )
    readiness = Readiness.objects.get(organisation=town["lyceum"])
    assert readiness.website_section_url == "https://lyceum1.ru/nast"


def answer(questionnaire, person, scores):
    questions = list(questionnaire.questions.all())
    values = {questions[0].pk: scores, questions[1].pk: scores, questions[2].pk: 1, questions[3].pk: "Всё хорошо"}
    return response_submit(questionnaire=questionnaire, person=person, role="mentee", answers=values)


def test_fewer_than_three_answers_show_no_breakdown(client, town):
    questionnaire = questionnaire_create_default(municipality=town["municipality"])
    people = [MenteeProfileFactory(person__organisation=town["lyceum"]).person for _ in range(3)]
    answer(questionnaire, people[0], 5)
    answer(questionnaire, people[1], 3)
    client.force_login(town["coordinator"])
    url = reverse("monitoring:questionnaire_results", args=[questionnaire.pk])
    rows = client.get(url).context["results"]["questions"]
    assert all(row["hidden"] for row in rows)
    assert "average" not in rows[0]
    answer(questionnaire, people[2], 4)
    rows = client.get(url).context["results"]["questions"]
    assert rows[0]["average"] == 4.0
    assert rows[0]["distribution"] == [(1, 0), (2, 0), (3, 1), (4, 1), (5, 1)]


def test_a_mentee_answers_once(client, town):
    questionnaire = questionnaire_create_default(municipality=town["municipality"])
    client.force_login(make_user(Role.MENTEE, town["mentee"]))
    assert questionnaire in client.get(reverse("monitoring:questionnaire_list")).context["to_answer"]
    questions = list(questionnaire.questions.all())
    data = {f"q{questions[0].pk}": 5, f"q{questions[1].pk}": 4, f"q{questions[2].pk}": 1, f"q{questions[3].pk}": ""}
    client.post(reverse("monitoring:questionnaire_answer", args=[questionnaire.pk]), data)
    client.post(reverse("monitoring:questionnaire_answer", args=[questionnaire.pk]), data)
    assert questionnaire.responses.count() == 1
    assert questionnaire not in client.get(reverse("monitoring:questionnaire_list")).context["to_answer"]


def test_an_unanswered_scale_question_is_refused(client, town):
    questionnaire = questionnaire_create_default(municipality=town["municipality"])
    client.force_login(make_user(Role.MENTEE, town["mentee"]))
    response = client.post(reverse("monitoring:questionnaire_answer", args=[questionnaire.pk]), {})
    first = questionnaire.questions.filter(kind=Question.Kind.SCALE).first()
    assert response.context["form"].errors[f"q{first.pk}"] == ["Обязательное поле."]
    assert questionnaire.responses.count() == 0


def test_dashboard_queries_do_not_grow_with_organisations(client, town):
    client.force_login(town["coordinator"])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("monitoring:dashboard"))
    for number in range(10):
        organisation = OrganisationFactory(municipality=town["municipality"], short_name=f"СОШ № {number}")
        PersonFactory(organisation=organisation)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("monitoring:dashboard"))
    assert len(response.context["rows"]) == 12
    assert len(many) == len(few)


def test_dashboard_sorts_and_filters_and_shows_svg_charts(client, town):
    client.force_login(town["coordinator"])
    response = client.get(reverse("monitoring:dashboard"), {"ordering": "-workers"})
    assert [row["organisation"] for row in response.context["rows"]] == [town["lyceum"], town["gymnasium"]]
    assert "<svg" in response.content.decode() and "Традиционное" in response.content.decode()
    response = client.get(reverse("monitoring:dashboard"), {"kind": "kindergarten"})
    assert response.context["rows"] == []
