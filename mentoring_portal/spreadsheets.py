"""Reading the files people upload (xlsx, csv, docx) into plain rows, and parsing their cells.

Shared by every app that imports a table: the registry of teachers, organisations,
roadmaps. Nothing here touches the database. Every problem with the file itself raises
``SpreadsheetError`` with a Russian message a curator can act on.

**Hostile files are refused before they are parsed.** A 1.6 KB xlsx with a cell at
ALL200000 made calamine allocate 6 GB; one at XFD1048576 aborted the process. So the zip's
members are checked from their declared sizes, and the sheet's XML (at most
``MAX_SHEET_XML_BYTES``) is scanned for its farthest filled row and column before calamine
sees it. The whole read of the worst accepted file stays well under 300 MB
(``tests/test_hostile_uploads.py`` measures it in a subprocess).
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import operator
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl.utils import column_index_from_string, get_column_letter

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DATA_ROWS = 50_000
MAX_COLUMNS = 64
MAX_CELLS = 2_000_000
HEADER_SEARCH_ROWS = 10
# A member of the archive may not unpack to more than this (a 50,000-row sheet is about 30 MB).
MAX_SHEET_XML_BYTES = 64 * 2**20
MAX_UNPACKED_BYTES = 128 * 2**20
MAX_MEMBERS = 2_000
MAX_DOCX_TABLE_ROWS = 5_000
MAX_DOCX_XML_BYTES = 16 * 2**20
MAX_DOCX_ELEMENTS = 600_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def number(value: int) -> str:
    """50000 as people write it in Russian: «50 000» (a no-break space between thousands)."""
    return f"{value:,}".replace(",", "\u00a0")


def counted(value: int, forms: str) -> str:
    """«100 001 строку», «72 столбца», «5 ячеек»: the number with its noun in the right form."""
    from .templatetags.portal import russian_plural

    return f"{number(value)} {russian_plural(value, forms)}"


class SpreadsheetError(Exception):
    """The file cannot be read as a table; the message says why, in Russian."""


@dataclass
class Table:
    header_row: int  # 1-based row number of the header, as Excel shows it (the row of the docx table)
    headers: list[str]
    rows: list[tuple[int, list]]  # (1-based row number, cells)
    above: list[str] = field(default_factory=list)  # text above the header: title rows, paragraphs above a Word table
    italic: set[int] = field(default_factory=set)  # numbers of the rows set in italics (Word files)
    notes: dict[int, list[str]] = field(default_factory=dict)  # per row: what could not be read, e.g. a formula
    kind: str = "xlsx"


@dataclass
class _Raw:
    """One candidate table of a file, before its header is located."""

    rows: list[tuple[int, list]]
    merged: list = field(default_factory=list)
    above: list[str] = field(default_factory=list)
    italic: set[int] = field(default_factory=set)
    notes: dict[int, list[str]] = field(default_factory=dict)
    kind: str = "xlsx"


def read_table(file_name: str, content: bytes, *, is_header, header_hint: str = "", italics: bool = False) -> Table:
    """Read the first sheet of an xlsx, a csv, or the first fitting table of a docx into a ``Table``.

    ``is_header(cells)`` tells whether a row is the header row; the first such row
    among the first ten is taken, so a title above the table is tolerated. In a Word
    file the first table that has such a header row is taken.
    """
    kind = sniff(file_name, content)
    if kind == "xlsx":
        candidates = [_read_xlsx(content, italics=italics)]
    elif kind == "docx":
        candidates = _read_docx(content)
        if not candidates:
            raise SpreadsheetError(
                _("В документе Word нет ни одной таблицы. Загрузите документ, в котором мероприятия записаны таблицей.")
            )
    else:
        candidates = [_Raw(_read_csv(content), kind="csv")]
    error = None
    for raw in candidates:
        try:
            return _locate_table(raw, is_header, header_hint)
        except SpreadsheetError as problem:
            error = error or problem
    raise error


def sniff(file_name: str, content: bytes) -> str:
    """What the file really is, by its first bytes, not its name: ``xlsx``, ``docx`` or ``csv``.

    Everything else is refused with the reason: old binary Office formats, a workbook
    protected by a password (an encrypted package inside an OLE file), a PDF or a picture
    renamed, an archive that unpacks to far more than any school's table.
    """
    if not content:
        raise SpreadsheetError(_("Файл пустой."))
    if len(content) > MAX_FILE_BYTES:
        raise SpreadsheetError(
            _("Файл больше %(limit)s МБ. Разделите таблицу на несколько файлов.") % {"limit": MAX_FILE_BYTES // 2**20}
        )
    name = file_name.lower()
    if content.startswith(OLE_MAGIC):
        raise SpreadsheetError(_ole_message(content, name))
    if content.startswith(b"%PDF"):
        raise SpreadsheetError(
            _("Это PDF-файл, из него таблицу не прочитать. Загрузите исходный файл Word (.docx) или Excel (.xlsx).")
        )
    if content.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")):
        raise SpreadsheetError(
            _(
                "Это изображение (скан или фотография), из него таблицу не прочитать. "
                "Загрузите исходный файл Word (.docx) или Excel (.xlsx)."
            )
        )
    if content.startswith(b"PK\x03\x04"):
        return _archive_kind(content)
    if content.startswith(b"{\\rtf"):
        raise SpreadsheetError(
            _("Формат RTF не поддерживается. Сохраните документ в Word как «Документ Word (.docx)».")
        )
    if name.endswith((".xlsx", ".xlsm", ".docx")):
        raise SpreadsheetError(_("Файл повреждён: его не удаётся открыть как книгу Excel или документ Word."))
    if name.endswith((".xls", ".doc", ".pdf", ".odt", ".ods")):
        raise SpreadsheetError(_unsupported_extension(name))
    return "csv"


def _unsupported_extension(name: str) -> str:
    if name.endswith(".xls"):
        return _("Формат .xls (Excel 97–2003) не поддерживается. Сохраните файл как «Книга Excel (.xlsx)» или CSV.")
    if name.endswith(".doc"):
        return _("Формат .doc (Word 97–2003) не поддерживается. Сохраните документ как «Документ Word (.docx)».")
    if name.endswith((".odt", ".ods")):
        return _("Формат OpenDocument не поддерживается. Сохраните файл как .xlsx или .docx.")
    return _("Это не таблица. Загрузите файл .xlsx, .docx или .csv.")


def _ole_message(content: bytes, name: str) -> str:
    """An OLE compound file: an old .doc/.xls, or a new workbook or document encrypted with a password."""
    head = content[: 2**20]
    if "EncryptionInfo".encode("utf-16-le") in head or "EncryptedPackage".encode("utf-16-le") in head:
        return _(
            "Файл защищён паролем. Откройте его, снимите пароль (Файл → Сведения → Защита → Зашифровать паролем, "
            "оставьте поле пустым), сохраните и загрузите снова."
        )
    if "WordDocument".encode("utf-16-le") in head or name.endswith(".doc"):
        return _("Формат .doc (Word 97–2003) не поддерживается. Сохраните документ как «Документ Word (.docx)».")
    return _("Формат .xls (Excel 97–2003) не поддерживается. Сохраните файл как «Книга Excel (.xlsx)» или CSV.")


def _open_archive(content: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise SpreadsheetError(_("Файл повреждён: его не удаётся открыть как книгу Excel или документ Word.")) from None
    total = sum(member.file_size for member in members)
    if len(members) > MAX_MEMBERS or total > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(
            _(
                "Файл в распакованном виде занимает %(size)s МБ — больше, чем бывает у таблицы (до %(limit)s МБ). "
                "Загрузка отклонена."
            )
            % {"size": total // 2**20, "limit": MAX_UNPACKED_BYTES // 2**20}
        )
    return archive


def _archive_kind(content: bytes) -> str:
    archive = _open_archive(content)
    names = set(archive.namelist())
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names or any(name.startswith("xl/worksheets/") for name in names):
        return "xlsx"
    if "content.xml" in names:
        raise SpreadsheetError(_("Формат OpenDocument не поддерживается. Сохраните файл как .xlsx или .docx."))
    raise SpreadsheetError(_("Файл повреждён: его не удаётся открыть как книгу Excel или документ Word."))


def _read_member(archive: zipfile.ZipFile, name: str, limit: int = MAX_SHEET_XML_BYTES) -> bytes:
    """A member's bytes, never more than ``limit``: the declared size was checked, and the read is bounded too."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise SpreadsheetError(
            _("Лист слишком большой: %(size)s МБ в распакованном виде, допустимо до %(limit)s МБ.")
            % {"size": info.file_size // 2**20, "limit": limit // 2**20}
        )
    try:
        with archive.open(info) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError):
        raise SpreadsheetError(_("Файл повреждён: его не удаётся открыть как книгу Excel или документ Word.")) from None
    if len(data) > limit:
        raise SpreadsheetError(_("Лист слишком большой. Разделите таблицу на несколько файлов."))
    return data


# --- xlsx ---------------------------------------------------------------------------------------
# A cell that is not self-closing: it holds a value (or a formula); styled empty cells are ``<c …/>``.
# Its column letters and its row number, found in one pass.
_FILLED_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>')
_LETTERS, _ROW_NUMBER = operator.itemgetter(0), operator.itemgetter(1)
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*>((?:(?!</c>).){0,4000}?)</c>', re.DOTALL)


_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str]:
    """The first sheet as Excel shows it (the first in workbook.xml), and its part: the one calamine reads.

    Not the part named sheet1.xml: a workbook may list sheet2.xml first, and the limits must be
    checked on exactly the sheet that is parsed.
    """
    try:
        workbook = _read_member(archive, "xl/workbook.xml", 8 * 2**20)
        relations = _read_member(archive, "xl/_rels/workbook.xml.rels", 8 * 2**20)
    except KeyError:
        raise SpreadsheetError(_("В книге нет листов с данными.")) from None
    first = _SHEET.search(workbook)
    if first is None:
        raise SpreadsheetError(_("В книге нет листов с данными."))
    attributes = dict(_ATTRIBUTE.findall(first.group(1)))
    name = attributes.get(b"name", b"").decode("utf-8", "replace")
    wanted = next((value for key, value in attributes.items() if key.endswith(b":id")), b"")
    for relation in _RELATIONSHIP.finditer(relations):
        relation = dict(_ATTRIBUTE.findall(relation.group(1)))
        if relation.get(b"Id") == wanted:
            target = relation.get(b"Target", b"").decode("utf-8", "replace")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if not part.startswith("xl/worksheets/") or part not in archive.namelist():
                raise SpreadsheetError(
                    _("Первый лист книги — не таблица (диаграмма или макрос). Поставьте лист с таблицей первым.")
                )
            return name, part
    raise SpreadsheetError(_("Файл повреждён: его не удаётся открыть как книгу Excel или документ Word."))


def check_sheet_size(data: bytes) -> None:
    """Refuse a sheet whose filled cells reach past the limits, from its XML alone, before calamine allocates for it.

    calamine allocates the rectangle from A1 to the farthest cell with a value. The declared
    ``<dimension>`` is not trusted either way: it is optional and may lie, and LibreOffice
    declares A1:AMJ1048576 for an ordinary sheet padded with styled empty rows, which hold no
    value and cost nothing.
    """
    cells = data.count(b"</c>")  # every filled cell closes; counted without building anything
    if cells > MAX_CELLS:
        raise SpreadsheetError(
            _("В листе %(cells)s, допустимо не больше %(limit)s. Разделите таблицу на несколько файлов.")
            % {"cells": counted(cells, "ячейка,ячейки,ячеек"), "limit": number(MAX_CELLS)}
        )
    rows = columns = 0
    # In slices of about a megabyte, cut at row ends: the lists findall builds stay small.
    start = 0
    while start < len(data):
        end = data.find(b"</row>", start + 2**20)
        end = len(data) if end == -1 else end + len(b"</row>")
        cells = _FILLED_CELL.findall(data[start:end])
        if cells:
            letters = set(map(_LETTERS, cells))
            columns = max(columns, *(column_index_from_string(letter.decode()) for letter in letters))
            rows = max(rows, *map(int, set(map(_ROW_NUMBER, cells))))  # a row's number once, not once per cell
        start = end
    _refuse_size(rows, columns)


def _refuse_size(rows: int, columns: int) -> None:
    if rows > MAX_DATA_ROWS + HEADER_SEARCH_ROWS:
        raise SpreadsheetError(
            _(
                "Лист занимает %(rows)s, допустимо не больше %(limit)s. Разделите таблицу на несколько файлов "
                "или удалите пустые строки внизу листа (в том числе с оформлением)."
            )
            % {"rows": counted(rows, "строку,строки,строк"), "limit": number(MAX_DATA_ROWS)}
        )
    if columns > MAX_COLUMNS:
        raise SpreadsheetError(
            _(
                "Лист занимает столбцы до %(column)s (%(columns)s), допустимо не больше %(limit)s. "
                "Удалите лишние столбцы справа (в том числе пустые с оформлением)."
            )
            % {
                "column": get_column_letter(min(columns, 16384)),
                "columns": counted(columns, "столбец,столбца,столбцов"),
                "limit": MAX_COLUMNS,
            }
        )


_SAVED_VALUE = re.compile(rb"<v>[^<]")
_FORMULA = re.compile(rb"<f[\s>/]")  # the element ``f``: a formula


def formulas_without_values(data: bytes) -> dict[int, list[str]]:
    """Cells whose formula has no value saved with it, by row: their value cannot be known without Excel."""
    if not _FORMULA.search(data):  # twice as fast as ``b"<f" in data`` on a sheet of thousands of tags
        return {}
    gaps: dict[int, list[str]] = {}
    for reference, inner in _FORMULA_CELL.findall(data):
        if b"<f" in inner and not _SAVED_VALUE.search(inner) and b"<is" not in inner:
            reference = reference.decode()
            row = int(re.sub(r"[A-Z]+", "", reference))
            gaps.setdefault(row, []).append(reference)
    return gaps


_FONT = re.compile(rb"<font\b[^>]*?(?:/>|>(.*?)</font>)", re.DOTALL)
_ITALIC = re.compile(rb'<i\s*/>|<i val="(?:1|true)"\s*/>')
_XF = re.compile(rb"<xf\b([^>]*)>")
_FONT_ID = re.compile(rb'fontId="([0-9]+)"')
_STYLED_CELL = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"([^>]*?)(/?)>')
_STYLE = re.compile(rb's="([0-9]+)"')


def italic_rows(archive: zipfile.ZipFile, data: bytes) -> set[int]:
    """Rows whose every filled cell is set in italics: the explanatory notes of a plan, not its measures.

    calamine reads values only, so the styles are read from the package: fonts with ``<i/>``,
    the cell formats that use them, the cells that use those formats.
    """
    try:
        styles = _read_member(archive, "xl/styles.xml", 8 * 2**20)
    except KeyError:
        return set()
    fonts = re.search(rb"<fonts\b.*?</fonts>", styles, re.DOTALL)
    formats = re.search(rb"<cellXfs\b.*?</cellXfs>", styles, re.DOTALL)
    if not fonts or not formats:
        return set()
    italic_fonts = {
        index
        for index, font in enumerate(_FONT.finditer(fonts.group(0)))
        if font.group(1) and _ITALIC.search(font.group(1))
    }
    italic_styles = set()
    for index, xf in enumerate(_XF.finditer(formats.group(0))):
        font = _FONT_ID.search(xf.group(1))
        if int(font.group(1) if font else 0) in italic_fonts:
            italic_styles.add(index)
    if not italic_styles:
        return set()
    verdict: dict[int, bool] = {}
    for row, attributes, closed in _STYLED_CELL.findall(data):
        if closed:
            continue
        style = _STYLE.search(attributes)
        italic = int(style.group(1) if style else 0) in italic_styles
        number = int(row)
        verdict[number] = verdict.get(number, True) and italic
    return {row for row, italic in verdict.items() if italic}


def _read_xlsx(content: bytes, *, italics: bool = False) -> _Raw:
    from python_calamine import CalamineError, CalamineWorkbook

    archive = _open_archive(content)
    sheet_name, part = _first_sheet(archive)
    data = _read_member(archive, part)
    check_sheet_size(data)
    gaps = formulas_without_values(data)
    italic = italic_rows(archive, data) if italics else set()
    del data
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_name(sheet_name)
        merged = list(sheet.merged_cell_ranges or [])
        rows = _numbered_rows(sheet.iter_rows())
    except (CalamineError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise SpreadsheetError(_("Файл повреждён: его не удаётся прочитать (%(error)s).") % {"error": error}) from None
    notes = {
        row: [
            _(
                "ячейка %(cells)s: формула без сохранённого значения, ячейка не прочитана. Откройте файл в Excel, "
                "пересчитайте и сохраните его."
            )
            % {"cells": ", ".join(references)}
        ]
        for row, references in gaps.items()
    }
    return _Raw(rows, merged, notes=notes, italic=italic)


def _numbered_rows(rows) -> list[tuple[int, list]]:
    """Only the rows that hold something, each with its 1-based number as Excel shows it."""
    numbered = []
    for row_number, row in enumerate(rows, start=1):
        cells = row if row.__class__ is list else list(row)
        # Something besides empty strings and None: counted in C, not compared cell by cell in Python.
        if cells.count("") + cells.count(None) < len(cells):
            numbered.append((row_number, cells))
            if len(numbered) > MAX_DATA_ROWS + HEADER_SEARCH_ROWS:
                raise SpreadsheetError(
                    _("В таблице больше %(limit)s строк. Разделите её на несколько файлов.")
                    % {"limit": number(MAX_DATA_ROWS)}
                )
    return numbered


# --- csv ----------------------------------------------------------------------------------------
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
        raise SpreadsheetError(_("Это не таблица. Загрузите файл .xlsx, .docx или .csv."))
    sample = text[:4096]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=";,\t")
        delimiter, skip_spaces = sniffed.delimiter, sniffed.skipinitialspace
    except csv.Error:
        delimiter, skip_spaces = (";" if sample.count(";") >= sample.count(",") else ","), False
    # Only the delimiter is guessed. The quote is always «"», doubled inside a cell, as Excel and
    # LibreOffice write it: the sniffer takes an apostrophe in a cell (О'Нил) for the quote character
    # and then reads every «"» of the file as data.
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=skip_spaces)

    def rows():
        # One row at a time: a file of blank lines keeps nothing (5 MB of «\n» once cost 400 MB).
        for row in reader:
            if len(row) > MAX_COLUMNS:
                _refuse_size(0, len(row))
            yield row

    return _numbered_rows(rows())


# --- docx ---------------------------------------------------------------------------------------
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _read_docx(content: bytes) -> list[_Raw]:
    """Each top-level table of a Word file, with the paragraphs above it.

    Read with python-docx's parser from the ``w:tbl`` elements directly: a horizontally merged
    cell (``gridSpan``) gives its text to its first column and empty cells to the rest, a
    vertically merged continuation (``vMerge``) is an empty cell, as it looks on paper.
    """
    from docx.oxml import parse_xml

    archive = _open_archive(content)
    data = _read_member(archive, "word/document.xml", MAX_DOCX_XML_BYTES)
    # An XML tree costs about 23 times its text for tiny elements (16 MB of «<w:p/>» took 450 MB):
    # the elements are counted first, and only the document part is parsed, never headers or styles.
    elements = data.count(b"<")
    if elements > MAX_DOCX_ELEMENTS:
        raise SpreadsheetError(
            _("Документ Word слишком большой: %(n)s разметки, допустимо до %(limit)s. Разделите его.")
            % {"n": counted(elements, "элемент,элемента,элементов"), "limit": number(MAX_DOCX_ELEMENTS)}
        )
    try:
        root = parse_xml(data)
    except Exception as error:  # lxml's XMLSyntaxError: a broken document part
        raise SpreadsheetError(_("Документ Word повреждён: его не удаётся прочитать.")) from error
    del data
    body = root.find(f"{_W}body")
    if body is None:
        raise SpreadsheetError(_("Документ Word повреждён: в нём нет текста документа."))
    tables = []
    paragraphs: list[str] = []
    for element in _children(body, f"{_W}p", f"{_W}tbl"):
        if element.tag == f"{_W}p":
            paragraphs.append(_paragraph_text(element))
        elif element.tag == f"{_W}tbl":
            rows, italic = _docx_rows(element)
            above = [text for text in paragraphs if text.strip()][-15:]
            tables.append(_Raw(rows, above=above, italic=italic, kind="docx"))
            paragraphs = []
    return tables


def _paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        parts.append(node.text or "" if node.tag == f"{_W}t" else (" " if node.tag == f"{_W}tab" else "\n"))
    return "".join(parts)


def _is_italic(paragraphs) -> bool:
    """Every run with text is italic (``w:i`` without ``w:val="0"``)."""
    runs = [run for paragraph in paragraphs for run in paragraph.iter(f"{_W}r") if run.find(f"{_W}t") is not None]
    if not runs:
        return False
    for run in runs:
        italic = run.find(f"{_W}rPr/{_W}i")
        if italic is None or italic.get(f"{_W}val") in ("0", "false"):
            return False
    return True


def _children(element, *tags: str):
    """Direct children with one of ``tags``, also those wrapped in content controls (``w:sdt``), in document order."""
    for child in element.iterchildren(*tags, f"{_W}sdt"):
        if child.tag in tags:
            yield child
        else:
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _children(content, *tags)


def _docx_rows(table) -> tuple[list[tuple[int, list]], set[int]]:
    rows = []
    italic = set()
    for number, row in enumerate(_children(table, f"{_W}tr"), start=1):
        if number > MAX_DOCX_TABLE_ROWS:
            raise SpreadsheetError(
                _("В таблице документа больше %(limit)s строк. Разделите её.") % {"limit": MAX_DOCX_TABLE_ROWS}
            )
        cells: list[str] = []
        before = row.find(f"{_W}trPr/{_W}gridBefore")
        if before is not None:
            cells += [""] * int(before.get(f"{_W}val", "0") or 0)
        paragraphs_of_row = []
        for cell in _children(row, f"{_W}tc"):
            properties = cell.find(f"{_W}tcPr")
            span = 1
            continued = False
            if properties is not None:
                grid_span = properties.find(f"{_W}gridSpan")
                if grid_span is not None:
                    span = max(1, min(int(grid_span.get(f"{_W}val", "1") or 1), MAX_COLUMNS))
                merge = properties.find(f"{_W}vMerge")
                continued = merge is not None and merge.get(f"{_W}val", "continue") == "continue"
            # Every paragraph of the cell, a table nested in it included: its text belongs to this row.
            paragraphs = list(cell.iter(f"{_W}p"))
            paragraphs_of_row += paragraphs
            text = "" if continued else "\n".join(_paragraph_text(paragraph) for paragraph in paragraphs).strip()
            cells += [text] + [""] * (span - 1)
            if len(cells) > MAX_COLUMNS:
                _refuse_size(0, len(cells))
        if any(cells):
            rows.append((number, cells))
            if _is_italic(paragraphs_of_row):
                italic.add(number)
    return rows, italic


# --- the header ---------------------------------------------------------------------------------
def _locate_table(raw: _Raw, is_header, hint: str) -> Table:
    numbered_rows = raw.rows
    if not numbered_rows:
        if raw.kind == "docx":
            raise SpreadsheetError(_("Таблица в документе Word пустая."))
        raise SpreadsheetError(_("Файл пустой: в первом листе нет данных."))
    for position, (number, row) in enumerate(numbered_rows[:HEADER_SEARCH_ROWS]):
        cells = [clean_text(cell) for cell in row]
        if not is_header(cells):
            continue
        index = number - 1
        header_merges = [area for area in raw.merged if area[0][0] <= index <= area[1][0] and area[0][1] != area[1][1]]
        if header_merges:
            (row_from, col_from), (row_to, col_to) = header_merges[0]
            area = f"{get_column_letter(col_from + 1)}{row_from + 1}:{get_column_letter(col_to + 1)}{row_to + 1}"
            raise SpreadsheetError(
                _(
                    "В заголовке таблицы есть объединённые ячейки (%(area)s). Разъедините их, чтобы у каждого "
                    "столбца было своё название в одной строке."
                )
                % {"area": area}
            )
        data = numbered_rows[position + 1 :]
        if len(data) > MAX_DATA_ROWS:
            raise SpreadsheetError(
                _("В таблице больше %(limit)s строк. Разделите её на несколько файлов.")
                % {"limit": number(MAX_DATA_ROWS)}
            )
        if not data:
            raise SpreadsheetError(_("В таблице нет ни одной строки с данными под заголовком."))
        above = list(raw.above)
        above += [
            " ".join(clean_text(cell) for cell in cells if clean_text(cell)) for _, cells in numbered_rows[:position]
        ]
        return Table(
            header_row=number,
            headers=cells,
            rows=data,
            above=above,
            italic=raw.italic,
            notes=raw.notes,
            kind=raw.kind,
        )
    raise SpreadsheetError(
        _("Не найдена строка заголовка. Первая строка таблицы должна содержать названия столбцов, %(hint)s.")
        % {"hint": hint or _("например «ФИО», «ОО», «Должность». Скачайте шаблон на этой странице")}
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
    if value.__class__ is float or value.__class__ is datetime.date:
        return _clean_value(value)  # years of experience, dates of consent: a few hundred values in a file
    return _clean_other(value)


@functools.lru_cache(maxsize=4096)
def _clean_value(value) -> str:
    return _clean_other(value)


def _clean_other(value) -> str:
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
    "май": 5,
    "мая": 5,
    "мае": 5,
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}


def month_number(word: str) -> int | None:
    """The month a Russian word names («марта» 3, «мая» 5, «сентябрь» 9); ``None`` for another word."""
    return next((month for stem, month in MONTHS.items() if word.startswith(stem)), None)


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
        return _serial_date(value)
    text = clean_text(value).lower().replace("ё", "е")
    if not text:
        return None
    for pattern, build in _TEXT_DATES:
        if (match := pattern.match(text)) and (date := build(*match.groups())):
            return date
    if re.fullmatch(r"\d{5}(?:\.0)?", text):
        return _serial_date(float(text))
    raise ValueError(value)


def _serial_date(value: float) -> datetime.date:
    if 20000 < value < 80000:  # 1954..2119 as an Excel serial day
        return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))
    raise ValueError(value)


def _numeric_date(day: str, month: str, year: str) -> datetime.date:
    whole_year = int(year)
    if whole_year < 100:
        whole_year += 2000 if whole_year < 70 else 1900
    return datetime.date(whole_year, int(month), int(day))


def _iso_date(year: str, month: str, day: str) -> datetime.date:
    return datetime.date(int(year), int(month), int(day))


def _word_date(day: str, word: str, year: str) -> datetime.date | None:
    """``None`` for a word that names no month, so the text is tried as a serial number next."""
    month = month_number(word)
    return datetime.date(int(year), month, int(day)) if month else None


# Each written form with what builds its date, tried in order.
_TEXT_DATES = ((_NUMERIC_DATE, _numeric_date), (_ISO_DATE, _iso_date), (_WORD_DATE, _word_date))
