"""Journey 4 in the browser: a monitoring period from opening to the analytical report PDF."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_opens_a_period_curator_submits_coordinator_concludes_and_downloads(
    demo, page, sign_in, axe, tmp_path
):
    today = timezone.localdate()
    sign_in("coordinator")
    axe(page)
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Мониторинг")
    ).click()
    expect(page.get_by_test_id("summary")).to_contain_text("Доля организаций, реализующих наставничество")
    axe(page)
    page.get_by_role("link", name="Периоды мониторинга").click()
    axe(page)
    page.get_by_role("link", name="Открыть период").click()
    axe(page)
    # The empty form comes back with its errors: that state has to be accessible too.
    page.get_by_role("button", name="Открыть период").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    axe(page)
    page.get_by_label("Название").fill("Муниципальный мониторинг, декабрь 2026")
    page.get_by_label("Начало отчётного периода").fill((today - datetime.timedelta(days=200)).isoformat())
    page.get_by_label("Конец отчётного периода").fill(today.isoformat())
    page.get_by_label("Срок сдачи отчётов").fill((today + datetime.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Открыть период").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Муниципальный мониторинг, декабрь 2026")
    axe(page)
    period_url = page.url
    page.get_by_role("button", name="Выйти").click()

    sign_in("curator")
    page.goto(period_url)
    axe(page)
    page.get_by_label("Как идёт наставничество").fill("Все молодые педагоги закреплены за наставниками.")
    page.get_by_label("Лучшая практика, которой готовы поделиться").fill("Школа молодого педагога")
    page.get_by_role("button", name="Сдать отчёт").click()
    expect(page.get_by_test_id("submitted")).to_contain_text("Отчёт сдан")
    axe(page)
    page.get_by_role("button", name="Выйти").click()

    sign_in("coordinator")
    page.goto(period_url)
    expect(page.get_by_test_id("statuses")).to_contain_text(demo["school1"].short_name)
    axe(page)
    page.get_by_role("textbox", name="Выводы").fill("Наставничество развёрнуто в школе № 1; остальным нужна помощь.")
    page.get_by_role("textbox", name="Предложения").fill("Провести семинар для кураторов.")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Выводы и предложения сохранены.")).to_be_visible()
    axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Аналитическая справка (PDF)").click()
    path = tmp_path / "report.pdf"
    download_info.value.save_as(path)
    assert download_info.value.suggested_filename.startswith("Аналитическая справка")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Муниципальный мониторинг, декабрь 2026" in text
    assert demo["school1"].short_name in text
    assert "Провести семинар для кураторов." in text
