"""Journey 1 and the first half of journey 2, in the browser."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from registry.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_filters_the_registry_opens_a_person_and_downloads_the_export(demo, page, sign_in, axe, tmp_path):
    sign_in("coordinator")
    axe(page)
    page.get_by_role("navigation", name="Основная навигация").get_by_role("link", name=re.compile("^Реестр")).click()
    axe(page)
    page.get_by_label("Организация", exact=True).select_option(label=demo["school1"].short_name)
    page.get_by_label("Роль").select_option(label="Наставляемый")
    page.get_by_role("button", name="Найти").click()

    expected = Person.objects.filter(organisation=demo["school1"], mentee_profile__isnull=False).count()
    expect(page.get_by_test_id("total")).to_contain_text(f"Найдено: {expected} ")
    axe(page)
    first_row_link = page.locator("table tbody tr").first.get_by_role("link")
    name = first_row_link.inner_text()
    first_row_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name="Банк наставляемых")).to_be_visible()
    axe(page)
    page.go_back()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Выгрузить в Excel").click()
    download = download_info.value
    assert download.suggested_filename.startswith("Реестр педагогов")
    path = tmp_path / "export.xlsx"
    download.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "ФИО"
    assert len(rows) - 1 == expected
    assert {row[1] for row in rows[1:]} == {demo["school1"].short_name}


def test_curator_fills_the_template_imports_it_and_confirms(demo, page, sign_in, axe, tmp_path):
    sign_in("curator")
    page.get_by_role("navigation", name="Основная навигация").get_by_role("link", name=re.compile("^Реестр")).click()
    axe(page)
    page.get_by_role("link", name="Загрузить из таблицы").click()
    axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="шаблон таблицы").click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)

    workbook = load_workbook(template)
    sheet = workbook["Педагоги"]
    sheet.append(
        ["Новикова Дарья Олеговна", "", "Учитель", "Биология", 1, "без категории", "наставляемый", "Молодой педагог"]
    )
    sheet.append(["Лаптев Олег Игоревич", "", "Учитель", "Физика", 20, "высшая", "наставник"])
    filled = tmp_path / "Наши педагоги.xlsx"
    workbook.save(filled)

    page.get_by_label("Файл с таблицей").set_input_files(str(filled))
    page.get_by_role("button", name="Проверить файл").click()
    expect(page.get_by_test_id("counts")).to_contain_text("Будет добавлено: 2")
    axe(page)
    assert not Person.objects.filter(last_name="Лаптев").exists()
    page.get_by_role("button", name="Подтвердить загрузку").click()
    expect(page.get_by_role("status").first).to_contain_text("Загрузка завершена: добавлено 2")
    axe(page)

    novikova = Person.objects.get(organisation=demo["school1"], last_name="Новикова")
    assert novikova.is_young_teacher
    assert novikova.mentee_profile.category == "young"
    assert Person.objects.get(organisation=demo["school1"], last_name="Лаптев").mentor_profile is not None


def test_a_broken_file_shows_its_message_in_the_browser(demo, page, sign_in, axe, tmp_path):
    sign_in("curator")
    page.goto("/import/")
    broken = tmp_path / "сломанный.xlsx"
    buffer = io.BytesIO()
    Workbook().save(buffer)
    broken.write_bytes(buffer.getvalue()[:300])
    page.get_by_label("Файл с таблицей").set_input_files(str(broken))
    page.get_by_role("button", name="Проверить файл").click()
    expect(page.get_by_test_id("file-error")).to_contain_text("Файл повреждён")
    axe(page)
