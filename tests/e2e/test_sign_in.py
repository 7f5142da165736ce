"""Journey 0: each demo role signs in and sees its own home page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_MARKERS = {
    "coordinator": "Муниципалитет: сводка",
    "director": "Ваша организация: сводка",
    "curator": "Ваша организация: сводка",
    "director2": "Ваша организация: сводка",
    "curator2": "Ваша организация: сводка",
    "mentor": "Мои наставляемые",
    "mentee": "Моя программа наставничества",
}


def test_each_demo_role_signs_in_and_sees_its_home_page(demo, page, sign_in, axe):
    page.goto("/accounts/login/")
    axe(page)
    for username, marker in HOME_MARKERS.items():
        sign_in(username)
        expect(page.get_by_role("heading", name=marker)).to_be_visible()
        axe(page, f"{username}'s home page")
        expect(page.locator("body")).to_contain_text(demo["users"][username].last_name)
        page.get_by_role("button", name="Выйти").click()
        expect(page.get_by_role("heading", name="Вход в портал наставничества")).to_be_visible()


def test_wrong_password_shows_a_russian_message(demo, page, sign_in, axe):
    sign_in("curator", "not-the-password")
    expect(page.locator("form")).to_contain_text("Неверное имя пользователя или пароль")
    axe(page)


def test_coordinator_opens_a_school_and_the_second_curator_gets_404(demo, page, sign_in, axe):
    sign_in("coordinator")
    page.get_by_role("link", name="Организации", exact=True).first.click()
    axe(page)
    page.get_by_role("link", name=demo["school1"].short_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo["school1"].short_name)
    axe(page)
    school_url = page.url
    page.get_by_role("button", name="Выйти").click()
    sign_in("curator2")
    response = page.goto(school_url)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Страница не найдена")
    axe(page)
