"""A person over time: places of work, a transfer, leaving the municipality, and two cards merged into one."""

from __future__ import annotations

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from monitoring.indicators import aggregate, organisation_figures
from monitoring.models import MonitoringPeriod
from monitoring.services import period_data, report_submit
from registry.careers import person_leave, person_transfer, workplace_add
from registry.merging import person_merge
from registry.models import (
    EndReason,
    MentoringGroup,
    MentorProfile,
    Person,
    ProfileStatus,
    Role,
    Subject,
    Workplace,
    WorkplaceEnd,
)
from registry.services import group_create, group_record_consents, order_issue
from tests.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PersonFactory,
    make_user,
)
from tests.utils import page_text

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
START = TODAY - relativedelta(months=3)


@pytest.fixture
def towns(school):
    """School «Лицей № 7» (its curator, director, the coordinator) and a second school, «Гимназия № 2»,
    with its own curator and director."""
    second = OrganisationFactory(municipality=school["municipality"], short_name="МБОУ «Гимназия № 2»")
    return school | {
        "second": second,
        "second_curator": make_user(Role.CURATOR, second),
        "second_director": make_user(Role.DIRECTOR, second),
    }


def _pair(towns, mentor: Person, mentee: Person, number: str) -> MentoringGroup:
    organisation = towns["organisation"]
    group = group_create(
        user=towns["curator"],
        organisation=organisation,
        mentor=mentor,
        mentees=[mentee],
        form="teacher_teacher",
        kinds=["traditional"],
        start_date=START,
        planned_end_date=START + relativedelta(months=9),
    )
    group_record_consents(group=group, mentor_consent_date=START, mentee_consents={mentee.pk: START})
    order_issue(
        user=towns["director"],
        organisation=organisation,
        number=number,
        date=START,
        signed_by="Орлова Г. П.",
        groups=[group],
    )
    group.refresh_from_db()
    return group


def _people(towns):
    mentor = MentorProfileFactory(person__organisation=towns["organisation"], person__last_name="Белова").person
    mentee = MenteeProfileFactory(person__organisation=towns["organisation"], person__last_name="Ершова").person
    return mentor, mentee


# --- a transfer ----------------------------------------------------------------------------------------
def test_a_transfer_ends_the_live_pairs_with_the_reason_and_leaves_the_frozen_report_unchanged(towns):
    mentor, mentee = _people(towns)
    group = _pair(towns, mentor, mentee, "12-н")
    period = MonitoringPeriod.objects.create(
        municipality=towns["municipality"],
        title="Мониторинг",
        starts_on=TODAY - relativedelta(years=1),
        ends_on=TODAY,
        deadline=TODAY + datetime.timedelta(days=10),
    )
    report = report_submit(user=towns["curator"], period=period, organisation=towns["organisation"], texts={})
    frozen = dict(report.figures)
    assert frozen["workers"] == 2 and frozen["pairs"] == 1

    person_transfer(
        user=towns["coordinator"], person=mentor, organisation=towns["second"], position="Учитель", on=TODAY
    )

    group.refresh_from_db()
    assert group.status == MentoringGroup.Status.ENDED_EARLY
    assert group.end_reason == EndReason.MENTOR_DISMISSED
    assert group.get_end_reason_display() == "Увольнение или перевод наставника"
    assert group.ended_on == TODAY
    report.refresh_from_db()
    assert report.figures == frozen
    assert period_data(period).rows[0]["figures"]["workers"] == 2  # the past period counts them at the old school
    live = organisation_figures([towns["organisation"], towns["second"]], starts_on=START, ends_on=TODAY)
    assert (live[towns["organisation"].pk]["workers"], live[towns["second"].pk]["workers"]) == (1, 1)
    mentor.refresh_from_db()
    assert mentor.organisation == towns["second"]
    assert MentorProfile.objects.get(person=mentor).status == ProfileStatus.ACTIVE  # the bank entry goes with them
    old, new = Workplace.objects.filter(person=mentor).order_by("pk")
    assert (old.organisation, old.ends_on, old.end_reason) == (towns["organisation"], TODAY, WorkplaceEnd.TRANSFER)
    assert (new.organisation, new.starts_on, new.ends_on) == (towns["second"], TODAY, None)


def test_after_a_transfer_the_new_school_sees_the_person_and_the_old_school_gets_404(client, towns):
    mentor, _mentee = _people(towns)
    url = reverse("registry:person_detail", args=[mentor.pk])
    client.force_login(towns["second_curator"])
    assert client.get(url).status_code == 404

    client.force_login(towns["coordinator"])
    response = client.post(
        reverse("registry:person_transfer", args=[mentor.pk]),
        {"organisation": towns["second"].pk, "position": "Учитель математики", "on": TODAY.strftime("%d.%m.%Y")},
    )
    assert response.status_code == 302

    client.force_login(towns["second_curator"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Учитель математики" in page_text(page)
    assert "Перевод в другую организацию" in page_text(page)  # the old place, ended by the transfer
    client.force_login(towns["curator"])
    assert client.get(url).status_code == 404


def test_the_receiving_director_transfers_a_teacher_who_already_works_there(towns):
    mentor, _mentee = _people(towns)
    workplace_add(
        user=towns["coordinator"], person=mentor, organisation=towns["second"], position="Педагог ДО", starts_on=START
    )
    person_transfer(
        user=towns["second_director"], person=mentor, organisation=towns["second"], position="Учитель", on=TODAY
    )
    mentor.refresh_from_db()
    assert mentor.organisation == towns["second"]
    current = Workplace.objects.current().filter(person=mentor)
    assert [(w.organisation, w.position) for w in current] == [(towns["second"], "Учитель")]


def test_the_old_school_may_not_transfer_its_teacher_away(towns):
    mentor, _mentee = _people(towns)
    with pytest.raises(PermissionDenied):
        person_transfer(user=towns["director"], person=mentor, organisation=towns["second"], position="У", on=TODAY)


def test_a_transfer_form_shows_russian_messages_next_to_the_fields_and_writes_nothing(client, towns):
    mentor, _mentee = _people(towns)
    client.force_login(towns["coordinator"])
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = client.post(
        reverse("registry:person_transfer", args=[mentor.pk]),
        {"organisation": towns["second"].pk, "position": "   ", "on": tomorrow.strftime("%d.%m.%Y")},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["on"] == ["Дата перевода не может быть в будущем."]
    assert "position" in form.errors
    mentor.refresh_from_db()
    assert mentor.organisation == towns["organisation"]
    assert not Workplace.objects.filter(person=mentor).exists()


# --- a second place of work -------------------------------------------------------------------------
def test_a_second_place_of_work_counts_once_in_the_municipality_and_once_in_each_organisation(client, towns):
    mentor, mentee = _people(towns)
    _pair(towns, mentor, mentee, "3-н")
    PersonFactory(organisation=towns["second"])
    client.force_login(towns["coordinator"])
    response = client.post(
        reverse("registry:workplace_create", args=[mentor.pk]),
        {
            "organisation": towns["second"].pk,
            "position": "Учитель (совместитель)",
            "starts_on": START.strftime("%d.%m.%Y"),
        },
    )
    assert response.status_code == 302

    organisations = [towns["organisation"], towns["second"]]
    figures = organisation_figures(organisations, starts_on=START, ends_on=TODAY)
    first, second = figures[towns["organisation"].pk], figures[towns["second"].pk]
    assert (first["workers"], second["workers"]) == (2, 2)
    assert (first["mentors"], second["mentors"]) == (1, 1)
    assert (first["involved"], second["involved"]) == (2, 1)
    total = aggregate([first, second])
    assert total["workers"] == 3  # Белова, Ершова, the second school's own teacher
    assert total["mentors"] == 1
    assert total["involved"] == 2

    # The school where she works besides shows her in its registry and on its page, and reads her card.
    client.force_login(towns["second_curator"])
    listed = page_text(client.get(reverse("registry:person_list"), {"organisation": towns["second"].pk}))
    assert "Белова" in listed
    assert "Белова" in page_text(client.get(reverse("registry:person_list")))
    assert client.get(reverse("registry:person_detail", args=[mentor.pk])).status_code == 200
    assert client.get(reverse("registry:person_update", args=[mentor.pk])).status_code == 403


def test_a_frozen_report_submitted_by_each_school_counts_the_shared_teacher_once(towns):
    mentor, _mentee = _people(towns)
    workplace_add(user=towns["coordinator"], person=mentor, organisation=towns["second"], position="У", starts_on=START)
    period = MonitoringPeriod.objects.create(
        municipality=towns["municipality"], title="М", starts_on=START, ends_on=TODAY, deadline=TODAY
    )
    report_submit(user=towns["curator"], period=period, organisation=towns["organisation"], texts={})
    report_submit(user=towns["second_curator"], period=period, organisation=towns["second"], texts={})
    data = period_data(period)
    assert sorted(row["figures"]["workers"] for row in data.rows) == [1, 2]
    assert data.total["workers"] == 2


def test_ending_a_second_place_hides_the_person_from_that_school(client, towns):
    mentor, _mentee = _people(towns)
    place = workplace_add(
        user=towns["coordinator"], person=mentor, organisation=towns["second"], position="У", starts_on=START
    )
    client.force_login(towns["curator"])
    response = client.post(
        reverse("registry:workplace_end", args=[mentor.pk, place.pk]), {"ends_on": TODAY.strftime("%d.%m.%Y")}
    )
    assert response.status_code == 302
    client.force_login(towns["second_curator"])
    assert client.get(reverse("registry:person_detail", args=[mentor.pk])).status_code == 404


def test_a_place_of_work_in_the_same_organisation_twice_is_refused_next_to_the_field(client, towns):
    mentor, _mentee = _people(towns)
    client.force_login(towns["curator"])
    response = client.post(
        reverse("registry:workplace_create", args=[mentor.pk]),
        {"organisation": towns["organisation"].pk, "position": "У", "starts_on": START.strftime("%d.%m.%Y")},
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Workplace.objects.filter(person=mentor).exists()


# --- leaving the municipality -----------------------------------------------------------------------
def test_leaving_the_municipality_ends_the_places_and_pairs_and_leaves_the_card_to_the_coordinator(client, towns):
    mentor, mentee = _people(towns)
    group = _pair(towns, mentor, mentee, "7-н")
    client.force_login(towns["curator"])
    response = client.post(
        reverse("registry:person_leave", args=[mentee.pk]), {"on": TODAY.strftime("%d.%m.%Y"), "confirm": "on"}
    )
    assert response.status_code == 302

    group.refresh_from_db()
    assert (group.status, group.end_reason) == (MentoringGroup.Status.ENDED_EARLY, EndReason.MENTEE_DISMISSED)
    assert not Workplace.objects.current().filter(person=mentee).exists()
    assert Workplace.objects.get(person=mentee).end_reason == WorkplaceEnd.LEFT
    assert mentee.mentee_profile.__class__.objects.get(person=mentee).status == ProfileStatus.LEFT
    url = reverse("registry:person_detail", args=[mentee.pk])
    assert client.get(url).status_code == 404
    client.force_login(towns["coordinator"])
    assert "Выбыл из муниципалитета" in page_text(client.get(url))
    figures = organisation_figures([towns["organisation"]], starts_on=START, ends_on=TODAY)
    assert figures[towns["organisation"].pk]["workers"] == 1


def test_a_card_that_left_is_not_left_again(towns):
    _mentor, mentee = _people(towns)
    person_leave(user=towns["coordinator"], person=mentee, on=TODAY)
    with pytest.raises(Exception, match="выбыл"):
        person_leave(user=towns["coordinator"], person=mentee, on=TODAY)


# --- duplicates -------------------------------------------------------------------------------------
def test_merging_two_cards_keeps_every_pair_and_fills_the_empty_fields(client, towns):
    mentor, mentee = _people(towns)
    group = _pair(towns, mentor, mentee, "1-н")
    # The second school's import made another card of Белова, a mentee there, with a phone and a subject.
    twin = MenteeProfileFactory(
        person__organisation=towns["second"], person__last_name="Белова", person__phone="+7 900 000-00-00"
    ).person
    twin.subjects.add(Subject.objects.create(name="Астрономия"))
    second_mentor = MentorProfileFactory(person__organisation=towns["second"], person__last_name="Зуева").person
    second_towns = towns | {
        "organisation": towns["second"],
        "curator": towns["second_curator"],
        "director": towns["second_director"],
    }
    twin_group = _pair(second_towns, second_mentor, twin, "2-н")
    client.force_login(towns["coordinator"])

    search = client.get(reverse("registry:person_merge_search", args=[mentor.pk]))
    assert "МБОУ «Гимназия № 2»" in page_text(search)
    preview = client.get(reverse("registry:person_merge", args=[mentor.pk, twin.pk]))
    assert preview.status_code == 200
    lines = dict(preview.context["preview"].lines)
    assert lines["Пары и группы, где он наставляемый"] == 1
    assert Person.objects.filter(pk=twin.pk).exists()  # the preview moved nothing

    response = client.post(reverse("registry:person_merge", args=[mentor.pk, twin.pk]))
    assert response.status_code == 302
    assert not Person.objects.filter(pk=twin.pk).exists()
    group.refresh_from_db()
    twin_group.refresh_from_db()
    assert group.mentor_id == mentor.pk and group.status == MentoringGroup.Status.ACTIVE
    assert list(twin_group.mentees.all()) == [mentor]
    mentor.refresh_from_db()
    assert mentor.phone == "+7 900 000-00-00"
    assert [s.name for s in mentor.subjects.all()] == ["Астрономия"]
    assert hasattr(mentor, "mentor_profile") and hasattr(mentor, "mentee_profile")
    current = {w.organisation for w in Workplace.objects.current().filter(person=mentor)}
    assert current == {towns["organisation"], towns["second"]}
    assert "Объединение с дубликатом" in page_text(client.get(reverse("registry:person_detail", args=[mentor.pk])))


def test_cards_of_a_mentor_and_their_own_mentee_are_not_merged(towns):
    mentor, mentee = _people(towns)
    _pair(towns, mentor, mentee, "5-н")
    with pytest.raises(Exception, match="разные люди"):
        person_merge(user=towns["coordinator"], kept=mentor, other=mentee)
    assert Person.objects.filter(pk=mentee.pk).exists()


def test_another_municipalitys_coordinator_gets_404_on_every_page_of_the_card(client, towns):
    mentor, mentee = _people(towns)
    stranger = make_user(Role.COORDINATOR, MunicipalityFactory())
    client.force_login(stranger)
    for name, args in [
        ("registry:person_transfer", [mentor.pk]),
        ("registry:person_leave", [mentor.pk]),
        ("registry:workplace_create", [mentor.pk]),
        ("registry:person_merge_search", [mentor.pk]),
        ("registry:person_merge", [mentor.pk, mentee.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
        if name != "registry:person_merge_search":  # a search: GET only
            assert client.post(reverse(name, args=args), {}).status_code == 404
    assert Person.objects.filter(pk=mentee.pk).exists()


def test_a_school_cannot_merge_cards(client, towns):
    mentor, mentee = _people(towns)
    client.force_login(towns["director"])
    assert client.post(reverse("registry:person_merge", args=[mentor.pk, mentee.pk])).status_code == 403
    assert Person.objects.filter(pk=mentee.pk).exists()
