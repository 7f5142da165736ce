"""The mentee forgot the password: «Забыли пароль?» on the sign-in page, the link from the mail, a new password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_mentee_resets_the_password_with_the_link_from_the_mail(demo, page, sign_in, axe, settings):
    settings.PORTAL_JOBS_EAGER = True  # the mail is sent at commit, into Django's locmem outbox
    mentee = demo["users"]["mentee"]
    mentee.email = "mentee@example.ru"
    mentee.save()
    mail.outbox.clear()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Забыли пароль?").click()
    expect(page.get_by_role("heading", name="Восстановление пароля")).to_be_visible()
    axe(page)
    page.locator("input[name=email]").fill("mentee@example.ru")
    page.get_by_role("button", name="Получить ссылку").click()
    expect(page.get_by_role("heading", name="Проверьте почту")).to_be_visible()
    axe(page)
    (message,) = [message for message in mail.outbox if "mentee@example.ru" in message.to]
    assert "Восстановление пароля" in message.subject
    path = re.search(r"https?://[^/\s]+(/\S*)", message.body).group(1)
    page.goto(path)
    expect(page.get_by_role("heading", name="Задайте пароль")).to_be_visible()
    axe(page)
    page.locator("input[name=new_password1]").fill("Vesennii-2027-den")
    page.locator("input[name=new_password2]").fill("Vesennii-2027-den")
    page.get_by_role("button", name="Сохранить пароль").click()
    expect(page.get_by_role("heading", name="Пароль сохранён")).to_be_visible()
    axe(page)
    sign_in("mentee", "Vesennii-2027-den")
    expect(page.get_by_role("heading", name="Моя программа наставничества")).to_be_visible()
    page.goto(path)  # the link worked once
    expect(page.get_by_role("heading", name="Ссылка больше не действует")).to_be_visible()
