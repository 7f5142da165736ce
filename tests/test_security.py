"""Sign-in throttling and the headers that keep the browser from doing what the portal never asked."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.urls import reverse

from tests.utils import page_text

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def fail(client, username: str, address: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": "wrong-password"}, REMOTE_ADDR=address)


def test_repeated_failures_lock_the_account_with_a_russian_message(client, demo):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = fail(client, "curator")
        assert response.status_code == 200
        assert "Неверное имя пользователя или пароль" in page_text(response)
    locked = fail(client, "curator")
    assert locked.status_code == 429
    assert "Вход временно заблокирован" in page_text(locked)
    assert "15 минут" in page_text(locked)
    # Even the right password is refused while the lock holds, from any address.
    right = client.post(LOGIN, {"username": "curator", "password": "demo"}, REMOTE_ADDR="10.0.0.2")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_address_for_every_account(client, demo):
    for number in range(settings.AXES_FAILURE_LIMIT):
        fail(client, f"nobody{number}", address="10.0.0.9")
    response = client.post(LOGIN, {"username": "director", "password": "demo"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    other_address = client.post(LOGIN, {"username": "director", "password": "demo"}, REMOTE_ADDR="10.0.0.10")
    assert other_address.status_code == 302


def test_sign_ins_and_failures_are_logged(client, demo, caplog):
    fail(client, "director")
    response = client.post(LOGIN, {"username": "director", "password": "demo"}, REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 302
    assert AccessLog.objects.filter(username="director", ip_address="10.0.0.3").exists()
    assert AccessFailureLog.objects.filter(username="director", ip_address="10.0.0.1").exists()
    # A success resets the counter: one mistake a day never adds up to a lock.
    assert not AccessAttempt.objects.filter(username="director").exists()


def test_csp_allows_nothing_from_outside(client, demo):
    client.force_login(demo["users"]["coordinator"])
    response = client.get(reverse("registry:person_list"))
    policy = {
        directive.split()[0]: directive.split()[1:] for directive in response["Content-Security-Policy"].split("; ")
    }
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    for sources in policy.values():
        assert not any(source.startswith(("http", "'unsafe")) or source == "*" for source in sources)
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_no_inline_script_or_style(client, demo):
    """What CSP would block must not be there in the first place."""
    client.force_login(demo["users"]["curator"])
    for url in (
        reverse("home"),
        reverse("registry:person_list"),
        demo["teacher"].get_absolute_url(),
        reverse("registry:group_detail", args=[demo["group"].pk]),
        reverse("registry:program_update", args=[demo["program"].pk]),
        reverse("roadmaps:roadmap_list"),
        reverse("monitoring:dashboard"),
    ):
        html = client.get(url).content.decode()
        assert " style=" not in html, url
        assert "<style" not in html, url
        for chunk in html.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            assert " src=" in head or 'type="application/json"' in head, (url, head)
