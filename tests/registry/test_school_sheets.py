"""A school's registry sheet as it is typed, and the municipality's shared sheet of many schools.

The headers are the schools' own («Ф.И.О. педагога», «Квалиф. категория», «Педагогический
стаж (лет)», «Роль в программе наставничества»), the organisations are named loosely, and the
same sheet arrives as xlsx, as cp1251 CSV and with formulas.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from registry.models import ColumnChoice, ImportBatch, Person, Role, Subject
from tests.data.files import (
    FORMULA_CELL,
    school_registry_csv,
    school_registry_header,
    school_registry_rows,
    school_registry_xlsx,
)
from tests.factories import MunicipalityFactory, OrganisationFactory, make_user
from tests.utils import downloaded, page_text

pytestmark = pytest.mark.django_db

SCHOOL2_FULL = (
    "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 2 г. Котельниково»"
)


@pytest.fixture
def district():
    municipality = MunicipalityFactory(name="Котельниковский район")
    school1 = OrganisationFactory(municipality=municipality, short_name="МБОУ «Котельниковская СОШ № 1»")
    school2 = OrganisationFactory(
        municipality=municipality, short_name="МБОУ «СОШ № 2 г. Котельниково»", full_name=SCHOOL2_FULL
    )
    return {
        "municipality": municipality,
        "school1": school1,
        "school2": school2,
        "coordinator": make_user(Role.COORDINATOR, municipality),
        "curator2": make_user(Role.CURATOR, school2),
    }


def upload(client, user, name: str, content: bytes):
    client.force_login(user)
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, page_text(response)
    return ImportBatch.objects.latest("pk"), client.get(response.url)


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_schools_own_headers_are_recognised_by_their_words(client, district):
    _, preview = upload(client, district["curator2"], "педагоги.xlsx", school_registry_xlsx("Котельниковская СОШ №2"))
    plan = preview.context["plan"]
    assert dict(zip(school_registry_header(), plan.columns, strict=True)) == {
        "№ п/п": None,
        "Ф.И.О. педагога": "full_name",
        "Должность": "position",
        "Квалиф. категория": "category",
        "Педагогический стаж (лет)": "experience",
        "Роль в программе наставничества": "role",
        "Дата согласия на обработку ПД": "consent_date",
        "Наименование ОО": "organisation",
    }
    assert plan.counts == {"create": 6, "update": 0, "unchanged": 0, "refused": 0}


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("педагоги.xlsx", lambda organisation: school_registry_xlsx(organisation)),
        ("педагоги.csv", lambda organisation: school_registry_csv(organisation, encoding="cp1251")),
    ],
)
@pytest.mark.parametrize("typed", ["Котельниковская СОШ №2", "МБОУ СОШ № 2 г. Котельниково", "сош 2"])
def test_a_school_sheet_loads_with_the_school_named_loosely(client, district, name, build, typed):
    batch, preview = upload(client, district["coordinator"], name, build(typed))
    assert preview.context["plan"].counts["create"] == 6, [r.errors for r in preview.context["refused"]]
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    people = Person.objects.filter(organisation=district["school2"])
    assert people.count() == 6
    first_name, position = school_registry_rows(typed)[0][1], school_registry_rows(typed)[0][2]
    assert people.filter(position=position).exists()
    assert (
        any(person.full_name == first_name for person in people)
        or people.filter(last_name=first_name.split()[0]).exists()
    )


def test_a_name_that_fits_two_schools_is_offered_to_choose_from_then_loads(client, district):
    rows = [["ФИО", "Должность", "ОО"], ["Петрова Анна Ивановна", "учитель", "Котельниковская СОШ"]]
    batch, preview = upload(client, district["coordinator"], "общая.xlsx", xlsx(rows))
    (refused,) = preview.context["refused"]
    assert "подходит к нескольким организациям" in refused.errors[0]
    assert {pk for pk, _name in refused.choices} == {district["school1"].pk, district["school2"].pk}
    response = client.post(
        reverse("registry:import_organisations", args=[batch.pk]),
        {f"organisation_{refused.number}": district["school1"].pk},
    )
    plan = client.get(response.url).context["plan"]
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "refused": 0}
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert (
        Person.objects.get(last_name="Петрова", organisation__municipality=district["municipality"]).organisation
        == district["school1"]
    )


def test_the_municipalitys_shared_sheet_sends_each_row_to_its_school(client, district):
    rows = [
        ["Ф.И.О.", "Должность", "Образовательная организация"],
        ["Орлова Галина Петровна", "учитель", "Котельниковская СОШ № 1"],
        ["Зайцева Алёна Игоревна", "учитель", "МБОУ СОШ №2 г.Котельниково"],
        ["Котов Илья Сергеевич", "учитель", "Средняя общеобразовательная школа № 2"],
    ]
    batch, _ = upload(client, district["coordinator"], "общая таблица.xlsx", xlsx(rows))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    schools = dict(
        Person.objects.filter(organisation__municipality=district["municipality"]).values_list(
            "last_name", "organisation"
        )
    )
    assert schools == {
        "Орлова": district["school1"].pk,
        "Зайцева": district["school2"].pk,
        "Котов": district["school2"].pk,
    }


def test_a_formula_is_read_from_the_value_excel_saved_with_it(client, district):
    batch, preview = upload(
        client,
        district["curator2"],
        "формулы.xlsx",
        school_registry_xlsx("СОШ № 2", formula=True, formula_without_value=True),
    )
    plan = preview.context["plan"]
    assert plan.counts["refused"] == 0
    assert "формула без сохранённого значения" in page_text(preview)
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    formula_row = int(FORMULA_CELL[1:]) - 4  # data starts on row 4
    last_name = school_registry_rows("")[formula_row][1].split()[0]
    person = Person.objects.get(last_name=last_name, organisation=district["school2"])
    assert person.experience_years == 25


def test_valid_rows_load_and_refused_ones_come_back_as_a_file_to_fix(client, district):
    rows = [
        ["ФИО", "Должность", "Стаж, лет"],
        ["Орлова Галина Петровна", "учитель", "25"],
        ["Зайцева", "учитель", "3"],
        ["Котов Илья Сергеевич", "учитель", "много"],
    ]
    batch, preview = upload(client, district["curator2"], "школа.xlsx", xlsx(rows))
    assert preview.context["plan"].can_apply_valid
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert not Person.objects.filter(organisation=district["school2"]).exists()  # all or nothing unless asked

    client.post(reverse("registry:import_confirm", args=[batch.pk]), {"valid_only": "1"})
    assert list(Person.objects.filter(organisation=district["school2"]).values_list("last_name", flat=True)) == [
        "Орлова"
    ]
    refused = client.get(reverse("registry:import_refused", args=[batch.pk]))
    assert refused["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(downloaded(refused))).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0] == ["ФИО", "Должность", "Стаж, лет", "Ошибка"]
    assert [row[0] for row in table[1:]] == ["Зайцева", "Котов Илья Сергеевич"]
    assert "укажите фамилию и имя" in table[1][3]
    assert "укажите число полных лет" in table[2][3]

    # Fixed and uploaded again, the refused rows load; the «Ошибка» column is not read.
    table[1][0], table[2][2] = "Зайцева Алёна Игоревна", "7"
    again, preview = upload(client, district["curator2"], "исправлено.xlsx", xlsx([row[:4] for row in table]))
    assert preview.context["plan"].counts == {"create": 2, "update": 0, "unchanged": 0, "refused": 0}
    client.post(reverse("registry:import_confirm", args=[again.pk]))
    assert Person.objects.filter(organisation=district["school2"]).count() == 3


def test_a_reassigned_column_is_remembered_for_the_next_upload(client, district):
    rows = [["ФИО", "Должность", "Мобильный"], ["Орлова Галина Петровна", "учитель", "+7 900 000-00-00"]]
    batch, preview = upload(client, district["curator2"], "школа.xlsx", xlsx(rows))
    plan = preview.context["plan"]
    assert plan.columns == ["full_name", "position", None]
    response = client.post(
        reverse("registry:import_columns", args=[batch.pk]),
        {"map-column_0": "full_name", "map-column_1": "position", "map-column_2": "phone"},
    )
    assert client.get(response.url).context["plan"].columns == ["full_name", "position", "phone"]
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert Person.objects.get(last_name="Орлова", organisation=district["school2"]).phone == "+7 900 000-00-00"
    assert ColumnChoice.objects.filter(owner=f"organisation:{district['school2'].pk}", header="мобильный").exists()
    _, again = upload(client, district["curator2"], "школа-2.xlsx", xlsx(rows))
    assert again.context["plan"].columns == ["full_name", "position", "phone"]


def test_a_name_longer_than_its_column_is_refused_not_a_server_error(client, district):
    rows = [["ФИО", "Должность"], ["Орлова Галина Петровна", "учитель " + "математики " * 30]]
    batch, preview = upload(client, district["curator2"], "школа.xlsx", xlsx(rows))
    (refused,) = preview.context["refused"]
    assert refused.errors == ["«Должность»: длиннее 255 символов."]
    response = client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert not Person.objects.filter(organisation=district["school2"]).exists()


def test_the_preview_does_not_parse_the_file_again_on_reload(client, district, monkeypatch):
    batch, _ = upload(client, district["curator2"], "педагоги.xlsx", school_registry_xlsx("СОШ № 2"))
    import registry.importing.plan

    def fail(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(registry.importing.plan, "read_table", fail)
    for _ in range(2):
        response = client.get(reverse("registry:import_preview", args=[batch.pk]))
        assert response.context["plan"].counts["create"] == 6


def test_a_subject_a_school_adds_belongs_to_its_municipality_and_no_other(client, district):
    rows = [["ФИО", "Должность", "Предметы"], ["Орлова Галина Петровна", "учитель", "Родной (калмыцкий) язык"]]
    batch, preview = upload(client, district["curator2"], "школа.xlsx", xlsx(rows))
    assert preview.context["plan"].new_subject_names == ["Родной (калмыцкий) язык"]
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    subject = Subject.objects.get(name="Родной (калмыцкий) язык")
    assert subject.municipality == district["municipality"]
    assert Person.objects.get(organisation=district["school2"]).subjects.get() == subject

    other = make_user(Role.COORDINATOR, MunicipalityFactory())
    client.force_login(other)
    page = client.get(reverse("registry:person_list"))
    assert "Родной (калмыцкий) язык" not in page_text(page)
    client.force_login(district["coordinator"])
    assert "Родной (калмыцкий) язык" in page_text(client.get(reverse("registry:person_list")))
    # The other municipality's import makes its own entry instead of reusing this one.
    school = OrganisationFactory(municipality=other.memberships.get().municipality)
    rows[1][0] = "Зайцева Алёна Игоревна"
    client.force_login(make_user(Role.CURATOR, school))
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile("другая.xlsx", xlsx(rows))})
    client.post(reverse("registry:import_confirm", args=[ImportBatch.objects.latest("pk").pk]))
    assert response.status_code == 302
    assert Subject.objects.filter(name="Родной (калмыцкий) язык").count() == 2


def test_a_person_cannot_be_given_another_municipalitys_subject(district):
    from django.contrib.auth import get_user_model

    from registry.forms import PersonForm

    foreign = Subject.objects.create(name="Краеведение Суровикино", municipality=MunicipalityFactory())
    admin = get_user_model().objects.create_superuser("root-subjects", password="x")
    data = {
        "organisation": district["school2"].pk,
        "last_name": "Орлова",
        "first_name": "Галина",
        "position": "учитель",
        "subjects": [foreign.pk],
        "qualification_category": Person.Category.NONE,
    }
    form = PersonForm(data, user=admin)
    assert not form.is_valid()
    assert "Предметы другого муниципалитета: Краеведение Суровикино" in form.errors["subjects"][0]
