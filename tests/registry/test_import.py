from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from mentoring_portal.spreadsheets import parse_date
from registry.models import ImportBatch, MenteeProfile, MentorProfile, Person, Role, Subject, Vocabulary, VocabularyTerm
from tests.factories import OrganisationFactory, PersonFactory, make_user
from tests.utils import downloaded, page_text

pytestmark = pytest.mark.django_db

HEADER = [
    "ФИО",
    "ОО",
    "Должность",
    "Предметы",
    "Стаж, лет",
    "Квалификационная категория",
    "Роль",
    "Категория наставляемого",
    "Запрос / затруднения",
    "Компетенции наставника",
    "Согласие (дата)",
]


@pytest.fixture
def town(town):
    """The shared town with a second school, whose rows a file of the first must not touch."""
    return town | {"other": OrganisationFactory(municipality=town["municipality"], short_name="МБОУ «Гимназия № 2»")}


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows(school="МБОУ «Лицей № 7»") -> list[list]:
    competency = VocabularyTerm.objects.filter(vocabulary=Vocabulary.COMPETENCY).order_by("pk").first().name
    request = VocabularyTerm.objects.filter(vocabulary=Vocabulary.REQUEST).order_by("pk").first().name
    return [
        HEADER,
        [
            "Орлова Галина Петровна",
            school,
            "Учитель",
            "Математика, Физика",
            25,
            "высшая",
            "наставник",
            "",
            "",
            competency,
            datetime.date(2024, 9, 2),
        ],
        [
            "Зайцева Алёна Игоревна",
            school,
            "Учитель",
            "Математика",
            1,
            "без категории",
            "наставляемый",
            "Молодой педагог",
            f"{request}; Боюсь открытых уроков",
            "",
            "02.09.2024",
        ],
        ["Котов Илья Сергеевич", school, "Педагог-организатор", "", 7, "первая", "", "", "", "", "2 сентября 2024 г."],
    ]


def upload(client, user, name: str, content: bytes):
    client.force_login(user)
    response = client.post(reverse("registry:import_upload"), {"file": _file(name, content)})
    assert response.status_code == 302, page_text(response)
    batch = ImportBatch.objects.latest("pk")
    return batch, client.get(response.url)


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def people_of(town) -> int:
    return Person.objects.filter(organisation__municipality=town["municipality"]).count()


def test_curator_previews_then_confirms_and_the_people_appear(client, town):
    batch, preview = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    assert preview.context["plan"].counts == {"create": 3, "update": 0, "unchanged": 0, "refused": 0}
    assert people_of(town) == 0  # the preview writes nothing

    response = client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    orlova = Person.objects.get(organisation=town["school"], last_name="Орлова")
    assert orlova.qualification_category == Person.Category.HIGHEST
    assert orlova.experience_years == 25
    assert orlova.consent_date == datetime.date(2024, 9, 2)
    assert {subject.name for subject in orlova.subjects.all()} == {"Математика", "Физика"}
    assert orlova.mentor_profile.competencies.count() == 1
    zaytseva = Person.objects.get(organisation=town["school"], last_name="Зайцева")
    assert zaytseva.mentee_profile.category == MenteeProfile.Category.YOUNG
    assert zaytseva.mentee_profile.requests.count() == 1
    assert zaytseva.mentee_profile.requests_text == "Боюсь открытых уроков"
    assert Person.objects.get(last_name="Котов", organisation=town["school"]).consent_date == datetime.date(2024, 9, 2)


def test_reimporting_the_same_file_changes_nothing(client, town):
    content = xlsx(good_rows())
    batch, _ = upload(client, town["curator"], "школа.xlsx", content)
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    before = list(Person.objects.filter(organisation=town["school"]).values().order_by("pk"))

    _, preview = upload(client, town["curator"], "школа.xlsx", content)
    assert preview.context["plan"].counts == {"create": 0, "update": 0, "unchanged": 3, "refused": 0}
    second = ImportBatch.objects.latest("pk")
    client.post(reverse("registry:import_confirm", args=[second.pk]))
    assert list(Person.objects.filter(organisation=town["school"]).values().order_by("pk")) == before


def test_a_changed_cell_updates_only_that_person(client, town):
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    rows = good_rows()
    rows[3][2] = "Социальный педагог"
    _, preview = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    plan = preview.context["plan"]
    assert plan.counts == {"create": 0, "update": 1, "unchanged": 2, "refused": 0}
    assert [row.changes for row in plan.rows if row.action == "update"] == [["должность"]]


def test_confirming_twice_does_not_duplicate(client, town):
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert people_of(town) == 3


def test_csv_in_utf8_with_bom_and_semicolons(client, town):
    text = "ФИО;ОО;Должность\r\nСидорова Нина Павловна;МБОУ «Лицей № 7»;Учитель\r\n"
    _, preview = upload(client, town["curator"], "школа.csv", "\ufeff".encode() + text.encode())
    assert preview.context["plan"].counts["create"] == 1
    assert preview.context["plan"].rows[0].name == "Сидорова Нина Павловна"


def test_csv_in_cp1251_that_russian_excel_writes(client, town):
    text = "ФИО;Должность;Согласие (дата)\r\nЁлкина Вера Петровна;Воспитатель;01.02.2023\r\n"
    batch, preview = upload(client, town["curator"], "школа.csv", text.encode("cp1251"))
    assert preview.context["plan"].counts["create"] == 1
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert Person.objects.get(organisation=town["school"]).last_name == "Ёлкина"


def test_headers_are_matched_forgivingly_and_unknown_columns_are_reported(client, town):
    rows = [
        ["  фио педагога ", "Образовательная организация", "ДОЛЖНОСТЬ", "Педагогический стаж", "Любимый цвет"],
        ["Белова Ольга Ивановна", "мбоу лицей № 7", "Учитель", "12 лет", "синий"],
    ]
    _, preview = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    plan = preview.context["plan"]
    assert plan.counts["create"] == 1
    assert plan.unknown_columns == ["Любимый цвет"]
    assert "Эти столбцы не загружаются: «Любимый цвет»" in page_text(preview)


def test_a_title_row_above_the_table_is_tolerated(client, town):
    rows = [["Реестр педагогов МБОУ «Лицей № 7» на 2026 год"], *good_rows()]
    _, preview = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    assert preview.context["plan"].counts["create"] == 3
    assert preview.context["plan"].rows[0].number == 3


def test_curator_rows_naming_another_school_are_refused_and_nothing_is_written(client, town):
    rows = good_rows()
    rows[2][1] = "МБОУ «Гимназия № 2»"
    batch, preview = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    refused = preview.context["refused"]
    assert [row.number for row in refused] == [3]
    assert "«ОО»: «МБОУ «Гимназия № 2»» — другая организация" in refused[0].errors[0]
    response = client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert people_of(town) == 0


def test_coordinator_imports_into_several_schools_and_unknown_ones_are_refused(client, town):
    rows = good_rows()
    rows[1][1] = "МБОУ «Гимназия № 2»"
    rows[3][1] = "МБОУ «СОШ № 99»"
    _, preview = upload(client, town["coordinator"], "район.xlsx", xlsx(rows))
    plan = preview.context["plan"]
    assert plan.counts == {"create": 2, "update": 0, "unchanged": 0, "refused": 1}
    assert "организация «МБОУ «СОШ № 99»» не найдена" in plan.rows[2].errors[0]


def test_empty_required_cells_name_the_row_and_the_column(client, town):
    rows = [HEADER, ["Петров", "", "Учитель"], ["Петрова Мария", "", ""]]
    _, preview = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    errors = {row.number: row.errors for row in preview.context["refused"]}
    assert errors[2] == ["«ФИО»: укажите фамилию и имя (и отчество, если есть)."]
    assert errors[3] == ["«Должность»: обязательное поле для нового педагога."]
    assert "Отклонено строк: 2. Ничего не записано." in page_text(preview)


def test_duplicate_rows_are_refused(client, town):
    rows = [*good_rows(), good_rows()[1]]
    rows[-1][0] = "ОРЛОВА  Галина  Петровна"
    _, preview = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    refused = preview.context["refused"]
    assert [row.number for row in refused] == [5]
    assert "повторяет строку 2" in refused[0].errors[0]


def test_bad_values_are_refused_with_their_column(client, town):
    rows = [
        HEADER,
        ["Носова Анна Павловна", "", "Учитель", "", "много", "вторая", "", "", "", "", "вчера"],
        ["Гусева Анна Павловна", "", "Учитель", "", "", "", "директор", "", "", "", ""],
        ["Лосева Анна Павловна", "", "Учитель", "", "", "", "наставляемый", "", "", "", ""],
    ]
    _, preview = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    errors = {row.number: row.errors for row in preview.context["refused"]}
    assert errors[2] == [
        "«Квалификационная категория»: «вторая» — нет такой категории. "
        "Допустимо: высшая, первая, соответствие, без категории.",
        "«Стаж, лет»: «много» — укажите число полных лет, например 5.",
        "«Согласие (дата)»: «вчера» — не дата. Пишите дату как 29.03.2022.",
    ]
    assert errors[3][0].startswith("«Роль»: «директор» — укажите")
    assert errors[4] == [
        "«Категория наставляемого»: обязательное поле для нового наставляемого "
        "со стажем от 3 лет (или без стажа в файле)."
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("фото.png", b"\x89PNG\r\n\x1a\n....", "Это изображение (скан или фотография), из него таблицу не прочитать."),
        (
            "старый.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "Формат .xls (Excel 97–2003) не поддерживается",
        ),
        ("битый.xlsx", b"PK\x03\x04" + b"\x00garbage" * 20, "Файл повреждён"),
        ("без заголовка.csv", "Иванов;Учитель\n".encode(), "Не найдена строка заголовка."),
        ("только заголовок.csv", "ФИО;Должность\n".encode(), "В таблице нет ни одной строки с данными под заголовком."),
    ],
)
def test_bad_files_give_a_clear_message_and_write_nothing(client, town, name, content, message):
    before = Person.objects.count()
    batch, preview = upload(client, town["curator"], name, content)
    assert message in page_text(preview)
    response = client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert Person.objects.count() == before


def test_an_empty_file_is_refused_at_upload(client, town):
    client.force_login(town["curator"])
    response = client.post(reverse("registry:import_upload"), {"file": _file("пустой.csv", b"")})
    assert response.context["form"].errors["file"] == ["Отправленный файл пуст."]
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_size_limit_is_refused_at_upload(client, town):
    client.force_login(town["curator"])
    response = client.post(reverse("registry:import_upload"), {"file": _file("большой.csv", b"x" * (5 * 2**20 + 1))})
    assert response.context["form"].errors["file"] == ["Файл больше 5 МБ. Разделите таблицу на несколько файлов."]
    assert not ImportBatch.objects.exists()


def test_a_truncated_xlsx_is_reported_as_damaged(client, town):
    content = xlsx(good_rows())
    _, preview = upload(client, town["curator"], "обрезанный.xlsx", content[: len(content) // 2])
    assert "Файл повреждён" in page_text(preview)
    assert people_of(town) == 0


def test_a_formula_without_a_saved_value_leaves_only_its_cell_unread(client, town):
    rows = good_rows()
    rows[1][4] = "=2026-2001"  # openpyxl saves the formula without its value, as a script would
    batch, preview = upload(client, town["curator"], "формулы.xlsx", xlsx(rows))
    plan = preview.context["plan"]
    assert plan.counts == {"create": 3, "update": 0, "unchanged": 0, "refused": 0}
    assert "ячейка E2: формула без сохранённого значения, ячейка не прочитана" in page_text(preview)
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert people_of(town) == 3
    assert Person.objects.get(last_name="Орлова", organisation=town["school"]).teaching_since is None


def test_merged_header_cells_are_refused(client, town):
    workbook = Workbook()
    sheet = workbook.active
    for row in good_rows():
        sheet.append(row)
    sheet.merge_cells("A1:B1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    _, preview = upload(client, town["curator"], "объединённые.xlsx", buffer.getvalue())
    assert "В заголовке таблицы есть объединённые ячейки (A1:B1)" in page_text(preview)


def padded_xlsx() -> bytes:
    """An xlsx as LibreOffice pads it: a used range down to row 1,048,576 and styled empty rows in it."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([["ФИО", "Должность"], ["Жукова Вера Ивановна", "Учитель"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.decode().split("</sheetData>")
                head = head.replace('<dimension ref="A1:B2"/>', '<dimension ref="A1:AMJ1048576"/>')
                with target.open(item.filename, "w") as stream:
                    stream.write(head.encode())
                    for number in [*range(3, 1_048_577, 97), 1_048_576]:
                        stream.write(
                            f'<row r="{number}" s="1" customFormat="1"><c r="A{number}" s="1"/></row>'.encode()
                        )
                    stream.write(("</sheetData>" + tail).encode())
            else:
                target.writestr(item, data)
    return buffer.getvalue()


def test_an_xlsx_padded_to_a_million_empty_rows_reads_as_its_one_row(client, town):
    _, preview = upload(client, town["curator"], "libreoffice.xlsx", padded_xlsx())
    assert preview.context["plan"].counts == {"create": 1, "update": 0, "unchanged": 0, "refused": 0}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("29.03.2022", datetime.date(2022, 3, 29)),
        ("29.03.22", datetime.date(2022, 3, 29)),
        ("29/03/2022", datetime.date(2022, 3, 29)),
        ("29-03-2022", datetime.date(2022, 3, 29)),
        ("2022-03-29", datetime.date(2022, 3, 29)),
        ("29.03.2022 г.", datetime.date(2022, 3, 29)),
        ("29 марта 2022", datetime.date(2022, 3, 29)),
        ("29 марта 2022 г.", datetime.date(2022, 3, 29)),
        ("«1» сентября 2023 года", datetime.date(2023, 9, 1)),
        ("3 мая 2021", datetime.date(2021, 5, 3)),
        ("44649", datetime.date(2022, 3, 29)),
        (44649.0, datetime.date(2022, 3, 29)),
        (datetime.datetime(2022, 3, 29, 0, 0), datetime.date(2022, 3, 29)),
        ("", None),
    ],
)
def test_dates_in_common_russian_forms(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["вчера", "31.02.2022", "2022", "32 марта 2022", "12.13.2022"])
def test_unreadable_dates_raise(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_other_users_upload_answers_404_and_is_not_applied(client, town):
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    other_curator = make_user(Role.CURATOR, town["other"])
    client.force_login(other_curator)
    assert client.get(reverse("registry:import_preview", args=[batch.pk])).status_code == 404
    assert client.post(reverse("registry:import_confirm", args=[batch.pk])).status_code == 404
    assert people_of(town) == 0


def test_template_has_the_columns_a_school_keeps(client, town):
    client.force_login(town["curator"])
    response = client.get(reverse("registry:import_template"))
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(downloaded(response))).get_sheet_by_index(0).to_python()
    assert sheet[0][: len(HEADER)] == HEADER
    assert "filename*=utf-8''%D0%A8%D0%B0%D0%B1%D0%BB%D0%BE%D0%BD" in response["Content-Disposition"]


def test_filled_template_imports(client, town):
    client.force_login(town["curator"])
    template = load_workbook(io.BytesIO(downloaded(client.get(reverse("registry:import_template")))))
    sheet = template["Педагоги"]
    sheet.append(["Фомина Лидия Олеговна", "", "Учитель", "История", 4, "первая"])
    buffer = io.BytesIO()
    template.save(buffer)
    batch, preview = upload(client, town["curator"], "шаблон.xlsx", buffer.getvalue())
    assert preview.context["plan"].counts["create"] == 1
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert Person.objects.get(organisation=town["school"]).subjects.get().name == "История"


def test_export_then_import_changes_nothing(client, town):
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    PersonFactory(organisation=town["other"], last_name="=cmd|' /C calc'!A0", phone="+7 (844) 123-45-67")
    MentorProfile.objects.create(person=PersonFactory(organisation=town["other"]), competencies_text="Наставник года")
    subjects = Subject.objects.count()

    client.force_login(town["coordinator"])
    exported = downloaded(client.get(reverse("registry:person_export")))
    _, preview = upload(client, town["coordinator"], "выгрузка.xlsx", exported)
    plan = preview.context["plan"]
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 5, "refused": 0}, [r.errors for r in plan.rows]
    assert Subject.objects.count() == subjects


def test_a_confirm_after_the_school_changed_writes_nothing_and_shows_the_file_planned_again(client, town):
    batch, preview = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    assert preview.context["plan"].counts["create"] == 3
    assert ImportBatch.objects.get(pk=batch.pk).plan["rows"]  # the preview's plan is kept for the confirm
    PersonFactory(organisation=town["school"], last_name="Орлова", first_name="Галина", middle_name="Петровна")
    response = client.post(reverse("registry:import_confirm", args=[batch.pk]), follow=True)
    # What was previewed is no longer what would be written: nothing is, and the new plan is shown.
    assert "Реестр изменился после проверки файла, ничего не записано" in page_text(response)
    assert people_of(town) == 1
    assert response.context["plan"].counts == {"create": 2, "update": 1, "unchanged": 0, "refused": 0}
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert people_of(town) == 3
    assert Person.objects.filter(organisation=town["school"], last_name="Орлова").count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).summary["counts"] == {
        "create": 2,
        "update": 1,
        "unchanged": 0,
        "refused": 0,
    }


def test_a_new_request_list_replaces_the_stored_one(client, town):
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    second_request = VocabularyTerm.objects.filter(vocabulary=Vocabulary.REQUEST).order_by("pk")[1]
    rows = good_rows()
    rows[2][8] = second_request.name
    batch, preview = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    assert [row.changes for row in preview.context["plan"].rows if row.action == "update"] == [["запрос"]]
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    profile = Person.objects.get(organisation=town["school"], last_name="Зайцева").mentee_profile
    assert list(profile.requests.all()) == [second_request]
    assert profile.requests_text == ""
