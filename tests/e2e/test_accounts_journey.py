"""A director gives a new curator an account, then a teacher withdraws consent: in the browser, axe on each page."""

from __future__ import annotations

import pytest

from registry.models import Membership, Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_director_creates_an_account_and_a_curator_records_a_withdrawal(demo, page, sign_in, axe):
    sign_in("director")
    page.get_by_role("link", name="Учётные записи").click()
    axe(page)
    page.get_by_role("link", name="Добавить учётную запись").click()
    page.get_by_role("button", name="Создать учётную запись").click()  # empty: the errors are shown
    axe(page)
    page.locator("#id_username").fill("sokolova")
    page.locator("#id_last_name").fill("Соколова")
    page.locator("#id_first_name").fill("Ирина")
    page.locator("#id_role").select_option(label="Куратор ОО")
    page.locator("#id_organisation").select_option(label=str(demo["school1"]))
    page.locator("#id_password1").fill("Наставник-2026!")
    page.locator("#id_password2").fill("Наставник-2026!")
    page.get_by_role("button", name="Создать учётную запись").click()
    assert page.get_by_text("Учётная запись sokolova создана").is_visible()
    assert Membership.objects.filter(user__username="sokolova", organisation=demo["school1"]).exists()
    axe(page)

    teacher = demo["teacher"]
    page.goto(teacher.get_absolute_url())
    page.get_by_role("link", name="Отзыв согласия").click()
    page.get_by_role("button", name="Обезличить данные").click()  # not confirmed: refused
    assert page.get_by_text("Подтвердите, что данные будут обезличены безвозвратно").is_visible()
    axe(page)
    page.locator("#id_confirm").check()
    page.get_by_role("button", name="Обезличить данные").click()
    assert page.get_by_text("Согласие отозвано, данные педагога обезличены").is_visible()
    axe(page)
    assert Person.objects.get(pk=teacher.pk).last_name == "Обезличено"
