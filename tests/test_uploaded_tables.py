"""What is read from an upload is what was checked: the first sheet as Excel lists it, all of a Word table."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from mentoring_portal.spreadsheets import SpreadsheetError, read_table

ROOT = Path(__file__).resolve().parent.parent


def two_sheets(first_rows, second_rows, *, list_second_first: bool) -> bytes:
    """A workbook whose parts are sheet1.xml and sheet2.xml; optionally workbook.xml lists sheet2 first."""
    workbook = Workbook()
    workbook.active.title = "Первый"
    for row in first_rows:
        workbook.active.append(row)
    second = workbook.create_sheet("Второй")
    for row in second_rows:
        second.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not list_second_first:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                sheets = re.findall(rb"<sheet [^>]*/>", data)
                data = data.replace(sheets[0] + sheets[1], sheets[1] + sheets[0])
            target.writestr(item, data)
    return out.getvalue()


def header(cells):
    return "ФИО" in cells


def test_the_limits_are_checked_on_the_sheet_that_is_read_not_on_sheet1_xml():
    far = [["ФИО", "Должность"], *([[""]] * 3), [*([""] * 199), "x"]]  # a cell in column GR
    content = two_sheets([["ФИО", "Должность"], ["Орлова Анна", "учитель"]], far, list_second_first=True)
    with pytest.raises(SpreadsheetError, match="столбцы до GR"):
        read_table("книга.xlsx", content, is_header=header)


def test_the_first_sheet_excel_shows_is_read_whatever_its_part_is_called():
    content = two_sheets(
        [["ФИО", "Должность"], ["Не та Анна", "учитель"]],
        [["ФИО", "Должность"], ["Орлова Анна", "учитель"]],
        list_second_first=True,
    )
    table = read_table("книга.xlsx", content, is_header=header)
    assert [cells[0] for _number, cells in table.rows] == ["Орлова Анна"]


def test_a_csv_of_blank_lines_is_read_in_bounded_memory(tmp_path):
    path = tmp_path / "пустые.csv"
    path.write_bytes(b"\n" * (5 * 2**20 - 1))
    script = (
        "import os, resource, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mentoring_portal.settings');"
        "django.setup();"
        "from mentoring_portal.spreadsheets import read_table, SpreadsheetError\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"try:\n    read_table('пустые.csv', open({str(path)!r}, 'rb').read(), is_header=lambda c: True)\n"
        "except SpreadsheetError as error:\n    print('refused', error)\n"
        "print('grew', (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)"
    )
    result = subprocess.run(
        ["/bin/sh", "-c", f'"{sys.executable}" -c "$0"; exit $?', script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DJANGO_DEBUG": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "refused Файл пустой" in result.stdout
    grew = int(result.stdout.rsplit("grew", 1)[1])
    assert grew < 100, f"memory grew by {grew} MB"


def test_a_table_nested_in_a_word_cell_keeps_its_text_in_that_row():
    document = Document()
    table = document.add_table(rows=3, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "№", "Мероприятие"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "1.1", "Провести совещания:"
    inner = table.rows[1].cells[1].add_table(rows=2, cols=1)
    inner.rows[0].cells[0].text, inner.rows[1].cells[0].text = "с кураторами", "с наставниками"
    table.rows[2].cells[0].text, table.rows[2].cells[1].text = "1.2", "Отчёт"
    buffer = io.BytesIO()
    document.save(buffer)
    parsed = read_table("план.docx", buffer.getvalue(), is_header=lambda cells: "Мероприятие" in cells)
    assert [cells[0] for _number, cells in parsed.rows] == ["1.1", "1.2"]
    assert "с кураторами" in parsed.rows[0][1][1] and "с наставниками" in parsed.rows[0][1][1]
