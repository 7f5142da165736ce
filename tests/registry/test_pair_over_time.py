"""A pair over time: a new mentor by a signed order, a pause that moves the end, and who may do either."""

from __future__ import annotations

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from monitoring.indicators import BY_CODE, organisation_figures
from registry.documents import ProgramDocument
from registry.models import (
    Activity,
    GroupPause,
    MentoringGroup,
    MentoringOrder,
    MentorPeriod,
    Program,
)
from registry.services import (
    active_mentee_counts,
    group_create,
    group_mentor_change,
    group_pause,
    group_record_consents,
    group_resume,
    mentor_periods,
    order_issue,
    order_sign,
    order_withdraw,
)
from tests.factories import MenteeProfileFactory, MentorProfileFactory
from tests.test_documents import docx_lines, pdf_text
from tests.utils import page_text

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
# Half a year ago, on the 1st: months then add up as people count them.
START = (TODAY - relativedelta(months=6)).replace(day=1)


def _pair(school, mentor, mentee, *, number: str) -> MentoringGroup:
    group = group_create(
        user=school["curator"],
        organisation=school["organisation"],
        mentor=mentor,
        mentees=[mentee],
        form="teacher_teacher",
        kinds=["traditional"],
        start_date=START,
        planned_end_date=START + relativedelta(months=9),
    )
    group_record_consents(group=group, mentor_consent_date=START, mentee_consents={mentee.pk: START})
    order_issue(
        user=school["director"],
        organisation=school["organisation"],
        number=number,
        date=START,
        signed_by="Орлова Г. П.",
        groups=[group],
    )
    group.refresh_from_db()
    return group


@pytest.fixture
def school(school):
    """An active pair of Белова with a program of two activities (one done); Волкова with free places,
    Гусева with none left, Дёмина without consent to the processing of her data."""
    organisation = school["organisation"]

    def mentor(last_name: str, capacity: int = 2, **person):
        return MentorProfileFactory(
            person__organisation=organisation, person__last_name=last_name, capacity=capacity, **person
        ).person

    old, new, full = mentor("Белова"), mentor("Волкова"), mentor("Гусева", capacity=1)
    no_consent = mentor("Дёмина", person__consent_date=None)
    mentee, other = (
        MenteeProfileFactory(person__organisation=organisation, person__last_name=name).person
        for name in ("Зайцева", "Котова")
    )
    group = _pair(school, old, mentee, number="1")
    _pair(school, full, other, number="2")
    program = Program.objects.create(
        organisation=organisation,
        group=group,
        title="Первый год в школе",
        goals="Освоить планирование уроков",
        start_date=START,
        end_date=START + relativedelta(months=9),
        status=Program.Status.ACTIVE,
    )
    done = Activity.objects.create(
        program=program, position=1, title="Посещение уроков", due_date=START + relativedelta(days=20)
    )
    done.done_on = START + relativedelta(days=18)
    done.save()
    later = Activity.objects.create(
        program=program, position=2, title="Открытый урок", due_date=START + relativedelta(months=5)
    )
    return school | {
        "old": old,
        "new": new,
        "full": full,
        "no_consent": no_consent,
        "group": group,
        "program": program,
        "done": done,
        "later": later,
    }


def change_mentor(school, mentor=None, starts_on=None) -> MentoringOrder:
    return group_mentor_change(
        user=school["curator"],
        group=school["group"],
        mentor=mentor or school["new"],
        starts_on=starts_on or START + relativedelta(months=2),
        consent_date=TODAY,
    )


def sign(school, order: MentoringOrder) -> MentoringOrder:
    return order_sign(user=school["director"], order=order, number="15", date=TODAY, signed_by="Орлова Г. П.")


# --- a new mentor ------------------------------------------------------------------------------------
def test_a_mentor_change_waits_for_the_directors_signature(school):
    order = change_mentor(school)

    school["group"].refresh_from_db()
    assert order.is_draft
    assert school["group"].mentor == school["old"]
    assert active_mentee_counts([school["old"].pk]) == {school["old"].pk: 1}


def test_the_signed_change_keeps_the_program_and_its_marks_and_frees_the_old_mentors_place(school):
    sign(school, change_mentor(school))

    group = MentoringGroup.objects.get(pk=school["group"].pk)
    assert group.mentor == school["new"]
    assert group.status == MentoringGroup.Status.ACTIVE
    assert group.program.pk == school["program"].pk
    assert list(group.program.activities.values_list("title", "done_on")) == [
        ("Посещение уроков", school["done"].done_on),
        ("Открытый урок", None),
    ]
    counts = active_mentee_counts([school["old"].pk, school["new"].pk])
    assert counts.get(school["old"].pk, 0) == 0
    assert counts[school["new"].pk] == 1


def test_the_history_keeps_both_mentors_with_dates_and_orders(school):
    first_order = school["group"].order
    order = sign(school, change_mentor(school))

    periods = mentor_periods(school["group"])
    assert [(p.mentor, p.starts_on, p.ends_on, p.order) for p in periods] == [
        (school["old"], START, START + relativedelta(months=2) - datetime.timedelta(days=1), first_order),
        (school["new"], START + relativedelta(months=2), None, order),
    ]


def test_the_pair_page_shows_both_mentors_with_dates(client, school):
    sign(school, change_mentor(school))
    client.force_login(school["curator"])

    text = page_text(client.get(school["group"].get_absolute_url()))

    assert "Наставники по периодам" in text
    changed = START + relativedelta(months=2)
    day_before = changed - datetime.timedelta(days=1)
    assert f"{school['old'].full_name}: с {START:%d.%m.%Y} по {day_before:%d.%m.%Y}" in text
    assert f"{school['new'].full_name}: с {changed:%d.%m.%Y}" in text


def test_the_printed_program_shows_both_mentors_with_dates_in_pdf_and_word(school):
    sign(school, change_mentor(school))
    pause(school, months=2, since=3)
    program = Program.objects.get(pk=school["program"].pk)
    changed = START + relativedelta(months=2)
    day_before = changed - datetime.timedelta(days=1)

    pdf = pdf_text(ProgramDocument().render(program, format="pdf")[2])
    word = "\n".join(docx_lines(ProgramDocument().render(program, format="docx")[2]))

    for text in (pdf, " ".join(word.split())):
        assert "Наставники" in text
        assert f"{school['old'].full_name}" in text
        assert f"с {START:%d.%m.%Y} по {day_before:%d.%m.%Y}" in text
        assert f"с {changed:%d.%m.%Y} (приказ № 15 от {TODAY:%d.%m.%Y})" in text
        assert f"{school['new'].full_name}" in text
        assert f"окончание перенесено на {START + relativedelta(months=11):%d.%m.%Y}" in text


def test_withdrawing_the_draft_withdraws_the_change(school):
    order = change_mentor(school)

    order_withdraw(user=school["curator"], order=order)

    assert not MentorPeriod.objects.exists()
    assert MentoringGroup.objects.get(pk=school["group"].pk).mentor == school["old"]


def test_the_signature_is_refused_when_the_new_mentor_has_no_place_left_by_then(school):
    order = change_mentor(school)
    third = MenteeProfileFactory(person__organisation=school["organisation"]).person
    fourth = MenteeProfileFactory(person__organisation=school["organisation"]).person
    for number, mentee in (("3", third), ("4", fourth)):
        _pair(school, school["new"], mentee, number=number)

    with pytest.raises(Exception, match="нет свободного места"):
        sign(school, order)

    order.refresh_from_db()
    assert order.is_draft
    assert MentoringGroup.objects.get(pk=school["group"].pk).mentor == school["old"]


def post_change(client, school, **data):
    client.force_login(school["curator"])
    fields = {"mentor": school["new"].pk, "starts_on": START + relativedelta(months=2), "consent_date": TODAY}
    fields |= data
    return client.post(reverse("registry:group_mentor_change", args=[school["group"].pk]), fields)


@pytest.mark.parametrize(
    ("who", "starts_on", "message"),
    [
        ("old", None, "уже наставник этой пары"),
        ("full", None, "нет свободного места"),
        ("no_consent", None, "Нет согласия на обработку персональных данных"),
        ("new", START - relativedelta(days=1), "не может быть раньше начала наставничества"),
    ],
)
def test_a_bad_mentor_change_is_refused_next_to_the_field_and_writes_nothing(client, school, who, starts_on, message):
    orders = MentoringOrder.objects.count()
    data = {"mentor": school[who].pk} | ({"starts_on": starts_on} if starts_on else {})

    response = post_change(client, school, **data)

    assert response.status_code == 200
    form = response.context["mentor_form"]
    field = "starts_on" if starts_on else "mentor"
    assert any(message in error for error in form.errors[field])
    assert message in page_text(response)
    assert MentoringOrder.objects.count() == orders
    assert not MentorPeriod.objects.exists()


def test_the_curator_asks_for_a_new_mentor_on_the_pair_page(client, school):
    response = post_change(client, school)

    order = MentoringOrder.objects.drafts().get(organisation=school["organisation"])
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    text = page_text(client.get(order.get_absolute_url()))
    assert "Смена наставника" in text
    assert school["new"].full_name in text


# --- a pause ---------------------------------------------------------------------------------------
def pause(school, *, months: int, since: int = 1) -> GroupPause:
    starts_on = START + relativedelta(months=since)
    group_pause(user=school["curator"], group=school["group"], starts_on=starts_on, reason="maternity")
    return group_resume(user=school["curator"], group=school["group"], ends_on=starts_on + relativedelta(months=months))


def test_a_pause_of_two_months_moves_the_end_by_two_months(school):
    result = pause(school, months=2)

    program = Program.objects.get(pk=school["program"].pk)
    group = MentoringGroup.objects.get(pk=school["group"].pk)
    assert program.end_date == START + relativedelta(months=11)
    assert group.planned_end_date == START + relativedelta(months=11)
    assert group.status == MentoringGroup.Status.ACTIVE
    assert not result.limit_reached
    # The activity still to come moves with the pause; the one done before it stays as it was.
    assert Activity.objects.get(pk=school["later"].pk).due_date == START + relativedelta(months=7)
    assert Activity.objects.get(pk=school["done"].pk).due_date == school["done"].due_date


def test_a_pause_that_runs_into_the_years_limit_stops_at_the_limit_and_says_so(client, school):
    client.force_login(school["curator"])
    group = school["group"]
    client.post(reverse("registry:group_pause", args=[group.pk]), {"starts_on": START, "reason": "sick_leave"})

    response = client.post(
        reverse("registry:group_resume", args=[group.pk]), {"ends_on": START + relativedelta(months=4)}, follow=True
    )

    program = Program.objects.get(pk=school["program"].pk)
    assert program.end_date == START + relativedelta(months=12)
    assert GroupPause.objects.get(group=group).limit_reached
    text = page_text(response)
    assert f"окончание перенесено на {START + relativedelta(months=12):%d.%m.%Y}" in text
    assert "не больше одного года" in text


def test_a_paused_pair_shows_on_the_page_and_in_the_list(client, school):
    group_pause(user=school["curator"], group=school["group"], starts_on=TODAY, reason="long_course")
    client.force_login(school["curator"])

    detail = page_text(client.get(school["group"].get_absolute_url()))
    listing = page_text(client.get(reverse("registry:group_list")))

    assert "Пара на паузе." in detail
    assert "Возобновить" in detail
    assert "не дальше" in detail  # the limit the end may move to
    assert "На паузе" in listing


@pytest.mark.parametrize(
    ("url", "data", "field", "message"),
    [
        ("registry:group_pause", {"starts_on": START - relativedelta(days=1)}, "starts_on", "раньше начала"),
        ("registry:group_pause", {"starts_on": TODAY + relativedelta(days=1)}, "starts_on", "в будущем"),
        ("registry:group_resume", {"ends_on": START}, "ends_on", "раньше начала паузы"),
    ],
)
def test_bad_pause_dates_are_refused_next_to_the_field_and_write_nothing(client, school, url, data, field, message):
    if url == "registry:group_resume":
        group_pause(
            user=school["curator"], group=school["group"], starts_on=START + relativedelta(months=1), reason="other"
        )
    status = MentoringGroup.objects.get(pk=school["group"].pk).status
    pauses = list(GroupPause.objects.values_list("pk", "ends_on"))
    client.force_login(school["curator"])

    response = client.post(reverse(url, args=[school["group"].pk]), data | {"reason": "maternity"})

    assert response.status_code == 200
    form = response.context["pause_form" if url == "registry:group_pause" else "resume_form"]
    assert any(message in error for error in form.errors[field])
    assert MentoringGroup.objects.get(pk=school["group"].pk).status == status
    assert list(GroupPause.objects.values_list("pk", "ends_on")) == pauses


def test_paused_pairs_are_counted_apart_in_the_indicators(school):
    organisation = school["organisation"]

    def figures():
        return organisation_figures([organisation], starts_on=START, ends_on=TODAY)[organisation.pk]

    before = figures()
    group_pause(user=school["curator"], group=school["group"], starts_on=TODAY, reason="maternity")
    after = figures()

    assert (before["pairs"], before["paused"], before["involved"]) == (2, 0, 4)
    # The paused pair is not «действующая»: neither its mentor nor its mentee counts as involved.
    assert (after["pairs"], after["paused"], after["involved"]) == (1, 1, 2)
    assert BY_CODE["paused"].name == "Пар и групп на паузе"
    assert BY_CODE["paused"].value(after) == 1


# --- who may ---------------------------------------------------------------------------------------
ACTIONS = [
    ("registry:group_pause", {"starts_on": TODAY, "reason": "maternity"}),
    ("registry:group_resume", {"ends_on": TODAY}),
    ("registry:group_mentor_change", {"starts_on": TODAY, "consent_date": TODAY}),
]


@pytest.mark.parametrize(("url", "data"), ACTIONS)
@pytest.mark.parametrize(("role", "expected"), [("curator2", 404), ("director2", 404), ("mentor", 403)])
def test_another_schools_staff_get_404_and_the_mentor_403(client, demo, url, data, role, expected):
    group = demo["group"]
    client.force_login(demo["users"][role])
    before = (group.status, group.mentor_id, GroupPause.objects.count(), MentorPeriod.objects.count())

    response = client.post(reverse(url, args=[group.pk]), data | {"mentor": group.mentor_id})

    group.refresh_from_db()
    assert response.status_code == expected
    assert (group.status, group.mentor_id, GroupPause.objects.count(), MentorPeriod.objects.count()) == before
