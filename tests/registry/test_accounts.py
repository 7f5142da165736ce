"""Accounts within one's scope: nobody grants a role wider than their own."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from registry.models import Membership, Role
from tests.utils import page_text

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Наставник-2026!"


def account(**overrides):
    data = {
        "username": "novikova",
        "last_name": "Новикова",
        "first_name": "Ольга",
        "email": "novikova@example.ru",
        "role": Role.CURATOR,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.1.1.1")


def test_director_creates_a_curator_of_their_school_who_can_sign_in(client, demo):
    client.force_login(demo["users"]["director"])
    response = client.post(reverse("registry:account_create"), account(organisation=demo["school1"].pk))
    assert response.status_code == 302, page_text(response)
    membership = Membership.objects.get(user__username="novikova")
    assert (membership.role, membership.organisation) == (Role.CURATOR, demo["school1"])
    client.logout()
    assert sign_in(client, "novikova", PASSWORD).status_code == 302


def test_director_cannot_grant_a_coordinator_or_another_schools_role(client, demo):
    client.force_login(demo["users"]["director"])
    form = client.get(reverse("registry:account_create")).context["form"]
    assert {value for value, _label in form.fields["role"].choices} == {Role.DIRECTOR, Role.CURATOR}
    assert list(form.fields["organisation"].queryset) == [demo["school1"]]

    response = client.post(
        reverse("registry:account_create"),
        account(role=Role.COORDINATOR, municipality=demo["school1"].municipality_id),
    )
    assert "Выберите корректный вариант" in page_text(response)
    response = client.post(reverse("registry:account_create"), account(organisation=demo["school2"].pk))
    assert "Выберите корректный вариант" in page_text(response)
    assert not User.objects.filter(username="novikova").exists()


def test_coordinator_grants_up_to_coordinator_but_not_head(client, demo):
    client.force_login(demo["users"]["coordinator"])
    form = client.get(reverse("registry:account_create")).context["form"]
    roles = {value for value, _label in form.fields["role"].choices}
    assert Role.COORDINATOR in roles and Role.HEAD not in roles
    response = client.post(
        reverse("registry:account_create"),
        account(role=Role.HEAD, municipality=demo["school1"].municipality_id),
    )
    assert "Выберите корректный вариант" in page_text(response)
    response = client.post(
        reverse("registry:account_create"),
        account(role=Role.COORDINATOR, municipality=demo["school1"].municipality_id),
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__username="novikova").municipality == demo["school1"].municipality


def test_weak_passwords_and_taken_names_are_refused_in_russian(client, demo):
    client.force_login(demo["users"]["director"])
    response = client.post(
        reverse("registry:account_create"),
        account(organisation=demo["school1"].pk, password1="12345678", password2="12345678"),
    )
    text = page_text(response)
    assert "Введённый пароль состоит только из цифр" in text
    response = client.post(
        reverse("registry:account_create"),
        account(username="Curator", organisation=demo["school1"].pk),
    )
    assert "Такое имя пользователя уже занято" in page_text(response)
    response = client.post(
        reverse("registry:account_create"),
        account(organisation=demo["school1"].pk, password2="другой-пароль-2026"),
    )
    assert "Пароли не совпадают" in page_text(response)
    assert not User.objects.filter(username="novikova").exists()


def test_an_account_for_a_teacher_is_opened_from_their_card(client, demo):
    teacher = demo["teacher"]
    client.force_login(demo["users"]["curator"])
    assert client.get(reverse("registry:account_create")).status_code == 403  # curators do not grant
    client.force_login(demo["users"]["director"])
    url = reverse("registry:account_create") + f"?person={teacher.pk}"
    form = client.get(url).context["form"]
    assert {value for value, _label in form.fields["role"].choices} == {Role.MENTOR, Role.MENTEE}
    response = client.post(url, account(role=Role.MENTOR))
    assert response.status_code == 302
    assert Membership.objects.get(user__username="novikova").person == teacher
    client.force_login(demo["users"]["director2"])
    assert client.get(url).status_code == 404


def test_deactivated_account_cannot_sign_in_and_the_list_is_scoped(client, demo):
    curator = demo["users"]["curator"]
    client.force_login(demo["users"]["director"])
    listed = {account.username for account in client.get(reverse("registry:account_list")).context["page"]}
    assert "curator" in listed and "mentor" in listed
    assert not listed & {"coordinator", "head", "curator2", "director2", "admin", "director"}

    response = client.post(reverse("registry:account_active", args=[curator.pk]), {"active": "0"}, follow=True)
    assert "отключена" in page_text(response)
    curator.refresh_from_db()
    assert not curator.is_active
    client.logout()
    assert sign_in(client, "curator", "demo").status_code == 200  # the form again, no session

    coordinator = demo["users"]["coordinator"]
    client.force_login(demo["users"]["director"])
    assert client.post(reverse("registry:account_active", args=[coordinator.pk]), {"active": "0"}).status_code == 404
    client.force_login(demo["users"]["director2"])
    assert client.post(reverse("registry:account_active", args=[curator.pk]), {"active": "1"}).status_code == 404
    coordinator.refresh_from_db()
    curator.refresh_from_db()
    assert coordinator.is_active and not curator.is_active
    assert curator.history.filter(is_active=False).earliest("history_date").history_user == demo["users"]["director"]
