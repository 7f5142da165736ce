"""152-ФЗ: what the portal holds on a person comes out in one file; a withdrawn consent anonymises them."""

from __future__ import annotations

import datetime
import io

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from monitoring.services import live_data
from registry.models import (
    Activity,
    EndReason,
    GroupEvent,
    ImportBatch,
    Membership,
    MentoringGroup,
    Person,
    Program,
    Role,
    Subject,
)
from registry.personal_data import withdraw_consent
from registry.services import group_complete, group_end_early, program_put_in_bank
from tests.factories import OrganisationFactory, make_user
from tests.registry.test_mentoring import consented, create, issue, school  # noqa: F401 (fixture)
from tests.utils import downloaded, form_data, page_text

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def workbook(response):
    return load_workbook(io.BytesIO(downloaded(response)))


def test_the_export_holds_the_card_the_pairs_the_accounts_and_the_history(client, demo):
    mentor = demo["own"]["mentor"]
    client.force_login(demo["users"]["curator"])
    response = client.get(reverse("registry:person_data_export", args=[mentor.pk]))
    assert response.status_code == 200
    book = workbook(response)
    assert book.sheetnames == [
        "Сведения",
        "Банк наставников",
        "Банк наставляемых",
        "Наставничество",
        "Учётные записи",
        "История изменений",
    ]
    card = {row[0]: row[1] for row in book["Сведения"].iter_rows(min_row=2, values_only=True)}
    assert card["Фамилия"] == mentor.last_name
    pairs = list(book["Наставничество"].iter_rows(min_row=2, values_only=True))
    assert any(row[0] == "наставник" and row[4] == "Действует" for row in pairs)
    accounts = [row[0] for row in book["Учётные записи"].iter_rows(min_row=2, values_only=True)]
    assert accounts == ["mentor"]


def test_a_mentor_downloads_their_own_data_but_nobody_elses(client, demo):
    client.force_login(demo["users"]["mentor"])
    assert client.get(reverse("registry:person_data_export", args=[demo["own"]["mentor"].pk])).status_code == 200
    assert client.get(reverse("registry:person_data_export", args=[demo["teacher"].pk])).status_code == 404
    client.force_login(demo["users"]["curator2"])
    assert client.get(reverse("registry:person_data_export", args=[demo["own"]["mentor"].pk])).status_code == 404


def test_withdrawal_is_refused_while_the_person_is_in_a_live_pair(client, demo):
    mentor = demo["own"]["mentor"]
    client.force_login(demo["users"]["curator"])
    url = reverse("registry:person_withdraw", args=[mentor.pk])
    response = client.post(url, form_data(client.get(url)) | {"confirm": "on"})
    assert "Педагог участвует в действующей паре" in page_text(response)
    assert Person.objects.get(pk=mentor.pk).last_name == mentor.last_name

    response = client.post(url, form_data(client.get(url)))
    assert "Подтвердите, что данные будут обезличены безвозвратно" in page_text(response)


def test_withdrawal_anonymises_everything_that_names_the_person_and_keeps_the_counts(
    client,
    school,  # noqa: F811
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    group = consented(create(school, mentees=school["mentees"][:1]))
    issue(school, [group])
    group_complete(user=school["curator"], group=group, ended_on=TODAY)
    mentee = school["mentees"][0]
    mentee.email, mentee.phone = "zaytseva@example.ru", "8-900-123-45-67"
    mentee.save()
    own_account = make_user(Role.MENTEE, mentee)
    own_account.first_name, own_account.last_name = "Алёна", "Зайцева"
    own_account.save()
    pending = ImportBatch.objects.create(
        user=school["curator"], file_name="staff.xlsx", content=b"x", plan={"rows": [{"last_name": mentee.last_name}]}
    )
    # Unconfirmed uploads in the person's reach go (a preview with refused rows keeps no plan but
    # still holds the file); another municipality's stay.
    unplanned = ImportBatch.objects.create(user=school["curator"], file_name="refused.xlsx", content=b"x", plan={})
    elsewhere = make_user(Role.CURATOR, OrganisationFactory())
    other_upload = ImportBatch.objects.create(user=elsewhere, file_name="other.xlsx", content=b"x", plan={})
    before = live_data([school["organisation"]]).total

    client.force_login(school["curator"])
    url = reverse("registry:person_withdraw", args=[mentee.pk])
    response = client.post(url, form_data(client.get(url)) | {"confirm": "on", "withdrawn_on": TODAY.isoformat()})
    assert response.status_code == 302, page_text(response)

    mentee = Person.objects.get(pk=mentee.pk)
    assert (mentee.last_name, mentee.first_name, mentee.middle_name) == ("Обезличено", f"№ {mentee.pk}", "")
    assert (mentee.email, mentee.phone, mentee.consent_date) == ("", "", None)
    assert mentee.consent_withdrawn_on == TODAY and mentee.anonymised_at
    profile = mentee.mentee_profile
    assert profile.requests_text == "" and profile.consent_date is None
    # The history no longer holds the old name: one record of the anonymised state remains.
    assert [record.last_name for record in mentee.history.all()] == ["Обезличено"]
    assert not mentee.mentee_profile.history.filter(requests_text__gt="").exists()
    own_account.refresh_from_db()
    assert not own_account.is_active and own_account.last_name == "" and "Зайцева" not in own_account.username
    assert not own_account.has_usable_password()
    assert not ImportBatch.objects.filter(pk=pending.pk).exists()
    assert not ImportBatch.objects.filter(pk=unplanned.pk).exists()
    assert ImportBatch.objects.filter(pk=other_upload.pk).exists()

    # The pair and its program stay: the report's counts of pairs and programs do not move.
    assert MentoringGroup.objects.get(pk=group.pk).participations.get().mentee_id == mentee.pk
    after = live_data([school["organisation"]]).total
    for key in ("workers", "involved", "pairs", "groups", "programs_completed", "ended_early"):
        assert after[key] == before[key], key
    assert after["mentees"] == before["mentees"] - 1  # no longer in the bank of mentees

    page = page_text(client.get(mentee.get_absolute_url()))
    assert "данные обезличены" in page and "Зайцева" not in page
    assert "Отзыв согласия" not in page


def test_another_schools_curator_cannot_withdraw(client, demo):
    client.force_login(demo["users"]["curator2"])
    url = reverse("registry:person_withdraw", args=[demo["teacher"].pk])
    assert client.post(url, {"confirm": "on", "withdrawn_on": datetime.date.today().isoformat()}).status_code == 404
    assert Person.objects.get(pk=demo["teacher"].pk).anonymised_at is None


def test_withdrawal_keeps_other_roles_scrubs_notes_and_deletes_every_scan(
    client,
    school,  # noqa: F811
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    mentee = school["mentees"][1]
    profile = mentee.mentee_profile
    for number in (1, 2):  # a scan replaced once: the first one must go too
        profile.consent_scan.save(f"scan{number}.pdf", ContentFile(b"%PDF-1.4 scan"), save=True)
    scans = [record.consent_scan for record in profile.history.all() if record.consent_scan]
    assert len(set(scans)) == 2 and all((tmp_path / name).exists() for name in scans)
    mentee.subjects.add(Subject.objects.get_or_create(name="Химия")[0])  # m2m history rows
    group = consented(create(school, mentees=[mentee]))
    group_end_early(
        user=school["curator"],
        group=group,
        reason=EndReason.CONSENT_WITHDRAWN,
        note=f"{mentee.last_name} отозвала согласие",
        ended_on=TODAY,
    )
    director = school["director"]
    Membership.objects.create(user=director, role=Role.MENTEE, person=mentee)

    client.force_login(school["curator"])
    url = reverse("registry:person_withdraw", args=[mentee.pk])
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the withdrawal commits
        response = client.post(url, form_data(client.get(url)) | {"confirm": "on", "withdrawn_on": TODAY.isoformat()})
    assert response.status_code == 302, page_text(response)

    old_name = school["mentees"][1].last_name
    director.refresh_from_db()
    assert director.is_active and director.has_usable_password()  # a director's account is not theirs to close
    assert not Membership.objects.filter(person=mentee).exists()
    assert Membership.objects.filter(user=director, role=Role.DIRECTOR).exists()
    group.refresh_from_db()
    assert old_name not in group.end_note and "отозвала согласие" in group.end_note
    assert not any(old_name in (note or "") for note in group.history.values_list("end_note", flat=True))
    assert not GroupEvent.objects.filter(group=group, note__icontains=old_name).exists()
    assert not any((tmp_path / name).exists() for name in scans)
    history = Person.history.model
    assert not history.objects.filter(id=mentee.pk, last_name=old_name).exists()
    m2m = apps.get_model("registry", "HistoricalPerson_subjects")
    assert not m2m.objects.exclude(history__in=history.objects.all()).exists()
    # The card is kept for the counts only: no more edits.
    assert client.get(reverse("registry:person_update", args=[mentee.pk])).status_code == 403


def test_the_reserved_account_names_cannot_be_taken(client, demo):
    client.force_login(demo["users"]["director"])
    response = client.post(
        reverse("registry:account_create"),
        {
            "username": "obezlicheno-57",
            "last_name": "Иванова",
            "first_name": "Анна",
            "role": Role.CURATOR,
            "organisation": demo["school1"].pk,
            "password1": "Наставник-2026!",
            "password2": "Наставник-2026!",
        },
    )
    assert "Такие имена зарезервированы" in page_text(response)


def test_withdrawal_scrubs_the_program_its_bank_copy_activities_and_role_phones(
    client,
    school,  # noqa: F811
):
    mentee = school["mentees"][2]
    group = consented(create(school, mentees=[mentee]))
    issue(school, [group])
    program = Program.objects.create(
        organisation=school["organisation"],
        group=group,
        title="Программа",
        goals=f"Помочь {mentee.last_name[:-1]}ой освоиться",  # «Лисиной»
        status=Program.Status.COMPLETED,
        mentee_self_assessment="Я справилась",
    )
    Activity.objects.create(program=program, position=1, title="Открытый урок", responsible=mentee.last_name)
    copy = program_put_in_bank(program=program)
    group_complete(user=school["curator"], group=group, ended_on=TODAY)
    Membership.objects.create(user=school["director"], role=Role.MENTEE, person=mentee, phone="8-900-111-22-33")
    old_name = mentee.last_name

    withdraw_consent(user=school["curator"], person=mentee, withdrawn_on=TODAY)

    for stored in (Program.objects.get(pk=program.pk), Program.objects.get(pk=copy.pk)):
        assert old_name not in stored.goals and "освоиться" in stored.goals
    assert Program.objects.get(pk=program.pk).mentee_self_assessment == ""
    assert not Activity.objects.filter(responsible__icontains=old_name).exists()
    assert not Activity.history.filter(responsible__icontains=old_name).exists()
    assert not Program.history.filter(goals__icontains=old_name).exists()
    assert not Membership.history.filter(phone="8-900-111-22-33").exists()


def test_withdrawal_scrubs_the_first_name_in_every_case(
    client,
    school,  # noqa: F811
):
    mentee = school["mentees"][2]
    Person.objects.filter(pk=mentee.pk).update(last_name="Соловьёв", first_name="Павел", middle_name="Петрович")
    mentee.refresh_from_db()
    group = consented(create(school, mentees=[mentee]))
    issue(school, [group])
    program = Program.objects.create(
        organisation=school["organisation"],
        group=group,
        title="Программа",
        goals="Поддержать Павла на уроках, дать Павлу наставника, с Павлом и Соловьевым разобрать планы",
        status=Program.Status.COMPLETED,
    )
    group_complete(user=school["curator"], group=group, ended_on=TODAY)

    withdraw_consent(user=school["curator"], person=mentee, withdrawn_on=TODAY)

    assert Program.objects.get(pk=program.pk).goals == (
        "Поддержать Обезличено на уроках, дать Обезличено наставника, с Обезличено и Обезличено разобрать планы"
    )
