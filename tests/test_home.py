"""The home page: what waits for each role, each line a link to where it is done, and the menu's counts."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from monitoring.models import MonitoringPeriod, SchoolReport
from monitoring.services import questionnaire_create_default
from registry.models import Activity, MentoringGroup, MentoringOrder, Participation, Program, Role
from registry.services import order_prepare, order_sign
from roadmaps.models import Revision, Roadmap
from roadmaps.services import revision_submit, roadmap_create
from tests.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    OrganisationFactory,
    PersonFactory,
    make_user,
)
from tests.utils import downloaded, page_text, table_rows

pytestmark = pytest.mark.django_db


def sample_revision() -> Revision:
    return Roadmap.objects.get(is_template=True, level="school", municipality__isnull=True).revisions.get()


TODAY = timezone.localdate()


def waiting(response) -> dict[str, int]:
    """The home page's «Что ждёт вас» cards by their key, each with the count it shows."""
    found = {}
    for card in response.content.decode().split('data-testid="waiting" data-key="')[1:]:
        key = card.split('"', 1)[0]
        count = card.split('data-testid="waiting-count">', 1)[1].split("<", 1)[0]
        found[key] = int(count)
    return found


def found_total(response) -> int:
    """The «Найдено: N …» total of a registry list page."""
    text = page_text(response)
    return int(text.split("Найдено: ", 1)[1].split(" ", 1)[0])


def make_pair(school, *, status="active", with_program=True, consent=True, due=None):
    order = None
    if status == "active":
        number = MentoringOrder.objects.count() + 1
        order = MentoringOrder.objects.create(organisation=school, number=str(number), date=TODAY, signed_by="Директор")
    mentor = MentorProfileFactory(person__organisation=school).person
    mentee = MenteeProfileFactory(person__organisation=school, person__consent_date=TODAY if consent else None)
    group = MentoringGroup.objects.create(
        organisation=school,
        mentor=mentor,
        status=status,
        order=order,
        start_date=TODAY - datetime.timedelta(days=30),
        planned_end_date=TODAY + datetime.timedelta(days=200),
    )
    Participation.objects.create(group=group, mentee=mentee.person, consent_date=TODAY)
    if with_program:
        program = Program.objects.create(
            organisation=school, group=group, title="Адаптация", goals="Цели", status=Program.Status.ACTIVE
        )
        Activity.objects.create(program=program, position=1, title="Посещение уроков", due_date=due or TODAY)
    return group


# --- the curator -------------------------------------------------------------------------------------
def test_the_curators_counts_match_the_registry_filters_behind_them(client, town):
    school = town["school"]
    PersonFactory.create_batch(3, organisation=school, consent_date=None)
    PersonFactory(organisation=school)
    MenteeProfileFactory.create_batch(2, person__organisation=school)
    make_pair(school, with_program=False)
    make_pair(school, status="draft", with_program=False)
    make_pair(school)
    other = OrganisationFactory(municipality=town["municipality"])
    PersonFactory.create_batch(4, organisation=other, consent_date=None)
    client.force_login(town["curator"])

    home = client.get(reverse("home"))
    counts = waiting(home)
    assert counts["without_consent"] == 3
    assert counts["without_mentor"] == 3  # the two alone, and the draft pair's mentee (no order yet)
    assert counts["without_program"] == 2
    people = client.get(reverse("registry:person_list"), {"organisation": school.pk, "consent": "false"})
    assert found_total(people) == counts["without_consent"]
    alone = client.get(reverse("registry:person_list"), {"organisation": school.pk, "without_mentor": "true"})
    assert found_total(alone) == counts["without_mentor"]
    bare = client.get(reverse("registry:group_list"), {"organisation": school.pk, "without_program": "on"})
    assert found_total(bare) == counts["without_program"]
    # Each card links to exactly that list.
    content = home.content.decode()
    assert f'href="/people/?organisation={school.pk}&amp;consent=false"' in content
    assert f'href="/pairs/?organisation={school.pk}&amp;without_program=1"' in content


def test_the_curator_sees_overdue_activities_a_returned_roadmap_and_the_report_due(client, school):
    make_pair(school["organisation"], due=TODAY - datetime.timedelta(days=3))
    roadmap = roadmap_create(
        user=school["curator"],
        level="school",
        organisation=school["organisation"],
        title="План школы",
        period="2026",
        source=sample_revision(),
    )
    revision = roadmap.revisions.get()
    revision_submit(user=school["curator"], revision=revision, version=revision.version)
    client.force_login(school["director"])
    revision.refresh_from_db()
    client.post(
        reverse("roadmaps:roadmap_return", args=[roadmap.pk]),
        {"version": revision.version, "comment": "Добавьте сроки мероприятий"},
    )
    period = MonitoringPeriod.objects.create(
        municipality=school["municipality"],
        title="Мониторинг, декабрь",
        starts_on=TODAY - datetime.timedelta(days=60),
        ends_on=TODAY,
        deadline=TODAY + datetime.timedelta(days=10),
    )
    client.force_login(school["curator"])

    home = client.get(reverse("home"))
    counts = waiting(home)
    assert counts["activities_overdue"] == 1
    assert counts["roadmaps_returned"] == 1
    assert counts["report_due"] == 1
    text = page_text(home)
    assert "Добавьте сроки мероприятий" in text
    assert f"срок сдачи {period.deadline:%d.%m.%Y}" in text
    assert f'href="{period.get_absolute_url()}#own-{school["organisation"].pk}"' in home.content.decode()

    SchoolReport.objects.create(period=period, organisation=school["organisation"], status="submitted")
    assert "report_due" not in waiting(client.get(reverse("home")))


def test_an_empty_school_says_what_to_do_next(client, town):
    client.force_login(town["curator"])
    text = page_text(client.get(reverse("home")))
    assert "Педагогов пока нет — загрузите список из таблицы школы" in text
    PersonFactory(organisation=town["school"])
    text = page_text(client.get(reverse("home")))
    assert "Пар пока нет — сформируйте первую пару" in text


# --- the director ------------------------------------------------------------------------------------
def submitted_roadmap(school) -> Revision:
    roadmap = roadmap_create(
        user=school["curator"],
        level="school",
        organisation=school["organisation"],
        title="Дорожная карта реализации программы наставничества",
        period="2026–2027 учебный год",
        source=sample_revision(),
    )
    revision = roadmap.revisions.get()
    revision_submit(user=school["curator"], revision=revision, version=revision.version)
    revision.refresh_from_db()
    return revision


def test_the_director_approves_the_waiting_roadmap_from_the_home_page(client, school):
    revision = submitted_roadmap(school)
    make_pair(school["organisation"], status="draft", with_program=False)
    client.force_login(school["director"])
    home = client.get(reverse("home"))
    assert waiting(home)["roadmaps_to_approve"] == 1
    assert waiting(home)["pairs_without_order"] == 1
    assert page_text(home).count("Дорожная карта реализации программы наставничества") == 1

    response = client.post(
        reverse("roadmaps:roadmap_approve", args=[revision.roadmap_id]),
        {"version": revision.version, "order": "№ 45 от 01.09.2026", "next": reverse("home")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    revision.refresh_from_db()
    assert revision.status == Revision.Status.APPROVED
    assert revision.approval_order == "№ 45 от 01.09.2026"
    home = client.get(reverse("home"))
    assert "roadmaps_to_approve" not in waiting(home)
    assert "Дорожная карта утверждена." in page_text(home)


def test_a_next_address_off_the_site_is_not_followed(client, school):
    revision = submitted_roadmap(school)
    client.force_login(school["director"])
    response = client.post(
        reverse("roadmaps:roadmap_approve", args=[revision.roadmap_id]),
        {"version": revision.version, "next": "https://evil.example/phish"},
    )
    assert response["Location"] == revision.roadmap.get_absolute_url()


def test_the_head_sees_the_municipal_roadmap_to_approve_and_the_coordinator_does_not(client, school):
    roadmap = roadmap_create(
        user=school["coordinator"],
        level=Roadmap.Level.MUNICIPAL,
        municipality=school["municipality"],
        title="Муниципальная дорожная карта",
        period="2026",
        source=sample_revision(),
    )
    revision = roadmap.revisions.get()
    revision_submit(user=school["coordinator"], revision=revision, version=revision.version)
    client.force_login(school["head"])
    assert waiting(client.get(reverse("home")))["roadmaps_to_approve"] == 1
    client.force_login(school["coordinator"])
    assert "roadmaps_to_approve" not in waiting(client.get(reverse("home")))


# --- the mentor and the mentee -----------------------------------------------------------------------
def test_the_mentor_marks_the_due_activity_done_from_the_home_page(client, town):
    group = make_pair(town["school"], due=TODAY + datetime.timedelta(days=2))
    mentor = make_user(Role.MENTOR, group.mentor)
    client.force_login(mentor)
    home = client.get(reverse("home"))
    text = page_text(home)
    assert group.participations.get().mentee.full_name in text
    assert "Выполнено 0 из 1 мероприятий" in text
    assert "Посещение уроков" in text and "Отметить выполнение" in text
    activity = group.program.activities.get()

    response = client.post(
        reverse("registry:activity_mark", args=[group.program.pk, activity.pk]),
        {"version": activity.version, "done_on": TODAY.isoformat(), "note": "Посетила 3 урока", "next": "/"},
    )
    assert response["Location"] == "/"
    activity.refresh_from_db()
    assert activity.done_on == TODAY
    assert activity.note == "Посетила 3 урока"
    text = page_text(client.get(reverse("home")))
    assert "Выполнено 1 из 1 мероприятий" in text


def test_a_mentor_without_mentees_is_told_what_happens_next(client, town):
    mentor = make_user(Role.MENTOR, MentorProfileFactory(person__organisation=town["school"]).person)
    client.force_login(mentor)
    assert "Наставляемых пока нет — куратор наставничества сформирует пару" in page_text(client.get(reverse("home")))


def test_the_mentee_sees_the_program_the_mentor_and_the_questionnaire_to_answer(client, town):
    group = make_pair(town["school"])
    group.mentor.email, group.mentor.phone = "mentor@school.example.ru", "+7 (844) 762-11-22"
    group.mentor.save()
    questionnaire = questionnaire_create_default(municipality=town["municipality"])
    mentee = make_user(Role.MENTEE, group.participations.get().mentee)
    client.force_login(mentee)
    home = client.get(reverse("home"))
    text = page_text(home)
    assert f"Наставник: {group.mentor.full_name}" in text
    assert "mentor@school.example.ru" in text and "+7 (844) 762-11-22" in text
    assert "Адаптация" in text and "Посещение уроков" in text
    assert waiting(home)["questionnaires"] == 1
    assert reverse("monitoring:questionnaire_answer", args=[questionnaire.pk]) in home.content.decode()


# --- the coordinator ---------------------------------------------------------------------------------
def test_the_coordinators_table_has_every_organisation_and_sorts_and_exports_the_same(client, town):
    school = town["school"]
    second = OrganisationFactory(municipality=town["municipality"], short_name="МБОУ «Гимназия № 2»")
    OrganisationFactory(short_name="МБОУ «Чужая школа»")  # another municipality
    make_pair(second)
    make_pair(second)
    make_pair(school)
    PersonFactory.create_batch(2, organisation=school, consent_date=None)
    client.force_login(town["coordinator"])

    response = client.get(reverse("home"), {"sort": "-pairs"})
    rows = [row for row in table_rows(response) if row.startswith("МБОУ")]
    assert [row.split("»")[0] + "»" for row in rows] == ["МБОУ «Гимназия № 2»", school.short_name]
    assert rows[0].startswith("МБОУ «Гимназия № 2» 2 0 нет дорожной карты")
    assert rows[1].startswith(f"{school.short_name} 1 2 нет дорожной карты")

    export = client.get(
        reverse("registry:organisation_summary_export", args=[town["municipality"].pk]), {"sort": "-pairs"}
    )
    sheet = load_workbook(io.BytesIO(downloaded(export))).active
    names = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert names == ["МБОУ «Гимназия № 2»", school.short_name]
    header = [cell for cell in next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))]
    assert header[:3] == ["Организация", "Действующих пар и групп", "Без согласия на обработку ПДн"]


def test_another_municipality_cannot_export_this_table(client, town):
    stranger = make_user(Role.COORDINATOR, OrganisationFactory().municipality)
    client.force_login(stranger)
    response = client.get(reverse("registry:organisation_summary_export", args=[town["municipality"].pk]))
    assert response.status_code == 404


def test_the_coordinator_sees_schools_late_with_their_report(client, town):
    MonitoringPeriod.objects.create(
        municipality=town["municipality"],
        title="Мониторинг, октябрь",
        starts_on=TODAY - datetime.timedelta(days=90),
        ends_on=TODAY - datetime.timedelta(days=30),
        deadline=TODAY - datetime.timedelta(days=5),
    )
    client.force_login(town["coordinator"])
    home = client.get(reverse("home"))
    assert waiting(home)["late_reports"] == 1
    assert "Не сдали отчёт за «Мониторинг, октябрь» в срок" in page_text(home)


# --- the menu and several roles ----------------------------------------------------------------------
def test_the_menu_counts_what_waits_on_every_page(client, town):
    PersonFactory.create_batch(3, organisation=town["school"], consent_date=None)
    make_pair(town["school"], with_program=False)
    client.force_login(town["curator"])
    page = client.get(reverse("registry:organisation_list")).content.decode()
    assert 'data-testid="menu-count-people">3<' in page
    assert 'data-testid="menu-count-pairs">1<' in page
    assert 'data-testid="menu-count-home" title="Ждут вашего решения">4<' in page


def test_a_person_with_several_roles_sees_one_block_per_role(client, town):
    other = OrganisationFactory(municipality=town["municipality"])
    user = town["curator"]
    user.memberships.create(role=Role.CURATOR, organisation=other)
    mentor = MentorProfileFactory(person__organisation=town["school"]).person
    user.memberships.create(role=Role.MENTOR, person=mentor)
    PersonFactory(organisation=other, consent_date=None)
    client.force_login(user)
    home = client.get(reverse("home"))
    content = home.content.decode()
    assert content.count('data-testid="desk-block"') == 3
    assert content.count('data-role="curator"') == 2 and content.count('data-role="mentor"') == 1
    assert other.short_name in page_text(home) and town["school"].short_name in page_text(home)
    assert f'href="/people/?organisation={other.pk}&amp;consent=false"' in content


# --- queries -------------------------------------------------------------------------------------------
def grow_school(school, count: int) -> None:
    for _ in range(count):
        make_pair(school, with_program=False)
        make_pair(school, due=TODAY - datetime.timedelta(days=2))
        make_pair(school, status="draft", with_program=False)
        PersonFactory(organisation=school, consent_date=None)
        make_pair(OrganisationFactory(municipality=school.municipality))  # the coordinator's table grows


@pytest.mark.parametrize("role", ["curator", "director", "coordinator", "head", "mentor", "mentee"])
def test_home_page_queries_do_not_grow_with_rows(client, school, role):
    organisation = school["organisation"]
    OrganisationFactory(municipality=school["municipality"])
    questionnaire_create_default(municipality=school["municipality"])
    MonitoringPeriod.objects.create(
        municipality=school["municipality"], title="П", starts_on=TODAY, ends_on=TODAY, deadline=TODAY
    )
    group = make_pair(organisation)
    users = dict(school)
    users["mentor"] = make_user(Role.MENTOR, group.mentor)
    users["mentee"] = make_user(Role.MENTEE, group.participations.get().mentee)
    client.force_login(users[role])

    grow_school(organisation, 1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("home")).status_code == 200
    grow_school(organisation, 8)
    for _ in range(6):  # the mentor's own pairs and activities grow too
        extra = make_pair(organisation, due=TODAY + datetime.timedelta(days=1))
        extra.mentor = group.mentor
        extra.save()
    if role in {"director", "curator"}:
        submitted_roadmap(school)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries[len(few) :]]


def test_the_director_sees_the_draft_order_to_sign_and_it_leaves_once_signed(client, school):
    group = make_pair(school["organisation"], status="draft", with_program=False)
    group.mentor_consent_date = TODAY
    group.save()
    order = order_prepare(user=school["curator"], organisation=school["organisation"], groups=[group])
    client.force_login(school["director"])
    home = client.get(reverse("home"))
    assert waiting(home)["orders_to_sign"] == 1
    assert "pairs_without_order" not in waiting(home)  # the pair is in the draft
    assert "Проект приказа о закреплении наставнических пар: 1 пара или группа" in page_text(home)
    assert f'href="{order.get_absolute_url()}"' in home.content.decode()
    client.force_login(school["curator"])
    assert "orders_to_sign" not in waiting(client.get(reverse("home")))  # the curator prepares, not signs

    order_sign(
        user=school["director"], order=order, number="17-о", date=TODAY, signed_by=school["director"].get_full_name()
    )
    client.force_login(school["director"])
    assert "orders_to_sign" not in waiting(client.get(reverse("home")))
