"""Mail through a real SMTP server on loopback: invitations, password resets, notices and the weekly digest."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from notices.models import AccountSettings, Notice
from notices.tasks import send_digest
from registry.models import Activity, Role
from roadmaps.models import Revision
from roadmaps.tasks import roadmap_event
from tests import mailbox
from tests.mailbox import html_of, link_in, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    yield from mailbox.serve(settings)


@pytest.fixture(autouse=True)
def eager_jobs(settings):
    """Jobs run at commit in this process; tests/test_jobs.py runs them in a real worker."""
    settings.PORTAL_JOBS_EAGER = True


def signs_in(client, username: str, password: str) -> bool:
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and response.url == reverse("home")


def set_password_by_link(client, path: str, password: str):
    """Follow a mail's link as its reader would: Django swaps the token for a session, then the form."""
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert "Задайте пароль" in response.content.decode()
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_an_invitation_arrives_and_its_link_sets_the_persons_own_password(
    client, demo, smtp, django_capture_on_commit_callbacks
):
    client.force_login(demo["users"]["director"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registry:account_create"),
            {
                "username": "novikova",
                "last_name": "Новикова",
                "first_name": "Ольга",
                "email": "novikova@example.ru",
                "role": Role.CURATOR,
                "organisation": demo["school1"].pk,
            },
        )
    assert response.status_code == 302
    account = get_user_model().objects.get(username="novikova")
    assert not account.has_usable_password()
    (message,) = smtp.to("novikova@example.ru")
    assert "Приглашение в портал" in message["Subject"]
    assert "Имя для входа: novikova" in text_of(message)
    assert demo["school1"].short_name in text_of(message)
    assert "Задать пароль" in html_of(message)
    assert "дня" in text_of(message) or "дней" in text_of(message)
    client.logout()
    response = set_password_by_link(client, link_in(message), "Vesna-2027-sad")
    assert response.status_code == 302 and response.url == reverse("password_reset_complete")
    assert signs_in(client, "novikova", "Vesna-2027-sad")


def test_the_invitation_link_works_once(client, demo, smtp, django_capture_on_commit_callbacks):
    client.force_login(demo["users"]["director"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registry:account_create"),
            {
                "username": "once",
                "last_name": "Орлова",
                "first_name": "Анна",
                "email": "once@example.ru",
                "role": Role.CURATOR,
                "organisation": demo["school1"].pk,
            },
        )
    client.logout()
    path = link_in(smtp.to("once@example.ru")[0])
    set_password_by_link(client, path, "Vesna-2027-sad")
    response = client.get(path, follow=True)
    assert "Ссылка больше не действует" in response.content.decode()


def test_without_an_email_a_temporary_password_is_changed_at_the_first_sign_in(client, demo):
    client.force_login(demo["users"]["director"])
    response = client.post(
        reverse("registry:account_create"),
        {
            "username": "bezpochty",
            "last_name": "Ершов",
            "first_name": "Пётр",
            "role": Role.CURATOR,
            "organisation": demo["school1"].pk,
            "password1": "Vremya-2027-x",
            "password2": "Vremya-2027-x",
        },
    )
    assert response.status_code == 302
    client.logout()
    client.post(reverse("login"), {"username": "bezpochty", "password": "Vremya-2027-x"})
    response = client.get(reverse("registry:group_list"))
    assert response.status_code == 302 and response.url == reverse("password_change")
    client.post(
        reverse("password_change"),
        {"old_password": "Vremya-2027-x", "new_password1": "Svoy-2027-parol", "new_password2": "Svoy-2027-parol"},
    )
    assert client.get(reverse("registry:group_list")).status_code == 200
    assert not AccountSettings.objects.get(user__username="bezpochty").must_change_password


def test_an_account_needs_an_email_or_a_temporary_password(client, demo):
    client.force_login(demo["users"]["director"])
    response = client.post(
        reverse("registry:account_create"),
        {
            "username": "nikak",
            "last_name": "Ким",
            "first_name": "Ли",
            "role": Role.CURATOR,
            "organisation": demo["school1"].pk,
        },
    )
    assert "Укажите электронную почту для приглашения или задайте временный пароль." in response.content.decode()
    assert not get_user_model().objects.filter(username="nikak").exists()


def test_the_reset_mail_arrives_and_its_link_sets_a_new_password(
    client, demo, smtp, django_capture_on_commit_callbacks
):
    mentee = demo["users"]["mentee"]
    mentee.email = "mentee@example.ru"
    mentee.save()
    assert "Забыли пароль?" in client.get(reverse("login")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("password_reset"), {"email": "MENTEE@example.ru"})
        unknown = client.post(reverse("password_reset"), {"email": "nobody@example.ru"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("password_reset_done")
    assert smtp.to("nobody@example.ru") == []
    (message,) = smtp.to("mentee@example.ru")
    assert "Восстановление пароля" in message["Subject"]
    response = set_password_by_link(client, link_in(message), "Novyi-2027-parol")
    assert response.status_code == 302
    assert signs_in(client, "mentee", "Novyi-2027-parol")


def test_a_submitted_roadmap_reaches_the_director_as_a_notice_and_a_mail(client, demo, smtp):
    director = demo["users"]["director"]
    director.email = "director@example.ru"
    director.save()
    revision = Revision.objects.filter(roadmap__organisation=demo["school1"], status=Revision.Status.SUBMITTED).first()
    roadmap_event(revision_id=revision.pk, event="submitted", version=revision.version)
    roadmap_event(revision_id=revision.pk, event="submitted", version=revision.version)  # a retried job
    (message,) = smtp.to("director@example.ru")
    assert "ждёт утверждения" in message["Subject"]
    assert revision.roadmap.title in text_of(message)
    notice = Notice.objects.get(user=director, kind=Notice.Kind.ROADMAP_SUBMITTED)
    client.force_login(director)
    assert client.get(link_in(message)).status_code == 200
    page = client.get(reverse("notices:notice_list")).content.decode()
    assert notice.text in page and "Непрочитанных: 1" in page
    client.post(reverse("notices:notice_read"))
    assert "Непрочитанных уведомлений нет" in client.get(reverse("notices:notice_list")).content.decode()


def test_a_job_for_a_revision_deleted_meanwhile_ends_cleanly(smtp, caplog):
    roadmap_event(revision_id=10**9, event="approved", version=1)
    assert smtp.messages == [] and "is gone" in caplog.text


def mentor_with_items(demo, today):
    mentor = demo["users"]["mentor"]
    mentor.email = "mentor@example.ru"
    mentor.save()
    program = demo["program"]
    Activity.objects.filter(program__group__mentor=demo["own"]["mentor"]).update(done_on=today)
    Activity.objects.create(
        program=program, title="Посещение урока наставника", due_date=today + datetime.timedelta(days=2)
    )
    Activity.objects.create(program=program, title="Разбор урока", due_date=today - datetime.timedelta(days=4))
    Activity.objects.create(program=program, title="Открытый урок", due_date=today + datetime.timedelta(days=20))
    return mentor


def test_the_digest_groups_a_mentors_items_into_one_mail(demo, smtp):
    today = timezone.localdate()
    mentor_with_items(demo, today)
    send_digest(today)
    send_digest(today)  # the same week again: nothing new
    (message,) = smtp.to("mentor@example.ru")
    text = text_of(message)
    assert "Посещение урока наставника" in text and "Разбор урока: срок" in text and "(просрочено)" in text
    assert "Открытый урок" not in text
    assert "Ждут выполнения 2 мероприятия, из них просрочено 1" in text


def test_opting_out_on_the_account_page_stops_the_digest(client, demo, smtp):
    today = timezone.localdate()
    mentor = mentor_with_items(demo, today)
    client.force_login(mentor)
    assert client.get(reverse("notices:account")).status_code == 200
    response = client.post(reverse("notices:account"), {})  # the box unticked
    assert response.status_code == 302, response.context["form"].errors
    send_digest(today)
    assert smtp.to("mentor@example.ru") == []
    assert not Notice.objects.filter(user=mentor, kind=Notice.Kind.DIGEST).exists()


def test_a_person_who_withdrew_consent_gets_nothing(demo, smtp):
    today = timezone.localdate()
    mentor_with_items(demo, today)
    person = demo["own"]["mentor"]
    type(person).objects.filter(pk=person.pk).update(consent_withdrawn_on=today)
    send_digest(today)
    assert smtp.to("mentor@example.ru") == []


def test_monitoring_checks_tell_the_school_and_the_questionnaires_participants_once(client, demo, smtp):
    from monitoring.models import MonitoringPeriod, Questionnaire
    from monitoring.tasks import check_deadlines, check_openings

    curator = demo["users"]["curator"]
    curator.email = "curator@example.ru"
    curator.save()
    period = MonitoringPeriod.objects.filter(municipality=demo["school1"].municipality).first()
    check_openings()
    check_openings()  # the next run finds the notices it made
    opened = Notice.objects.filter(user=curator, kind=Notice.Kind.PERIOD_OPENED)
    assert [notice.link for notice in opened] == [period.get_absolute_url()]
    assert len(smtp.to("curator@example.ru")) == 1
    questionnaire = Questionnaire.objects.get(municipality=demo["school1"].municipality, is_active=True)
    invited = Notice.objects.get(user=demo["users"]["mentee"], kind=Notice.Kind.QUESTIONNAIRE_OPENED)
    client.force_login(demo["users"]["mentee"])
    assert client.get(invited.link).status_code == 200 and str(questionnaire.pk) in invited.link
    check_deadlines(today=period.deadline - datetime.timedelta(days=1))
    reminder = Notice.objects.get(user=curator, kind=Notice.Kind.PERIOD_DEADLINE)
    assert "1 день" in reminder.text
