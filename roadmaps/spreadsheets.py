"""Roadmaps to and from xlsx, in the columns the seeds use: №, мероприятие, срок, ответственный, результат.

A row whose number has no inner dot («1», «2.», «I») and whose other columns are empty
is a section; «1.1», «2.1.3» are items. Export writes exactly what the import reads, so a
roadmap exported and imported again is the same roadmap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook

from registry.exporters import XLSX, XlsxSheet, save
from mentoring_portal.spreadsheets import SpreadsheetError, clean_text, normalise, read_table

from .models import Revision
from .services import SectionData, content_of

COLUMNS = {
    "number": ("№", ("№ п/п", "номер", "n", "no", "п/п", "№ пп")),
    "content": (
        "Мероприятие",
        ("мероприятия", "содержание деятельности", "наименование мероприятия", "содержание мероприятия", "содержание"),
    ),
    "deadline": ("Срок", ("сроки", "срок исполнения", "сроки исполнения", "сроки реализации", "срок выполнения")),
    "responsible": ("Ответственный", ("ответственные", "ответственные исполнители", "исполнитель", "исполнители")),
    "result": (
        "Результат / вид документа",
        ("результат", "вид документа", "ожидаемый результат", "итоговый документ", "результат вид документа"),
    ),
}


def header_key(text: str) -> str:
    return " ".join(re.sub(r"[()/\\.,:;_\-]+", " ", normalise(text)).split())


HEADER_LOOKUP = {header_key(name): key for key, (title, synonyms) in COLUMNS.items() for name in (title, *synonyms)}
HEADER_LOOKUP["№"] = "number"
TITLES = {key: title for key, (title, _synonyms) in COLUMNS.items()}


def is_header(cells: list[str]) -> bool:
    keys = {HEADER_LOOKUP.get(header_key(cell)) for cell in cells if cell}
    return {"number", "content"} <= keys


SECTION_NUMBER = re.compile(r"^(?:\d+|[IVXLC]+)\.?$")
ITEM_NUMBER = re.compile(r"^\d+(?:\.\d+)+\.?$")


@dataclass
class RoadmapPlan:
    sections: list[SectionData] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def can_apply(self) -> bool:
        return not self.error and not self.errors and self.item_count > 0


def plan_roadmap(file_name: str, content: bytes) -> RoadmapPlan:
    """Read the table into sections and items; every problem names its row and column."""
    plan = RoadmapPlan()
    try:
        table = read_table(file_name, content, is_header=is_header)
    except SpreadsheetError as error:
        plan.error = str(error)
        return plan
    columns: dict[str, int] = {}
    for index, title in enumerate(table.headers):
        key = HEADER_LOOKUP.get(header_key(title)) if title else None
        if key and key not in columns:
            columns[key] = index
        elif title:
            plan.unknown_columns.append(title)
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = {key: clean_text(cells[index]) if index < len(cells) else "" for key, index in columns.items()}
        label = row.get("number", "").rstrip(".")
        rest = any(row.get(key) for key in ("deadline", "responsible", "result"))
        if SECTION_NUMBER.match(row.get("number", "")) and not rest:
            if not row.get("content"):
                plan.errors.append(_("Строка %(row)s: у раздела %(n)s нет названия.") % {"row": number, "n": label})
                continue
            plan.sections.append(SectionData(label, row["content"]))
            continue
        if not row.get("content"):
            plan.errors.append(
                _("Строка %(row)s, «%(column)s»: пустое мероприятие.") % {"row": number, "column": TITLES["content"]}
            )
            continue
        if not label:
            plan.errors.append(_("Строка %(row)s, «№»: у мероприятия нет номера (например, 1.1).") % {"row": number})
            continue
        if label in seen:
            plan.errors.append(
                _("Строка %(row)s, «№»: номер %(n)s уже был в строке %(first)s.")
                % {"row": number, "n": label, "first": seen[label]}
            )
            continue
        seen[label] = number
        if not plan.sections:
            # A flat list without section rows: one section, numbered after the first item.
            plan.sections.append(SectionData(label.split(".")[0], _("Мероприятия")))
        plan.sections[-1].items.append(
            {
                "number": label,
                "content": row["content"],
                "deadline": row.get("deadline", "")[:255],
                "responsible": row.get("responsible", "")[:500],
                "result": row.get("result", "")[:500],
            }
        )
    if not plan.errors and plan.item_count == 0:
        plan.error = _("В таблице нет ни одного мероприятия.")
    return plan


class RoadmapExport:
    """The roadmap as a table a school can edit in Excel and load back unchanged."""

    def render(self, revision: Revision) -> tuple[str, str, bytes]:
        roadmap = revision.roadmap
        workbook = Workbook(write_only=True)
        sheet = XlsxSheet(workbook, "Дорожная карта", [8, 70, 24, 34, 40])
        sheet.append([roadmap.title], bold=True)
        sheet.append([f"{roadmap.owner_name}; период: {roadmap.period}; редакция {revision.number}"])
        sheet.append([TITLES[key] for key in ("number", "content", "deadline", "responsible", "result")], bold=True)
        for section in content_of(revision):
            sheet.append([section.number, section.title, "", "", ""], bold=True)
            for item in section.items:
                sheet.append([item["number"], item["content"], item["deadline"], item["responsible"], item["result"]])
        return f"Дорожная карта {roadmap.owner_name} {roadmap.period}.xlsx", XLSX, save(workbook)
