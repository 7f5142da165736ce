"""Draft orders waiting for the director's signature: the curator prepares, the director signs."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from monitoring.services import readiness
from registry.access import can_sign_order, orders_to_sign
from registry.models import GroupEvent, MentoringGroup, MentoringOrder, Role, scope_of
from registry.services import (
    check_activation,
    group_create,
    group_end_early,
    group_record_consents,
    order_issue,
    order_prepare,
    order_sign,
)
from tests.factories import MenteeProfileFactory, MentorProfileFactory, OrganisationFactory, make_user
from tests.utils import downloaded, form_data, page_text, table_rows

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def school(school):
    """The shared school with a named director, a mentor of three places and three mentees."""
    director = school["director"]
    director.first_name, director.last_name = "Галина Петровна", "Орлова"
    director.save()
    organisation = school["organisation"]
    mentor = MentorProfileFactory(person__organisation=organisation, person__last_name="Белова", capacity=3).person
    mentees = [
        MenteeProfileFactory(person__organisation=organisation, person__last_name=name).person
        for name in ("Зайцева", "Котова", "Лисина")
    ]
    return school | {"mentor": mentor, "mentees": mentees}


def pair(school, mentee, *, consents: bool = True) -> MentoringGroup:
    group = group_create(
        user=school["curator"],
        organisation=school["organisation"],
        mentor=school["mentor"],
        mentees=[mentee],
        form="teacher_teacher",
        kinds=["traditional"],
        start_date=TODAY,
        planned_end_date=TODAY + datetime.timedelta(days=270),
    )
    if consents:
        group_record_consents(group=group, mentor_consent_date=TODAY, mentee_consents={mentee.pk: TODAY})
    return group


def prepared(school, groups) -> MentoringOrder:
    return order_prepare(user=school["curator"], organisation=school["organisation"], groups=groups)


def sign_page(client, user, order):
    client.force_login(user)
    return client.get(order.get_absolute_url())


def post_signature(client, user, order, **changes):
    """The director's sign form as the page gives it (the version it was opened on, the prefilled name),
    with ``changes`` typed in."""
    url = reverse("registry:order_sign", args=[order.pk])
    data = form_data(sign_page(client, user, order), action=url)
    return client.post(url, data | {"number": "12-о"} | changes)


def statuses(groups) -> list[str]:
    return [MentoringGroup.objects.get(pk=group.pk).status for group in groups]


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(downloaded(response)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


# --- the curator prepares ------------------------------------------------------------------------
def test_the_curator_prepares_a_draft_and_its_pairs_stay_drafts(client, school):
    groups = [pair(school, school["mentees"][0]), pair(school, school["mentees"][1])]
    client.force_login(school["curator"])
    form = client.get(reverse("registry:order_create")).context["form"]
    assert "number" not in form.fields  # the registration is the director's
    response = client.post(reverse("registry:order_create"), {"groups": [group.pk for group in groups]})
    order = MentoringOrder.objects.get(organisation=school["organisation"])
    assert response.url == order.get_absolute_url()
    assert (order.status, order.number, order.date, order.prepared_by) == ("draft", "", None, school["curator"])
    assert set(order.groups.all()) == set(groups)
    assert statuses(groups) == ["draft", "draft"]
    assert not GroupEvent.objects.filter(group__in=groups, to_status="active").exists()
    page = page_text(client.get(order.get_absolute_url(), follow=True))
    assert "Проект приказа о закреплении наставнических пар и групп" in page
    assert "Подписать приказ" not in page  # no sign form for the curator


def test_a_pair_is_in_one_draft_at_most(client, school):
    group = pair(school, school["mentees"][0])
    prepared(school, [group])
    client.force_login(school["curator"])
    assert group not in client.get(reverse("registry:order_create")).context["form"].fields["groups"].queryset
    with pytest.raises(ValidationError) as error:
        prepared(school, [group])
    assert "Пара с наставником Белова А. С. уже включена в другой проект приказа." in error.value.messages
    assert MentoringOrder.objects.filter(organisation=school["organisation"]).count() == 1


def test_the_order_list_shows_drafts_first_with_a_sign_button_for_the_director_only(client, school):
    order_issue(
        user=school["director"],
        organisation=school["organisation"],
        number="5-о",
        date=TODAY,
        signed_by="Орлова Г. П.",
        groups=[pair(school, school["mentees"][0])],
    )
    draft = prepared(school, [pair(school, school["mentees"][1])])
    client.force_login(school["director"])
    response = client.get(reverse("registry:order_list"))
    rows = table_rows(response)
    assert rows[0].startswith("Проект подготовлен") and "ждёт подписи" in rows[0] and "Подписать" in rows[0]
    assert rows[1].startswith("№ 5-о от")
    assert f'href="{draft.get_absolute_url()}#sign"' in response.content.decode()
    client.force_login(school["curator"])
    assert "Подписать" not in table_rows(client.get(reverse("registry:order_list")))[0]


# --- the director signs ----------------------------------------------------------------------------
def test_the_director_signs_and_the_pairs_become_active_with_the_order_number(client, school):
    groups = [pair(school, school["mentees"][0]), pair(school, school["mentees"][1])]
    order = prepared(school, groups)
    form = sign_page(client, school["director"], order).context["sign_form"]
    assert form["signed_by"].value() == "Галина Петровна Орлова"  # prefilled with the director's full name
    response = post_signature(client, school["director"], order, number="№ 12-о")
    assert response.url == order.get_absolute_url()
    order.refresh_from_db()
    assert (order.status, order.number, order.date, order.signed_by) == (
        "signed",
        "12-о",
        TODAY,
        "Галина Петровна Орлова",
    )
    assert (order.issued_by, order.prepared_by) == (school["director"], school["curator"])
    assert order.signed_at is not None
    assert statuses(groups) == ["active", "active"]
    for group in groups:
        group.refresh_from_db()
        assert group.order == order
        event = group.events.get(to_status="active")
        assert (event.user, event.note) == (school["director"], f"Приказ № 12-о от {TODAY:%d.%m.%Y}")
    assert f"Приказ № 12-о от {TODAY:%d.%m.%Y} подписан, пары закреплены." in page_text(
        client.get(order.get_absolute_url())
    )


def test_a_curator_cannot_sign(client, school):
    group = pair(school, school["mentees"][0])
    order = prepared(school, [group])
    client.force_login(school["curator"])
    response = client.post(
        reverse("registry:order_sign", args=[order.pk]),
        {"number": "12-о", "date": TODAY.isoformat(), "signed_by": "Куратор", "version": order.version},
    )
    assert response.status_code == 403
    assert MentoringOrder.objects.get(pk=order.pk).is_draft
    assert statuses([group]) == ["draft"]
    with pytest.raises(PermissionDenied):
        order_sign(user=school["curator"], order=order, number="12-о", date=TODAY, signed_by="Куратор")


def test_another_schools_director_gets_404(client, school):
    order = prepared(school, [pair(school, school["mentees"][0])])
    other = make_user(Role.DIRECTOR, OrganisationFactory(municipality=school["municipality"]))
    client.force_login(other)
    assert client.get(order.get_absolute_url()).status_code == 404
    assert client.get(reverse("registry:order_pdf", args=[order.pk])).status_code == 404
    assert client.post(reverse("registry:order_sign", args=[order.pk]), {"number": "1"}).status_code == 404
    assert client.post(reverse("registry:order_withdraw", args=[order.pk])).status_code == 404
    assert MentoringOrder.objects.get(pk=order.pk).is_draft


def test_signing_with_a_pair_lacking_consent_shows_the_message_and_changes_nothing(client, school):
    ready = pair(school, school["mentees"][0])
    lacking = pair(school, school["mentees"][1], consents=False)
    order = prepared(school, [ready, lacking])
    version = MentoringOrder.objects.get(pk=order.pk).version
    response = post_signature(client, school["director"], order)
    assert response.status_code == 200
    errors = " ".join(response.context["sign_form"].non_field_errors())
    assert "Нет письменного согласия наставника: Белова А. С." in errors
    assert "Нет письменного согласия наставляемого: Котова А. С." in errors
    assert "Нет письменного согласия наставляемого: Котова А. С." in page_text(response)
    order = MentoringOrder.objects.get(pk=order.pk)  # all or none: nothing signed, nothing activated
    assert (order.status, order.number, order.date, order.version) == ("draft", "", None, version)
    assert statuses([ready, lacking]) == ["draft", "draft"]
    assert not GroupEvent.objects.filter(group__in=[ready, lacking], to_status="active").exists()


def test_a_duplicate_number_is_refused_with_a_message_next_to_the_field(client, school):
    order_issue(
        user=school["director"],
        organisation=school["organisation"],
        number="12-о",
        date=TODAY,
        signed_by="Орлова Г. П.",
        groups=[pair(school, school["mentees"][0])],
    )
    group = pair(school, school["mentees"][1])
    order = prepared(school, [group])
    response = post_signature(client, school["director"], order, number="12-о")
    assert response.status_code == 200
    assert response.context["sign_form"].errors["number"] == ["Приказ с таким номером и датой уже есть."]
    assert "Приказ с таким номером и датой уже есть." in page_text(response)
    assert MentoringOrder.objects.get(pk=order.pk).is_draft
    assert statuses([group]) == ["draft"]


def test_a_date_in_the_future_is_refused_next_to_the_field(client, school):
    order = prepared(school, [pair(school, school["mentees"][0])])
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = post_signature(client, school["director"], order, date=tomorrow.isoformat())
    assert response.context["sign_form"].errors["date"] == ["Дата приказа не может быть в будущем."]
    assert MentoringOrder.objects.get(pk=order.pk).is_draft


def test_a_second_signature_of_the_same_form_is_refused_and_changes_nothing(client, school):
    group = pair(school, school["mentees"][0])
    order = prepared(school, [group])
    url = reverse("registry:order_sign", args=[order.pk])
    data = form_data(sign_page(client, school["director"], order), action=url)
    assert client.post(url, data | {"number": "12-о"}).status_code == 302
    again = client.post(url, data | {"number": "13-о"}, follow=True)  # a double click, or a second tab
    assert again.redirect_chain[-1][0] == order.get_absolute_url()
    assert f"Приказ уже подписан: № 12-о от {TODAY:%d.%m.%Y}." in page_text(again)
    order.refresh_from_db()
    assert (order.number, GroupEvent.objects.filter(group=group, to_status="active").count()) == ("12-о", 1)
    with pytest.raises(ValidationError) as error:
        order_sign(user=school["director"], order=order, number="14-о", date=TODAY, signed_by="Орлова Г. П.")
    assert error.value.messages == [f"Приказ уже подписан: № 12-о от {TODAY:%d.%m.%Y}."]


def test_a_pair_that_left_the_draft_after_the_page_was_opened_makes_the_sign_form_stale(client, school):
    staying, leaving = pair(school, school["mentees"][0]), pair(school, school["mentees"][1])
    order = prepared(school, [staying, leaving])
    url = reverse("registry:order_sign", args=[order.pk])
    data = form_data(sign_page(client, school["director"], order), action=url)
    group_end_early(user=school["curator"], group=leaving, reason="other", note="", ended_on=TODAY)
    response = client.post(url, data | {"number": "12-о"})
    assert "изменил другой пользователь" in page_text(response)
    assert MentoringOrder.objects.get(pk=order.pk).is_draft
    assert list(order.groups.all()) == [staying]  # the ended pair left the draft
    assert statuses([staying]) == ["draft"]


def test_the_director_signs_at_once_on_the_create_page_or_saves_a_draft(client, school):
    first, second = pair(school, school["mentees"][0]), pair(school, school["mentees"][1])
    client.force_login(school["director"])
    form = client.get(reverse("registry:order_create")).context["form"]
    assert form["signed_by"].initial == "Галина Петровна Орлова"
    client.post(reverse("registry:order_create"), {"groups": [first.pk], "action": "prepare"})
    assert MentoringOrder.objects.get(groups=first).is_draft
    registration = {"number": "3-о", "date": TODAY.isoformat(), "signed_by": "Орлова Г. П."}
    client.post(reverse("registry:order_create"), registration | {"groups": [second.pk], "action": "sign"})
    assert MentoringOrder.objects.get(groups=second).number == "3-о"
    assert statuses([first, second]) == ["draft", "active"]


# --- withdrawal ------------------------------------------------------------------------------------
def test_the_curator_withdraws_a_draft_and_its_pairs_stay_drafts_free_for_another(client, school):
    group = pair(school, school["mentees"][0])
    order = prepared(school, [group])
    client.force_login(school["curator"])
    assert "Отозвать проект приказа" in page_text(client.get(order.get_absolute_url()))
    response = client.post(reverse("registry:order_withdraw", args=[order.pk]), follow=True)
    assert "Проект приказа отозван, его пары остались черновиками." in page_text(response)
    assert not MentoringOrder.objects.filter(pk=order.pk).exists()
    group.refresh_from_db()
    assert (group.status, group.order) == ("draft", None)
    assert prepared(school, [group]).groups.get() == group


def test_a_signed_order_cannot_be_withdrawn(client, school):
    order = order_issue(
        user=school["director"],
        organisation=school["organisation"],
        number="12-о",
        date=TODAY,
        signed_by="Орлова Г. П.",
        groups=[pair(school, school["mentees"][0])],
    )
    client.force_login(school["curator"])
    assert client.post(reverse("registry:order_withdraw", args=[order.pk])).status_code == 403
    assert MentoringOrder.objects.filter(pk=order.pk).exists()


# --- the document ----------------------------------------------------------------------------------
def test_the_pdf_of_a_draft_says_project_and_has_blanks_for_the_number_and_date(client, school):
    order = prepared(school, [pair(school, school["mentees"][0])])
    client.force_login(school["curator"])
    response = client.get(reverse("registry:order_pdf", args=[order.pk]))
    assert "%D0%9F%D1%80%D0%BE%D0%B5%D0%BA%D1%82" in response["Content-Disposition"]  # «Проект»
    text = pdf_text(response).replace("\u00a0", " ")
    assert "ПРОЕКТ" in text
    assert "«____» ______________ 20____ г." in text and "№ __________" in text
    # Белова Анна Сергеевна fixed to Зайцева Анна Сергеевна, in their cases (declined by hand).
    assert "наставника Белову Анну Сергеевну за молодым педагогом Зайцевой Анной Сергеевной" in text
    assert "Г.П. Орлова" in text  # the director who is to sign, «И.О. Фамилия»

    order_sign(user=school["director"], order=order, number="12-о", date=TODAY, signed_by="Орлова Г. П.")
    signed = pdf_text(client.get(reverse("registry:order_pdf", args=[order.pk]))).replace("\u00a0", " ")
    assert "ПРОЕКТ" not in signed and "№ 12-о" in signed and "Г.П. Орлова" in signed


# --- what waits for the director -------------------------------------------------------------------
def test_orders_to_sign_are_the_drafts_of_the_schools_the_user_directs_in_one_query(school):
    draft = prepared(school, [pair(school, school["mentees"][0])])
    order_issue(
        user=school["director"],
        organisation=school["organisation"],
        number="12-о",
        date=TODAY,
        signed_by="Орлова Г. П.",
        groups=[pair(school, school["mentees"][1])],
    )
    other_school = OrganisationFactory(municipality=school["municipality"])
    other_mentee = MenteeProfileFactory(person__organisation=other_school).person
    other_group = group_create(
        user=make_user(Role.CURATOR, other_school),
        organisation=other_school,
        mentor=MentorProfileFactory(person__organisation=other_school).person,
        mentees=[other_mentee],
        form="teacher_teacher",
        kinds=["traditional"],
        start_date=TODAY,
        planned_end_date=TODAY + datetime.timedelta(days=270),
    )
    other_draft = order_prepare(
        user=make_user(Role.DIRECTOR, other_school), organisation=other_school, groups=[other_group]
    )
    admin = make_user(Role.CURATOR, school["organisation"])
    admin.is_superuser = True
    admin.save()
    director = school["director"]
    scope_of(director)  # the request has read the memberships already
    with CaptureQueriesContext(connection) as queries:
        waiting = list(orders_to_sign(director))
    assert len(queries) == 1
    assert waiting == [draft] and waiting[0].group_count == 1
    assert waiting[0].organisation == school["organisation"]  # selected with it
    assert list(MentoringOrder.objects.awaiting_signature_by(director)) == [draft]
    assert not orders_to_sign(school["curator"]).exists()
    assert not orders_to_sign(school["coordinator"]).exists()
    assert set(orders_to_sign(admin).filter(organisation__municipality=school["municipality"])) == {draft, other_draft}
    for user in (director, school["curator"], school["coordinator"], admin):
        for order in MentoringOrder.objects.filter(organisation__municipality=school["municipality"]):
            assert can_sign_order(user, order) == orders_to_sign(user).filter(pk=order.pk).exists()


def test_the_order_list_query_count_does_not_grow_with_rows(client, school):
    def add_orders(count: int) -> None:
        for _ in range(count):
            mentee = MenteeProfileFactory(person__organisation=school["organisation"]).person
            mentor = MentorProfileFactory(person__organisation=school["organisation"]).person
            group = group_create(
                user=school["curator"],
                organisation=school["organisation"],
                mentor=mentor,
                mentees=[mentee],
                form="teacher_teacher",
                kinds=["traditional"],
                start_date=TODAY,
                planned_end_date=TODAY + datetime.timedelta(days=270),
            )
            draft = prepared(school, [group])
            if MentoringOrder.objects.count() % 2:
                group_record_consents(group=group, mentor_consent_date=TODAY, mentee_consents={mentee.pk: TODAY})
                number = f"{MentoringOrder.objects.count()}-о"
                order_sign(user=school["director"], order=draft, number=number, date=TODAY, signed_by="Орлова")

    client.force_login(school["director"])
    add_orders(2)
    with CaptureQueriesContext(connection) as few:
        assert len(table_rows(client.get(reverse("registry:order_list")))) == 2
    add_orders(12)
    with CaptureQueriesContext(connection) as many:
        rows = table_rows(client.get(reverse("registry:order_list")))
    assert len(rows) == 14
    assert len(many) == len(few)
    drafts = [index for index, row in enumerate(rows) if row.startswith("Проект")]
    assert drafts == list(range(len(drafts))) and 0 < len(drafts) < 14  # drafts first


def test_a_draft_is_no_issued_order_in_the_readiness_checklist(school):
    order = prepared(school, [pair(school, school["mentees"][0])])

    def issued() -> dict:
        return next(point for point in readiness(school["organisation"]) if "Издан приказ" in point["label"])

    assert (issued()["done"], issued()["evidence"]) == (False, "")
    order_sign(user=school["director"], order=order, number="12-о", date=TODAY, signed_by="Орлова Г. П.")
    assert (issued()["done"], issued()["evidence"]) == (True, f"№ 12-о от {TODAY:%d.%m.%Y}")


# --- the demo --------------------------------------------------------------------------------------
def test_the_demo_has_a_draft_prepared_by_the_curator_ready_for_the_director(client, demo):
    draft = MentoringOrder.objects.drafts().get(organisation=demo["school1"])
    assert draft.prepared_by == demo["users"]["curator"]
    groups = list(draft.groups.all())
    assert 1 <= len(groups) <= 2 and {group.status for group in groups} == {"draft"}
    check_activation(groups)  # every consent given, a free place for each
    assert list(orders_to_sign(demo["users"]["director"])) == [draft]
    call_command("load_demo", stdout=io.StringIO())
    assert MentoringOrder.objects.drafts().filter(organisation=demo["school1"]).count() == 1  # made once

    client.force_login(demo["users"]["director"])
    response = post_signature(client, demo["users"]["director"], draft, number="101-о")
    assert response.status_code == 302
    assert {MentoringGroup.objects.get(pk=group.pk).status for group in groups} == {"active"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [("curator", 200), ("director", 200), ("coordinator", 200), ("director2", 404), ("curator2", 404), ("mentor", 404)],
)
def test_the_demo_draft_and_its_pdf_answer_each_role(client, demo, role, expected):
    draft = MentoringOrder.objects.drafts().get(organisation=demo["school1"])
    client.force_login(demo["users"][role])
    assert client.get(draft.get_absolute_url()).status_code == expected
    assert client.get(reverse("registry:order_pdf", args=[draft.pk])).status_code == expected
