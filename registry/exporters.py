"""Spreadsheets out of the registry: the export, the import template, an upload's refused rows.

Built on the portal's ``Exporter`` and ``XlsxSheet`` (``mentoring_portal.exporters``), which
write text as text, so no value ever runs as a formula.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from mentoring_portal.exporters import XLSX, Exporter, XlsxSheet, save

from .importing import TEMPLATE_COLUMNS
from .models import MenteeProfile, Person, Vocabulary, VocabularyTerm


def role_text(person: Person) -> str:
    roles = []
    if hasattr(person, "mentor_profile"):
        roles.append("наставник")
    if hasattr(person, "mentee_profile"):
        roles.append("наставляемый")
    return "; ".join(roles)


def terms_text(terms, free_text: str) -> str:
    return "; ".join([*(term.name for term in terms), *([free_text] if free_text else [])])


class RegistryExport(Exporter):
    """The registry's filtered people, in the columns of the import template (export → import changes nothing)."""

    name = "registry"
    private = True
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


class ImportTemplate(Exporter):
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
        for _value, label in MenteeProfile.Category.choices:
            lists.append(["Категория наставляемого", label])
        terms = VocabularyTerm.objects.visible_to(user).filter(is_active=True).order_by("vocabulary", "name")
        titles = {Vocabulary.REQUEST: "Запрос / затруднения", Vocabulary.COMPETENCY: "Компетенции наставника"}
        for term in terms:
            if term.vocabulary in titles:
                lists.append([titles[term.vocabulary], term.name])
        lists.append(["Согласие (дата)", "дата в виде 29.03.2022"])
        lists.append(["Стаж, лет", "число полных лет"])
        return "Шаблон реестра педагогов.xlsx", XLSX, save(workbook)


class RefusedRowsExport(Exporter):
    """The rows of an upload that were not loaded, as in the file, with a column «Ошибка»: to fix and load again."""

    private = True

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


class OrganisationSummaryExport(Exporter):
    """The municipal home page's table of organisations, as the page sorts it."""

    def render(self, municipality, table: dict) -> tuple[str, str, bytes]:
        workbook = Workbook(write_only=True)
        sheet = XlsxSheet(workbook, "Организации", [40] + [22] * len(table["columns"]))
        sheet.append([_("Организации муниципалитета: %(name)s") % {"name": municipality.name}], bold=True)
        sheet.append([_("Организация"), *(column.title for column in table["columns"])], bold=True)
        for row in table["rows"]:
            sheet.append([row["organisation"].short_name, *(cell.text for cell in row["cells"])])
        return "Организации муниципалитета.xlsx", XLSX, save(workbook)
