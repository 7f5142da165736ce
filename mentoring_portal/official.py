"""The layout of official documents (ГОСТ Р 7.0.97-2016), once for PDF and Word.

An order is data before it is a layout: ``OfficialOrder`` holds what the document says (the
organisation's requisites, «ПРИКАЗ», the date, the number and the place, the title, the text,
«ПРИКАЗЫВАЮ:» with its points, the signature, «С приказом ознакомлены:», an appendix). The app's
exporter fills it from its models; ``templates/pdf/order.html`` lays it out for WeasyPrint and
``order_docx`` for Word, so the two carry the same words. Approval blocks («УТВЕРЖДАЮ»,
«УТВЕРЖДЕНО приказом …», «СОГЛАСОВАНО») are lists of lines built here for both.

The toolbox imports no app: everything arrives as plain text.
"""

from __future__ import annotations

import base64
import datetime
import re
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from docx.shared import Pt

from . import word
from .documents import PDF, html_to_pdf

BLANK_DATE = "«____» ______________ 20____ г."
BLANK_NUMBER = "__________"
MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
# More pairs than this go to «Приложение 1», a table, instead of a point each.
POINTS_AT_MOST = 5


def written_date(value: datetime.date | None) -> str:
    """«15» сентября 2026 г., as an approval block dates; blanks for a date not known yet."""
    if value is None:
        return "«___» ______________ 20___ г."
    return f"«{value.day}» {MONTHS[value.month - 1]} {value.year} г."


@dataclass(frozen=True)
class Letterhead:
    """The organisation at the top of the page: the emblem, the full name, address and codes."""

    name: str
    lines: list[str] = field(default_factory=list)
    emblem: bytes | None = None

    @property
    def emblem_uri(self) -> str:
        """The emblem as a data: URI for the PDF's <img> (no file path or URL reaches WeasyPrint)."""
        if not self.emblem:
            return ""
        kind = "png" if self.emblem.startswith(b"\x89PNG") else "jpeg"
        return f"data:image/{kind};base64,{base64.b64encode(self.emblem).decode()}"


@dataclass(frozen=True)
class Appendix:
    """«Приложение 1 к приказу … от … № …»: a table too wide for the order's page, set landscape."""

    heading: list[str]
    title: str
    header: list[str]
    rows: list[list[str]]
    widths_mm: list[float]


@dataclass(frozen=True)
class OfficialOrder:
    letterhead: Letterhead
    title: str
    preamble: str
    points: list[str]
    signature_position: str
    signature_name: str
    date: str = ""
    number: str = ""
    place: str = ""
    draft: bool = False
    acquainted: list[str] = field(default_factory=list)
    appendix: Appendix | None = None
    kind: str = "ПРИКАЗ"

    @property
    def date_text(self) -> str:
        return self.date or BLANK_DATE

    @property
    def number_text(self) -> str:
        return f"№ {self.number or BLANK_NUMBER}"

    @property
    def numbered_points(self) -> list[tuple[str, str]]:
        """Points «1.», «2.», …; a point that begins with a tab is a sub-point of the one above («2.1.»)."""
        numbered, main, sub = [], 0, 0
        for point in self.points:
            if point.startswith("\t"):
                sub += 1
                numbered.append((f"{main}.{sub}.", point[1:]))
            else:
                main, sub = main + 1, 0
                numbered.append((f"{main}.", point))
        return numbered

    @property
    def acquainted_title(self) -> str:
        return "С приказом ознакомлены:" if len(self.acquainted) > 1 else "С приказом ознакомлен(а):"


def approval_lines(
    *,
    title: list[str],
    order_by: str,
    signer: str,
    date: datetime.date | None,
    order_number: str = "",
    order_date: datetime.date | None = None,
    order_text: str = "",
) -> list[str]:
    """The approval block, consistent with the approval recorded.

    An approval that cites an order is «УТВЕРЖДЕНО / приказом <order_by> / от <date> № <number>»: the
    order's date, never the day a button was pressed (``order_text`` when the citation was not read as
    a number and a date). Otherwise it is the paper signature «УТВЕРЖДАЮ / Директор МБОУ … / ________
    В.И. Зайцев / «15» сентября 2026 г.», with blanks for a date not recorded yet. ``title`` is the
    approver's position with the organisation, in one line or more.
    """
    if order_number or order_date:
        parts = [f"от {order_date:%d.%m.%Y}" if order_date else "", f"№ {order_number}" if order_number else ""]
        return ["УТВЕРЖДЕНО", f"приказом {order_by}", " ".join(part for part in parts if part)]
    if order_text:
        return ["УТВЕРЖДЕНО", f"приказом {order_by}", order_text]
    return ["УТВЕРЖДАЮ", *title, f"____________ {signer}".rstrip(), written_date(date)]


ORDER_NUMBER = re.compile(r"№\s*([^\s,;]+)")
ORDER_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


def read_order_citation(text: str) -> tuple[str, datetime.date | None]:
    """The number and the date of an order cited as people write it: «№ 45 от 01.09.2026», «от 01.09.2026
    № 45-д»; ("", None) for what is missing or not a date."""
    number = ORDER_NUMBER.search(text or "")
    found = ORDER_DATE.search(text or "")
    date = None
    if found:
        day, month, year = (int(part) for part in found.groups())
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            date = None
    return (number.group(1) if number else ""), date


FORMATS = ("pdf", "docx")


def check_format(format: str) -> None:
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}, expected one of {FORMATS}")


def render_order(order: OfficialOrder, stem: str, format: str) -> tuple[str, str, bytes]:
    """The order as ``<stem>.pdf`` (``templates/pdf/order.html``) or ``<stem>.docx``, from the same data."""
    check_format(format)
    if format == "docx":
        return f"{stem}.docx", word.DOCX, order_docx(order)
    return f"{stem}.pdf", PDF, html_to_pdf(render_to_string("pdf/order.html", {"order": order}))


def order_docx(order: OfficialOrder) -> bytes:
    """The order in Word: paragraphs with tab stops and a table per list, A4 portrait; the appendix in a
    landscape section of its own."""
    document = word.new_document()
    if order.draft:
        word.draft_mark(document)
    head = order.letterhead
    word.requisites(document, name=head.name, lines=head.lines, emblem=head.emblem)
    word.centred(document, order.kind, bold=True, size=14)
    word.spread(document, order.date_text, order.number_text)
    if order.place:
        word.centred(document, order.place)
    word.centred(document, order.title, bold=True).paragraph_format.space_before = Pt(12)
    word.text(document, order.preamble)
    word.paragraph(document, lead="ПРИКАЗЫВАЮ:")
    for number, point in order.numbered_points:
        word.text(document, f"{number} {point}")
    word.signature_line(document, order.signature_position, order.signature_name)
    if order.acquainted:
        word.paragraph(document, order.acquainted_title).paragraph_format.space_before = Pt(18)
        word.table(
            document,
            ["Фамилия, инициалы", "Подпись", "Дата"],
            [[name, "", "«___» ________ 20___ г."] for name in order.acquainted],
            widths=[70, 45, 55],
            size=11,
        )
    if order.appendix:
        appendix_docx(document, order.appendix)
    return word.save(document)


def appendix_docx(document, appendix: Appendix) -> None:
    word.landscape_section(document)
    word.block(document, appendix.heading, indent_mm=170)
    word.centred(document, appendix.title, bold=True)
    word.table(document, appendix.header, appendix.rows, widths=appendix.widths_mm, size=10)
