"""Analytical reports out of the figures: PDF (WeasyPrint, print CSS only) and xlsx.

One class per document, ``render(...) -> (filename, content_type, bytes)``. The organisation
table is laid out with ``table-layout: fixed`` and explicit widths: WeasyPrint then does not
measure every cell to size the columns, which is what makes long tables slow.
"""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from mentoring_portal.documents import PDF, html_to_pdf, render_parts
from mentoring_portal.exporters import XLSX, Exporter, XlsxSheet, save

from .charts import bar_chart
from .indicators import INDICATORS, breakdowns, format_value, values_of
from .services import PeriodData

TABLE_COLUMNS = [
    ("workers", "Педагогов"),
    ("mentors", "Наставников"),
    ("mentees", "Наставляемых"),
    ("pairs", "Пар"),
    ("groups", "Групп"),
    ("involved_share", "Вовлечено, %"),
    ("young_with_mentor", "Молодых с наставником"),
    ("items_overdue", "Просрочено пунктов ДК"),
]


# Column titles of the region-scale report's compact table (the legend in the template spells them out).
COMPACT_TITLES = ["Педагогов", "Наставн.", "Наставл.", "Пар", "Групп", "Вовлеч., %", "Молод. с н.", "Просроч."]


def organisation_row(figures: dict) -> list[str]:
    values = {row["indicator"].code: row for row in values_of(figures, per_organisation=True)}
    return [format_value(values[code]["value"], values[code]["indicator"].unit) for code, _title in TABLE_COLUMNS]


def report_context(data: PeriodData, heading: dict, texts: dict | None = None, questionnaires=()) -> dict:
    charts = breakdowns(data.total)
    groups: dict[str, list] = {}
    for row in data.rows:
        organisation = row["organisation"]
        key = organisation.municipality.name if heading.get("by_municipality") else ""
        groups.setdefault(key, []).append((organisation.short_name, organisation_row(row["figures"])))
    return {
        "heading": heading,
        "today": timezone.localdate(),
        "summary": [
            {**row, "text": format_value(row["value"], row["indicator"].unit)} for row in values_of(data.total)
        ],
        "has_data": bool(data.rows),
        "tables": sorted(groups.items()),
        "columns": [title for _code, title in TABLE_COLUMNS],
        "missing": data.missing,
        "submitted": data.submitted,
        "chart_forms": bar_chart(charts["forms"], title="Пары и группы по формам наставничества"),
        "chart_kinds": bar_chart(charts["kinds"], title="Пары и группы по видам наставничества"),
        "texts": texts or {},
        "questionnaires": questionnaires,
    }


class AnalyticalReport(Exporter):
    """Аналитическая справка: title block, indicators against targets, charts, a table per organisation.

    A municipality's report (up to a few hundred schools) is one document. A region's is
    rendered in parts, a few hundred rows each, in parallel (``mentoring_portal.documents.render_parts``).
    """

    ROWS_PER_PART = 250

    def render(self, data: PeriodData, heading: dict, texts: dict | None = None, questionnaires=()):
        context = report_context(data, heading, texts, questionnaires)
        filename = f"Аналитическая справка {heading['title']}.pdf"
        if len(data.rows) <= self.ROWS_PER_PART:
            return filename, PDF, html_to_pdf(render_to_string("pdf/analytical_report.html", context))
        parts = [render_to_string("pdf/analytical_report.html", context | {"part": "head"})]
        compact = {"compact": True, "compact_header": self.line(COMPACT_TITLES)}
        for index, chunk in enumerate(self.chunks(context["tables"])):
            lines = [(name, [(org, self.line(values)) for org, values in rows]) for name, rows in chunk]
            part = context | compact | {"part": "table", "tables": lines, "first_chunk": index == 0}
            parts.append(render_to_string("pdf/analytical_report.html", part))
        parts.append(render_to_string("pdf/analytical_report.html", context | {"part": "tail"}))
        return filename, PDF, render_parts(parts)

    @staticmethod
    def line(values) -> str:
        """The figures of one organisation as one fixed-width line: one text box instead of eight cells,
        which is what WeasyPrint spends its time on in a long table."""
        return "".join(str(value)[:11].rjust(12) for value in values)

    def chunks(self, tables: list[tuple[str, list]]) -> list[list[tuple[str, list]]]:
        """Whole municipalities' tables, gathered into parts of about ``ROWS_PER_PART`` rows."""
        chunks, current, size = [], [], 0
        for name, rows in tables:
            for start in range(0, len(rows), self.ROWS_PER_PART):
                piece = rows[start : start + self.ROWS_PER_PART]
                if current and size + len(piece) > self.ROWS_PER_PART:
                    chunks.append(current)
                    current, size = [], 0
                current.append((name, piece))
                size += len(piece)
        if current:
            chunks.append(current)
        return chunks


class SchoolReportDocument(Exporter):
    """The school's own report for a period (or its live figures)."""

    def render(self, organisation, figures: dict, heading: dict, report=None, checklist=()):
        summary = [
            {**row, "text": format_value(row["value"], row["indicator"].unit)}
            for row in values_of(figures, per_organisation=True)
        ]
        html = render_to_string(
            "pdf/school_report.html",
            {
                "organisation": organisation,
                "heading": heading,
                "summary": summary,
                "report": report,
                "checklist": checklist,
                "today": timezone.localdate(),
            },
        )
        return f"Отчёт {organisation.short_name} {heading['title']}.pdf", PDF, html_to_pdf(html)


class FiguresExport(Exporter):
    """The same figures in xlsx, shaped for filling in the regional statistical forms."""

    def render(self, data: PeriodData, heading: dict) -> tuple[str, str, bytes]:
        workbook = Workbook(write_only=True)
        summary = XlsxSheet(workbook, "Показатели", [60, 16, 10, 26, 60])
        summary.append([heading["title"]], bold=True)
        summary.append([heading.get("department", ""), "", "", "", f"на {timezone.localdate():%d.%m.%Y}"])
        summary.append(["Показатель", "Значение", "Ед.", "Целевое значение", "Как считается"], bold=True)
        for row in values_of(data.total):
            indicator = row["indicator"]
            summary.append([indicator.name, row["value"], indicator.unit, indicator.target_text, indicator.formula])
        by_form = XlsxSheet(workbook, "Формы и виды", [60, 16])
        by_form.append(["Форма или вид наставничества", "Пар и групп"], bold=True)
        charts = breakdowns(data.total)
        for label, count in charts["forms"] + charts["kinds"]:
            by_form.append([label, count])
        table = XlsxSheet(workbook, "Организации", [50, 30] + [14] * len(INDICATORS))
        codes = [indicator for indicator in INDICATORS if indicator.per_organisation]
        table.append(["Организация", "Муниципалитет", *[indicator.name for indicator in codes]], bold=True)
        for row in data.rows:
            values = {
                item["indicator"].code: item["value"] for item in values_of(row["figures"], per_organisation=True)
            }
            organisation = row["organisation"]
            table.append([organisation.short_name, organisation.municipality.name, *[values[i.code] for i in codes]])
        for organisation in data.missing:
            table.append([organisation.short_name, organisation.municipality.name, "отчёт не сдан"])
        return f"Показатели {heading['title']}.xlsx", XLSX, save(workbook)


def heading_for(period=None, municipality=None, title: str | None = None) -> dict:
    municipality = period.municipality if period else municipality
    return {
        "title": title or (period.title if period else "текущие данные"),
        "department": municipality.department_name if municipality else "",
        "municipality": municipality.name if municipality else "",
        "dates": (
            f"с {period.starts_on:%d.%m.%Y} по {period.ends_on:%d.%m.%Y}"
            if period
            else f"на {timezone.localdate():%d.%m.%Y}"
        ),
        "by_municipality": municipality is None,
        "generated": datetime.datetime.now().strftime("%d.%m.%Y"),
    }
