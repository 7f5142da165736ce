"""Spreadsheets out of the registry: one exporter class per document.

Each exporter has ``render(...) -> (filename, content_type, bytes)`` and is used by the
view, the tests and the benchmark alike. Text cells are always written as text: a
value that begins with = + - @ is stored as a string with Excel's quote prefix, so no
spreadsheet program ever runs it as a formula, and the value itself survives a round
trip through the import unchanged.
"""

from __future__ import annotations

import datetime
import io
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .importing import TEMPLATE_COLUMNS
from .models import MenteeProfile, Person, Vocabulary, VocabularyTerm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def attachment_response(filename: str, content_type: str, content: bytes, fallback: str) -> HttpResponse:
    """A download whose Cyrillic name browsers keep (RFC 5987 ``filename*``, ASCII ``filename`` fallback)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return response


class XlsxSheet:
    """A write-only sheet that writes text as text and dates as dd.mm.yyyy."""

    def __init__(self, workbook: Workbook, title: str, widths: list[int] | None = None):
        self.sheet = workbook.create_sheet(title)
        for index, width in enumerate(widths or [], start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width

    def cell(self, value, *, bold: bool = False) -> WriteOnlyCell:
        if isinstance(value, Promise):
            value = str(value)
        cell = WriteOnlyCell(self.sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
            if value.startswith(FORMULA_TRIGGERS):
                cell.quotePrefix = True
        elif isinstance(value, datetime.date):
            cell.number_format = "DD.MM.YYYY"
        if bold:
            cell.font = Font(bold=True)
        return cell

    def append(self, values, *, bold: bool = False) -> None:
        self.sheet.append([self.cell(value, bold=bold) for value in values])


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def role_text(person: Person) -> str:
    roles = []
    if hasattr(person, "mentor_profile"):
        roles.append("наставник")
    if hasattr(person, "mentee_profile"):
        roles.append("наставляемый")
    return "; ".join(roles)


def terms_text(terms, free_text: str) -> str:
    return "; ".join([*(term.name for term in terms), *([free_text] if free_text else [])])


class RegistryExport:
    """The registry's filtered people, in the columns of the import template (export → import changes nothing)."""

    name = "registry"
    widths = [36, 34, 24, 28, 10, 24, 22, 36, 50, 50, 14, 28, 20]

    def render(self, people) -> tuple[str, str, bytes]:
        today = timezone.localdate()
        workbook = Workbook(write_only=True)
        sheet = XlsxSheet(workbook, "Реестр", self.widths)
        sheet.append([column.title for column in TEMPLATE_COLUMNS], bold=True)
        people = people.select_related("organisation", "mentor_profile", "mentee_profile").prefetch_related(
            "subjects", "mentor_profile__competencies", "mentee_profile__requests"
        )
        for person in people.iterator(chunk_size=2000):
            mentor = getattr(person, "mentor_profile", None)
            mentee = getattr(person, "mentee_profile", None)
            sheet.append(
                [
                    person.full_name,
                    person.organisation.short_name,
                    person.position,
                    ", ".join(subject.name for subject in person.subjects.all()),
                    Person.experience_years_from(person.teaching_since, today),
                    person.get_qualification_category_display(),
                    role_text(person),
                    mentee.get_category_display() if mentee else "",
                    terms_text(mentee.requests.all(), mentee.requests_text) if mentee else "",
                    terms_text(mentor.competencies.all(), mentor.competencies_text) if mentor else "",
                    person.consent_date,
                    person.email,
                    person.phone,
                ]
            )
        return f"Реестр педагогов {today:%d.%m.%Y}.xlsx", XLSX, save(workbook)


class ImportTemplate:
    """The empty table a school fills in, with a second sheet of the allowed values."""

    name = "import-template"

    def render(self, user) -> tuple[str, str, bytes]:
        workbook = Workbook(write_only=True)
        sheet = XlsxSheet(workbook, "Педагоги", RegistryExport.widths)
        sheet.append([column.title for column in TEMPLATE_COLUMNS], bold=True)
        lists = XlsxSheet(workbook, "Справочники", [40, 70])
        lists.append(["Столбец", "Допустимые значения"], bold=True)
        lists.append(["Квалификационная категория", "; ".join(str(label) for _, label in Person.Category.choices)])
        lists.append(["Роль", "наставник; наставляемый; наставник; наставляемый (оба)"])
        for _, label in MenteeProfile.Category.choices:
            lists.append(["Категория наставляемого", label])
        terms = VocabularyTerm.objects.visible_to(user).filter(is_active=True).order_by("vocabulary", "name")
        titles = {Vocabulary.REQUEST: "Запрос / затруднения", Vocabulary.COMPETENCY: "Компетенции наставника"}
        for term in terms:
            if term.vocabulary in titles:
                lists.append([titles[term.vocabulary], term.name])
        lists.append(["Согласие (дата)", "дата в виде 29.03.2022"])
        lists.append(["Стаж, лет", "число полных лет"])
        return "Шаблон реестра педагогов.xlsx", XLSX, save(workbook)


class RefusedRowsExport:
    """The rows of an upload that were not loaded, as in the file, with a column «Ошибка»: to fix and load again."""

    def render(self, batch) -> tuple[str, str, bytes]:
        plan = batch.plan
        headers = [title or "" for title in plan.get("headers", [])]
        workbook = Workbook(write_only=True)
        sheet = XlsxSheet(workbook, "Отклонённые строки", [*([24] * len(headers)), 60])
        sheet.append([*headers, "Ошибка"], bold=True)
        for _number, _name, errors, cells, _choices, _typed in plan.get("refused", []):
            cells = list(cells) + [""] * (len(headers) - len(cells))
            sheet.append([*cells[: len(headers)], "; ".join(errors)])
        stem = batch.file_name.rsplit(".", 1)[0]
        return f"{stem} — отклонённые строки.xlsx", XLSX, save(workbook)
