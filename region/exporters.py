"""The region's documents: the analytical report (monitoring's, over the area's live figures) and the
figures for the regional statistical forms as xlsx."""

from __future__ import annotations

import datetime

from django.utils import timezone
from openpyxl import Workbook

from mentoring_portal.exporters import XLSX, Exporter, XlsxSheet, save
from monitoring.indicators import INDICATORS, breakdowns, values_of
from monitoring.services import PeriodData

from .access import Area


def area_heading(area: Area) -> dict:
    """The report's title block: the area's office above, every municipality's table in turn."""
    return {
        "title": f"{area.name}, текущие данные",
        "department": area.office or area.name,
        "municipality": "",
        "dates": f"на {timezone.localdate():%d.%m.%Y}",
        "by_municipality": True,
        "generated": datetime.datetime.now().strftime("%d.%m.%Y"),
    }


class AreaFiguresExport(Exporter):
    """Показатели субъекта (округа) для региональных статистических форм: the area's totals against the
    targets, each municipality's indicators with its place, the pairs by form and kind."""

    def render(self, area: Area, data: PeriodData, rows: list[dict]) -> tuple[str, str, bytes]:
        workbook = Workbook(write_only=True)
        summary = XlsxSheet(workbook, "Показатели", [60, 16, 10, 26, 60])
        summary.append([f"{area.kind_label}: {area.name}"], bold=True)
        summary.append([area.office, "", "", "", f"на {timezone.localdate():%d.%m.%Y}"])
        summary.append(["Показатель", "Значение", "Ед.", "Целевое значение", "Как считается"], bold=True)
        for row in values_of(data.total):
            indicator = row["indicator"]
            summary.append([indicator.name, row["value"], indicator.unit, indicator.target_text, indicator.formula])
        table = XlsxSheet(workbook, "Муниципалитеты", [50, 8, 14] + [16] * len(INDICATORS))
        table.append(["Муниципалитет", "Место", "Организаций", *[i.name for i in INDICATORS]], bold=True)
        for row in rows:
            values = [item["value"] for item in row["values"]]
            table.append([row["municipality"].name, row["place"], row["organisations"], *values])
        by_form = XlsxSheet(workbook, "Формы и виды", [60, 16])
        by_form.append(["Форма или вид наставничества", "Пар и групп"], bold=True)
        charts = breakdowns(data.total)
        for label, count in charts["forms"] + charts["kinds"]:
            by_form.append([label, count])
        return f"Показатели {area.name}.xlsx", XLSX, save(workbook)
