"""Reading the schools' spreadsheets (xlsx and csv) into plain rows, and parsing their cells.

Nothing here touches the database. Every problem with the file itself raises
``SpreadsheetError`` with a Russian message a curator can act on.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DATA_ROWS = 50_000
HEADER_SEARCH_ROWS = 10


class SpreadsheetError(Exception):
    """The file cannot be read as a table; the message says why, in Russian."""


@dataclass
class Table:
    header_row: int  # 1-based row number of the header, as Excel shows it
    headers: list[str]
    rows: list[tuple[int, list]]  # (1-based row number, cells)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how Excel names a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def read_table(file_name: str, content: bytes, *, is_header) -> Table:
    """Read the first sheet of an xlsx or a csv file into a ``Table``.

    ``is_header(cells)`` tells whether a row is the header row; the first such row
    among the first ten is taken, so a title row above the table is tolerated.
    """
    if not content:
        raise SpreadsheetError(_("Файл пустой."))
    if len(content) > MAX_FILE_BYTES:
        raise SpreadsheetError(
            _("Файл больше %(limit)s МБ. Разделите таблицу на несколько файлов.") % {"limit": MAX_FILE_BYTES // 2**20}
        )
    name = file_name.lower()
    if name.endswith(".xls") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetError(
            _("Формат .xls (Excel 97–2003) не поддерживается. Сохраните файл как «Книга Excel (.xlsx)» или CSV.")
        )
    if name.endswith((".xlsx", ".xlsm")) or content.startswith(b"PK\x03\x04"):
        raw_rows, merged = _read_xlsx(content)
    elif name.endswith((".csv", ".txt")):
        raw_rows, merged = _read_csv(content), []
    else:
        raise SpreadsheetError(_("Это не таблица. Загрузите файл .xlsx или .csv."))
    return _locate_table(raw_rows, merged, is_header)


def _numbered_rows(rows) -> list[tuple[int, list]]:
    """Only the rows that hold something, each with its 1-based number as Excel shows it."""
    numbered = []
    for number, row in enumerate(rows, start=1):
        cells = list(row)
        if any(cell not in ("", None) for cell in cells):
            numbered.append((number, cells))
            if len(numbered) > MAX_DATA_ROWS + HEADER_SEARCH_ROWS:
                raise SpreadsheetError(
                    _("В таблице больше %(limit)s строк. Разделите её на несколько файлов.") % {"limit": MAX_DATA_ROWS}
                )
    return numbered


def _read_xlsx(content: bytes) -> tuple[list[tuple[int, list]], list]:
    from python_calamine import CalamineError, CalamineWorkbook

    # No ``testzip()``: it decompresses every member only to check CRCs; reading the sheet below
    # (here and in calamine) checks the parts that matter and fails on damage just the same.
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        formula_cells = _formula_cells(archive)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, zlib.error):
        raise SpreadsheetError(_("Файл повреждён: его не удаётся открыть как книгу Excel.")) from None
    if formula_cells:
        raise SpreadsheetError(
            _(
                "В таблице есть формулы (ячейки %(cells)s). Портал принимает только значения: выделите таблицу, "
                "скопируйте её и вставьте как значения, затем загрузите файл снова."
            )
            % {"cells": ", ".join(formula_cells)}
        )
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        merged = list(sheet.merged_cell_ranges or [])
        rows = _numbered_rows(sheet.iter_rows())
    except (CalamineError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise SpreadsheetError(_("Файл повреждён: его не удаётся прочитать (%(error)s).") % {"error": error}) from None
    return rows, merged


_FORMULA = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(?:(?!</c>).){0,200}?<f[ >/]', re.DOTALL)


def _formula_cells(archive: zipfile.ZipFile) -> list[str]:
    """Cell references of the first sheet that hold formulas (at most five)."""
    sheets = sorted(
        name for name in archive.namelist() if name.startswith("xl/worksheets/sheet") and name.endswith(".xml")
    )
    if not sheets:
        raise SpreadsheetError(_("В книге нет листов с данными."))
    first = "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in sheets else sheets[0]
    data = archive.read(first)
    if b"<f" not in data:
        return []
    return [match.decode() for match in _FORMULA.findall(data)[:5]] or ["?"]


def _read_csv(content: bytes) -> list[tuple[int, list]]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes any byte string except five bytes
        raise SpreadsheetError(_("Не удалось определить кодировку файла. Сохраните его как CSV (UTF-8)."))
    if "\x00" in text:
        raise SpreadsheetError(_("Это не таблица. Загрузите файл .xlsx или .csv."))
    sample = text[:4096]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=";,\t")
        delimiter, skip_spaces = sniffed.delimiter, sniffed.skipinitialspace
    except csv.Error:
        delimiter, skip_spaces = (";" if sample.count(";") >= sample.count(",") else ","), False
    # Only the delimiter is guessed. The quote is always «"», doubled inside a cell, as Excel and
    # LibreOffice write it: the sniffer takes an apostrophe in a cell (О'Нил) for the quote character
    # and then reads every «"» of the file as data.
    return _numbered_rows(csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=skip_spaces))


def _locate_table(numbered_rows: list[tuple[int, list]], merged: list, is_header) -> Table:
    if not numbered_rows:
        raise SpreadsheetError(_("Файл пустой: в первом листе нет данных."))
    for position, (number, row) in enumerate(numbered_rows[:HEADER_SEARCH_ROWS]):
        cells = [clean_text(cell) for cell in row]
        if not is_header(cells):
            continue
        index = number - 1
        header_merges = [area for area in merged if area[0][0] <= index <= area[1][0] and area[0][1] != area[1][1]]
        if header_merges:
            (row_from, col_from), (row_to, col_to) = header_merges[0]
            raise SpreadsheetError(
                _(
                    "В заголовке таблицы есть объединённые ячейки (%(area)s). Разъедините их, чтобы у каждого "
                    "столбца было своё название в одной строке."
                )
                % {"area": f"{column_letter(col_from)}{row_from + 1}:{column_letter(col_to)}{row_to + 1}"}
            )
        data = numbered_rows[position + 1 :]
        if not data:
            raise SpreadsheetError(_("В таблице нет ни одной строки с данными под заголовком."))
        return Table(header_row=number, headers=cells, rows=data)
    raise SpreadsheetError(
        _(
            "Не найдена строка заголовка. Первая строка таблицы должна содержать названия столбцов, "
            "например «ФИО», «ОО», «Должность». Скачайте шаблон на этой странице."
        )
    )


def clean_text(value) -> str:
    """A cell as text: whole numbers without «.0», spaces collapsed, NUL characters dropped.

    An xlsx cell can carry NUL as the escape ``_x0000_``; PostgreSQL cannot store it in text.
    """
    if value.__class__ is str:  # the common case first: an import calls this for every cell
        if "\x00" in value:
            value = value.replace("\x00", "")
        return " ".join((value.replace("\xa0", " ") if "\xa0" in value else value).split())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return " ".join(str(value).replace("\xa0", " ").split())


_QUOTES = re.compile(r"[«»\"'„“”`]")
_NUMERO = re.compile(r"№\s*")


def normalise(text) -> str:
    """For matching by meaning: lower case, ё→е, quotes and punctuation dropped, spaces collapsed."""
    return _normalise_text(clean_text(text))


@functools.lru_cache(maxsize=65536)
def _normalise_text(text: str) -> str:
    # Cached: an import normalises the same organisation, subject and category names on every row.
    text = _NUMERO.sub("№ ", _QUOTES.sub("", text.lower().replace("ё", "е")))
    return " ".join(text.replace("\u2013", "-").replace("\u2014", "-").split())


MONTHS = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
_NUMERIC_DATE = re.compile(
    r"^(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{2}|\d{4})(?:\s*г\.?)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_WORD_DATE = re.compile(r"^[«\"]?(\d{1,2})[»\"]?\s+([а-яё]+)\s+(\d{4})(?:\s*(?:г\.?|года))?$")


def parse_date(value) -> datetime.date | None:
    """A date in any common Russian form; ``None`` for an empty cell; ``ValueError`` if unreadable.

    Accepts real date cells, 29.03.2022, 29.03.22, 29/03/2022, 2022-03-29, «29 марта 2022 г.»,
    and Excel serial numbers (44649) that a csv export sometimes carries.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # 1954..2119 as an Excel serial day
            return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))
        raise ValueError(value)
    text = clean_text(value).lower().replace("ё", "е")
    if not text:
        return None
    if match := _NUMERIC_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
        if year < 100:
            year += 2000 if year < 70 else 1900
        return datetime.date(year, month, day)
    if match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    if match := _WORD_DATE.match(text):
        day, word, year = match.groups()
        for stem, month in MONTHS.items():
            if word.startswith(stem) and (stem != "ма" or word in {"мая", "май"}):
                return datetime.date(int(year), month, int(day))
    if re.fullmatch(r"\d{5}(?:\.0)?", text):
        return parse_date(float(text))
    raise ValueError(value)
