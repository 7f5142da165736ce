"""The columns of a school's registry sheet, recognised by their words, and how their cells are read."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

from mentoring_portal.columns import ColumnSet, Field

from ..models import (
    Person,
    Subject,
    normalise_query,
)


def _field(key, title, synonyms=(), words=()):
    return Field(key, title, synonyms, words)


# In the template's order; the more specific words are tried first («категория наставляемого»
# before «категория», «дата начала стажа» before «стаж»).
COLUMNS = ColumnSet(
    [
        _field("full_name", "ФИО", ("фамилия имя отчество", "фио педагога", "фио работника", "педагог", "ф и о"),
               (("фио",), ("фамил", "имя", "отчеств"))),
        _field("last_name", "Фамилия", (), (("фамил",),)),
        _field("first_name", "Имя", (), (("имя",),)),
        _field("middle_name", "Отчество", (), (("отчеств",),)),
        _field("organisation", "ОО", ("образовательная организация", "организация", "оу", "оо", "школа", "учреждение"),
               (("организац",), ("оо",), ("оу",), ("школ",), ("учрежден",))),
        _field("position", "Должность", ("занимаемая должность",), (("должност",),)),
        _field("subjects", "Предметы", ("предмет", "преподаваемые предметы", "преподаваемый предмет", "дисциплины"),
               (("предмет",), ("дисциплин",))),
        _field("experience", "Стаж, лет", ("стаж", "педагогический стаж", "педстаж", "стаж работы", "стаж лет"),
               (("стаж",), ("педстаж",))),
        _field("teaching_since", "Начало стажа", ("дата начала стажа", "начало педагогического стажа"),
               (("начал", "стаж"), ("дата", "стаж"))),
        _field("category", "Квалификационная категория", ("категория", "квалификация", "кв категория"),
               (("категор",), ("квалиф",))),
        _field("role", "Роль", ("роль в наставничестве", "наставник наставляемый", "участие в наставничестве"),
               (("роль",), ("участ",), ("наставник", "наставляем"))),
        _field("mentee_category", "Категория наставляемого", ("категория наставляемых",),
               (("категор", "наставляем"),)),
        _field("requests", "Запрос / затруднения",
               ("запрос", "затруднения", "запрос затруднения", "профессиональные затруднения", "дефициты", "запросы"),
               (("запрос",), ("затруднен",), ("дефицит",))),
        _field("competencies", "Компетенции наставника", ("компетенции",), (("компетенц",),)),
        _field("consent_date", "Согласие (дата)",
               ("согласие", "дата согласия", "согласие на обработку персональных данных", "согласие на обработку пдн"),
               (("соглас",),)),
        _field("email", "Электронная почта", ("email", "e-mail", "e mail", "почта", "эл почта"),
               (("почт",), ("email",), ("mail",))),
        _field("phone", "Телефон", ("контактный телефон", "тел"), (("телефон",), ("тел",))),
     ],
    word_order=("teaching_since", "mentee_category"),
)  # fmt: skip
# The template and the export carry one «ФИО» column and the experience in years.
TEMPLATE_COLUMNS = [
    column
    for column in COLUMNS.fields
    if column.key not in {"last_name", "first_name", "middle_name", "teaching_since"}
]
TITLES = {column.key: column.title for column in COLUMNS.fields}
LIMITS = {
    name: Person._meta.get_field(name).max_length
    for name in ("last_name", "first_name", "middle_name", "position", "email", "phone")
}
SUBJECT_LIMIT = Subject._meta.get_field("name").max_length
PREVIEW_ROWS = 500

CATEGORY_WORDS = {
    "высшая": Person.Category.HIGHEST,
    "высшая категория": Person.Category.HIGHEST,
    "первая": Person.Category.FIRST,
    "первая категория": Person.Category.FIRST,
    "1": Person.Category.FIRST,
    "соответствие": Person.Category.COMPLIANCE,
    "соответствие занимаемой должности": Person.Category.COMPLIANCE,
    "сзд": Person.Category.COMPLIANCE,
    "без категории": Person.Category.NONE,
    "нет": Person.Category.NONE,
    "б к": Person.Category.NONE,
}
MENTOR_WORDS = {"наставник", "наставница"}
MENTEE_WORDS = {"наставляемый", "наставляемая", "наставляемые"}
BOTH_WORDS = {"оба", "наставник и наставляемый"}
NEITHER_WORDS = {"нет", "не участвует", "-"}


CHANGE_LABELS = {
    "position": gettext_lazy("должность"),
    "qualification_category": gettext_lazy("категория"),
    "teaching_since": gettext_lazy("стаж"),
    "consent_date": gettext_lazy("согласие"),
    "email": gettext_lazy("почта"),
    "phone": gettext_lazy("телефон"),
}


def split_list(text: str) -> list[str]:
    """Items of a list cell: separated by «;» or new lines (names of terms contain commas)."""
    return [item.strip(" .") for item in re.split(r"[;\n]+", str(text)) if item.strip(" .")]


def split_subjects(text: str) -> list[str]:
    return [item.strip(" .") for item in re.split(r"[;,\n]+", str(text)) if item.strip(" .")]


def person_key(organisation_id: int, last: str, first: str, middle: str) -> tuple[int, str]:
    return organisation_id, normalise_query(f"{last} {first} {middle}")
