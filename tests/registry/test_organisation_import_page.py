"""The coordinator loads the municipality's list of organisations in the browser: upload → preview → confirm."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mentoring_portal.columns import header_key
from registry import organisation_import
from registry.models import ColumnChoice, ImportBatch, Organisation, Role
from tests.factories import MunicipalityFactory, OrganisationFactory, make_user
from tests.utils import page_text

pytestmark = pytest.mark.django_db

HEADER = ["Полное наименование", "Краткое наименование", "Тип", "Адрес", "Руководитель"]
ROWS = [
    [
        "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 2»",
        "",
        "СОШ",
        "404350, г. Суровикино, ул. Шоссейная, д. 2",
        "Иванова Анна Петровна",
    ],
    [
        "Муниципальное бюджетное дошкольное образовательное учреждение «Детский сад № 3»",
        "МБДОУ «Детский сад № 3»",
        "детский сад",
        "404350, г. Суровикино, ул. Ленина, д. 10",
        "Петрова Ольга Ивановна",
    ],
]
REFUSED = ["Муниципальный зоопарк «Лесная сказка»", "МЗ «Лесная сказка»", "зоопарк", "", ""]


def xlsx(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Перечень образовательных организаций"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, **data):
    file = SimpleUploadedFile(
        "организации.xlsx", content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return client.post(reverse("registry:organisation_import_upload"), {"file": file, **data})


def last_batch() -> ImportBatch:
    return ImportBatch.objects.filter(kind=ImportBatch.Kind.ORGANISATIONS).latest("pk")


@pytest.fixture
def town():
    municipality = MunicipalityFactory()
    return {"municipality": municipality, "coordinator": make_user(Role.COORDINATOR, municipality)}


def test_coordinator_uploads_previews_and_confirms(client, town):
    client.force_login(town["coordinator"])
    list_page = client.get(reverse("registry:organisation_list"))
    assert "Загрузить список из файла" in page_text(list_page)
    assert client.get(reverse("registry:organisation_import_upload")).status_code == 200

    response = upload(client, xlsx(ROWS))
    batch = last_batch()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:organisation_import_preview", args=[batch.pk])
    assert batch.options == {"municipality": town["municipality"].pk}
    assert not Organisation.objects.filter(municipality=town["municipality"]).exists()

    preview = client.get(response["Location"])
    text = page_text(preview)
    assert "Строк в файле: 2. Будет добавлено: 2, изменено: 0, без изменений: 0, отклонено: 0." in text
    assert "МБОУ «СОШ № 2»" in text  # the short name derived from the full one
    assert "«Руководитель» не загружается" in text
    assert "Подтвердить загрузку" in text

    response = client.post(reverse("registry:organisation_import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:organisation_import_preview", args=[batch.pk])
    created = Organisation.objects.filter(municipality=town["municipality"])
    assert sorted(created.values_list("short_name", flat=True)) == ["МБДОУ «Детский сад № 3»", "МБОУ «СОШ № 2»"]
    assert created.get(short_name="МБОУ «СОШ № 2»").kind == Organisation.Kind.SCHOOL
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.summary["counts"] == {"create": 2, "update": 0, "unchanged": 0, "refused": 0}
    assert bytes(batch.content) == b""

    result = client.get(response["Location"])
    assert "Файл загружен" in page_text(result)
    assert reverse("registry:organisation_list") in result.content.decode()
    text = page_text(client.get(reverse("registry:organisation_list")))
    assert "МБОУ «СОШ № 2»" in text and "МБДОУ «Детский сад № 3»" in text

    # A second confirm of the same batch writes nothing more.
    client.post(reverse("registry:organisation_import_confirm", args=[batch.pk]))
    assert created.count() == 2


def test_reloading_the_same_file_changes_nothing_and_offers_no_confirm(client, town):
    client.force_login(town["coordinator"])
    upload(client, xlsx(ROWS))
    client.post(reverse("registry:organisation_import_confirm", args=[last_batch().pk]))
    upload(client, xlsx(ROWS))
    text = page_text(client.get(reverse("registry:organisation_import_preview", args=[last_batch().pk])))
    assert "без изменений: 2" in text
    assert "загружать нечего" in text
    assert "Подтвердить загрузку" not in text


@pytest.mark.parametrize("role", [Role.CURATOR, Role.DIRECTOR])
def test_school_staff_may_not_load_the_list(client, town, role):
    school = OrganisationFactory(municipality=town["municipality"])
    client.force_login(make_user(role, school))
    assert client.get(reverse("registry:organisation_import_upload")).status_code == 403
    assert upload(client, xlsx(ROWS)).status_code == 403
    assert "Загрузить список из файла" not in page_text(client.get(reverse("registry:organisation_list")))
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.ORGANISATIONS).exists()


def test_another_coordinators_batch_is_not_found(client, town):
    client.force_login(town["coordinator"])
    upload(client, xlsx(ROWS))
    batch = last_batch()
    client.force_login(make_user(Role.COORDINATOR, town["municipality"]))
    assert client.get(reverse("registry:organisation_import_preview", args=[batch.pk])).status_code == 404
    assert client.post(reverse("registry:organisation_import_confirm", args=[batch.pk])).status_code == 404
    assert not Organisation.objects.filter(municipality=town["municipality"]).exists()


def test_refused_row_writes_nothing_until_valid_rows_are_chosen(client, town):
    client.force_login(town["coordinator"])
    upload(client, xlsx([*ROWS, REFUSED]))
    batch = last_batch()
    preview_url = reverse("registry:organisation_import_preview", args=[batch.pk])
    text = page_text(client.get(preview_url))
    assert "Будет добавлено: 2, изменено: 0, без изменений: 0, отклонено: 1." in text
    assert "«зоопарк» — неизвестный тип" in text
    assert "Подтвердить загрузку" not in text
    assert "Загрузить верные строки" in text

    confirm_url = reverse("registry:organisation_import_confirm", args=[batch.pk])
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert not Organisation.objects.filter(municipality=town["municipality"]).exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert "ничего не загружено" in page_text(client.get(preview_url))

    client.post(confirm_url, {"valid_only": "1"})
    names = set(Organisation.objects.filter(municipality=town["municipality"]).values_list("short_name", flat=True))
    assert names == {"МБОУ «СОШ № 2»", "МБДОУ «Детский сад № 3»"}
    batch.refresh_from_db()
    assert batch.summary["counts"] == {"create": 2, "update": 0, "unchanged": 0, "refused": 1}
    text = page_text(client.get(preview_url))
    assert "не загружено строк: 1" in text
    assert "«зоопарк» — неизвестный тип" in text  # what was left out, and why


def test_preview_reads_the_stored_plan_not_the_file(client, town, monkeypatch):
    client.force_login(town["coordinator"])
    upload(client, xlsx(ROWS))

    def fail(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(organisation_import, "read_table", fail)
    response = client.get(reverse("registry:organisation_import_preview", args=[last_batch().pk]))
    assert response.status_code == 200
    assert "Будет добавлено: 2" in page_text(response)
    client.post(reverse("registry:organisation_import_confirm", args=[last_batch().pk]))
    assert Organisation.objects.filter(municipality=town["municipality"]).count() == 2


def test_columns_are_reassigned_and_remembered(client, town):
    header = ["Полное наименование", "Аббревиатура", "Тип", "Адрес"]
    rows = [[ROWS[1][0], "Сад № 3", "детский сад", ""]]
    client.force_login(town["coordinator"])
    upload(client, xlsx(rows, header=header))
    batch = last_batch()
    assert batch.plan["columns"] == ["full_name", None, "kind", "address"]
    assert batch.plan["rows"][0]["fields"]["short_name"] == "МБДОУ «Детский сад № 3»"  # derived: column unread

    columns_url = reverse("registry:organisation_import_columns", args=[batch.pk])
    data = {"map-column_0": "full_name", "map-column_1": "short_name", "map-column_2": "kind", "map-column_3": ""}
    assert client.post(columns_url, data).status_code == 302
    batch.refresh_from_db()
    assert batch.plan["columns"] == ["full_name", "short_name", "kind", None]
    assert batch.plan["rows"][0]["fields"]["short_name"] == "Сад № 3"
    remembered = ColumnChoice.objects.remembered(town["coordinator"], ImportBatch.Kind.ORGANISATIONS)
    assert remembered[header_key("Аббревиатура")] == "short_name"

    # The same field twice is refused, with the form shown again.
    twice = data | {"map-column_1": "full_name"}
    response = client.post(columns_url, twice)
    assert response.status_code == 400
    assert "уже выбрано" in page_text(response)

    upload(client, xlsx(rows, header=header))  # the next file with that header reads it the same way
    assert last_batch().plan["columns"] == ["full_name", "short_name", "kind", None]
    client.post(reverse("registry:organisation_import_confirm", args=[last_batch().pk]))
    assert Organisation.objects.get(municipality=town["municipality"]).short_name == "Сад № 3"


def test_coordinator_of_two_municipalities_chooses_one(client, town):
    other = MunicipalityFactory()
    user = town["coordinator"]
    user.memberships.create(role=Role.COORDINATOR, municipality=other)
    client.force_login(user)
    page = client.get(reverse("registry:organisation_import_upload"))
    assert 'name="municipality"' in page.content.decode()
    assert re.search(r'<label\s+for="id_municipality"', page.content.decode())  # a label, for axe

    response = upload(client, xlsx(ROWS))
    assert response.status_code == 200  # no municipality chosen
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.ORGANISATIONS).exists()

    response = upload(client, xlsx(ROWS), municipality=other.pk)
    assert response.status_code == 302
    client.post(reverse("registry:organisation_import_confirm", args=[last_batch().pk]))
    assert Organisation.objects.filter(municipality=other).count() == 2
    assert not Organisation.objects.filter(municipality=town["municipality"]).exists()


def test_a_municipality_not_ones_own_cannot_be_chosen(client, town):
    foreign = MunicipalityFactory()
    user = town["coordinator"]
    user.memberships.create(role=Role.COORDINATOR, municipality=MunicipalityFactory())
    client.force_login(user)
    response = upload(client, xlsx(ROWS), municipality=foreign.pk)
    assert response.status_code == 200
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.ORGANISATIONS).exists()


def test_stale_plan_is_checked_again_before_writing(client, town):
    client.force_login(town["coordinator"])
    upload(client, xlsx(ROWS))
    batch = last_batch()
    OrganisationFactory(municipality=town["municipality"], short_name="МБДОУ «Детский сад № 3»")
    client.post(reverse("registry:organisation_import_confirm", args=[batch.pk]))
    assert Organisation.objects.filter(municipality=town["municipality"]).count() == 1
    text = page_text(client.get(reverse("registry:organisation_import_preview", args=[batch.pk])))
    assert "Файл проверен заново" in text
    assert "Будет добавлено: 1" in text
