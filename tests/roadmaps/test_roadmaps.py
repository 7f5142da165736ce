"""Journey 3: roadmaps from the seeds' samples, the approval round, tracking to done."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from registry.models import Role
from roadmaps.deadlines import parse_deadline
from roadmaps.models import Item, Revision, Roadmap
from roadmaps.services import (
    StaleRevision,
    content_of,
    item_track,
    revision_approve,
    revision_edit,
    revision_open_next,
    revision_return,
    revision_submit,
    roadmap_create,
)
from roadmaps.templates_loader import TEMPLATES_DIR
from tests.factories import OrganisationFactory, make_user
from tests.utils import downloaded, form_data, page_text, table_rows

pytestmark = pytest.mark.django_db
D = datetime.date


# --- deadlines: every form found in the seeds ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "period", "kind", "dates"),
    [
        # seed 000, municipal roadmap for 2022
        ("март 2022 г.", "2022", "date", [D(2022, 3, 31)]),
        ("март 2022", "2022", "date", [D(2022, 3, 31)]),
        ("до 20 апреля 2022 г.", "2022", "date", [D(2022, 4, 20)]),
        ("до 20 апреля 2022г.", "2022", "date", [D(2022, 4, 20)]),
        ("Ноябрь 2022 г.", "2022", "date", [D(2022, 11, 30)]),
        ("декабрь 2022г.", "2022", "date", [D(2022, 12, 31)]),
        ("Апрель-декабрь 2022года", "2022", "date", [D(2022, 12, 31)]),
        ("март — декабрь 2022 г.", "2022", "date", [D(2022, 12, 31)]),
        ("март – декабрь 2022 г.", "2022", "date", [D(2022, 12, 31)]),
        ("до 30 апреля 2022 г.", "2022", "date", [D(2022, 4, 30)]),
        ("апрель 2022г.", "2022", "date", [D(2022, 4, 30)]),
        ("в течение года", "2022", "open", []),
        ("по отдельному плану", "2022", "open", []),
        ("В течение всего периода реализации Целевой модели наставничества", "2022", "open", []),
        ("в соответствии с сороками реализации программ наставничества", "2022", "open", []),
        ("в соответствии со сроками, устанавливаемыми комитетом образования", "2022", "open", []),
        # seed 001, school roadmap 2022–2023
        ("Сентябрь 2022", "2022–2023", "date", [D(2022, 9, 30)]),
        ("Сентябрь 2022, май 2023", "2022–2023", "date", [D(2022, 9, 30), D(2023, 5, 31)]),
        ("Май 2023", "2022–2023", "date", [D(2023, 5, 31)]),
        ("Ежегодно до 28 мая", "2022–2023", "recurring", []),
        ("Ежегодно до 20 сентября", "2022–2023", "recurring", []),
        ("Постоянно", "2022–2023", "open", []),
        ("По итогам 2022 года", "2022–2023", "open", []),
        # seed 002, Derbent plan 2022–2023
        ("2022-2023 уч.год", "2022–2023", "date", [D(2023, 8, 31)]),
        ("2022-2023 учебный год", "2022–2023", "date", [D(2023, 8, 31)]),
        ("Январь, март 2023", "2022–2023", "date", [D(2023, 1, 31), D(2023, 3, 31)]),
        ("Февраль", "2022–2023 учебный год", "date", [D(2023, 2, 28)]),
        ("3 марта", "2022–2023 учебный год", "date", [D(2023, 3, 3)]),
        ("Декабрь 2022-январь 2023", "2022–2023", "date", [D(2023, 1, 31)]),
        ("Январь 2023, постоянно", "2022–2023", "date", [D(2023, 1, 31)]),
        ("Январь 2023, июль 2023", "2022–2023", "date", [D(2023, 1, 31), D(2023, 7, 31)]),
        ("Ежегодно, ноябрь", "2022–2023", "recurring", []),
        ("Ежегодно", "2022–2023", "recurring", []),
        ("По плану", "2022–2023", "open", []),
        ("По итогам мониторинга", "2022–2023", "open", []),
        # seed 003 order text and seed 004 district plan 2021
        ("в срок до 18.11.2022", "2022", "date", [D(2022, 11, 18)]),
        ("Апрель 2021", "2021", "date", [D(2021, 4, 30)]),
        ("Апрель - май 2021", "2021", "date", [D(2021, 5, 31)]),
        ("Октябрь- ноябрь 2021", "2021", "date", [D(2021, 11, 30)]),
        ("в срок до 31 мая 2021 года", "2021", "date", [D(2021, 5, 31)]),
        ("", "2021", "open", []),
    ],
)
def test_every_deadline_form_of_the_seeds(text, period, kind, dates):
    deadline = parse_deadline(text, period)
    assert (deadline.kind, deadline.dates) == (kind, dates)


def test_a_month_without_a_year_and_no_period_is_open():
    assert parse_deadline("Февраль").kind == "open"


# --- templates ---------------------------------------------------------------------------------
def test_the_seed_000_template_loads_with_every_item_of_the_source_table():
    source = json.loads((TEMPLATES_DIR / "municipal_kotelnikovo_2022.json").read_text(encoding="utf-8"))
    roadmap = Roadmap.objects.get(is_template=True, level="municipal", municipality__isnull=True)
    revision = roadmap.revisions.get()
    expected = [item["number"] for section in source["sections"] for item in section["items"]]
    assert [item.number for item in revision.items.all()] == expected
    assert len(expected) == 26
    assert [section.number for section in revision.sections.all()] == ["1", "2", "4", "5", "6", "7"]
    first = revision.items.get(number="2.1")
    assert (first.deadline, first.due_date) == ("до 20 апреля 2022г.", D(2022, 4, 20))


# --- the approval round -------------------------------------------------------------------------
def sample_revision() -> Revision:
    return Roadmap.objects.get(is_template=True, level="school", municipality__isnull=True).revisions.get()


@pytest.fixture
def draft(school):
    roadmap = roadmap_create(
        user=school["curator"],
        level="school",
        organisation=school["organisation"],
        title="Дорожная карта наставничества",
        period="2026–2027 учебный год",
        source=sample_revision(),
    )
    return roadmap.revisions.get()


def fresh(revision: Revision) -> Revision:
    return Revision.objects.get(pk=revision.pk)


def test_a_school_roadmap_starts_from_the_sample_with_all_its_items(draft):
    assert draft.items.count() == sample_revision().items.count() == 16
    assert draft.status == Revision.Status.DRAFT


def test_submit_return_resubmit_approve(draft, school):
    revision_submit(user=school["curator"], revision=draft, version=draft.version)
    draft = fresh(draft)
    assert draft.status == "submitted"
    revision_return(user=school["director"], revision=draft, version=draft.version, comment="Добавьте сроки")
    draft = fresh(draft)
    assert (draft.status, draft.return_comment) == ("returned", "Добавьте сроки")
    revision_submit(user=school["curator"], revision=draft, version=draft.version)
    draft = fresh(draft)
    revision_approve(user=school["director"], revision=draft, version=draft.version, order="№ 45 от 01.09.2026")
    draft = fresh(draft)
    assert draft.status == "approved"
    assert draft.approved_by == school["director"]
    assert draft.approval_order == "№ 45 от 01.09.2026"
    assert draft.approved_at.date() == timezone.localdate()


def test_a_curator_cannot_approve(draft, school):
    revision_submit(user=school["curator"], revision=draft, version=draft.version)
    with pytest.raises(PermissionDenied):
        revision_approve(user=school["curator"], revision=fresh(draft), version=fresh(draft).version)
    assert fresh(draft).status == "submitted"


def test_returning_needs_a_comment(draft, school):
    revision_submit(user=school["curator"], revision=draft, version=draft.version)
    with pytest.raises(ValidationError) as error:
        revision_return(user=school["director"], revision=fresh(draft), version=fresh(draft).version, comment=" ")
    assert error.value.message_dict == {"comment": ["Напишите, что нужно исправить."]}
    assert fresh(draft).status == "submitted"


def test_a_draft_cannot_be_approved_without_being_submitted(draft, school):
    with pytest.raises(ValidationError):
        revision_approve(user=school["director"], revision=draft, version=draft.version)
    assert fresh(draft).status == "draft"


def approved(draft, school) -> Revision:
    revision_submit(user=school["curator"], revision=draft, version=draft.version)
    revision_approve(user=school["director"], revision=fresh(draft), version=fresh(draft).version)
    return fresh(draft)


def test_an_approved_roadmap_cannot_be_edited_in_place(draft, school):
    revision = approved(draft, school)
    with pytest.raises(ValidationError):
        revision_edit(user=school["curator"], revision=revision, version=revision.version, header={}, sections=[])
    assert fresh(revision).items.count() == 16


def test_changing_an_approved_roadmap_opens_a_new_revision_and_keeps_the_old_one(draft, school):
    first = approved(draft, school)
    item = first.items.get(number="1.1")
    item_track(user=school["curator"], item=item, status="done", done_on=timezone.localdate(), note="Приказ", link="")
    second = revision_open_next(user=school["curator"], roadmap=first.roadmap)
    assert (second.number, second.status) == (2, "draft")
    sections = content_of(second)
    sections[0].items[0]["content"] = "Изменённое мероприятие"
    revision_edit(user=school["curator"], revision=second, version=second.version, header={}, sections=sections)
    revision_submit(user=school["curator"], revision=fresh(second), version=fresh(second).version)
    revision_approve(user=school["director"], revision=fresh(second), version=fresh(second).version)
    assert fresh(first).status == "superseded"
    assert fresh(first).items.get(number="1.1").content != "Изменённое мероприятие"  # the old version stays readable
    carried = fresh(second).items.get(number="1.1")
    assert (carried.content, carried.status) == ("Изменённое мероприятие", "done")


def test_a_stale_edit_is_refused_not_lost(draft, school):
    seen_by_both = draft.version
    sections = content_of(draft)
    sections[0].title = "Первая правка"
    revision_edit(user=school["curator"], revision=draft, version=seen_by_both, header={}, sections=sections)
    sections[0].title = "Вторая правка по старой странице"
    with pytest.raises(StaleRevision):
        revision_edit(user=school["curator"], revision=draft, version=seen_by_both, header={}, sections=sections)
    assert fresh(draft).sections.first().title == "Первая правка"


def test_approving_a_draft_that_changed_since_it_was_opened_is_refused(client, draft, school):
    revision_submit(user=school["curator"], revision=draft, version=draft.version)
    seen_by_director = fresh(draft).version
    revision_return(user=school["director"], revision=fresh(draft), version=seen_by_director, comment="Поправьте 2.1")
    revision_submit(user=school["curator"], revision=fresh(draft), version=fresh(draft).version)
    client.force_login(school["director"])
    response = client.post(
        reverse("roadmaps:roadmap_approve", args=[draft.roadmap_id]), {"version": seen_by_director}, follow=True
    )
    assert "Дорожную карту уже изменили после того, как вы открыли страницу." in page_text(response)
    assert fresh(draft).status == "submitted"


def test_the_director_sees_what_changed_since_the_approved_version(client, draft, school):
    first = approved(draft, school)
    second = revision_open_next(user=school["curator"], roadmap=first.roadmap)
    sections = content_of(second)
    sections[1].items[0]["deadline"] = "до 1 октября 2026 г."
    del sections[2].items[0]
    revision_edit(user=school["curator"], revision=second, version=second.version, header={}, sections=sections)
    revision_submit(user=school["curator"], revision=fresh(second), version=fresh(second).version)
    client.force_login(school["director"])
    response = client.get(first.roadmap.get_absolute_url())
    changes = {(change.number, change.label) for change in response.context["changes"]}
    assert changes == {(sections[1].items[0]["number"], "изменено: срок"), ("3.1", "удалён пункт")}


def test_each_user_sees_what_waits_for_them(client, draft, school):
    revision_submit(user=school["curator"], revision=draft, version=draft.version)
    client.force_login(school["director"])
    assert draft.roadmap in client.get(reverse("roadmaps:roadmap_list")).context["waiting"]
    revision_return(user=school["director"], revision=fresh(draft), version=fresh(draft).version, comment="Сроки")
    client.force_login(school["curator"])
    assert draft.roadmap in client.get(reverse("roadmaps:roadmap_list")).context["returned"]
    client.force_login(school["coordinator"])
    late = client.get(reverse("roadmaps:roadmap_list")).context["late"]
    assert school["organisation"] not in [row["organisation"] for row in late]  # it has a roadmap, nothing overdue


def test_the_municipal_roadmap_is_approved_by_the_head_of_the_department(school):
    roadmap = roadmap_create(
        user=school["coordinator"],
        level="municipal",
        municipality=school["municipality"],
        title="Муниципальная дорожная карта",
        period="2026",
        source=Roadmap.objects.get(is_template=True, level="municipal", municipality__isnull=True).revisions.get(),
    )
    revision = roadmap.revisions.get()
    revision_submit(user=school["coordinator"], revision=revision, version=revision.version)
    with pytest.raises(PermissionDenied):
        revision_approve(user=school["coordinator"], revision=fresh(revision), version=fresh(revision).version)
    revision_approve(user=school["head"], revision=fresh(revision), version=fresh(revision).version)
    assert fresh(revision).status == "approved"


# --- tracking ------------------------------------------------------------------------------------
def test_done_needs_a_date_and_evidence(draft, school):
    revision = approved(draft, school)
    item = revision.items.first()
    with pytest.raises(ValidationError) as error:
        item_track(user=school["curator"], item=item, status="done", done_on=None, note="", link="")
    assert error.value.message_dict == {
        "done_on": ["Укажите дату выполнения."],
        "evidence_note": ["Приложите подтверждение: файл, ссылку или примечание."],
    }
    assert Item.objects.get(pk=item.pk).status == "planned"


def test_curator_marks_an_item_done_with_a_file(client, draft, school, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    revision = approved(draft, school)
    item = revision.items.first()
    client.force_login(school["curator"])
    url = reverse("roadmaps:item_track", args=[revision.roadmap_id, item.pk])
    response = client.post(
        url,
        form_data(client.get(url))
        | {
            "status": "done",
            "done_on": timezone.localdate().isoformat(),
            "evidence_file": SimpleUploadedFile("протокол.pdf", b"%PDF-1.5 protocol"),
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.evidence_file
    download = client.get(reverse("roadmaps:item_evidence", args=[revision.roadmap_id, item.pk]))
    assert downloaded(download) == b"%PDF-1.5 protocol"


def test_a_fake_evidence_file_is_refused(client, draft, school, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    revision = approved(draft, school)
    item = revision.items.first()
    client.force_login(school["curator"])
    response = client.post(
        reverse("roadmaps:item_track", args=[revision.roadmap_id, item.pk]),
        {
            "status": "done",
            "done_on": timezone.localdate().isoformat(),
            "evidence_file": SimpleUploadedFile("x.pdf", b"MZ"),
        },
    )
    assert response.context["form"].errors["evidence_file"] == ["Содержимое файла не похоже на PDF."]
    assert Item.objects.get(pk=item.pk).status == "planned"


def test_overdue_items_stand_out_and_progress_counts(client, draft, school):
    sections = content_of(draft)
    sections[0].items[0]["deadline"] = "до 1 сентября 2020 г."
    sections[0].items[1]["deadline"] = "до 1 сентября 2020 г."
    revision_edit(user=school["curator"], revision=draft, version=draft.version, header={}, sections=sections)
    revision = approved(fresh(draft), school)
    done = revision.items.get(number=sections[0].items[1]["number"])
    item_track(user=school["curator"], item=done, status="done", done_on=D(2020, 8, 30), note="Сделано", link="")
    client.force_login(school["coordinator"])
    response = client.get(revision.roadmap.get_absolute_url())
    assert response.context["progress"] == {"total": 16, "done": 1, "overdue": 1, "percent": 6}
    assert response.content.decode().count('data-overdue="1"') == 1
    overview = client.get(reverse("roadmaps:roadmap_overview"), {"ordering": "-overdue"})
    row = overview.context["rows"][0]
    assert (row["organisation"], row["state"], row["percent"], row["overdue"]) == (
        school["organisation"],
        "approved",
        6,
        1,
    )


def test_overview_queries_do_not_grow_with_organisations(client, school, draft):
    client.force_login(school["coordinator"])
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("roadmaps:roadmap_overview"))
    assert response.status_code == 200
    assert [row.startswith(school["organisation"].short_name) for row in table_rows(response)] == [True]
    for number in range(8):
        organisation = OrganisationFactory(municipality=school["municipality"], short_name=f"ООШ № {number}")
        curator = make_user(Role.CURATOR, organisation)
        roadmap_create(
            user=curator, level="school", organisation=organisation, title="ДК", period="2026", source=sample_revision()
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("roadmaps:roadmap_overview"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 9
    rows = table_rows(response)
    assert len(rows) == 9
    assert all(any(row.startswith(f"ООШ № {number} ") for row in rows) for number in range(8))
    assert len(many) == len(few)


def test_roadmap_list_queries_do_not_grow_with_roadmaps(client, school, draft):
    client.force_login(school["coordinator"])
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("roadmaps:roadmap_list"))
    assert response.status_code == 200
    rows = table_rows(response)
    assert len(rows) == 1
    assert rows[0].startswith(f"{draft.roadmap.title} {school['organisation'].short_name}")
    for number in range(6):
        organisation = OrganisationFactory(municipality=school["municipality"], short_name=f"СОШ № {number}")
        roadmap_create(
            user=make_user(Role.CURATOR, organisation),
            level="school",
            organisation=organisation,
            title="ДК",
            period="2026",
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("roadmaps:roadmap_list"))
    assert response.status_code == 200
    rows = table_rows(response)
    assert len(rows) == 7
    assert all(any(row.startswith(f"ДК СОШ № {number} ") for row in rows) for number in range(6))
    assert len(many) == len(few)


def test_mentors_read_only_their_schools_approved_roadmap(client, draft, school):
    from tests.factories import PersonFactory

    mentor = make_user(Role.MENTOR, PersonFactory(organisation=school["organisation"]))
    client.force_login(mentor)
    assert client.get(draft.roadmap.get_absolute_url()).status_code == 404  # a draft: not yet theirs to read
    approved(draft, school)
    response = client.get(draft.roadmap.get_absolute_url())
    assert response.status_code == 200
    assert response.context["can_edit"] is False


# --- documents and the spreadsheet round trip ---------------------------------------------------
def test_roadmap_pdf_has_the_approval_block_and_the_table(client, draft, school):
    revision = approved(draft, school)
    client.force_login(school["coordinator"])
    response = client.get(reverse("roadmaps:roadmap_pdf", args=[revision.roadmap_id]))
    reader = PdfReader(io.BytesIO(downloaded(response)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    # Approved in the portal without an order: the head's «УТВЕРЖДАЮ» with the approver and the day.
    assert "УТВЕРЖДАЮ" in text
    assert revision.approved_by_name in text
    assert revision.items.first().content[:40] in text
    assert "Страница 1 из" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height  # landscape


def test_export_then_import_gives_the_same_roadmap(client, draft, school):
    client.force_login(school["curator"])
    exported = downloaded(client.get(reverse("roadmaps:roadmap_xlsx", args=[draft.roadmap_id])))
    response = client.post(
        reverse("roadmaps:roadmap_import"),
        {
            "file": SimpleUploadedFile("карта.xlsx", exported),
            "title": "Загруженная",
            "period": "2026–2027 учебный год",
            "kind": "school",
        },
    )
    preview = client.get(response.url)
    assert preview.context["plan"].can_apply
    confirm = client.post(reverse("roadmaps:roadmap_import_confirm", args=[preview.context["batch"].pk]))
    imported = Roadmap.objects.get(title="Загруженная")
    assert confirm.url == imported.get_absolute_url()
    assert content_of(imported.revisions.get()) == content_of(draft)


def test_a_roadmap_file_with_errors_names_them_and_creates_nothing(client, school):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in [
        ["№", "Содержание деятельности", "Сроки", "Ответственные", "Результат"],
        ["1", "Организационный этап", "", "", ""],
        ["1.1", "Приказ о наставничестве", "сентябрь 2026", "Директор", "Приказ"],
        ["1.1", "Повтор номера", "", "", ""],
        ["1.2", "", "октябрь 2026", "", ""],
    ]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(school["curator"])
    response = client.post(
        reverse("roadmaps:roadmap_import"),
        {
            "file": SimpleUploadedFile("план.xlsx", buffer.getvalue()),
            "title": "Ошибочная",
            "period": "2026",
            "kind": "school",
        },
    )
    preview = client.get(response.url)
    plan = preview.context["plan"]
    assert plan.errors == ["Строка 5: у пункта 1.2 пустое мероприятие."]
    # A number used twice is not an error: the second one gets the next free number, with a note on its row.
    assert [line.note for line in plan.lines if line.row == 4] == ["номер 1.1 уже был, присвоен 1.2"]
    confirm = client.post(reverse("roadmaps:roadmap_import_confirm", args=[preview.context["batch"].pk]))
    assert confirm.status_code == 400
    assert "Дорожная карта не создана" in page_text(confirm)
    assert not Roadmap.objects.filter(title="Ошибочная").exists()


def test_the_coordinator_publishes_a_sample_that_the_municipalitys_schools_start_from(client, school):
    client.force_login(school["coordinator"])
    response = client.post(
        reverse("roadmaps:roadmap_create"),
        {"source": sample_revision().pk, "title": "Образец района", "period": "2026–2027", "kind": "sample"},
    )
    sample = Roadmap.objects.get(title="Образец района")
    assert response.url == sample.get_absolute_url()
    assert (sample.is_template, sample.municipality, sample.organisation) == (True, school["municipality"], None)
    client.force_login(school["curator"])
    sources = client.get(reverse("roadmaps:roadmap_create")).context["form"].fields["source"].queryset
    assert sample.revisions.get() in sources
    stranger = make_user(Role.CURATOR, OrganisationFactory())
    client.force_login(stranger)
    assert client.get(sample.get_absolute_url()).status_code == 404


def test_an_over_long_approval_order_is_refused_with_a_message(client, draft, school):
    revision_submit(user=school["curator"], revision=draft, version=draft.version)
    client.force_login(school["director"])
    response = client.post(
        reverse("roadmaps:roadmap_approve", args=[draft.roadmap_id]),
        {"version": fresh(draft).version, "order": "№ " + "1" * 120},
        follow=True,
    )
    assert "Приказ об утверждении: не больше 100 знаков." in page_text(response)
    assert fresh(draft).status == "submitted"
    assert client.get(draft.roadmap.get_absolute_url() + "?revision=²").status_code == 200
