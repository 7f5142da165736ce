"""Word documents out of the data (python-docx): A4 pages, real paragraphs, tables with a header row.

The .docx a document's exporter writes beside its PDF is meant to be edited, so it uses only what
Word and LibreOffice edit natively: the built-in styles («Обычный», «Заголовок 1», «Сетка таблицы»),
paragraphs and tables, inline pictures; never text boxes or frames. The fonts are Times New Roman,
the one a department's own documents use; the margins are the PDFs' (18/15/18/25 mm).
"""

from __future__ import annotations

import copy
import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"
# Characters XML 1.0 forbids: a vertical tab pasted into a form would make lxml refuse the whole document.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value) -> str:
    return NOT_XML.sub("", str(value))


def new_document(*, landscape: bool = False) -> Document:
    """An empty A4 document (portrait or landscape) whose styles print like the portal's PDFs."""
    document = Document()
    section = document.sections[0]
    width, height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    section.top_margin = section.bottom_margin = Mm(18)
    section.left_margin, section.right_margin = Mm(25), Mm(15)
    for name, size in (("Normal", 12), ("Title", 14), ("Heading 1", 13), ("Heading 2", 12)):
        style = document.styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        # Cyrillic text is set in the "complex script" and East Asian slots too in some Word versions.
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:cs"), FONT)
        if name != "Normal":
            style.font.bold, style.font.color.rgb = True, RGBColor(0, 0, 0)
    document.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return document


def paragraph(document: Document, text: str = "", *, lead: str = "", style: str | None = None):
    """A paragraph of ``text``, after ``lead`` in bold when given («Не сдали отчёт: …»)."""
    result = document.add_paragraph(style=style)
    if lead:
        result.add_run(clean(lead)).bold = True
    result.add_run(clean(text))
    return result


def heading(document: Document, text: str, *, level: int = 1):
    return document.add_heading(clean(text), level=level)


def centred(document: Document, text: str, *, bold: bool = False, size: int | None = None):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(clean(text))
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return paragraph


def lines(document: Document, text: str, *, style: str | None = None):
    """A text whose line breaks are kept as in the PDF (``linebreaksbr``): one paragraph, breaks inside."""
    paragraph = document.add_paragraph(style=style)
    for index, line in enumerate(clean(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        if index:
            paragraph.add_run().add_break()
        paragraph.add_run(line)
    return paragraph


def table(
    document: Document,
    header: list[str],
    rows: list[list[str]],
    *,
    widths: list[float],
    size: float = 12,
    numeric_from: int | None = None,
):
    """A «Table Grid» table of fixed column widths whose first row is a header repeated on every page.

    ``widths`` in millimetres; ``size`` in points, as the paragraph style «Таблица N пт»;
    ``numeric_from``: the first column whose figures are right-aligned.
    """
    result = document.add_table(rows=0, cols=len(header))
    result.style = document.styles["Table Grid"]
    result.alignment = WD_TABLE_ALIGNMENT.CENTER
    result.autofit = False  # fixed layout: Word and LibreOffice take the widths instead of measuring cells
    for column, width in zip(result.columns, widths, strict=True):
        column.width = Mm(width)
    style = table_style(document, size).style_id
    header_row = add_row(result, header, style, bold=True)
    header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, width in zip(header_row.cells, widths, strict=True):
        cell.width = Mm(width)
    # The body rows are copies of one row built through python-docx, their texts replaced: python-docx
    # inserts each element in schema order by searching its siblings, which cost a region's 3,000 rows
    # ~5 s; copying the XML costs ~0.3 s.
    template = add_row(result, ["-"] * len(header), style, numeric_from=numeric_from)._tr
    result._tbl.remove(template)
    for values in rows:
        tr = copy.deepcopy(template)
        for text, value in zip(tr.iter(qn("w:t")), values, strict=True):
            text.text = clean(value)
            text.set(qn("xml:space"), "preserve")
        result._tbl.append(tr)
    return result


def table_style(document: Document, size: float):
    name = f"Таблица {size:g} пт"
    if name not in document.styles:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        style.font.size = Pt(size)
        style.paragraph_format.space_after = Pt(0)
    return document.styles[name]


def add_row(result, values, style_id: str, *, bold: bool = False, numeric_from: int | None = None):
    """One row, its cells read from the row itself and its style set by id (``row.cells`` re-reads the whole
    table's grid and ``paragraph.style = ...`` looks the style up by name, each time)."""
    row = result.add_row()
    for index, (tc, value) in enumerate(zip(row._tr.tc_lst, values, strict=True)):
        paragraph = _Cell(tc, result).paragraphs[0]
        paragraph._p.get_or_add_pPr().style = style_id
        run = paragraph.add_run(clean(value))
        if bold:
            run.bold = True
        elif numeric_from is not None and index >= numeric_from:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return row


def picture(document: Document, png: bytes, *, width_mm: float, description: str) -> None:
    """An inline picture in its own paragraph; ``description`` is its alternative text (screen readers, Word's
    «Замещающий текст»)."""
    shape = document.add_picture(io.BytesIO(png), width=Mm(width_mm))
    shape._inline.docPr.set("descr", clean(description))


def signature(document: Document, position: str) -> None:
    document.add_paragraph()
    document.add_paragraph(f"{clean(position)} ____________________")


# --- official documents (ГОСТ Р 7.0.97-2016): orders, statements, approval blocks ----------------------
TEXT_WIDTH_MM = 170  # A4 portrait between the margins


def text(document: Document, value: str, *, indent: bool = True, bold_lead: str = ""):
    """A paragraph of an order's text: justified, its first line indented 12.5 mm."""
    result = paragraph(document, value, lead=bold_lead)
    result.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent:
        result.paragraph_format.first_line_indent = Mm(12.5)
    return result


def requisites(document: Document, *, name: str, lines: list[str], emblem: bytes | None = None) -> None:
    """The organisation at the top: its emblem, its full name in bold, its address and codes below, centred."""
    if emblem:
        document.add_picture(io.BytesIO(emblem), height=Mm(18))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        document.inline_shapes[-1]._inline.docPr.set("descr", clean(f"Эмблема: {name}"))
    centred(document, name, bold=True)
    if lines:
        details = lines_centred(document, lines, size=10)
        details.paragraph_format.space_after = Pt(12)


def lines_centred(document: Document, values: list[str], *, size: int | None = None, bold: bool = False):
    result = document.add_paragraph()
    result.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for index, value in enumerate(values):
        if index:
            result.add_run().add_break()
        run = result.add_run(clean(value))
        run.bold = bold
        if size:
            run.font.size = Pt(size)
    return result


def spread(document: Document, left: str, right: str, *, width_mm: float = TEXT_WIDTH_MM):
    """One line, ``left`` at the margin and ``right`` flush with the right margin (a right tab stop):
    the date and the number of an order, a signature's position and name."""
    result = document.add_paragraph()
    result.paragraph_format.tab_stops.add_tab_stop(Mm(width_mm), WD_TAB_ALIGNMENT.RIGHT)
    result.add_run(clean(left))
    result.add_run("\t" + clean(right))
    return result


def signature_line(document: Document, position: str, name: str, *, width_mm: float = TEXT_WIDTH_MM):
    """«Директор      ____________      В.И. Зайцев»: the position, a gap for the hand signature, the name."""
    result = document.add_paragraph()
    result.paragraph_format.space_before = Pt(24)
    result.paragraph_format.tab_stops.add_tab_stop(Mm(width_mm * 0.45), WD_TAB_ALIGNMENT.LEFT)
    result.paragraph_format.tab_stops.add_tab_stop(Mm(width_mm), WD_TAB_ALIGNMENT.RIGHT)
    result.add_run(clean(position))
    result.add_run("\t____________________\t" + clean(name))
    return result


def block(document: Document, values: list[str], *, indent_mm: float = 95, bold_first: bool = False):
    """A block of lines on the right half of the page: «УТВЕРЖДАЮ …», the addressee of a statement."""
    result = document.add_paragraph()
    result.paragraph_format.left_indent = Mm(indent_mm)
    result.paragraph_format.space_after = Pt(12)
    for index, value in enumerate(values):
        if index:
            result.add_run().add_break()
        run = result.add_run(clean(value))
        run.bold = bold_first and index == 0
    return result


def blocks_side_by_side(
    document: Document, left: list[str], right: list[str], *, width_mm: float = TEXT_WIDTH_MM
) -> None:
    """Two blocks on one level, «СОГЛАСОВАНО» on the left and «УТВЕРЖДАЮ» on the right: a table without borders
    (Word's own way to set two columns of lines side by side), its first lines in bold."""
    result = document.add_table(rows=1, cols=2)
    result.autofit = False
    for cell, values in zip(result.rows[0].cells, (left, right), strict=True):
        cell.width = Mm(width_mm / 2)
        first = cell.paragraphs[0]
        for index, value in enumerate(values):
            if index:
                first.add_run().add_break()
            first.add_run(clean(value)).bold = index == 0
    document.add_paragraph()


def key_values(document: Document, rows: list[tuple[str, str]], *, widths: list[float], size: float = 11):
    """A two-column «Table Grid» table without a header: the name of each field in bold, its text beside it
    (line breaks kept)."""
    result = document.add_table(rows=0, cols=2)
    result.style = document.styles["Table Grid"]
    result.autofit = False
    style = table_style(document, size).style_id
    for key, value in rows:
        row = result.add_row()
        for index, (tc, width) in enumerate(zip(row._tr.tc_lst, widths, strict=True)):
            cell = _Cell(tc, result)
            cell.width = Mm(width)
            paragraph = cell.paragraphs[0]
            paragraph._p.get_or_add_pPr().style = style
            if index == 0:
                paragraph.add_run(clean(key)).bold = True
                continue
            for number, line in enumerate(clean(value).replace("\r\n", "\n").split("\n")):
                if number:
                    paragraph.add_run().add_break()
                paragraph.add_run(line)
    return result


def landscape_section(document: Document):
    """A new section, on a new page, A4 landscape (an order's appendix with a wide table)."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    return section


def draft_mark(document: Document) -> None:
    """«ПРОЕКТ» at the top right of the first page and in the header of every page."""
    mark = document.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    mark.add_run("ПРОЕКТ").bold = True
    header = document.sections[0].header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.add_run("ПРОЕКТ").bold = True


def save(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
