"""Analytical reports out of the figures: PDF (WeasyPrint, print CSS only), Word (python-docx) and xlsx.

One class per document, ``render(...) -> (filename, content_type, bytes)``; a document that comes in
PDF and Word renders both from one context (``format="pdf"`` or ``"docx"``), so the two carry the same
headings, figures and texts. The organisation table is laid out with ``table-layout: fixed`` and
explicit widths: WeasyPrint then does not measure every cell to size the columns, which is what makes
long tables slow. Its headers are set small and hyphenated in their narrow columns, so
«Наставляемых» breaks inside its own column instead of running into «Пар».
"""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from mentoring_portal import word
from mentoring_portal.documents import PDF, html_to_pdf, render_parts
from mentoring_portal.exporters import XLSX, Exporter, XlsxSheet, save
from registry.years import previous_year, year_of

from .charts import bar_chart
from .indicators import INDICATORS, breakdowns, format_value, values_of
from .models import MonitoringPeriod, SchoolReport
from .services import PeriodData, live_data, period_data, questionnaire_results, readiness

FORMATS = ("pdf", "docx")

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


def check_format(format: str) -> None:
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}, expected one of {FORMATS}")


def organisation_row(figures: dict) -> list[str]:
    values = {row["indicator"].code: row for row in values_of(figures, per_organisation=True)}
    return [format_value(values[code]["value"], values[code]["indicator"].unit) for code, _title in TABLE_COLUMNS]


def answer_summary(row: dict) -> str:
    """One question's result as the report writes it."""
    if row["hidden"]:
        return "ответов меньше трёх, распределение не показывается"
    if row.get("average"):
        return f"средняя оценка {row['average']:g} из 5".replace(".", ",")
    if row.get("yes") is not None:
        return f"да: {row['yes']}, нет: {row['no']}"
    return f"ответов: {row['count']}"


def period_questionnaires(period: MonitoringPeriod) -> list[dict]:
    return [
        {"questionnaire": questionnaire, "results": questionnaire_results(questionnaire)}
        for questionnaire in period.questionnaires.all()
    ]


def format_change(value, before, unit: str) -> str:
    """«+5,2 п. п.» for a share, «+12» or «−3» for a count, «0» for none; «—» when either is missing."""
    if value is None or before is None:
        return "—"
    change = value - before
    if unit == "%":
        text = f"{abs(change):.1f}".replace(".", ",")
        sign = "+" if change > 0.05 else "−" if change < -0.05 else ""
        return f"{sign}{text} п. п." if sign else "0,0 п. п."
    sign = "+" if change > 0 else "−" if change < 0 else ""
    return f"{sign}{abs(change):g}"


def previous_period(period: MonitoringPeriod) -> MonitoringPeriod | None:
    """Last academic year's period of the same municipality (the newest one with submitted reports)."""
    this_year = year_of(period.municipality, period.ends_on, create=False)
    last = previous_year(this_year, create=False)
    return (
        MonitoringPeriod.objects.filter(
            municipality_id=period.municipality_id,
            ends_on__gte=last.starts_on,
            ends_on__lte=last.ends_on,
            reports__status=SchoolReport.Status.SUBMITTED,
        )
        .distinct()
        .order_by("-ends_on", "-pk")
        .first()
    )


def comparison(period: MonitoringPeriod) -> dict | None:
    """Last year's values of the indicators, by code, with the period they come from."""
    before = previous_period(period)
    if before is None:
        return None
    values = {row["indicator"].code: row["value"] for row in values_of(period_data(before).total)}
    return {"title": before.title, "values": values}


def with_comparison(summary: list[dict], previous: dict | None) -> list[dict]:
    if previous is None:
        return summary
    for row in summary:
        indicator = row["indicator"]
        before = previous["values"].get(indicator.code)
        row["previous_text"] = format_value(before, indicator.unit)
        row["change"] = format_change(row["value"], before, indicator.unit)
    return summary


def report_context(
    data: PeriodData, heading: dict, texts: dict | None = None, questionnaires=(), previous: dict | None = None
) -> dict:
    totals = breakdowns(data.total)
    groups: dict[str, list] = {}
    for row in data.rows:
        organisation = row["organisation"]
        key = organisation.municipality.name if heading.get("by_municipality") else ""
        groups.setdefault(key, []).append((organisation.short_name, organisation_row(row["figures"])))
    charts = [
        {"title": title, "rows": totals[key]}
        for key, title in (
            ("forms", "Пары и группы по формам наставничества"),
            ("kinds", "Пары и группы по видам наставничества"),
        )
    ]
    texts = texts or {}
    return {
        "heading": heading,
        "today": timezone.localdate(),
        "summary": with_comparison(
            [{**row, "text": format_value(row["value"], row["indicator"].unit)} for row in values_of(data.total)],
            previous,
        ),
        "previous": previous,
        "has_data": bool(data.rows),
        "tables": sorted(groups.items()),
        "columns": [title for _code, title in TABLE_COLUMNS],
        "missing": data.missing,
        "submitted": data.submitted,
        "charts": [chart | {"svg": bar_chart(chart["rows"], title=chart["title"])} for chart in charts],
        "conclusions": texts.get("conclusions") or "Выводы не сформулированы.",
        "proposals": texts.get("proposals") or "—",
        "questionnaires": [
            {
                "title": item["questionnaire"].title,
                "count": item["results"]["count"],
                "answers": [(row["question"].text, answer_summary(row)) for row in item["results"]["questions"]],
            }
            for item in questionnaires
        ],
    }


class AnalyticalReport(Exporter):
    """Аналитическая справка: title block, indicators against targets, charts, a table per organisation.

    ``AnalyticalReport().render(period, format="docx")`` renders a monitoring period's report (its frozen
    figures, questionnaires, conclusions and proposals); figures gathered otherwise (a region's live
    figures in the benchmark) come as ``render(data, heading)``. A municipality's PDF (up to a few
    hundred schools) is one document. A region's is rendered in parts, a few hundred rows each: in the
    portal as jobs of the task queue (``parts`` here, ``monitoring.tasks.analytical_report_job``).
    """

    ROWS_PER_PART = 250

    def render(self, source, heading=None, texts=None, questionnaires=(), *, format: str = "pdf"):
        check_format(format)
        previous = None
        if isinstance(source, MonitoringPeriod):
            texts = {"conclusions": source.conclusions, "proposals": source.proposals}
            previous = comparison(source)
            source, heading, questionnaires = period_data(source), heading_for(source), period_questionnaires(source)
        context = report_context(source, heading, texts, questionnaires, previous)
        filename = f"Аналитическая справка {heading['title']}"
        if format == "docx":
            return f"{filename}.docx", word.DOCX, analytical_docx(context)
        return f"{filename}.pdf", PDF, self.pdf(context, len(source.rows))

    def in_parts(self, rows: int) -> bool:
        """Large enough to render in parts: the portal then makes it a job rather than a download."""
        return rows > self.ROWS_PER_PART

    def pdf(self, context: dict, rows: int) -> bytes:
        if not self.in_parts(rows):
            return html_to_pdf(render_to_string("pdf/analytical_report.html", context))
        return render_parts(self.parts(context))

    def parts(self, context: dict) -> list[str]:
        """The report's HTML in independent parts: the head, tables of about ``ROWS_PER_PART`` rows, the tail."""
        parts = [render_to_string("pdf/analytical_report.html", context | {"part": "head"})]
        compact = {"compact": True}
        for index, chunk in enumerate(self.chunks(context["tables"])):
            lines = [(name, [(org, self.line(values)) for org, values in rows]) for name, rows in chunk]
            part = context | compact | {"part": "table", "tables": lines, "first_chunk": index == 0}
            parts.append(render_to_string("pdf/analytical_report.html", part))
        parts.append(render_to_string("pdf/analytical_report.html", context | {"part": "tail"}))
        return parts

    @staticmethod
    def line(values) -> str:
        """The figures of one organisation as one fixed-width line: one text box instead of eight cells,
        which is what WeasyPrint spends its time on in a long table. Each figure ends a character short
        of its column's rule, as a cell's padding would."""
        return "".join(str(value)[:10].rjust(11) + " " for value in values)

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


def chart_png(svg: str) -> bytes:
    """The chart's SVG as a PNG for Word, which shows SVG only from Office 2016 and LibreOffice only in part.

    CairoSVG draws the very SVG the page and the PDF show (``monitoring/charts.py``), so the three
    never differ and there is one drawing of the bars to maintain. Bars rebuilt from Word tables or
    DrawingML shapes would be a second chart to keep in step, and shapes are what LibreOffice edits
    worst. CairoSVG needs libcairo2, a Debian package beside pango (``.ci/run``, README).
    """
    import cairosvg

    return cairosvg.svg2png(bytestring=str(svg).encode(), scale=2)


def analytical_docx(context: dict) -> bytes:
    """The analytical report in Word: the PDF's sections in the same order, with the same words."""
    heading = context["heading"]
    document = word.new_document(landscape=True)
    word.centred(document, heading["department"] or heading["municipality"], bold=True)
    word.lines(
        document,
        "Аналитическая справка\nпо итогам мониторинга реализации системы наставничества педагогических работников",
        style="Title",
    )
    place = f", {heading['municipality']}" if heading["municipality"] else ""
    word.centred(document, f"{heading['title']}{place}")
    word.centred(
        document,
        f"Отчётный период: {heading['dates']}. Справка сформирована {context['today']:%d.%m.%Y}.",
        size=10,
    )
    if context["has_data"]:
        analytical_docx_figures(document, context)
    else:
        word.heading(document, "Нет данных", level=1)
        word.paragraph(document, no_data_text(context["missing"]))
    analytical_docx_tail(document, context)
    return word.save(document)


def no_data_text(missing: list) -> str:
    if missing:
        return f"Ни одна из {len(missing)} организаций не сдала отчёт за этот период. Показатели не рассчитаны."
    return "В муниципалитете нет организаций, по которым можно собрать данные. Показатели не рассчитаны."


def analytical_docx_figures(document, context: dict) -> None:
    word.heading(document, "1. Показатели и целевые значения", level=1)
    if context["previous"]:
        word.table(
            document,
            [
                "Показатель",
                "Значение",
                f"Прошлый год ({context['previous']['title']})",
                "Изменение",
                "Целевое значение",
            ],
            [
                [
                    row["indicator"].name,
                    row["text"],
                    row["previous_text"],
                    row["change"],
                    row["indicator"].target_text or "—",
                ]
                for row in context["summary"]
            ],
            widths=[95, 30, 45, 32, 55],
            size=10,
        )
    else:
        word.table(
            document,
            ["Показатель", "Значение", "Целевое значение", "Как считается"],
            [
                [row["indicator"].name, row["text"], row["indicator"].target_text or "—", row["indicator"].formula]
                for row in context["summary"]
            ],
            widths=[95, 30, 45, 87],
            size=10,
        )
    missing = f"; не сдали: {len(context['missing'])}" if context["missing"] else ""
    word.paragraph(document, f"Сдали отчёт организаций: {context['submitted']}{missing}.")
    word.heading(document, "2. Формы и виды наставничества", level=1)
    for chart in context["charts"]:
        shown = "; ".join(f"{label}: {value:g}" for label, value in chart["rows"]) or "нет данных"
        word.picture(document, chart_png(chart["svg"]), width_mm=170, description=f"{chart['title']}. {shown}")
    word.heading(document, "3. Показатели по организациям", level=1)
    # Landscape text width is 257 mm: the name takes 65, each of the eight figures 24.
    for group_name, rows in context["tables"]:
        if group_name:
            word.heading(document, group_name, level=2)
        word.table(
            document,
            ["Организация", *context["columns"]],
            [[name, *values] for name, values in rows],
            widths=[65] + [24] * len(context["columns"]),
            size=9,
            numeric_from=1,
        )
    if context["missing"]:
        names = ", ".join(organisation.short_name for organisation in context["missing"])
        word.paragraph(document, f" {names}.", lead="Не сдали отчёт:")


def analytical_docx_tail(document, context: dict) -> None:
    if context["questionnaires"]:
        word.heading(document, "4. Анкетирование", level=1)
    for item in context["questionnaires"]:
        word.paragraph(document, f": ответов {item['count']}.", lead=item["title"])
        for question, summary in item["answers"]:
            word.paragraph(document, f"{question} — {summary}", style="List Bullet")
    word.heading(document, "Выводы", level=1)
    word.lines(document, context["conclusions"])
    word.heading(document, "Предложения", level=1)
    word.lines(document, context["proposals"])
    word.signature(document, "Муниципальный координатор")


def school_report_context(period: MonitoringPeriod, organisation) -> dict:
    """The school's report: the figures frozen when it was submitted, or today's live ones before that."""
    report = SchoolReport.objects.filter(period=period, organisation=organisation, status="submitted").first()
    if report is not None:
        figures, checklist = report.figures, report.figures.get("readiness", [])
    else:
        figures, checklist = live_data([organisation]).rows[0]["figures"], readiness(organisation)
    return {
        "organisation": organisation,
        "heading": heading_for(period),
        "summary": [
            {**row, "text": format_value(row["value"], row["indicator"].unit)}
            for row in values_of(figures, per_organisation=True)
        ],
        "report": report,
        "texts": [
            ("Как идёт наставничество", report.narrative),
            ("Трудности", report.difficulties),
            ("Лучшая практика", report.best_practice),
        ]
        if report
        else [],
        "checklist": checklist,
        "today": timezone.localdate(),
    }


class SchoolReportDocument(Exporter):
    """The school's own report for a period: ``SchoolReportDocument().render(period, organisation, format=...)``.

    Submitted, it shows the figures frozen at submission; before that, the school's live figures.
    """

    def render(self, period: MonitoringPeriod, organisation, *, format: str = "pdf"):
        check_format(format)
        context = school_report_context(period, organisation)
        filename = f"Отчёт {organisation.short_name} {context['heading']['title']}"
        if format == "docx":
            return f"{filename}.docx", word.DOCX, school_docx(context)
        return f"{filename}.pdf", PDF, html_to_pdf(render_to_string("pdf/school_report.html", context))


def school_docx(context: dict) -> bytes:
    """The school's report in Word, as the PDF lays it out."""
    report = context["report"]
    document = word.new_document()
    word.centred(document, context["organisation"].full_name, bold=True)
    word.lines(document, f"Отчёт о реализации системы наставничества\n{context['heading']['title']}", style="Title")
    submitted = f" Сдан {timezone.localtime(report.submitted_at):%d.%m.%Y}." if report and report.submitted_at else ""
    word.centred(document, f"Отчётный период: {context['heading']['dates']}.{submitted}", size=10)
    word.heading(document, "Показатели", level=1)
    word.table(
        document,
        ["Показатель", "Значение"],
        [[row["indicator"].name, row["text"]] for row in context["summary"]],
        widths=[134, 36],
        numeric_from=1,
    )
    if context["checklist"]:
        word.heading(document, "Чек-лист готовности", level=1)
        word.table(
            document,
            ["Условие", "Выполнено", "Подтверждение"],
            [[check["label"], "да" if check["done"] else "нет", check["evidence"]] for check in context["checklist"]],
            widths=[85, 25, 60],
            size=10,
        )
    for title, text in context["texts"]:
        word.heading(document, title, level=1)
        word.lines(document, text or "—")
    word.signature(document, "Руководитель")
    word.signature(document, "Куратор наставничества")
    return word.save(document)


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
