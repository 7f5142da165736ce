"""The roadmap import in the browser: the coordinator uploads seed 000's Word order as it is and confirms."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.data.seed_roadmaps import SEEDS, to_docx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = SEEDS["seed000"]
MOBILE_WIDTH = 375


def upload_seed000(page, tmp_path):
    """From the roadmap list, open the import page, upload the Word order untouched and reach the preview."""
    document = tmp_path / "Приказ № 100-д дорожная карта.docx"
    document.write_bytes(to_docx(SEED))
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Дорожные карты")
    ).click()
    # The list links «Загрузить из файла (Word, Excel)»: match its start only.
    page.get_by_role("link", name=re.compile(r"^Загрузить из")).click()
    expect(page.get_by_role("heading", name="Загрузка дорожной карты из файла")).to_be_visible()
    kind = page.get_by_label("Что создаём")
    if kind.count() and kind.is_visible():
        kind.select_option("municipal")
    page.get_by_label("Файл с дорожной картой").set_input_files(str(document))
    page.get_by_role("button", name="Проверить файл").click()
    expect(page.get_by_test_id("counts")).to_be_visible()


def test_coordinator_uploads_word_order_unmapped_and_gets_26_items_in_6_sections(demo, page, sign_in, axe, tmp_path):
    sign_in("coordinator")
    upload_seed000(page, tmp_path)

    counts = page.get_by_test_id("counts")
    expect(counts).to_contain_text(f"Разделов: {SEED.expected_sections}, пунктов: {SEED.expected_items}")
    expect(counts).to_contain_text("Разделов: 6, пунктов: 26")
    expect(page.get_by_test_id("ledger").locator("tbody tr")).to_have_count(36)
    expect(page.get_by_test_id("file-error")).to_have_count(0)
    expect(page.get_by_test_id("errors")).to_have_count(0)
    expect(page.get_by_label("Название")).to_have_value(SEED.title)
    expect(page.get_by_label("Основание (приказ)")).to_have_value(re.compile(re.escape("№ 100-д")))
    axe(page)

    page.get_by_role("button", name="Создать дорожную карту").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED.title)
    expect(page.get_by_text("Дорожная карта загружена, пунктов: 26.")).to_be_visible()
    expect(page.get_by_test_id("item")).to_have_count(26)
    roadmap_table = page.locator("table").filter(has=page.get_by_test_id("item"))
    expect(roadmap_table.locator("tbody tr.table-light")).to_have_count(6)
    expect(page.get_by_test_id("progress")).to_contain_text("(0 из 26)")
    axe(page)


def test_import_preview_fits_a_375_px_phone(demo, page, sign_in, axe, tmp_path):
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 812})
    sign_in("coordinator")
    # On a phone the main menu is collapsed: open it if there is a toggler.
    toggler = page.locator(".navbar-toggler")
    if toggler.count() and toggler.first.is_visible():
        toggler.first.click()
    upload_seed000(page, tmp_path)
    expect(page.get_by_test_id("counts")).to_contain_text("Разделов: 6, пунктов: 26")
    page.screenshot(path="/tmp/preview375.png", full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= MOBILE_WIDTH + 1, f"the preview scrolls sideways: scrollWidth {scroll_width}px"
    axe(page)
