"""The monitoring documents as a coordinator and a school file them: the analytical report and the school's
report, in PDF and in Word, with the same headings, figures and texts; the report's tables stay on the page."""

from __future__ import annotations

import datetime
import io
import itertools

import docx
import pdfplumber
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from monitoring.indicators import empty_figures
from monitoring.models import MonitoringPeriod, SchoolReport
from monitoring.reports import AnalyticalReport, SchoolReportDocument, format_change
from monitoring.services import report_submit
from registry.models import Role
from registry.years import year_of
from tests.factories import MunicipalityFactory, OrganisationFactory, PersonFactory, make_user
from tests.utils import downloaded

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RIGHT_MARGIN = 15 / 25.4 * 72  # the reports' @page margin, in points
A4 = (595.28, 841.89)


@pytest.fixture
def district():
    """A district of 100 schools with long names, each with a submitted report."""
    municipality = MunicipalityFactory()
    period = MonitoringPeriod.objects.create(
        municipality=municipality,
        title="Муниципальный мониторинг, апрель 2026",
        starts_on=TODAY - datetime.timedelta(days=365),
        ends_on=TODAY,
        deadline=TODAY,
        conclusions="Наставничество ведётся во всех организациях.\nДоля молодых педагогов с наставником растёт.",
        proposals="Провести семинар для кураторов.",
    )
    schools = [
        OrganisationFactory(
            municipality=municipality,
            short_name=f"МБОУ «Средняя общеобразовательная школа № {n} имени Героя Советского Союза И.И. Иванова»",
        )
        for n in range(1, 101)
    ]
    figures = empty_figures() | {
        "workers": 1234,
        "mentors": 123,
        "mentees": 234,
        "pairs": 111,
        "groups": 22,
        "involved": 357,
        "young": 90,
        "young_with_mentor": 87,
        "items_overdue": 123,
        "runs_mentoring": 1,
        "forms": {"teacher_teacher": 100, "leader_teacher": 33},
        "kinds": {"traditional": 120, "virtual": 13},
    }
    SchoolReport.objects.bulk_create(
        [
            SchoolReport(
                period=period, organisation=school, status="submitted", figures=figures, submitted_at=timezone.now()
            )
            for school in schools
        ]
    )
    return {"municipality": municipality, "period": period, "schools": schools}


def overlapping_characters(page, tolerance: float = 0.5) -> list[str]:
    """Pairs of characters on one line whose boxes overlap: text that runs into its neighbour."""
    lines: dict[int, list[dict]] = {}
    for char in page.chars:
        if char["text"].strip():
            lines.setdefault(round(char["top"]), []).append(char)
    found = []
    for chars in lines.values():
        chars.sort(key=lambda char: char["x0"])
        found += [a["text"] + b["text"] for a, b in itertools.pairwise(chars) if a["x1"] - b["x0"] > tolerance]
    return found


def characters_across_rules(page, tolerance: float = 0.5) -> list[str]:
    """Characters that a table's vertical rule runs through: text out of its column."""
    rules = [edge for edge in page.edges if edge["orientation"] == "v"]
    return [
        char["text"]
        for char in page.chars
        for rule in rules
        if char["x0"] + tolerance < rule["x0"] < char["x1"] - tolerance
        and rule["top"] <= char["top"] + 1
        and rule["bottom"] >= char["bottom"] - 1
    ]


def assert_inside_the_page(pdf: bytes) -> str:
    """No character overlaps another, crosses a column rule or passes the right margin; the text back."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            assert (round(page.width, 2), round(page.height, 2)) == (A4[1], A4[0])  # A4 landscape
            assert overlapping_characters(page) == [], f"page {page.page_number}"
            assert characters_across_rules(page) == [], f"page {page.page_number}"
            beyond = [char["text"] for char in page.chars if char["x1"] > page.width - RIGHT_MARGIN + 0.5]
            assert beyond == [], f"page {page.page_number}"
        return " ".join(page.extract_text() for page in document.pages)


def test_the_report_of_100_schools_keeps_every_header_in_its_column_and_inside_the_page(district):
    _name, content_type, pdf = AnalyticalReport().render(district["period"])
    assert content_type == "application/pdf"
    text = assert_inside_the_page(pdf)
    assert "Наставников" in text and "Педагогов" in text
    assert "НаставниковНаставляемых" not in text.replace("\n", "")


def test_the_region_scale_table_keeps_its_figures_under_their_own_headers(district):
    """Past ``ROWS_PER_PART`` rows each row's figures are one monospaced line under real header cells."""
    report = AnalyticalReport()
    report.ROWS_PER_PART = 40
    _name, _type, pdf = report.render(district["period"])
    assert "Педагогов" in assert_inside_the_page(pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = next(page for page in document.pages if "Организация" in (page.extract_text() or ""))
        words = page.extract_words()
        header = next(word for word in words if word["text"] == "Педагогов")
        figure = next(word for word in words if word["text"] == "1234" and word["top"] > header["bottom"])
        # The figure stands under its header: right edges within a character of each other at most.
        assert header["x0"] - 5 < figure["x0"] and figure["x1"] < header["x1"] + 8


def test_the_report_in_word_carries_the_pdfs_headings_figures_and_conclusions(district):
    name, content_type, content = AnalyticalReport().render(district["period"], format="docx")
    assert (name, content_type) == ("Аналитическая справка Муниципальный мониторинг, апрель 2026.docx", DOCX)
    document = docx.Document(io.BytesIO(content))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    paragraphs = [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]
    assert paragraphs[1][0] == "Title" and paragraphs[1][1].startswith("Аналитическая справка")
    headings = [text for style, text in paragraphs if style.startswith("Heading")]
    assert headings == [
        "1. Показатели и целевые значения",
        "2. Формы и виды наставничества",
        "3. Показатели по организациям",
        "Выводы",
        "Предложения",
    ]
    texts = "\n".join(text for _style, text in paragraphs)
    assert "Наставничество ведётся во всех организациях.\nДоля молодых педагогов с наставником растёт." in texts
    assert "Провести семинар для кураторов." in texts
    assert "Сдали отчёт организаций: 100." in texts

    indicators, organisations = document.tables
    assert [cell.text for cell in indicators.rows[0].cells] == [
        "Показатель",
        "Значение",
        "Целевое значение",
        "Как считается",
    ]
    assert [cell.text for cell in indicators.rows[1].cells][:2] == ["Педагогических работников", "123400"]
    header = [cell.text for cell in organisations.rows[0].cells]
    assert header[:4] == ["Организация", "Педагогов", "Наставников", "Наставляемых"]
    assert organisations.rows[0]._tr.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None  # repeats on each page
    rows = [[cell.text for cell in row.cells] for row in organisations.rows[1:]]
    assert len(rows) == 100
    assert rows[0] == [district["schools"][0].short_name, "1234", "123", "234", "111", "22", "28,9 %", "87", "123"]
    # The two charts are pictures (PNG), inline in their paragraphs, with the figures as their alternative text.
    pictures = document.inline_shapes
    assert len(pictures) == 2
    descriptions = [shape._inline.docPr.get("descr") for shape in pictures]
    assert descriptions[0].startswith("Пары и группы по формам наставничества.") and "10000" in descriptions[0]
    blobs = [part.blob for part in document.part.package.parts if part.content_type == "image/png"]
    assert len(blobs) == 2 and all(blob.startswith(b"\x89PNG") for blob in blobs)


def test_the_report_in_word_without_reports_says_there_is_no_data(district):
    SchoolReport.objects.filter(period=district["period"]).update(status="draft")
    _name, _type, content = AnalyticalReport().render(district["period"], format="docx")
    text = "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(content)).paragraphs)
    assert "Нет данных" in text and "Ни одна из 100 организаций не сдала отчёт" in text


def test_characters_xml_forbids_are_left_out_of_the_word_file(district):
    """A vertical tab pasted from another program into the conclusions or a school's name."""
    MonitoringPeriod.objects.filter(pk=district["period"].pk).update(conclusions="Итоги\x0bгода\x1f.")
    school = district["schools"][0]
    school.short_name = "МБОУ «Школа\x0b№ 1»"
    school.save()
    _name, _type, content = AnalyticalReport().render(
        MonitoringPeriod.objects.get(pk=district["period"].pk), format="docx"
    )
    document = docx.Document(io.BytesIO(content))
    assert "Итогигода." in [paragraph.text for paragraph in document.paragraphs]
    assert "МБОУ «Школа№ 1»" in [row.cells[0].text for row in document.tables[1].rows]


def test_an_unknown_format_is_refused(district):
    with pytest.raises(ValueError):
        AnalyticalReport().render(district["period"], format="odt")


@pytest.fixture
def school_report(town):
    """The lyceum's submitted report for a period, with its texts."""
    PersonFactory.create_batch(3, organisation=town["school"])
    period = MonitoringPeriod.objects.create(
        municipality=town["municipality"],
        title="Муниципальный мониторинг, апрель 2026",
        starts_on=TODAY - datetime.timedelta(days=365),
        ends_on=TODAY,
        deadline=TODAY,
    )
    report_submit(
        user=town["curator"],
        period=period,
        organisation=town["school"],
        texts={"narrative": "Пары работают по плану.", "difficulties": "", "best_practice": "Методический час."},
    )
    return {**town, "period": period}


def test_the_school_report_in_word_has_the_pdfs_title_figures_checklist_and_texts(school_report):
    period, school = school_report["period"], school_report["school"]
    name, content_type, content = SchoolReportDocument().render(period, school, format="docx")
    assert (name, content_type) == (f"Отчёт {school.short_name} Муниципальный мониторинг, апрель 2026.docx", DOCX)
    document = docx.Document(io.BytesIO(content))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4 portrait
    paragraphs = [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]
    assert paragraphs[0][1] == school.full_name
    assert paragraphs[1] == (
        "Title",
        "Отчёт о реализации системы наставничества\nМуниципальный мониторинг, апрель 2026",
    )
    assert f"Сдан {TODAY:%d.%m.%Y}." in paragraphs[2][1]
    headings = [text for style, text in paragraphs if style.startswith("Heading")]
    assert headings == ["Показатели", "Чек-лист готовности", "Как идёт наставничество", "Трудности", "Лучшая практика"]
    texts = [text for _style, text in paragraphs]
    assert "Пары работают по плану." in texts and "Методический час." in texts and "—" in texts
    figures, checklist = document.tables
    assert [cell.text for cell in figures.rows[0].cells] == ["Показатель", "Значение"]
    assert [cell.text for cell in figures.rows[1].cells] == ["Педагогических работников", "3"]
    assert [cell.text for cell in checklist.rows[0].cells] == ["Условие", "Выполнено", "Подтверждение"]
    assert [cell.text for cell in checklist.rows[1].cells][:2] == ["Назначен куратор наставничества", "да"]


def test_the_school_report_pdf_is_a4_portrait_with_the_same_texts(school_report):
    _name, _type, pdf = SchoolReportDocument().render(school_report["period"], school_report["school"])
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        assert (round(page.width, 2), round(page.height, 2)) == A4
        text = " ".join(page.extract_text() for page in document.pages)
    for words in ("Чек-лист готовности", "Подтверждение", "Пары работают по плану.", "Методический час."):
        assert words in text


def test_the_coordinator_downloads_the_report_in_word_from_the_period_page(client, school_report):
    client.force_login(school_report["coordinator"])
    period = school_report["period"]
    page = client.get(reverse("monitoring:period_detail", args=[period.pk])).content.decode()
    url = reverse("monitoring:period_docx", args=[period.pk])
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    assert "Аналитическая справка" in docx.Document(io.BytesIO(downloaded(response))).paragraphs[1].text


def test_the_curator_downloads_the_school_report_in_word_and_another_school_gets_404(client, school_report):
    period, school = school_report["period"], school_report["school"]
    url = reverse("monitoring:school_report_docx", args=[period.pk, school.pk])
    client.force_login(school_report["curator"])
    assert f'href="{url}"' in client.get(reverse("monitoring:period_detail", args=[period.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    assert docx.Document(io.BytesIO(downloaded(response))).tables[0].rows[1].cells[1].text == "3"
    other = OrganisationFactory(municipality=school_report["municipality"])
    client.force_login(make_user(Role.CURATOR, other))
    assert client.get(url).status_code == 404


def test_the_report_puts_last_years_figures_beside_this_years_with_the_change(db):
    """A period of last academic year with a submitted report: this year's report shows both and the change."""
    dt = datetime
    school = OrganisationFactory()
    municipality = school.municipality
    this_year = year_of(municipality)
    before_end = this_year.starts_on - dt.timedelta(days=100)
    last = MonitoringPeriod.objects.create(
        municipality=municipality,
        title="Мониторинг прошлого года",
        starts_on=before_end - dt.timedelta(days=200),
        ends_on=before_end,
        deadline=before_end,
    )
    now = MonitoringPeriod.objects.create(
        municipality=municipality,
        title="Мониторинг этого года",
        starts_on=this_year.starts_on,
        ends_on=this_year.starts_on + dt.timedelta(days=60),
        deadline=this_year.starts_on + dt.timedelta(days=70),
        conclusions="Выводы",
    )
    base = {"workers": 20, "involved": 2, "mentors": 2, "mentees": 2, "pairs": 2, "groups": 0}
    for period, figures in ((last, base), (now, base | {"workers": 20, "involved": 6, "pairs": 6})):
        SchoolReport.objects.create(
            period=period, organisation=school, status="submitted", figures=empty_figures() | figures
        )
    _name, _type, content = AnalyticalReport().render(now)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())
    assert "Прошлый год (Мониторинг прошлого года)" in text
    assert "+20,0 п. п." in text  # involved share: 10 % → 30 %
    assert "+4" in text  # pairs: 2 → 6
    assert format_change(12.5, 7.3, "%") == "+5,2 п. п."
    assert format_change(3, 5, "чел.") == "−2"
    assert format_change(None, 5, "чел.") == "—"
