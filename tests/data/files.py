"""Builders of test files, made in memory as bytes and fast.

Realistic files, as schools type them:

- ``school_registry_header()``: the header of a school's registry sheet, as a list of column names.
- ``school_registry_rows(organisation)``: six data rows of that sheet (four mentors, two mentees under 3 years).
- ``school_registry_xlsx(organisation, formula=..., formula_without_value=...)``: the sheet as xlsx (openpyxl),
  a title row, an empty row, the header and the rows; optionally a formula cell with or without a saved value.
- ``school_registry_csv(organisation, encoding=..., delimiter=...)``: the same sheet as Excel exports it to CSV.
- ``organisation_list_xlsx(rows)``: a list of educational organisations of Котельниковский район as xlsx.

Hostile files, each small or built in well under two seconds and in little memory:

- ``xlsx_declaring_far_cell(ref)``: a minimal xlsx whose dimension and one cell reach as far as ``ref``.
- ``xlsx_rows(n_rows, n_cols)``: a valid xlsx with a header and ``n_rows`` data rows, streamed into the zip.
- ``zip_bomb_xlsx(unpacked_mb)``: an xlsx whose sheet1.xml unpacks to ``unpacked_mb`` MB (a few MB packed).
- ``docx_zip_bomb(unpacked_mb)``: a docx whose word/document.xml unpacks to ``unpacked_mb`` MB.
- ``encrypted_workbook()``: a password-protected xlsx as Excel writes it: an OLE2 compound file with the
  streams EncryptionInfo and EncryptedPackage (hand-built, valid compound file; the content is not real AES).
- ``old_xls()``: an Excel 97–2003 book: an OLE2 compound file with a BIFF8 "Workbook" stream.
- ``old_doc()``: a Word 97–2003 document: an OLE2 compound file with "WordDocument" and "1Table" streams.
- ``pdf_bytes()``: a tiny valid one-page PDF.
- ``png_bytes()``: a valid 1×1 PNG.
- ``xlsx_with_long_cell(length)``: a registry-style xlsx whose only data row has a ``length``-letter surname.

The OLE2 files are written by ``_compound_file``: a compound file version 3 (512-byte sectors) with a FAT,
a directory laid out as a red-black tree, and a mini stream with its mini FAT for streams under 4096 bytes.
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
import random
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

# --------------------------------------------------------------------------------------------------
# Realistic files
# --------------------------------------------------------------------------------------------------

REGISTRY_TITLE = "Список педагогов — участников программы наставничества"
REGISTRY_HEADER = [
    "№ п/п",
    "Ф.И.О. педагога",
    "Должность",
    "Квалиф. категория",
    "Педагогический стаж (лет)",
    "Роль в программе наставничества",
    "Дата согласия на обработку ПД",
    "Наименование ОО",
]
# Row 1 is the title, row 2 is empty, row 3 is the header: data starts on row 4, as Excel numbers rows.
REGISTRY_HEADER_ROW = 3
REGISTRY_FIRST_DATA_ROW = 4
# The experience cell of data row 2 (25 years) and of data row 3 (23 years), which formulas replace.
FORMULA_CELL = "E5"
FORMULA_WITHOUT_VALUE_CELL = "E6"

_REGISTRY_PEOPLE = [
    # (full name, position, category, experience, role, consent date)
    ("Петрова Елена Викторовна", "учитель математики", "высшая", 31, "наставник", "01.09.2023"),
    ("Соколов Игорь Николаевич", "учитель физики", "высшая", 25, "наставник", "01.09.2023"),
    ("Кузнецова Ольга Сергеевна", "учитель русского языка и литературы", "первая", 23, "наставник", "04.09.2023"),
    ("Морозова Дарья Андреевна", "учитель начальных классов", "б/к", 2, "наставляемый", "01.09.2023"),
    ("Васильев Артём Дмитриевич", "учитель информатики", "б/к", 1, "наставляемый", "05.09.2023"),
    ("Никитина Светлана Ивановна", "педагог-психолог", "СЗД", 7, "наставник", "06.09.2023"),
]


def school_registry_header() -> list[str]:
    """The header row of a school's registry sheet, exactly as the template names the columns."""
    return list(REGISTRY_HEADER)


def school_registry_rows(organisation: str) -> list[list]:
    """Six data rows: number, full name, position, category, experience (int), role, consent date (text), ОО."""
    return [[number, *person, organisation] for number, person in enumerate(_REGISTRY_PEOPLE, start=1)]


def _parse_date(text: str) -> datetime.date:
    day, month, year = (int(part) for part in text.split("."))
    return datetime.date(year, month, day)


def school_registry_xlsx(
    organisation: str, *, formula: bool = False, formula_without_value: bool = False, merged_title: bool = False
) -> bytes:
    """The registry sheet as a school saves it from Excel.

    Consent dates are real date cells shown as ДД.ММ.ГГГГ, as Excel turns a typed «01.09.2023» into.
    ``formula`` puts ``=20+5`` with its saved value 25 into ``FORMULA_CELL``; ``formula_without_value`` puts
    ``=20+3`` with no saved value into ``FORMULA_WITHOUT_VALUE_CELL``. ``merged_title`` merges the title A1:H1.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Лист1"
    sheet.append([REGISTRY_TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    if merged_title:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(REGISTRY_HEADER))
    sheet.append([])
    sheet.append(school_registry_header())
    for cell in sheet[REGISTRY_HEADER_ROW]:
        cell.font = Font(bold=True)
    for row in school_registry_rows(organisation):
        row[6] = _parse_date(row[6])
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=7).number_format = "DD.MM.YYYY"
    for letter, width in zip("ABCDEFGH", (6, 34, 36, 12, 14, 20, 16, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    replacements = {}
    if formula:
        replacements[FORMULA_CELL] = f'<c r="{FORMULA_CELL}"><f>20+5</f><v>25</v></c>'
    if formula_without_value:
        replacements[FORMULA_WITHOUT_VALUE_CELL] = f'<c r="{FORMULA_WITHOUT_VALUE_CELL}"><f>20+3</f></c>'
    if replacements:
        content = _replace_cells(content, "xl/worksheets/sheet1.xml", replacements)
    return content


def _replace_cells(content: bytes, member: str, replacements: dict[str, str]) -> bytes:
    """Rewrite the zip with some cells of one sheet replaced by raw XML (openpyxl cannot write cached values)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    xml = source.read(member).decode("utf-8")
    for ref, cell_xml in replacements.items():
        pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.DOTALL)
        xml, count = pattern.subn(cell_xml, xml, count=1)
        if count != 1:  # pragma: no cover - the builder's own layout guarantees the cell
            raise AssertionError(f"cell {ref} not found in {member}")
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = xml.encode("utf-8") if info.filename == member else source.read(info.filename)
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return output.getvalue()


def school_registry_csv(organisation: str, encoding: str = "cp1251", delimiter: str = ";") -> bytes:
    """The registry sheet as Excel saves it as «CSV (разделители — запятые)» on a Russian Windows.

    The title row and the empty row come out padded with empty cells, dates as text, CRLF line ends.
    """
    width = len(REGISTRY_HEADER)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([REGISTRY_TITLE] + [""] * (width - 1))
    writer.writerow([""] * width)
    writer.writerow(school_registry_header())
    writer.writerows(school_registry_rows(organisation))
    return buffer.getvalue().encode(encoding)


ORGANISATION_LIST_HEADER = ["Полное наименование", "Краткое наименование", "Тип", "Адрес", "Руководитель"]
DEFAULT_ORGANISATIONS = [
    [
        "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 2 "
        "г. Котельниково»",
        "МБОУ СОШ № 2",
        "Общеобразовательная организация",
        "404354, Волгоградская обл., г. Котельниково, ул. Ленина, д. 12",
        "Иванова Анна Петровна",
    ],
    [
        "Муниципальное казённое общеобразовательное учреждение «Пимено-Чернянская средняя общеобразовательная "
        "школа» Котельниковского муниципального района Волгоградской области",
        "МКОУ Пимено-Чернянская СОШ",
        "Общеобразовательная организация",
        "404372, Волгоградская обл., Котельниковский р-н, х. Пимено-Черни, ул. Школьная, д. 1",
        "Сергеев Павел Михайлович",
    ],
    [
        "Муниципальное бюджетное дошкольное образовательное учреждение «Детский сад № 3 «Солнышко» г. Котельниково»",
        "МБДОУ д/с № 3",
        "Дошкольная образовательная организация",
        "404354, Волгоградская обл., г. Котельниково, ул. Родина, д. 5",
        "Григорьева Наталья Васильевна",
    ],
]


def organisation_list_xlsx(rows: Iterable[Iterable] | None = None) -> bytes:
    """A list of organisations: the header row, then ``rows`` (by default three of Котельниковский район)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Организации"
    sheet.append(ORGANISATION_LIST_HEADER)
    for row in DEFAULT_ORGANISATIONS if rows is None else rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# Minimal Office Open XML packages, written member by member
# --------------------------------------------------------------------------------------------------

_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = _REL_NS + "/officeDocument"

_XLSX_PARTS = {
    "[Content_Types].xml": (
        _XML_DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        _XML_DECLARATION + f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_OFFICE_DOCUMENT}" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        _XML_DECLARATION + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        _XML_DECLARATION + f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}

_DOCX_PARTS = {
    "[Content_Types].xml": (
        _XML_DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        _XML_DECLARATION + f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_OFFICE_DOCUMENT}" Target="word/document.xml"/></Relationships>'
    ),
}
_WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_MB = 1024 * 1024


def _package(
    parts: dict[str, str],
    member: str,
    chunks: Iterable[str | bytes],
    *,
    compresslevel: int | None = None,
    force_zip64: bool = False,
) -> bytes:
    """A zip with the fixed ``parts`` and ``member`` written from ``chunks`` as they come (never whole in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open(member, "w", force_zip64=force_zip64) as stream:
            for chunk in chunks:
                stream.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    return buffer.getvalue()


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def _column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _split_ref(ref: str) -> tuple[str, int]:
    match = re.fullmatch(r"([A-Z]{1,3})([1-9][0-9]*)", ref)
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    return match.group(1), int(match.group(2))


def _sheet_start(dimension: str | None = None) -> str:
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    return _XML_DECLARATION + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">{dimension_xml}<sheetData>'


_SHEET_END = "</sheetData></worksheet>"


def _simple_xlsx(rows: list[list[str]]) -> bytes:
    """A minimal xlsx of text cells."""
    chunks = [_sheet_start()]
    for number, row in enumerate(rows, start=1):
        cells = "".join(_inline(f"{_column_letters(col)}{number}", text) for col, text in enumerate(row) if text)
        chunks.append(f'<row r="{number}">{cells}</row>')
    chunks.append(_SHEET_END)
    return _package(_XLSX_PARTS, "xl/worksheets/sheet1.xml", chunks)


# --------------------------------------------------------------------------------------------------
# Hostile spreadsheets and documents
# --------------------------------------------------------------------------------------------------


def xlsx_declaring_far_cell(ref: str = "XFD1048576") -> bytes:
    """A minimal xlsx with ``<dimension ref="A1:{ref}"/>``, the cell A1 «ФИО» and a cell at ``ref``.

    Careful: python-calamine aborts the whole process on XFD1048576 (it sizes its grid by the far cell);
    open such a file only in a subprocess.
    """
    column, row = _split_ref(ref)
    first = _inline("A1", "ФИО")
    far = _inline(ref, "Иванов Иван Иванович")
    rows = f'<row r="1">{first}{far}</row>' if row == 1 else f'<row r="1">{first}</row><row r="{row}">{far}</row>'
    sheet = _sheet_start(f"A1:{column}{row}") + rows + _SHEET_END
    return _package(_XLSX_PARTS, "xl/worksheets/sheet1.xml", [sheet])


_MALE_SURNAMES = [
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов", "Петров",
    "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов",
]  # fmt: skip
_MALE_NAMES = [
    "Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван", "Михаил", "Артём",
    "Николай", "Владимир", "Павел", "Игорь", "Олег",
]  # fmt: skip
_FEMALE_NAMES = [
    "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Анна", "Мария", "Екатерина", "Юлия",
    "Марина", "Галина", "Людмила", "Дарья", "Виктория",
]  # fmt: skip
_FATHERS = [
    "Александров", "Сергеев", "Дмитриев", "Андреев", "Алексеев", "Максимов", "Евгеньев", "Иванов", "Михайлов",
    "Викторов", "Николаев", "Владимиров", "Павлов", "Петров", "Олегов",
]  # fmt: skip
_POSITIONS = [
    "учитель математики", "учитель русского языка и литературы", "учитель начальных классов",
    "учитель истории и обществознания", "учитель английского языка", "воспитатель", "педагог-психолог",
    "учитель физической культуры",
]  # fmt: skip
_CATEGORIES = ["высшая", "первая", "СЗД", "б/к"]
_SHORT_ORGANISATIONS = [row[1] for row in DEFAULT_ORGANISATIONS]
_ROWS_HEADER = ["ФИО", "ОО", "Должность", "Квалификационная категория", "Стаж", "Роль", "Дата согласия", "Примечание"]
_RUSSIAN_LETTERS = "абвгдежзиклмнопрстуфхцчшщэюя"


def _distinct_full_name(index: int) -> str:
    """A natural, different full name for each index (6,750 natural ones, then surnames get a letter suffix)."""
    female, index = index % 2, index // 2
    surname = _MALE_SURNAMES[index % 15] + ("а" if female else "")
    name = (_FEMALE_NAMES if female else _MALE_NAMES)[index // 15 % 15]
    patronymic = _FATHERS[index // 225 % 15] + ("на" if female else "ич")
    rest = index // 3375
    while rest:
        rest, letter = divmod(rest, len(_RUSSIAN_LETTERS))
        surname += _RUSSIAN_LETTERS[letter]
    return f"{surname} {name} {patronymic}"


def xlsx_rows(n_rows: int, n_cols: int = 8) -> bytes:
    """A valid xlsx: a header row (ФИО, ОО, Должность, …) and ``n_rows`` data rows of distinct teachers.

    Columns past the eighth are «Столбец 9», … with a number in each row; fewer than eight cut the list.
    The sheet XML is streamed into the zip in chunks, so 100,000 rows take about a second.
    """
    header = (_ROWS_HEADER + [f"Столбец {number}" for number in range(9, n_cols + 1)])[:n_cols]
    letters = [_column_letters(col) for col in range(n_cols)]

    def cells(index: int) -> list[str]:
        experience = index * 7 % 40
        values = [
            _distinct_full_name(index),
            _SHORT_ORGANISATIONS[index % 3],
            _POSITIONS[index % len(_POSITIONS)],
            _CATEGORIES[index % 4],
            experience,
            "наставник" if experience >= 3 else "наставляемый",
            f"{index % 28 + 1:02d}.09.2023",
            "",
        ]
        values += list(range(9, n_cols + 1))
        return values[:n_cols]

    def chunks() -> Iterator[str]:
        yield _sheet_start(f"A1:{letters[-1]}{n_rows + 1}")
        yield '<row r="1">' + "".join(_inline(f"{letter}1", text) for letter, text in zip(letters, header, strict=True))
        yield "</row>"
        batch = []
        for index in range(n_rows):
            number = index + 2
            parts = [f'<row r="{number}">']
            for letter, value in zip(letters, cells(index), strict=True):
                if value == "":
                    continue
                if isinstance(value, int):
                    parts.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
                else:
                    parts.append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
            parts.append("</row>")
            batch.append("".join(parts))
            if len(batch) == 2000:
                yield "".join(batch)
                batch = []
        yield "".join(batch) + _SHEET_END

    return _package(_XLSX_PARTS, "xl/worksheets/sheet1.xml", chunks(), compresslevel=1)


def _padded_chunks(start: str, end: str, total: int, filler: bytes) -> Iterator[bytes]:
    """``start``, then ``filler`` repeated, then ``end``: ``total`` bytes in all, in 1 MB chunks."""
    head, tail = start.encode("utf-8"), end.encode("utf-8")
    remaining = total - len(head) - len(tail)
    if remaining < 0:
        raise ValueError("unpacked size too small")
    yield head
    block = filler * (_MB // len(filler))
    while remaining >= len(block):
        yield block
        remaining -= len(block)
    yield b" " * remaining  # whitespace between elements is valid XML whatever the filler is
    yield tail


_BOMB_ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'


def zip_bomb_xlsx(unpacked_mb: float = 1024, *, filler: str = "spaces") -> bytes:
    """An xlsx whose sheet1.xml unpacks to ``unpacked_mb`` MB: a valid start, then filler, then a valid end.

    ``filler="spaces"`` pads with whitespace (about 1 MB packed per GB); ``filler="rows"`` repeats
    ``<row>`` elements (one cell «x» each, about 3 MB packed per GB) that make the XML parser work. Those rows
    and cells have no ``r``, and python-calamine skips such cells: it still reads only the header row.
    """
    total = int(unpacked_mb * _MB)
    start = _sheet_start() + '<row r="1">' + _inline("A1", "ФИО") + _inline("B1", "ОО") + "</row>"
    fill = {"spaces": b" " * 1024, "rows": _BOMB_ROW}[filler]
    chunks = _padded_chunks(start, _SHEET_END, total, fill)
    return _package(
        _XLSX_PARTS, "xl/worksheets/sheet1.xml", chunks, compresslevel=9, force_zip64=total >= zipfile.ZIP64_LIMIT
    )


def docx_zip_bomb(unpacked_mb: float = 1024) -> bytes:
    """A minimal docx whose word/document.xml unpacks to ``unpacked_mb`` MB: one paragraph, then whitespace."""
    total = int(unpacked_mb * _MB)
    start = (
        _XML_DECLARATION + f'<w:document xmlns:w="{_WORD_NS}"><w:body>'
        "<w:p><w:r><w:t>Дорожная карта наставничества</w:t></w:r></w:p>"
    )
    end = "</w:body></w:document>"
    chunks = _padded_chunks(start, end, total, b" " * 1024)
    return _package(_DOCX_PARTS, "word/document.xml", chunks, compresslevel=9, force_zip64=total >= zipfile.ZIP64_LIMIT)


def xlsx_with_long_cell(length: int = 600) -> bytes:
    """A registry-style xlsx (ФИО, ОО, Должность) whose one data row has a surname of ``length`` letters."""
    surname = ("Константинопольский" * (length // 19 + 1))[:length].capitalize()
    return _simple_xlsx([["ФИО", "ОО", "Должность"], [surname, "МБОУ СОШ № 2", "учитель математики"]])


# --------------------------------------------------------------------------------------------------
# OLE2 compound files (Excel and Word 97–2003, encrypted Office files)
# --------------------------------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SECTOR = 512
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096
_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_EXCEL_CLSID = uuid.UUID("00020820-0000-0000-c000-000000000046").bytes_le
_WORD_CLSID = uuid.UUID("00020906-0000-0000-c000-000000000046").bytes_le


def _sectors(length: int, size: int) -> int:
    return -(-length // size)


def _red_black_tree(keys: list) -> tuple[dict, int]:
    """Children and colours of a balanced tree over sorted ``keys`` positions: all levels full but the last,
    whose nodes are red, so every path has the same number of black nodes."""
    nodes = {}

    def build(low: int, high: int, depth: int) -> int:
        if low > high:
            return -1
        middle = (low + high) // 2
        nodes[middle] = [build(low, middle - 1, depth + 1), build(middle + 1, high, depth + 1), depth]
        return middle

    root = build(0, len(keys) - 1, 0)
    deepest = max(depth for _, _, depth in nodes.values())
    perfect = len(keys) == 2 ** (deepest + 1) - 1
    colours = {index: 0 if depth == deepest and not perfect else 1 for index, (_, _, depth) in nodes.items()}
    return {index: (left, right, colours[index]) for index, (left, right, _) in nodes.items()}, root


def _compound_file(streams: list[tuple[str, bytes]], root_clsid: bytes = b"\0" * 16) -> bytes:
    """A compound file (version 3) whose root storage holds ``streams``, small ones in the mini stream.

    Sectors in file order: the FAT, the directory, the mini FAT, the mini stream, then each big stream.
    """
    mini_stream, mini_fat, big_streams, starts = _split_streams(streams)
    directory_count = _sectors((len(streams) + 1) * 128, _SECTOR)
    mini_fat_count = _sectors(len(mini_fat) * 4, _SECTOR)
    mini_stream_count = _sectors(len(mini_stream), _SECTOR)
    big_counts = [_sectors(len(block), _SECTOR) for block in big_streams]
    fat_count = _fat_count(directory_count + mini_fat_count + mini_stream_count + sum(big_counts))

    fat = [_FREESECT] * (fat_count * _SECTOR // 4)
    fat[:fat_count] = [_FATSECT] * fat_count

    def chain(first: int, count: int) -> int:
        for sector in range(first, first + count - 1):
            fat[sector] = sector + 1
        fat[first + count - 1] = _ENDOFCHAIN
        return first

    position = fat_count
    directory_start = chain(position, directory_count)
    position += directory_count
    mini_fat_start = chain(position, mini_fat_count) if mini_fat_count else _ENDOFCHAIN
    position += mini_fat_count
    mini_stream_start = chain(position, mini_stream_count) if mini_stream_count else _ENDOFCHAIN
    position += mini_stream_count
    big_starts = []
    for count in big_counts:
        big_starts.append(chain(position, count))
        position += count
    stream_starts = [first if area == "mini" else big_starts[first] for area, first in starts]
    directory = _directory(streams, stream_starts, root_clsid, mini_stream_start, len(mini_stream), directory_count)

    def pad(data: bytes, count: int) -> bytes:
        return data.ljust(count * _SECTOR, b"\0")

    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat) if mini_fat else b""
    mini_fat_bytes += struct.pack("<I", _FREESECT) * (mini_fat_count * _SECTOR // 4 - len(mini_fat))
    body = [
        struct.pack(f"<{len(fat)}I", *fat),
        directory,
        mini_fat_bytes,
        pad(bytes(mini_stream), mini_stream_count),
        *(pad(block, count) for block, count in zip(big_streams, big_counts, strict=True)),
    ]
    return _header(fat_count, directory_start, mini_fat_start, mini_fat_count) + b"".join(body)


def _split_streams(streams: list[tuple[str, bytes]]) -> tuple[bytearray, list[int], list[bytes], list[tuple[str, int]]]:
    """Small streams packed into the mini stream with their chains in the mini FAT; the big ones kept apart.

    Each stream's start: ("mini", first mini sector) or ("big", index in the big streams).
    """
    mini_stream = bytearray()
    mini_fat: list[int] = []
    big_streams: list[bytes] = []
    starts: list[tuple[str, int]] = []
    for _name, data in streams:
        if not data:
            raise ValueError("empty streams are not supported")
        if len(data) < _MINI_CUTOFF:
            first, count = len(mini_stream) // _MINI_SECTOR, _sectors(len(data), _MINI_SECTOR)
            mini_fat += [*range(first + 1, first + count), _ENDOFCHAIN]
            mini_stream += data.ljust(count * _MINI_SECTOR, b"\0")
            starts.append(("mini", first))
        else:
            starts.append(("big", len(big_streams)))
            big_streams.append(data)
    return mini_stream, mini_fat, big_streams, starts


def _fat_count(others: int) -> int:
    """FAT sectors enough for ``others`` sectors and for themselves."""
    fat_count = 1
    while fat_count * (_SECTOR // 4) < others + fat_count:
        fat_count += 1
    if fat_count > 109:  # pragma: no cover - would need DIFAT sectors; these files are tiny
        raise ValueError("compound file too large for this writer")
    return fat_count


def _directory(
    streams: list[tuple[str, bytes]],
    starts: list[int],
    root_clsid: bytes,
    mini_stream_start: int,
    mini_stream_size: int,
    directory_count: int,
) -> bytes:
    """Entry 0 is the root storage; its child is the root of a red-black tree of the streams,
    ordered as the format wants: shorter names first, then by upper-cased name."""
    order = sorted(range(len(streams)), key=lambda i: (len(streams[i][0]), streams[i][0].upper()))
    tree, tree_root = _red_black_tree(order)

    def entry(name: str, kind: int, colour: int, left: int, right: int, child: int, clsid: bytes, start, size):
        encoded = (name + "\0").encode("utf-16-le")
        return struct.pack(
            "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, colour, left, right, child, clsid, 0, 0, 0, start, size
        )

    def entry_id(position_in_order: int) -> int:
        return _NOSTREAM if position_in_order < 0 else order[position_in_order] + 1

    directory = [
        entry("Root Entry", 5, 1, _NOSTREAM, _NOSTREAM, entry_id(tree_root), root_clsid, mini_stream_start,
              mini_stream_size)
    ]  # fmt: skip
    placed = {order[position]: node for position, node in tree.items()}
    for index, (name, data) in enumerate(streams):
        left, right, colour = placed[index]
        directory.append(
            entry(name, 2, colour, entry_id(left), entry_id(right), _NOSTREAM, b"\0" * 16, starts[index], len(data))
        )
    empty = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    directory += [empty] * (directory_count * 4 - len(directory))
    return b"".join(directory)


def _header(fat_count: int, directory_start: int, mini_fat_start: int, mini_fat_count: int) -> bytes:
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        OLE_MAGIC,
        b"\0" * 16,
        0x003E,  # minor version
        0x0003,  # major version: 512-byte sectors
        0xFFFE,  # little-endian
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        b"\0" * 6,
        0,  # directory sectors: always 0 in version 3
        fat_count,
        directory_start,
        0,  # transaction signature
        _MINI_CUTOFF,
        mini_fat_start,
        mini_fat_count,
        _ENDOFCHAIN,  # no DIFAT sectors
        0,
    )
    difat = list(range(fat_count)) + [_FREESECT] * (109 - fat_count)
    return header + struct.pack("<109I", *difat)


def _biff_record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _biff_bof(substream: int) -> bytes:
    # BIFF8, build 0x0DBB of 1997, file history flags off, lowest version that saved it: BIFF8.
    return _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0, 0x0206))


def _biff_text(text: str) -> bytes:
    """XLUnicodeString: 16-bit length, the high-byte flag, UTF-16-LE characters."""
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def old_xls() -> bytes:
    """An Excel 97–2003 book (.xls): a compound file whose "Workbook" stream is BIFF8.

    The book has one sheet «Лист1» with «ФИО» in A1 and «Иванов Иван Иванович» in A2, written as LABEL records.
    """
    name = "Лист1"
    sheet = b"".join(
        [
            _biff_bof(0x0010),
            _biff_record(0x0200, struct.pack("<IIHHH", 0, 2, 0, 1, 0)),  # DIMENSIONS: rows 0–1, column 0
            _biff_record(0x0204, struct.pack("<HHH", 0, 0, 15) + _biff_text("ФИО")),
            _biff_record(0x0204, struct.pack("<HHH", 1, 0, 15) + _biff_text("Иванов Иван Иванович")),
            _biff_record(0x000A),
        ]
    )
    globals_start = [
        _biff_bof(0x0005),
        _biff_record(0x0042, struct.pack("<H", 1200)),  # CODEPAGE: UTF-16
    ]

    def boundsheet(offset: int) -> bytes:  # BOUNDSHEET8: where the sheet's BOF is, visible worksheet, its name
        return _biff_record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + name.encode("utf-16-le"))

    offset = sum(len(part) for part in globals_start) + len(boundsheet(0)) + len(_biff_record(0x000A))
    workbook = b"".join([*globals_start, boundsheet(offset), _biff_record(0x000A), sheet])
    return _compound_file([("Workbook", workbook)], root_clsid=_EXCEL_CLSID)


def old_doc() -> bytes:
    """A Word 97–2003 document (.doc): a compound file with a "WordDocument" stream (a FIB first) and "1Table"."""
    # FibBase: wIdent 0xA5EC, nFib 0x00C1 (Word 97), lid 0x0419 (Russian), fWhichTblStm set: the table is 1Table.
    fib = struct.pack("<HHHHHHHIBBHHII", 0xA5EC, 0x00C1, 0, 0x0419, 0, 0x0200, 0x00BF, 0, 0, 0, 0, 0, 0, 0)
    word_document = fib.ljust(4096, b"\0")
    return _compound_file([("WordDocument", word_document), ("1Table", b"\0" * 512)], root_clsid=_WORD_CLSID)


def encrypted_workbook() -> bytes:
    """A password-protected .xlsx as Excel writes it: a compound file with EncryptionInfo and EncryptedPackage.

    EncryptionInfo is an agile (4.4) descriptor with its XML; EncryptedPackage is a size and random bytes, not
    a real AES encryption of a package (no reader here decrypts; they only need to recognise the file).
    Excel also writes a \\x06DataSpaces storage; this file leaves it out.
    """
    generator = random.Random(20230901)

    def b64(size: int) -> str:
        return base64.b64encode(generator.randbytes(size)).decode()

    xml = (
        _XML_DECLARATION.replace("\n", "\r\n")
        + '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password" '
        'xmlns:c="http://schemas.microsoft.com/office/2006/keyEncryptor/certificate">'
        f'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        f'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="{b64(16)}"/>'
        f'<dataIntegrity encryptedHmacKey="{b64(64)}" encryptedHmacValue="{b64(64)}"/>'
        '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        f'<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        f'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="{b64(16)}" '
        f'encryptedVerifierHashInput="{b64(16)}" encryptedVerifierHashValue="{b64(64)}" '
        f'encryptedKeyValue="{b64(32)}"/></keyEncryptor></keyEncryptors></encryption>'
    )
    info = struct.pack("<HHI", 4, 4, 0x40) + xml.encode("utf-8")
    package_size = 7321  # the size of the (imaginary) decrypted xlsx
    package = struct.pack("<Q", package_size) + generator.randbytes(_sectors(package_size, 16) * 16)
    return _compound_file([("EncryptionInfo", info), ("EncryptedPackage", package)])


# --------------------------------------------------------------------------------------------------
# Other formats
# --------------------------------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    """A tiny valid one-page A4 PDF (one drawn line, no fonts), with a correct cross-reference table."""
    content = b"0.5 w 72 770 m 523 770 l S"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(output)


def png_bytes() -> bytes:
    """A valid 1×1 PNG: one opaque white RGB pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8 bits, truecolour, no interlace
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter type 0, then R, G, B
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
