"""The department's own roadmaps load as they are: the five seed tables, as Word and as Excel files.

The tables are typed from the source documents as written (``tests/data/seed_roadmaps.py``);
each test uploads one through the page a curator or coordinator uses and reads the preview.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from registry.models import ColumnChoice, ImportBatch, Role
from roadmaps.importing import plan_roadmap
from roadmaps.models import Item, Roadmap
from tests.data.seed_roadmaps import SEEDS, docx_without_table, rows_with_text, to_docx, to_xlsx
from tests.factories import MunicipalityFactory, make_user
from tests.utils import page_text

pytestmark = pytest.mark.django_db

FORMATS = {
    "xlsx": lambda seed: ("план.xlsx", to_xlsx(seed)),
    "docx": lambda seed: ("приказ.docx", to_docx(seed)),
    "docx-merged": lambda seed: ("приказ.docx", to_docx(seed, merge_stages=True)),
}
CASES = [(key, fmt) for key in SEEDS for fmt in ("xlsx", "docx")] + [
    ("seed001", "docx-merged"),
    ("seed003", "docx-merged"),
]


@pytest.fixture
def coordinator():
    return make_user(Role.COORDINATOR, MunicipalityFactory())


def upload(client, user, name: str, content: bytes, **data):
    client.force_login(user)
    response = client.post(
        reverse("roadmaps:roadmap_import"), {"file": SimpleUploadedFile(name, content), "kind": "municipal", **data}
    )
    assert response.status_code == 302, page_text(response)
    return ImportBatch.objects.latest("pk"), client.get(response.url)


def column_number_rows(seed) -> int:
    return sum(1 for row in seed.rows if [c for c in row if c] == [str(n) for n in range(1, len(row) + 1)])


def all_text(plan) -> list[str]:
    return [" | ".join(item.values()) for section in plan.sections for item in section.items]


@pytest.mark.parametrize(("key", "fmt"), CASES, ids=[f"{key}-{fmt}" for key, fmt in CASES])
def test_every_seed_shape_previews_with_every_row_accounted_for(client, coordinator, key, fmt):
    seed = SEEDS[key]
    name, content = FORMATS[fmt](seed)
    _, preview = upload(client, coordinator, name, content)
    plan = preview.context["plan"]
    assert not plan.error and not plan.errors, (plan.error, plan.errors)
    counts = plan.counts()
    assert (counts["sections"], counts["items"]) == (seed.expected_sections, seed.expected_items)
    # One line of the ledger per row of the table, none lost; the rows with text are sections, items
    # or continuations, except the explanatory italics and the row of column numbers, skipped with a reason.
    assert counts["rows"] == len(seed.rows)
    placed = counts["section"] + counts["item"] + counts["joined"]
    assert placed == rows_with_text(seed) - len(seed.italic_rows) - column_number_rows(seed)
    assert all(line.note for line in plan.lines if line.kind == "skipped")
    texts = all_text(plan)
    for phrase in seed.phrases:
        assert any(phrase in text for text in texts), phrase
    numbers = [item["number"] for section in plan.sections for item in section.items]
    assert len(numbers) == len(set(numbers))
    assert plan.title == seed.title
    page = page_text(preview)
    assert f"Разделов: {seed.expected_sections}, пунктов: {seed.expected_items}" in page


def test_the_word_order_of_seed_000_creates_its_26_items_in_6_sections_with_its_title_and_basis(client, coordinator):
    batch, preview = upload(client, coordinator, "Приказ 100-д.docx", to_docx(SEEDS["seed000"]))
    details = preview.context["details"]
    assert details.initial["title"] == SEEDS["seed000"].title
    assert details.initial["period"] == "2022"
    assert details.initial["basis"] == (
        "УТВЕРЖДЕНО приказом отдела образования администрации Котельниковского муниципального района "
        "Волгоградской области от 29.03.2022 № 100-д"
    )
    response = client.post(reverse("roadmaps:roadmap_import_confirm", args=[batch.pk]))
    roadmap = Roadmap.objects.get(municipality=coordinator.memberships.get().municipality)
    assert response.url == roadmap.get_absolute_url()
    revision = roadmap.revisions.get()
    assert revision.sections.count() == 6
    assert revision.items.count() == 26
    assert roadmap.basis.endswith("№ 100-д")
    # The row split at the page break is merged back into item 2.5.
    joined = revision.items.get(number="2.5")
    assert joined.content == "Формирование единой муниципальной базы наставников"
    assert joined.deadline == "В течение всего периода реализации целевой модели наставничества"


def test_seed_001_stage_column_numbers_the_activities_inside_each_stage(client, coordinator):
    _, preview = upload(client, coordinator, "школа.docx", to_docx(SEEDS["seed001"], merge_stages=True))
    plan = preview.context["plan"]
    assert plan.columns[:3] == ["number", "stage", "content"]
    stage_five = plan.sections[4]
    assert stage_five.title == "Организация обучающих и конкурсных мероприятий"
    # «1. … 2. Курсы повышения квалификации.» in one cell is two items; the next rows, numbered 2. and 3.
    # again in the file, get the next free numbers, each with a note.
    assert [item["number"] for item in stage_five.items] == ["5.1", "5.2", "5.3", "5.4"]
    assert stage_five.items[1]["content"] == "Курсы повышения квалификации."
    assert plan.sections[5].title == "Мотивация и поощрение наставников"
    assert any("уже был, присвоен 5.3" in line.note for line in plan.lines)


def test_seed_002_bullets_get_numbers_under_their_heading_and_dashes_and_italics_are_skipped(client, coordinator):
    _, preview = upload(client, coordinator, "дербент.xlsx", to_xlsx(SEEDS["seed002"]))
    plan = preview.context["plan"]
    assert [section.number for section in plan.sections] == ["I", "II"]
    items = {item["number"]: item for section in plan.sections for item in section.items}
    assert items["2.1.1.1"]["content"] == "установочный семинар-совещание для школьных кураторов наставничества"
    assert items["2.3.1"]["deadline"] == "Декабрь 2022"  # the row typed one cell to the left is put right
    notes = [line.note for line in plan.lines if line.kind == "skipped"]
    assert notes.count("строка с прочерком") == 2
    assert "пояснение курсивом, не мероприятие" in notes


def test_seed_004_unnumbered_sections_number_their_items_again_from_one(client, coordinator):
    _, preview = upload(client, coordinator, "округ.docx", to_docx(SEEDS["seed004"]))
    plan = preview.context["plan"]
    assert plan.columns == ["number", "content", "deadline", "result", "responsible"]
    assert [section.title for section in plan.sections] == [
        "Нормативное обеспечение",
        "Организационно- методическое обеспечение",
    ]
    assert [item["number"] for item in plan.sections[1].items][:2] == ["2.1", "2.2"]


def test_a_column_the_portal_cannot_place_is_assigned_in_the_preview_and_remembered(client, coordinator):
    seed = SEEDS["seed000"]
    content = to_xlsx(seed).replace(b"", b"")

    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == "Ответственный исполнитель":
                cell.value = "Кто делает"
    buffer = io.BytesIO()
    book.save(buffer)
    batch, preview = upload(client, coordinator, "план.xlsx", buffer.getvalue())
    plan = preview.context["plan"]
    assert "Кто делает" in plan.headers and "responsible" not in plan.columns
    index = plan.headers.index("Кто делает")
    data = {f"map-column_{i}": key or "" for i, key in enumerate(plan.columns)} | {f"map-column_{index}": "responsible"}
    response = client.post(reverse("roadmaps:roadmap_import_columns", args=[batch.pk]), data)
    assert response.status_code == 302
    plan = client.get(response.url).context["plan"]
    assert plan.sections[0].items[0]["responsible"] == "Отдел образования"
    assert ColumnChoice.objects.filter(header="кто делает", field="responsible").exists()
    # The next file with that header is read the same way without asking.
    _, again = upload(client, coordinator, "план-2.xlsx", buffer.getvalue())
    assert again.context["plan"].columns[index] == "responsible"


def test_two_fields_for_one_column_are_refused_next_to_the_choice(client, coordinator):
    batch, preview = upload(client, coordinator, "план.xlsx", to_xlsx(SEEDS["seed000"]))
    plan = preview.context["plan"]
    data = {f"map-column_{i}": key or "" for i, key in enumerate(plan.columns)} | {"map-column_2": "content"}
    response = client.post(reverse("roadmaps:roadmap_import_columns", args=[batch.pk]), data)
    assert response.status_code == 400
    assert "«Мероприятие» уже выбрано для столбца" in page_text(response)


def test_a_word_file_without_a_table_is_refused_and_creates_nothing(client, coordinator):
    before = Roadmap.objects.count()
    _, preview = upload(client, coordinator, "письмо.docx", docx_without_table())
    assert "В документе Word нет ни одной таблицы" in page_text(preview)
    assert Roadmap.objects.count() == before


def test_a_cell_longer_than_its_field_is_refused_before_confirm(client, coordinator):
    seed = SEEDS["seed000"]
    rows = list(seed.rows)
    rows[1] = (rows[1][0], rows[1][1], "до " + "очень " * 60, rows[1][3], rows[1][4])
    long = type(seed)(**{**seed.__dict__, "rows": tuple(rows)})
    before = Item.objects.count()
    batch, preview = upload(client, coordinator, "план.docx", to_docx(long))
    assert any("«Срок»: текст длиннее 255 символов" in error for error in preview.context["plan"].errors)
    response = client.post(reverse("roadmaps:roadmap_import_confirm", args=[batch.pk]))
    assert response.status_code == 400
    assert Item.objects.count() == before


def test_the_preview_reads_the_stored_plan_and_does_not_parse_the_file_again(client, coordinator, monkeypatch):
    batch, _ = upload(client, coordinator, "план.docx", to_docx(SEEDS["seed000"]))
    import roadmaps.importing

    def fail(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(roadmaps.importing, "read_table", fail)
    response = client.get(reverse("roadmaps:roadmap_import_preview", args=[batch.pk]))
    assert response.context["plan"].item_count == 26


def xlsx(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["№", "Мероприятие", "Срок", "Ответственный"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def outline(plan) -> list[tuple[str, str, list[str]]]:
    return [(s.number, s.title, [item["number"] for item in s.items]) for s in plan.sections]


def assert_every_row_placed(plan, rows: int) -> None:
    assert not plan.error and not plan.errors, (plan.error, plan.errors)
    assert len(plan.lines) == rows
    assert all(line.kind in {"section", "item", "joined"} for line in plan.lines), plan.lines


def test_a_numbered_section_row_with_a_deadline_is_a_section_and_keeps_the_deadline_in_its_note():
    plan = plan_roadmap(
        "план.xlsx",
        xlsx(
            ("1.", "Организационный этап", "сентябрь 2024", "Директор"),
            ("1.1", "Приказ", "сентябрь 2024"),
            ("2.", "Основной этап", "октябрь–май"),
            ("2.1", "Пары", "октябрь"),
        ),
    )
    assert_every_row_placed(plan, 4)
    assert outline(plan) == [("1", "Организационный этап", ["1.1"]), ("2", "Основной этап", ["2.1"])]
    assert [line.kind for line in plan.lines] == ["section", "item", "section", "item"]
    assert plan.lines[0].note == "срок раздела: сентябрь 2024; ответственный раздела: Директор"
    assert plan.lines[2].note == "срок раздела: октябрь–май"


def test_a_flat_numbered_list_is_items_of_one_section_even_where_a_row_has_no_deadline():
    plan = plan_roadmap("план.xlsx", xlsx(("1", "X", "май"), ("2", "Y", ""), ("3", "Z", "июнь")))
    assert_every_row_placed(plan, 3)
    assert outline(plan) == [("1", "Мероприятия", ["1", "2", "3"])]
    assert [item["content"] for item in plan.sections[0].items] == ["X", "Y", "Z"]
    assert [line.kind for line in plan.lines] == ["item", "item", "item"]
    assert all(not line.note for line in plan.lines)


def test_numbers_from_one_in_each_unnumbered_section_stay_items_even_without_a_deadline():
    plan = plan_roadmap(
        "план.xlsx",
        xlsx(("", "Нормативное обеспечение"), ("1", "A", ""), ("2", "B", "май"), ("", "Методика"), ("1", "C", "")),
    )
    assert_every_row_placed(plan, 5)
    assert outline(plan) == [("1", "Нормативное обеспечение", ["1.1", "1.2"]), ("2", "Методика", ["2.1"])]


def test_the_section_made_up_for_an_item_above_its_section_row_is_adopted_by_that_row():
    plan = plan_roadmap(
        "план.xlsx",
        xlsx(
            ("1.1", "Приказ", "май"),
            ("1", "Нормативное обеспечение"),
            ("1.2", "Положение", "май"),
            ("2", "Обучение"),
            ("2.1", "Курсы", "июнь"),
        ),
    )
    assert_every_row_placed(plan, 5)
    assert outline(plan) == [("1", "Нормативное обеспечение", ["1.1", "1.2"]), ("2", "Обучение", ["2.1"])]
    assert "номер раздела" not in plan.lines[1].note
    assert plan.lines[1].numbers == ["1"]


def test_an_early_item_of_section_two_is_adopted_by_the_row_two_not_put_into_a_section_one():
    plan = plan_roadmap("план.xlsx", xlsx(("2.1", "Курсы", "июнь"), ("2", "Обучение"), ("2.2", "Семинар", "май")))
    assert_every_row_placed(plan, 3)
    assert outline(plan) == [("2", "Обучение", ["2.1", "2.2"])]
