"""Journey 3 in the browser: the roadmap's approval round and tracking to done."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from roadmaps.models import Roadmap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The demo's own plan for school 1 waits for the director too: the journey's is picked by its title.
TITLE = "Дорожная карта наставничества на 2026–2027 учебный год"


def test_curator_drafts_director_returns_then_approves_curator_tracks_coordinator_sees(
    demo, page, sign_in, axe, tmp_path
):
    school = demo["school1"].short_name
    sign_in("curator")
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Дорожные карты")
    ).click()
    axe(page)
    page.get_by_role("link", name="Создать дорожную карту").click()
    axe(page)
    # The empty form comes back with its errors: that state has to be accessible too.
    page.get_by_role("button", name="Создать").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    axe(page)
    sample = Roadmap.objects.get(is_template=True, level="school", municipality__isnull=True)
    page.get_by_label("Начать с").select_option(label=f"Образец: {sample.title} ({sample.period or 'без периода'})")
    page.get_by_label("Название").fill(TITLE)
    page.get_by_label("Период").fill("2026–2027 учебный год")
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_test_id("state")).to_contain_text("Черновик")
    axe(page)
    page.get_by_role("button", name="Отправить на утверждение").click()
    expect(page.get_by_test_id("state")).to_contain_text("На утверждении")
    axe(page)
    page.get_by_role("button", name="Выйти").click()

    sign_in("director")
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Дорожные карты")
    ).click()
    axe(page)
    page.get_by_test_id("waiting").get_by_role("link", name=TITLE).click()
    axe(page)
    page.get_by_label("Что исправить").fill("Укажите сроки и ответственных в разделе 1")
    page.get_by_role("button", name="Вернуть на доработку").click()
    expect(page.get_by_test_id("state")).to_contain_text("Возвращена на доработку")
    axe(page)
    page.get_by_role("button", name="Выйти").click()

    sign_in("curator")
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Дорожные карты")
    ).click()
    page.get_by_test_id("returned").get_by_role("link").click()
    expect(page.get_by_test_id("return-comment")).to_contain_text("Укажите сроки и ответственных")
    axe(page)
    page.get_by_role("link", name="Редактировать").click()
    axe(page)
    first_item = page.get_by_test_id("item-row").first
    first_item.get_by_label("Срок").fill("до 20 сентября 2026 г.")
    first_item.get_by_label("Ответственный").fill("Куратор наставничества")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Изменения сохранены.")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Отправить на утверждение").click()
    page.get_by_role("button", name="Выйти").click()

    sign_in("director")
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Дорожные карты")
    ).click()
    page.get_by_test_id("waiting").get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("changes")).to_be_visible()
    axe(page)
    page.get_by_label("Приказ об утверждении (номер и дата)").fill("№ 88 от 01.09.2026")
    page.get_by_role("button", name="Утвердить").click()
    expect(page.get_by_test_id("state")).to_contain_text("Утверждена")
    expect(page.get_by_test_id("state")).to_contain_text("приказ № 88 от 01.09.2026")
    axe(page)
    page.get_by_role("button", name="Выйти").click()

    sign_in("curator")
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Дорожные карты")
    ).click()
    page.get_by_role("link", name=TITLE).click()
    axe(page)
    page.get_by_role("link", name="Отметить выполнение пункта 1.1").click()
    axe(page)
    page.get_by_label("Выполнение").select_option(label="Выполнено")
    page.get_by_label("Дата выполнения").fill(timezone.localdate().isoformat())
    evidence = tmp_path / "Приказ о наставничестве.pdf"
    evidence.write_bytes(b"%PDF-1.4 order")
    page.get_by_label("Файл").set_input_files(str(evidence))
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_test_id("progress")).to_contain_text("Выполнено 6% (1 из 16)")
    axe(page)
    page.get_by_role("button", name="Выйти").click()

    sign_in("coordinator")
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Дорожные карты")
    ).click()
    page.get_by_role("link", name="Сводка по организациям").click()
    axe(page)
    row = page.get_by_test_id("overview-row").filter(has_text=school)
    expect(row).to_contain_text("утверждена")
    expect(row).to_contain_text("6%")
