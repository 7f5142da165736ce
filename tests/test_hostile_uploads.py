"""Hostile and broken files uploaded where a curator uploads tables: the registry import and the roadmap import.

Each file is refused with a Russian message on the preview page and nothing is written, even when the
confirm is posted anyway. The worst files are also read in a separate process whose peak memory is
measured: a cell at XFD1048576 or ALL200000, a 1 GB zip bomb, a docx bomb and a 100,000-row sheet.
"""

from __future__ import annotations

import datetime
import functools
import html
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mentoring_portal.spreadsheets import MAX_DATA_ROWS, read_table
from registry.models import ImportBatch, Person
from registry.personal_data import ANONYMISED_LAST_NAME, withdraw_consent
from roadmaps.models import Roadmap
from tests.data import files
from tests.data.seed_roadmaps import docx_without_table
from tests.factories import PersonFactory
from tests.utils import page_text

ROOT = Path(__file__).resolve().parent.parent
SCHOOL = "МБОУ СОШ № 2"  # the organisation named in xlsx_with_long_cell
PEAK_RSS_LIMIT_KB = 300 * 1024
ROW_LIMIT_MESSAGE = "допустимо не больше 50 000"  # thousands apart, as people write them (page text: plain spaces)


# The bombs take about two seconds each to build: each file is built once per run.
far_cell_xlsx = functools.cache(lambda: files.xlsx_declaring_far_cell("XFD1048576"))
all200000_xlsx = functools.cache(lambda: files.xlsx_declaring_far_cell("ALL200000"))
bomb_xlsx = functools.cache(lambda: files.zip_bomb_xlsx(1024))
bomb_docx = functools.cache(lambda: files.docx_zip_bomb(1024))
rows_100k_xlsx = functools.cache(lambda: files.xlsx_rows(100_000))

# (file name as uploaded, builder, a key phrase of the message in mentoring_portal/spreadsheets.py)
BAD_FILES = {
    "docx-without-table": ("план.docx", docx_without_table, "В документе Word нет ни одной таблицы."),
    "old-doc": ("план.doc", files.old_doc, "Формат .doc (Word 97–2003) не поддерживается."),
    "old-xls": ("список.xls", files.old_xls, "Формат .xls (Excel 97–2003) не поддерживается."),
    "password": ("список.xlsx", files.encrypted_workbook, "Файл защищён паролем."),
    "pdf-as-xlsx": ("список.xlsx", files.pdf_bytes, "Это PDF-файл, из него таблицу не прочитать."),
    "png-as-docx": ("план.docx", files.png_bytes, "Это изображение (скан или фотография)"),
    "cell-at-XFD1048576": ("список.xlsx", far_cell_xlsx, f"Лист занимает 1 048 576 строк, {ROW_LIMIT_MESSAGE}."),
    "cell-at-XFD1": (
        "список.xlsx",
        lambda: files.xlsx_declaring_far_cell("XFD1"),
        "Лист занимает столбцы до XFD (16 384 столбца), допустимо не больше 64.",
    ),
    "cell-at-ALL200000": ("список.xlsx", all200000_xlsx, f"Лист занимает 200 000 строк, {ROW_LIMIT_MESSAGE}."),
    "zip-bomb-xlsx-1GB": ("список.xlsx", bomb_xlsx, "Файл в распакованном виде занимает 1024 МБ"),
    "zip-bomb-docx-1GB": ("план.docx", bomb_docx, "Файл в распакованном виде занимает 1024 МБ"),
}


@pytest.fixture
def town(town):
    """The shared town, its school named as the hostile files name it."""
    town["school"].short_name = SCHOOL
    town["school"].save()
    return town


def file_error(response) -> str:
    """The text of the page's file error (``data-testid="file-error"``), as the user reads it."""
    match = re.search(r'data-testid="file-error"[^>]*>(.*?)</div>', response.content.decode(), re.DOTALL)
    assert match, f"no file error on the page: {page_text(response)[:500]}"
    return " ".join(html.unescape(match.group(1)).split())


def upload_registry(client, user, name: str, content: bytes):
    """Post the file to the registry import; return the batch and the preview page it redirects to."""
    client.force_login(user)
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, page_text(response)[:500]
    batch = ImportBatch.objects.latest("pk")
    preview = client.get(response.url)
    assert preview.status_code == 200
    return batch, preview


def upload_roadmap(client, user, name: str, content: bytes):
    client.force_login(user)
    response = client.post(
        reverse("roadmaps:roadmap_import"),
        {"file": SimpleUploadedFile(name, content), "title": "", "period": "", "basis": "", "kind": "school"},
    )
    assert response.status_code == 302, page_text(response)[:500]
    batch = ImportBatch.objects.latest("pk")
    preview = client.get(response.url)
    assert preview.status_code == 200
    return batch, preview


def confirm_registry(client, batch) -> None:
    for data in ({}, {"valid_only": "1"}):
        response = client.post(reverse("registry:import_confirm", args=[batch.pk]), data)
        assert response.status_code == 302
        assert "Файл не загружен" in page_text(client.get(response.url))


def confirm_roadmap(client, batch) -> None:
    response = client.post(
        reverse("roadmaps:roadmap_import_confirm", args=[batch.pk]), {"title": "Карта", "period": "2026"}
    )
    assert response.status_code == 400
    assert "Дорожная карта не создана" in page_text(response)


def written() -> tuple[int, int]:
    return Person.objects.count(), Roadmap.objects.count()


# --- 1. every bad file, through both upload pages --------------------------------------------------
@pytest.mark.parametrize("page", ["registry", "roadmap"])
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_written(client, town, page, case):
    name, build, message = BAD_FILES[case]
    before = written()
    upload, confirm = (upload_registry, confirm_registry) if page == "registry" else (upload_roadmap, confirm_roadmap)

    batch, preview = upload(client, town["curator"], name, build())

    assert message in file_error(preview)
    assert "Ничего не записано" in page_text(preview)
    confirm(client, batch)
    assert written() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


# --- 2. bounded memory and time for the worst files ------------------------------------------------
READ_IN_A_PROCESS = """
import json, resource, sys, time
import django
django.setup()
from mentoring_portal.spreadsheets import SpreadsheetError, read_table
path, name = sys.argv[1], sys.argv[2]
with open(path, "rb") as stream:
    content = stream.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    read_table(name, content, is_header=lambda cells: True)
    message = None
except SpreadsheetError as error:
    message = str(error)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open("/proc/self/status") as status:
    high_water = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
result = {"message": message, "seconds": seconds, "before_kb": before, "peak_kb": peak, "high_water_kb": high_water}
print(json.dumps(result, ensure_ascii=False))
"""
# Linux keeps the high-water mark of the memory a process had before exec in its ru_maxrss: a child forked
# straight from pytest (hundreds of MB) would report pytest's size. Started by a small shell that forks it
# (the «; exit» keeps the shell from exec-ing it in its own place), the child's ru_maxrss is its own.
THROUGH_A_SHELL = ["/bin/sh", "-c", '"$0" -c "$1" "$2" "$3"; exit $?']

WORST_FILES = {
    "cell-at-XFD1048576": ("список.xlsx", far_cell_xlsx, "Лист занимает 1\u00a0048\u00a0576 строк"),
    "cell-at-ALL200000": ("список.xlsx", all200000_xlsx, "Лист занимает 200\u00a0000 строк"),
    "zip-bomb-xlsx-1GB": ("список.xlsx", bomb_xlsx, "Файл в распакованном виде занимает 1024 МБ"),
    "zip-bomb-docx-1GB": ("план.docx", bomb_docx, "Файл в распакованном виде занимает 1024 МБ"),
    "rows-100000": ("список.xlsx", rows_100k_xlsx, "Лист занимает 100\u00a0001 строку"),
}


def read_in_a_process(tmp_path, name: str, content: bytes) -> dict:
    """``read_table`` of the file in a fresh Django process: its message (None if read) and its peak memory."""
    path = tmp_path / name
    path.write_bytes(content)
    # The settings fixture (autouse in tests/conftest.py) hides settings.SETTINGS_MODULE; pytest-django set this.
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"], "DJANGO_DEBUG": "1"}
    finished = subprocess.run(
        [*THROUGH_A_SHELL, sys.executable, READ_IN_A_PROCESS, str(path), name],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,  # a guard against a hang, not a speed assertion
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    print(
        f"{name}: {len(content)} bytes, read in {result['seconds']:.3f} s, "
        f"peak RSS {result['peak_kb'] / 1024:.0f} MB (after django.setup: {result['before_kb'] / 1024:.0f} MB, "
        f"VmHWM {result['high_water_kb'] / 1024:.0f} MB); {result['message']}"
    )
    return result


@pytest.mark.parametrize("case", list(WORST_FILES))
def test_the_worst_files_are_refused_in_bounded_memory_and_time(tmp_path, case):
    name, build, message = WORST_FILES[case]

    result = read_in_a_process(tmp_path, name, build())

    assert result["message"] is not None, "read_table accepted the file"
    assert message in result["message"]
    assert result["peak_kb"] <= PEAK_RSS_LIMIT_KB
    assert result["high_water_kb"] <= PEAK_RSS_LIMIT_KB


def dense_xlsx(n_rows: int, n_cols: int) -> bytes:
    """A sheet within every limit (rows, columns, cells, sheet XML, file size) whose cells are all filled: «1»."""
    letters = [files._column_letters(col) for col in range(n_cols)]

    def chunks():
        yield files._sheet_start() + '<row r="1">'
        yield "".join(files._inline(f"{letter}1", f"Столбец {col}") for col, letter in enumerate(letters, 1))
        yield "</row>"
        for first in range(2, n_rows + 2, 1000):
            numbers = range(first, min(first + 1000, n_rows + 2))
            yield "".join(
                f'<row r="{n}">' + "".join(f'<c r="{letter}{n}"><v>1</v></c>' for letter in letters) + "</row>"
                for n in numbers
            )
        yield files._SHEET_END

    return files._package(files._XLSX_PARTS, "xl/worksheets/sheet1.xml", chunks(), compresslevel=9)


def paragraph_flood_docx(unpacked_mb: int) -> bytes:
    """A docx of a few KB whose word/document.xml is ``unpacked_mb`` MB of empty paragraphs ``<w:p/>``."""
    block = b"<w:p/>" * (2**20 // 6)
    chunks = [
        files._XML_DECLARATION + f'<w:document xmlns:w="{files._WORD_NS}"><w:body>',
        *[block] * unpacked_mb,
        "</w:body></w:document>",
    ]
    return files._package(files._DOCX_PARTS, "word/document.xml", chunks, compresslevel=9)


def test_a_dense_sheet_within_every_limit_is_read_in_bounded_memory(tmp_path):
    content = dense_xlsx(45_000, 40)  # 1.8M cells (limit 2M), 46 MB of sheet XML (limit 64 MB)
    assert len(content) < 5 * 2**20

    result = read_in_a_process(tmp_path, "плотный.xlsx", content)

    assert result["message"] is None
    assert result["peak_kb"] <= PEAK_RSS_LIMIT_KB


def test_a_docx_flooded_with_empty_paragraphs_is_refused_in_bounded_memory(tmp_path):
    result = read_in_a_process(tmp_path, "план.docx", paragraph_flood_docx(16))

    assert result["message"] is not None
    assert result["peak_kb"] <= PEAK_RSS_LIMIT_KB


def test_a_100000_row_sheet_is_refused_on_the_registry_page_naming_the_limit(client, town):
    content = rows_100k_xlsx()
    assert len(content) < 5 * 2**20  # under the upload limit: it is the row count that refuses it
    before = written()

    batch, preview = upload_registry(client, town["curator"], "список.xlsx", content)

    error = file_error(preview)
    assert "Лист занимает 100 001 строку" in error
    assert ROW_LIMIT_MESSAGE in error
    confirm_registry(client, batch)
    assert written() == before


# --- 3. a sheet within the limits still loads -------------------------------------------------------
@pytest.mark.parametrize("rows", [2_000, MAX_DATA_ROWS])
def test_a_sheet_within_the_row_limit_is_read_whole(rows):
    table = read_table("список.xlsx", files.xlsx_rows(rows), is_header=lambda cells: "ФИО" in cells)

    assert table.headers[:3] == ["ФИО", "ОО", "Должность"]
    assert len(table.rows) == rows
    assert [number for number, _cells in table.rows[:2]] == [2, 3]
    assert table.rows[-1][0] == rows + 1


# --- 4. a cell longer than its field ----------------------------------------------------------------
def long_full_name_xlsx(length: int) -> bytes:
    """A registry sheet whose one row has a full name with a surname of ``length`` letters, then a first name."""
    from openpyxl import Workbook

    surname = ("Константинопольский" * (length // 19 + 1))[:length].capitalize()
    workbook = Workbook()
    workbook.active.append(["ФИО", "ОО", "Должность"])
    workbook.active.append([f"{surname} Анна Сергеевна", SCHOOL, "учитель математики"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        # The shared builder's cell is one 600-letter word: it is refused for the missing first name first.
        (lambda: files.xlsx_with_long_cell(600), "«ФИО»: укажите фамилию и имя (и отчество, если есть)."),
        (lambda: long_full_name_xlsx(600), "«ФИО»: длиннее 100 символов."),
    ],
    ids=["one-long-word", "long-surname-with-first-name"],
)
def test_a_name_longer_than_its_field_refuses_the_row_and_writes_nothing(client, town, build, message):
    before = written()

    batch, preview = upload_registry(client, town["curator"], "список.xlsx", build())

    assert preview.context["plan"].counts == {"create": 0, "update": 0, "unchanged": 0, "refused": 1}
    refused_table = page_text(preview).split("Отклонённые строки")[-1].split("Строки файла")[0]
    assert message in refused_table
    confirm_registry(client, batch)
    assert written() == before
    assert client.get(reverse("registry:import_refused", args=[batch.pk])).status_code == 200


# --- 5. an anonymised card is never filled again --------------------------------------------------
def test_a_row_naming_an_anonymised_card_is_refused_and_the_card_stays_empty(client, town):
    person = PersonFactory(organisation=town["school"], email="old@school.ru", phone="8-900-000-00-00")
    withdraw_consent(user=town["curator"], person=person, withdrawn_on=datetime.date.today())
    person.refresh_from_db()
    placeholder = f"{person.last_name} {person.first_name}"
    assert person.last_name == ANONYMISED_LAST_NAME and (person.email, person.phone) == ("", "")
    content = (
        "ФИО;ОО;Должность;Электронная почта;Телефон\r\n"
        f"{placeholder};{SCHOOL};учитель математики;new@school.ru;8-900-111-22-33\r\n"
    ).encode()
    before = written()

    batch, preview = upload_registry(client, town["curator"], "список.csv", content)

    text = page_text(preview)
    assert "это обезличенная карточка (согласие на обработку данных отозвано)" in text
    assert preview.context["plan"].counts == {"create": 0, "update": 0, "unchanged": 0, "refused": 1}
    confirm_registry(client, batch)
    person.refresh_from_db()
    assert (person.email, person.phone, person.last_name) == ("", "", ANONYMISED_LAST_NAME)
    assert written() == before
