"""Day one of a municipality from the command line: its coordinator signs in, its organisations are loaded."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from registry.models import Membership, Municipality, Organisation, Role
from registry.organisation_import import OrganisationPlan, derive_short_name, plan_organisations
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

NAME = "Суровикинский муниципальный район"
HEADER = ["Полное наименование", "Краткое наименование", "Тип", "Адрес", "Руководитель"]
SCHOOL = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 2»"
ROWS = [
    [SCHOOL, "", "СОШ", "404350, г. Суровикино, ул. Шоссейная, д. 2", "Иванова Анна Петровна"],
    [
        "Муниципальное бюджетное дошкольное образовательное учреждение «Детский сад № 3 „Ромашка“»",
        "МБДОУ «Детский сад № 3»",
        "детский сад",
        "404350, г. Суровикино, ул. Ленина, д. 10",
        "Петрова Ольга Ивановна",
    ],
    [
        "Муниципальное бюджетное учреждение дополнительного образования «Дом детского творчества»",
        "МБУ ДО «ДДТ»",
        "дополнительного образования",
        "",
        "Сидоров Павел Андреевич",
    ],
]


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


def create(*extra, stdin=None, **options) -> str:
    out = io.StringIO()
    arguments = [NAME, "--coordinator-username", "surovikino", "--coordinator-name", "Кондрашова Наталья Викторовна"]
    call_command("create_municipality", *arguments, "--email", "n.k@example.ru", *extra, stdout=out, stdin=stdin)
    return out.getvalue()


def organisations_file(tmp_path, rows) -> str:
    path = tmp_path / "организации.xlsx"
    path.write_bytes(xlsx(rows))
    return str(path)


def sign_in(client, username: str, password: str):
    """Through the sign-in page, as a person does (django-axes refuses ``client.login`` without a request)."""
    return client.post(reverse("login"), {"username": username, "password": password})


def test_coordinator_signs_in_with_the_printed_password_and_sees_the_registry(client):
    output = create()
    password = re.search(r"Временный пароль: (\S+)", output).group(1)
    assert "Имя для входа: surovikino" in output
    response = sign_in(client, "surovikino", password)
    assert response.status_code == 302
    response = client.get(reverse("registry:person_list"))
    assert response.status_code == 200
    user = get_user_model().objects.get(username="surovikino")
    assert (user.last_name, user.first_name, user.email) == ("Кондрашова", "Наталья Викторовна", "n.k@example.ru")
    assert Membership.objects.get(user=user).municipality.name == NAME


def test_password_from_stdin_is_used_and_not_printed(client):
    output = create("--password-stdin", stdin=io.StringIO("Наставник-2025\n"))
    assert "Временный пароль" not in output and "Наставник-2025" not in output
    assert sign_in(client, "surovikino", "Наставник-2025").status_code == 302


def test_running_twice_duplicates_nothing_and_keeps_the_password(client):
    create("--password-stdin", stdin=io.StringIO("Наставник-2025\n"))
    output = create()
    assert "уже есть" in output and "Временный пароль" not in output
    assert Municipality.objects.filter(name=NAME).count() == 1
    assert get_user_model().objects.filter(username="surovikino").count() == 1
    assert Membership.objects.filter(user__username="surovikino", role=Role.COORDINATOR).count() == 1
    assert sign_in(client, "surovikino", "Наставник-2025").status_code == 302


def test_someone_elses_account_is_not_taken_over():
    with pytest.raises(CommandError, match="уже занято"):
        call_command(
            "create_municipality", NAME, "--coordinator-username", "curator", "--coordinator-name", "Иванова Анна"
        )
    assert not Municipality.objects.filter(name=NAME).exists()


def test_organisations_are_loaded_from_a_spreadsheet(tmp_path, client):
    output = create("--organisations", organisations_file(tmp_path, ROWS))
    assert "создано 3, обновлено 0" in output
    assert "«Руководитель» не загружается" in output
    municipality = Municipality.objects.get(name=NAME)
    stored = {org.short_name: org for org in Organisation.objects.filter(municipality=municipality)}
    assert set(stored) == {"МБОУ «СОШ № 2»", "МБДОУ «Детский сад № 3»", "МБУ ДО «ДДТ»"}
    assert [stored[name].kind for name in sorted(stored)] == ["kindergarten", "school", "additional"]
    assert stored["МБОУ «СОШ № 2»"].address == "404350, г. Суровикино, ул. Шоссейная, д. 2"
    assert stored["МБОУ «СОШ № 2»"].history.first().history_change_reason == "Загрузка списка организаций"

    password = re.search(r"Временный пароль: (\S+)", output).group(1)
    sign_in(client, "surovikino", password)
    assert "МБДОУ «Детский сад № 3»" in client.get(reverse("registry:organisation_list")).content.decode()


def test_a_refused_row_writes_nothing_and_names_the_row(tmp_path):
    rows = [ROWS[0], ["", "", "СОШ", "", ""], [*ROWS[1][:2], "интернат для взрослых", "", ""]]
    with pytest.raises(CommandError) as refused:
        create("--organisations", organisations_file(tmp_path, rows))
    message = str(refused.value)
    assert "Ничего не записано" in message
    assert "Строка 4: «Полное наименование»: не заполнено наименование организации." in message
    assert "Строка 5: «Тип»: «интернат для взрослых» — неизвестный тип." in message
    assert not Municipality.objects.filter(name=NAME).exists()
    assert not get_user_model().objects.filter(username="surovikino").exists()


def test_an_existing_organisation_matched_by_name_is_updated(tmp_path):
    create()
    municipality = Municipality.objects.get(name=NAME)
    school = OrganisationFactory(municipality=municipality, full_name=SCHOOL.upper(), short_name="СОШ-2", address="")
    output = create("--organisations", organisations_file(tmp_path, ROWS[:1]))
    assert "создано 0, обновлено 1" in output
    school.refresh_from_db()
    assert school.address == "404350, г. Суровикино, ул. Шоссейная, д. 2"
    assert school.short_name == "СОШ-2"  # an empty cell keeps what the registry has
    assert Organisation.objects.filter(municipality=municipality).count() == 1
    # The same file again: nothing to change.
    assert "обновлено 0, без изменений 1" in create("--organisations", organisations_file(tmp_path, ROWS[:1]))


def test_a_too_long_name_is_refused_with_the_columns_limit(tmp_path):
    rows = [["Муниципальное учреждение «" + "Очень длинное наименование " * 20 + "»", "", "школа", "", ""]]
    with pytest.raises(CommandError, match=r"Строка 3: «Полное наименование»: 5\d\d знаков, .* не больше 500\."):
        create("--organisations", organisations_file(tmp_path, rows))


def test_duplicate_rows_and_the_plan_survive_a_round_trip_through_json():
    municipality = Municipality.objects.create(name=NAME)
    plan = plan_organisations(municipality=municipality, file_name="o.xlsx", content=xlsx([ROWS[0], ROWS[0]]))
    plan = OrganisationPlan.from_json(json.loads(json.dumps(plan.to_json())))  # as a preview stores it
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "refused": 1}
    assert plan.rows[1].errors == ["«Полное наименование»: то же наименование, что в строке 3."]
    assert plan.columns == ["full_name", "short_name", "kind", "address", "director"]


@pytest.mark.parametrize(
    ("full", "short"),
    [
        (SCHOOL, "МБОУ «СОШ № 2»"),
        (
            "Муниципальное казённое общеобразовательное учреждение «Основная общеобразовательная школа № 7»",
            "МКОУ «ООШ № 7»",
        ),
        (
            "Муниципальное бюджетное учреждение дополнительного образования «Детско-юношеская спортивная школа»",
            "МБУ ДО «ДЮСШ»",
        ),
        ("Гимназия № 1", "Гимназия № 1"),
    ],
)
def test_short_name_is_derived_as_departments_abbreviate(full, short):
    assert derive_short_name(full) == short
