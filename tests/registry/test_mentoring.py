"""Journey 2: pairs and groups, their rules, orders, matching, programs and documents."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from registry.models import (
    Activity,
    GroupEvent,
    MentoringGroup,
    MentoringOrder,
    Participation,
    Person,
    Program,
    Role,
    Subject,
    Vocabulary,
    VocabularyTerm,
)
from registry.services import (
    add_months,
    group_create,
    group_record_consents,
    order_issue,
    propose_mentors,
)
from tests.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    OrganisationFactory,
    make_user,
)
from tests.utils import downloaded, form_data, page_text, table_rows

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def school(school):
    """The shared school with a mentor of one free place and three mentees."""
    organisation = school["organisation"]
    mentor = MentorProfileFactory(person__organisation=organisation, person__last_name="Орлова", capacity=1).person
    mentees = [
        MenteeProfileFactory(person__organisation=organisation, person__last_name=name).person
        for name in ("Зайцева", "Котова", "Лисина")
    ]
    return school | {"mentor": mentor, "mentees": mentees}


def create(school, mentor=None, mentees=None, **overrides):
    arguments = {
        "user": school["curator"],
        "organisation": school["organisation"],
        "mentor": mentor or school["mentor"],
        "mentees": mentees if mentees is not None else school["mentees"][:1],
        "form": "teacher_teacher",
        "kinds": ["traditional"],
        "start_date": TODAY,
        "planned_end_date": TODAY + datetime.timedelta(days=270),
    }
    arguments.update(overrides)
    return group_create(**arguments)


def consented(group):
    group_record_consents(
        group=group,
        mentor_consent_date=TODAY,
        mentee_consents={p.mentee_id: TODAY for p in group.participations.all()},
    )
    return group


def issue(school, groups, number="12-о"):
    return order_issue(
        user=school["director"],
        organisation=school["organisation"],
        number=number,
        date=TODAY,
        signed_by="Орлова Г. П.",
        groups=groups,
    )


def groups_of(school):
    return MentoringGroup.objects.filter(organisation=school["organisation"])


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the rules, each refused with a Russian message and nothing changed ----------------------
def test_nobody_mentors_themselves(school):
    MenteeProfileFactory(person=school["mentor"])
    with pytest.raises(ValidationError) as error:
        create(school, mentees=[school["mentor"]])
    assert "Наставник не может быть наставником самому себе." in messages_of(error.value)
    assert not groups_of(school).exists()


def test_people_without_personal_data_consent_cannot_be_paired(school):
    mentee = school["mentees"][0]
    mentee.consent_date = None
    mentee.save()
    with pytest.raises(ValidationError) as error:
        create(school)
    assert f"Нет согласия на обработку персональных данных: {mentee.full_name}." in messages_of(error.value)
    assert not groups_of(school).exists()


def test_a_mentor_of_another_school_needs_open_mentoring(school):
    other = OrganisationFactory(municipality=school["municipality"])
    outsider = MentorProfileFactory(person__organisation=other, open_mentoring=False).person
    with pytest.raises(ValidationError) as error:
        create(school, mentor=outsider)
    assert "не участвует в открытом наставничестве" in messages_of(error.value)
    assert not groups_of(school).exists()

    outsider.mentor_profile.open_mentoring = True
    outsider.mentor_profile.save()
    group = create(school, mentor=outsider)
    other_curator = make_user(Role.CURATOR, other)
    assert group in MentoringGroup.objects.visible_to(other_curator)  # both schools see the pair
    assert group not in MentoringGroup.objects.manageable_by(other_curator)  # only the owner changes it


def test_a_pair_needs_every_consent_before_the_order(school):
    group = create(school)
    with pytest.raises(ValidationError) as error:
        issue(school, [group])
    assert "Нет письменного согласия наставника: Орлова А. С." in messages_of(error.value)
    assert "Нет письменного согласия наставляемого: Зайцева А. С." in messages_of(error.value)
    group.refresh_from_db()
    assert group.status == MentoringGroup.Status.DRAFT
    assert not MentoringOrder.objects.filter(organisation=school["organisation"]).exists()


def test_mentor_capacity_is_enforced_at_the_order(school):
    first = consented(create(school, mentees=school["mentees"][:1]))
    second = consented(create(school, mentees=school["mentees"][1:2]))
    issue(school, [first])
    with pytest.raises(ValidationError) as error:
        issue(school, [second], number="13-о")
    assert "может вести не больше 1 наставляемых одновременно, а их будет 2" in messages_of(error.value)
    second.refresh_from_db()
    assert second.status == MentoringGroup.Status.DRAFT
    assert MentoringOrder.objects.filter(organisation=school["organisation"]).count() == 1


def test_one_active_pair_per_mentee(school):
    another_mentor = MentorProfileFactory(person__organisation=school["organisation"]).person
    first = consented(create(school))
    issue(school, [first])
    second = consented(create(school, mentor=another_mentor))
    with pytest.raises(ValidationError) as error:
        issue(school, [second], number="14-о")
    assert "Зайцева А. С. уже в действующей паре с наставником Орлова" in messages_of(error.value)
    assert groups_of(school).active().count() == 1


def test_an_order_activates_all_its_pairs_or_none(school):
    school["mentor"].mentor_profile.capacity = 3
    school["mentor"].mentor_profile.save()
    ready = consented(create(school, mentees=school["mentees"][:1]))
    not_ready = create(school, mentees=school["mentees"][1:2])
    with pytest.raises(ValidationError):
        issue(school, [ready, not_ready])
    assert groups_of(school).active().count() == 0
    assert not GroupEvent.objects.filter(group__organisation=school["organisation"], to_status="active").exists()


def test_issuing_an_order_activates_and_keeps_who_and_when(school):
    group = consented(create(school, mentees=school["mentees"][:1]))
    order = issue(school, [group])
    group.refresh_from_db()
    assert group.status == MentoringGroup.Status.ACTIVE
    assert group.order == order
    event = group.events.get(to_status="active")
    assert (event.from_status, event.user) == ("draft", school["director"])
    assert "Приказ № 12-о" in event.note


def test_a_group_has_two_or_more_mentees(client, school):
    school["mentor"].mentor_profile.capacity = 3
    school["mentor"].mentor_profile.save()
    group = create(school, mentees=school["mentees"])
    client.force_login(school["curator"])
    assert "Наставническая группа" in page_text(client.get(group.get_absolute_url()))
    assert Participation.objects.filter(group=group).count() == 3


def test_ending_early_needs_a_reason_and_records_it(client, school):
    group = consented(create(school))
    issue(school, [group])
    client.force_login(school["curator"])
    client.post(reverse("registry:group_end", args=[group.pk]), {"action": "end", "reason": "", "ended_on": TODAY})
    group.refresh_from_db()
    assert group.status == MentoringGroup.Status.ACTIVE
    client.post(
        reverse("registry:group_end", args=[group.pk]),
        {"action": "end", "reason": "long_absence", "note": "Декретный отпуск", "ended_on": TODAY.isoformat()},
    )
    group.refresh_from_db()
    assert (group.status, group.end_reason, group.end_note) == ("ended_early", "long_absence", "Декретный отпуск")
    assert group.events.filter(to_status="ended_early", user=school["curator"]).exists()


def test_curator_forms_a_pair_through_the_form_and_sees_rule_messages(client, school):
    client.force_login(school["curator"])
    response = client.post(
        reverse("registry:group_create"),
        {
            "organisation": school["organisation"].pk,
            "mentor": school["mentor"].pk,
            "mentees": [school["mentees"][0].pk],
            "form": "teacher_teacher",
            "kinds": ["traditional", "virtual"],
            "start_date": TODAY.isoformat(),
            "planned_end_date": (TODAY - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert "Дата окончания должна быть позже даты начала." in page_text(response)
    assert not groups_of(school).exists()


def test_another_schools_curator_cannot_record_consents(client, school):
    group = create(school)
    stranger = make_user(Role.CURATOR, OrganisationFactory(municipality=school["municipality"]))
    client.force_login(stranger)
    response = client.post(reverse("registry:group_consents", args=[group.pk]), {"mentor": TODAY.isoformat()})
    assert response.status_code == 404
    group.refresh_from_db()
    assert group.mentor_consent_date is None


# --- matching ---------------------------------------------------------------------------------
def test_matching_ranks_a_clearly_better_mentor_first(school):
    maths = Subject.objects.get_or_create(name="Математика")[0]
    mentee = school["mentees"][0]
    mentee.subjects.add(maths)
    request = VocabularyTerm.objects.create(vocabulary=Vocabulary.REQUEST, name="Подготовка обучающихся к ОГЭ")
    mentee.mentee_profile.requests.add(request)
    competency = VocabularyTerm.objects.create(
        vocabulary=Vocabulary.COMPETENCY, name="Подготовка выпускников к ОГЭ и ЕГЭ по математике"
    )
    best = MentorProfileFactory(
        person__organisation=school["organisation"],
        person__last_name="Яковлева",
        person__qualification_category="highest",
    )
    best.person.subjects.add(maths)
    best.competencies.add(competency)
    weak = MentorProfileFactory(
        person__organisation=OrganisationFactory(municipality=school["municipality"]),
        person__last_name="Абрамова",
        person__qualification_category="compliance",
        open_mentoring=True,
    )
    full = MentorProfileFactory(person__organisation=school["organisation"], capacity=1)
    taken = consented(create(school, mentor=full.person, mentees=school["mentees"][1:2]))
    issue(school, [taken])

    proposals = propose_mentors(mentee=mentee)
    ranked = [proposal.mentor for proposal in proposals]
    assert ranked[0] == best.person
    assert weak.person in ranked
    assert full.person not in ranked  # no free place
    reasons = "; ".join(proposals[0].reasons)
    assert (
        "запрос «Подготовка обучающихся к ОГЭ» — компетенция «Подготовка выпускников к ОГЭ и ЕГЭ по математике»"
        in reasons
    )
    assert "тот же предмет: Математика" in reasons
    assert "работает в той же организации" in reasons


def test_matching_page_queries_do_not_grow_with_mentors(client, school):
    client.force_login(school["curator"])
    url = reverse("registry:group_match") + f"?mentee={school['mentees'][0].pk}"
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('aria-label="Сформировать пару с наставником') == 1
    assert f'aria-label="Сформировать пару с наставником {school["mentor"].full_name}"' in response.content.decode()
    for _ in range(15):
        MentorProfileFactory(person__organisation=school["organisation"]).competencies.add(
            VocabularyTerm.objects.filter(vocabulary=Vocabulary.COMPETENCY).first()
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["proposals"]) == 10
    assert response.content.decode().count('aria-label="Сформировать пару с наставником') == 10
    assert len(many) == len(few)


# --- programs ---------------------------------------------------------------------------------
START = datetime.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("end", "accepted"),
    [
        (datetime.date(2026, 3, 31), False),  # 2 months 30 days
        (datetime.date(2026, 4, 1), True),  # 3 months
        (datetime.date(2027, 1, 1), True),  # 12 months
        (datetime.date(2027, 1, 2), False),  # 12 months and a day
    ],
)
def test_program_lasts_three_months_to_a_year(client, school, end, accepted):
    group = create(school, start_date=START, planned_end_date=datetime.date(2027, 3, 1))
    client.force_login(school["curator"])
    response = client.post(reverse("registry:program_create", args=[group.pk]), program_form(START, end))
    assert Program.objects.filter(group=group).exists() is accepted
    if not accepted:
        assert response.context["form"].errors["end_date"][0] in {
            "Программа длится не меньше трёх месяцев.",
            "Программа длится не больше одного года.",
        }


def test_three_months_from_the_end_of_january_is_the_end_of_april():
    assert add_months(datetime.date(2026, 1, 31), 3) == datetime.date(2026, 4, 30)


def program_form(start, end, activities=3):
    data = {
        "title": "Адаптация молодого педагога",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "goals": "Освоить проведение урока",
        "status": "active",
        "activities-TOTAL_FORMS": str(activities),
        "activities-INITIAL_FORMS": "0",
        "activities-MIN_NUM_FORMS": "0",
        "activities-MAX_NUM_FORMS": "1000",
    }
    for index in range(activities):
        data |= {
            f"activities-{index}-position": str(index + 1),
            f"activities-{index}-title": f"Мероприятие {index + 1}",
            f"activities-{index}-due_date": (start + datetime.timedelta(days=30 * (index + 1))).isoformat(),
            f"activities-{index}-form": "беседа",
            f"activities-{index}-responsible": "Наставник",
        }
    return data


@pytest.fixture
def active_program(school):
    group = consented(create(school, start_date=TODAY - datetime.timedelta(days=100)))
    issue(school, [group])
    program = Program.objects.create(
        organisation=school["organisation"],
        group=group,
        title="Первый год в школе",
        start_date=group.start_date,
        end_date=add_months(group.start_date, 9),
        goals="Освоиться",
    )
    for position, days in enumerate((-60, -10, 40), start=1):
        Activity.objects.create(
            program=program, position=position, title=f"Шаг {position}", due_date=TODAY + datetime.timedelta(days=days)
        )
    return program


def test_mentor_marks_an_activity_done_and_progress_shows_it(client, school, active_program):
    mentor_user = make_user(Role.MENTOR, school["mentor"])
    activity = active_program.activities.get(position=1)
    client.force_login(mentor_user)
    url = reverse("registry:activity_mark", args=[active_program.pk, activity.pk])
    data = form_data(client.get(active_program.get_absolute_url()), action=url)
    data |= {"done_on": (TODAY - datetime.timedelta(days=55)).isoformat(), "note": "Проведено"}
    response = client.post(url, data)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.note == "Проведено"
    page = page_text(client.get(active_program.get_absolute_url()))
    assert "Выполнено 33% (1 из 3); просрочено: 1." in page


def test_mentor_cannot_edit_the_program_itself(client, school, active_program):
    client.force_login(make_user(Role.MENTOR, school["mentor"]))
    assert client.get(reverse("registry:program_update", args=[active_program.pk])).status_code == 403


def test_mentee_reads_but_cannot_mark(client, school, active_program):
    client.force_login(make_user(Role.MENTEE, school["mentees"][0]))
    assert client.get(active_program.get_absolute_url()).status_code == 200
    activity = active_program.activities.first()
    response = client.post(reverse("registry:activity_mark", args=[active_program.pk, activity.pk]), {"note": "x"})
    assert response.status_code == 403
    activity.refresh_from_db()
    assert activity.note == ""


def test_a_future_completion_date_is_refused(client, school, active_program):
    client.force_login(school["curator"])
    activity = active_program.activities.first()
    client.post(
        reverse("registry:activity_mark", args=[active_program.pk, activity.pk]),
        {"done_on": (TODAY + datetime.timedelta(days=3)).isoformat()},
    )
    activity.refresh_from_db()
    assert activity.done_on is None


def test_curator_sees_progress_across_the_school(client, school, active_program):
    client.force_login(school["curator"])
    response = client.get(reverse("registry:group_list"))
    group = next(iter(response.context["page"]))
    assert (group.activities_total, group.activities_done, group.activities_overdue) == (3, 0, 2)
    assert "просрочено: 2" in page_text(response)


def test_a_completed_program_goes_to_the_bank_and_serves_as_a_template(client, school, active_program):
    client.force_login(school["curator"])
    response = client.post(reverse("registry:program_to_bank", args=[active_program.pk]))
    assert not Program.objects.filter(in_bank=True, source=active_program).exists()  # only completed programs
    active_program.status = Program.Status.COMPLETED
    active_program.save()
    client.post(reverse("registry:program_to_bank", args=[active_program.pk]))
    template = Program.objects.get(in_bank=True, source=active_program)
    assert template.group is None and template.activities.count() == 3

    school["mentor"].mentor_profile.capacity = 2
    school["mentor"].mentor_profile.save()
    new_group = create(school, mentees=school["mentees"][1:2])
    new_start = TODAY + datetime.timedelta(days=10)
    response = client.post(
        reverse("registry:program_from_bank", args=[new_group.pk]),
        {"template": template.pk, "start_date": new_start.isoformat()},
    )
    copy = Program.objects.get(group=new_group)
    assert response.url == copy.get_absolute_url()
    shift = new_start - template.start_date
    assert [a.due_date for a in copy.activities.all()] == [a.due_date + shift for a in template.activities.all()]


def test_program_list_queries_do_not_grow_with_rows(client, school, active_program):
    client.force_login(school["curator"])
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("registry:group_list"))
    assert response.status_code == 200
    rows = table_rows(response)
    assert len(rows) == 1
    assert school["mentor"].short_name in rows[0]
    mentors = []
    for _ in range(10):
        mentor = MentorProfileFactory(person__organisation=school["organisation"]).person
        mentors.append(mentor)
        group = create(
            school, mentor=mentor, mentees=[MenteeProfileFactory(person__organisation=school["organisation"]).person]
        )
        program = Program.objects.create(organisation=school["organisation"], group=group, title="П", goals="Ц")
        Activity.objects.create(program=program, title="А", due_date=TODAY)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("registry:group_list"))
    assert response.status_code == 200
    rows = table_rows(response)
    assert len(rows) == 11
    assert all(any(mentor.short_name in row for row in rows) for mentor in mentors)
    assert len(many) == len(few)


# --- documents --------------------------------------------------------------------------------
def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(downloaded(response)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pdf_fonts(response) -> set[str]:
    reader = PdfReader(io.BytesIO(downloaded(response)))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(font["/BaseFont"]))
    return fonts


def test_order_pdf_holds_the_order_number_and_the_pair_names(client, school):
    group = consented(create(school))
    order = issue(school, [group], number="45-о")
    client.force_login(school["director"])
    response = client.get(reverse("registry:order_pdf", args=[order.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "%D0%9F%D1%80%D0%B8%D0%BA%D0%B0%D0%B7" in response["Content-Disposition"]  # «Приказ»
    text = pdf_text(response).replace("\u00a0", " ")
    assert "ПРИКАЗ" in text
    assert "№ 45-о" in text
    # The pair in its cases (the names by hand: Орлова Анна Сергеевна, Зайцева Анна Сергеевна), the signer's initials.
    assert "Закрепить наставника Орлову Анну Сергеевну за молодым педагогом Зайцевой Анной Сергеевной" in text
    assert "Г.П. Орлова" in text
    assert any("DejaVu" in name for name in pdf_fonts(response))  # Cyrillic font embedded


def test_program_pdf_holds_the_pair_and_the_plan(client, school, active_program):
    client.force_login(school["curator"])
    text = pdf_text(client.get(reverse("registry:program_pdf", args=[active_program.pk])))
    assert "Персонализированная программа наставничества" in text
    assert "«Первый год в школе»" in text
    assert school["mentor"].full_name in text
    assert "Шаг 3" in text


def test_consent_form_pdf_names_the_participant(client, school):
    client.force_login(school["curator"])
    mentee = school["mentees"][0]
    text = pdf_text(client.get(reverse("registry:consent_pdf", args=[mentee.pk, "mentee"])))
    assert f"Я, {mentee.full_name}, даю согласие" in text
    assert "в качестве наставляемого" in text
    assert Person.objects.filter(pk=mentee.pk).exists()


def test_consents_of_an_active_pair_cannot_be_changed(client, school):
    group = consented(create(school))
    issue(school, [group])
    client.force_login(school["curator"])
    client.post(reverse("registry:group_consents", args=[group.pk]), {"mentor": ""}, follow=True)
    group.refresh_from_db()
    assert group.mentor_consent_date == TODAY


def test_a_moved_mentees_card_does_not_show_the_old_schools_pair(client, school):
    group = consented(create(school))
    issue(school, [group])
    mentee = school["mentees"][0]
    new_school = OrganisationFactory(municipality=school["municipality"])
    mentee.organisation = new_school
    mentee.save()
    client.force_login(make_user(Role.CURATOR, new_school))
    response = client.get(mentee.get_absolute_url())
    assert list(response.context["groups"]) == []
    assert school["mentor"].short_name not in page_text(response)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # Not a number: no mentee is chosen, the curator picks one from the school's mentees.
        ("/pairs/match/?mentee=abc", "Зайцева"),
        # Not a municipality: the filter is ignored and the curator's whole registry is listed.
        ("/people/?municipality=²", "Орлова"),
    ],
)
def test_odd_query_parameters_never_give_a_500(client, school, url, shown):
    client.force_login(school["curator"])
    response = client.get(url)
    assert response.status_code == 200
    assert shown in page_text(response)
