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
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
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


def save(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
