"""In the browser: the director downloads the school's order as an editable Word file from the order's page."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_director_downloads_the_order_as_word_from_its_page_and_it_opens_with_the_order_s_text(
    demo, page, sign_in, axe, tmp_path
):
    order = demo["order"]
    school = demo["school1"]
    sign_in("director")
    axe(page)
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Пары и группы")
    ).click()
    page.get_by_role("link", name="Приказы", exact=True).click()
    axe(page)
    page.get_by_role("link", name=re.compile(f"^№ {re.escape(order.number)} от ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Приказ № {order.number}")
    axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Скачать приказ (Word)").click()
    download = download_info.value
    assert download.suggested_filename == f"Приказ № {order.number} от {order.date:%d.%m.%Y}.docx"
    path = tmp_path / "order.docx"
    download.save_as(path)

    document = Document(io.BytesIO(path.read_bytes()))
    lines = [paragraph.text.replace("\u00a0", " ") for paragraph in document.paragraphs]
    cells = [cell.text.replace("\u00a0", " ") for table in document.tables for row in table.rows for cell in row.cells]
    assert lines[0] == school.full_name and "ИНН 3413000011" in lines[1]
    assert "ПРИКАЗ" in lines and f"{order.date:%d.%m.%Y}\t№ {order.number}" in lines
    assert "О закреплении наставнических пар (групп)" in lines and "ПРИКАЗЫВАЮ:" in lines
    # The demo's director (Орлова Галина Петровна) signs, its curator (Соколова Ольга Николаевна) controls.
    assert "Директор\t____________________\tГ.П. Орлова" in lines
    assert any(line.endswith("на куратора наставничества Соколову Ольгу Николаевну.") for line in lines)
    assert "С приказом ознакомлены:" in lines
    group = demo["group"]
    mentor, mentee = group.mentor, group.participations.get().mentee
    assert f"{mentor.last_name} {mentor.first_name[0]}.{mentor.middle_name[0]}." in cells
    assert f"{mentee.last_name} {mentee.first_name[0]}.{mentee.middle_name[0]}." in cells
    assert document.sections[0].page_width < document.sections[0].page_height
