"""The roadmap as a table a school edits in Excel: the columns ``roadmaps.importing`` reads back unchanged."""

from __future__ import annotations

from openpyxl import Workbook

from mentoring_portal.exporters import XLSX, Exporter, XlsxSheet, save

from .importing import COLUMNS
from .models import Revision
from .services import content_of

TITLES = {key: str(COLUMNS.title(key)) for key in ("number", "content", "deadline", "responsible", "result")}


class RoadmapExport(Exporter):
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
