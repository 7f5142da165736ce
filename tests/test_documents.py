"""Every printed document, in Word and as PDF, in the layout of ГОСТ Р 7.0.97-2016.

The Word files are opened with python-docx and read as a person reads them: the organisation's requisites
at the top, «ПРИКАЗ» with its date, number and place, the points naming people in their cases, the
signature «Директор ____ В.И. Зайцев», «С приказом ознакомлены» with a line per person, the approval
blocks. The expected names were declined by hand.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from mentoring_portal.official import read_order_citation
from monitoring.models import MonitoringPeriod
from registry.documents import ConsentDocument, CuratorOrderDocument, OrderDocument, ProgramDocument
from registry.models import Membership, MenteeProfile, Organisation, Program, Role
from registry.services import group_create, group_record_consents, order_issue, order_prepare
from roadmaps.documents import RoadmapDocument
from roadmaps.models import Roadmap
from roadmaps.services import SectionData, revision_approve, revision_submit, roadmap_create
from tests.factories import MenteeProfileFactory, MentorProfileFactory, make_user
from tests.utils import downloaded

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NBSP = "\u00a0"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FULL_NAME = "Муниципальное бюджетное общеобразовательное учреждение «Лицей № 7»"
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def png() -> bytes:
    """A small red square, a real PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# --- reading the files back ------------------------------------------------------------------------
def docx_lines(content: bytes) -> list[str]:
    """Every paragraph of the document, its tables' cells too, as text (a line break inside is «\\n»)."""
    document = Document(io.BytesIO(content))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return [line.replace(NBSP, " ") for line in lines]


def docx_rows(content: bytes, table: int = -1) -> list[list[str]]:
    document = Document(io.BytesIO(content))
    return [[cell.text.replace(NBSP, " ") for cell in row.cells] for row in document.tables[table].rows]


def pdf_pages(content: bytes) -> list:
    return list(PdfReader(io.BytesIO(content)).pages)


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in pdf_pages(content))
    return " ".join(text.replace(NBSP, " ").split())


def is_portrait(page) -> bool:
    return page.mediabox.width < page.mediabox.height


# --- the school and its people ---------------------------------------------------------------------
@pytest.fixture
def office(school):
    """A school with its requisites filled in, a named director and curator, and people to pair: a mentor
    (Галкина Марина Михайловна) and a young teacher (Панов Николай Иванович)."""
    organisation: Organisation = school["organisation"]
    organisation.full_name = FULL_NAME
    organisation.address = "404354, Волгоградская обл., г. Котельниково, ул. Ленина, д. 7"
    organisation.phone = "+7 (84476) 3-10-20"
    organisation.email = "licey7@example.ru"
    organisation.inn, organisation.ogrn = "3413000077", "1023400000077"
    organisation.locality = "г. Котельниково"
    organisation.save()
    for role, (first, last) in {
        "director": ("Виктор Иванович", "Зайцев"),
        "curator": ("Ольга Николаевна", "Соколова"),
    }.items():
        user = school[role]
        user.first_name, user.last_name = first, last
        user.save()
    mentor = MentorProfileFactory(
        person__organisation=organisation,
        person__last_name="Галкина",
        person__first_name="Марина",
        person__middle_name="Михайловна",
        person__position="Учитель математики",
        capacity=10,
    ).person
    mentee = MenteeProfileFactory(
        person__organisation=organisation,
        person__last_name="Панов",
        person__first_name="Николай",
        person__middle_name="Иванович",
        person__position="Учитель физики",
        category=MenteeProfile.Category.YOUNG,
    ).person
    return school | {"mentor": mentor, "mentee": mentee}


def pair(office, mentees=None, *, mentor=None):
    mentees = mentees or [office["mentee"]]
    group = group_create(
        user=office["curator"],
        organisation=office["organisation"],
        mentor=mentor or office["mentor"],
        mentees=mentees,
        form="teacher_teacher",
        kinds=["traditional"],
        start_date=TODAY,
        planned_end_date=TODAY + datetime.timedelta(days=270),
    )
    group_record_consents(group=group, mentor_consent_date=TODAY, mentee_consents={m.pk: TODAY for m in mentees})
    return group


def signed_order(office, groups, number="45-о"):
    return order_issue(
        user=office["director"],
        organisation=office["organisation"],
        number=number,
        date=TODAY,
        signed_by="Зайцев Виктор Иванович",
        groups=groups,
    )


def teachers(office, count: int, *, mentors: bool):
    factory = MentorProfileFactory if mentors else MenteeProfileFactory
    return [factory(person__organisation=office["organisation"]).person for _ in range(count)]


# --- the order on pairs ----------------------------------------------------------------------------
def test_the_order_in_word_has_the_requisites_the_names_in_their_cases_the_signature_and_the_acquaintance(office):
    order = signed_order(office, [pair(office)])
    filename, content_type, content = OrderDocument().render(order, format="docx")
    assert (filename, content_type) == (f"Приказ № 45-о от {TODAY:%d.%m.%Y}.docx", DOCX)
    lines = docx_lines(content)
    assert lines[:3] == [
        FULL_NAME,
        "404354, Волгоградская обл., г. Котельниково, ул. Ленина, д. 7\n"
        "тел. +7 (84476) 3-10-20, e-mail: licey7@example.ru\n"
        "ИНН 3413000077, ОГРН 1023400000077",
        "ПРИКАЗ",
    ]
    assert lines[3:7] == [
        f"{TODAY:%d.%m.%Y}\t№ 45-о",
        "г. Котельниково",
        "О закреплении наставнических пар (групп)",
        "В соответствии с Положением о системе наставничества педагогических работников МБОУ «Лицей № 7», "
        "на основании письменных согласий участников",
    ]
    assert "ПРИКАЗЫВАЮ:" in lines
    assert any(
        line.startswith(
            "1. Закрепить наставника Галкину Марину Михайловну за молодым педагогом Пановым Николаем Ивановичем "
            f"на срок с {TODAY:%d.%m.%Y}"
        )
        for line in lines
    )
    assert (
        "3. Контроль за исполнением настоящего приказа возложить на куратора наставничества Соколову Ольгу Николаевну."
        in lines
    )
    assert "Директор\t____________________\tВ.И. Зайцев" in lines
    assert not [line for line in lines if "Руководитель организации" in line]
    assert "С приказом ознакомлены:" in lines
    assert [row[0] for row in docx_rows(content)] == [
        "Фамилия, инициалы",
        "Галкина М.М.",
        "Панов Н.И.",
        "Соколова О.Н.",
    ]
    assert all(row[2] == "«___» ________ 20___ г." for row in docx_rows(content)[1:])
    section = Document(io.BytesIO(content)).sections[0]
    assert section.page_width < section.page_height  # A4 portrait


def test_the_order_pdf_is_a4_portrait_and_says_what_the_word_file_says(office):
    order = signed_order(office, [pair(office)])
    filename, content_type, content = OrderDocument().render(order)
    assert (filename, content_type) == (f"Приказ № 45-о от {TODAY:%d.%m.%Y}.pdf", "application/pdf")
    pages = pdf_pages(content)
    assert all(is_portrait(page) for page in pages)
    assert round(float(pages[0].mediabox.width)) == 595 and round(float(pages[0].mediabox.height)) == 842  # A4
    text = pdf_text(content)
    for expected in (
        FULL_NAME,
        "ИНН 3413000077, ОГРН 1023400000077",
        f"{TODAY:%d.%m.%Y} № 45-о",
        "г. Котельниково",
        "ПРИКАЗЫВАЮ:",
        "Закрепить наставника Галкину Марину Михайловну за молодым педагогом Пановым Николаем Ивановичем",
        "на куратора наставничества Соколову Ольгу Николаевну",
        "В.И. Зайцев",
        "С приказом ознакомлены:",
        "Галкина М.М.",
        "Панов Н.И.",
    ):
        assert expected in text


def test_a_group_names_each_mentee_in_the_instrumental_and_an_older_one_as_a_teacher(office):
    other = MenteeProfileFactory(
        person__organisation=office["organisation"],
        person__last_name="Сидоренко",
        person__first_name="Ольга",
        person__middle_name="Сергеевна",
        category=MenteeProfile.Category.NEW_PLACE,
    ).person
    order = signed_order(office, [pair(office, [office["mentee"], other])])
    lines = docx_lines(OrderDocument().render(order, format="docx")[2])
    assert any(
        line.startswith(
            "1. Закрепить наставника Галкину Марину Михайловну за наставляемыми: молодым педагогом Пановым "
            "Николаем Ивановичем, педагогом Сидоренко Ольгой Сергеевной на срок"
        )
        for line in lines
    )


def test_more_than_five_pairs_go_to_appendix_1_on_landscape_pages(office):
    mentees = [office["mentee"], *teachers(office, 5, mentors=False)]
    order = signed_order(office, [pair(office, [mentee]) for mentee in mentees])
    content = OrderDocument().render(order, format="docx")[2]
    lines = docx_lines(content)
    assert "1. Закрепить наставнические пары (группы) в составе согласно приложению 1 к настоящему приказу." in lines
    assert f"Приложение 1\nк приказу МБОУ «Лицей № 7»\nот {TODAY:%d.%m.%Y} № 45-о" in lines
    assert "Состав наставнических пар (групп)" in lines
    appendix = docx_rows(content)
    assert appendix[0] == ["№", "Наставник", "Наставляемые", "Форма наставничества", "Виды", "Срок"]
    assert len(appendix) == 7 and appendix[1][1] == "Галкина Марина Михайловна, учитель математики"
    sections = Document(io.BytesIO(content)).sections
    assert sections[0].page_width < sections[0].page_height and sections[1].page_width > sections[1].page_height
    assert len(docx_rows(content, table=0)) == 1 + 8  # the acquaintance: the mentor, six mentees, the curator

    pages = pdf_pages(OrderDocument().render(order)[2])
    assert is_portrait(pages[0]) and not is_portrait(pages[-1])
    assert "Приложение 1 к приказу МБОУ «Лицей № 7»" in " ".join(pages[-1].extract_text().split())


def test_a_draft_order_prints_project_with_blanks_and_the_head_who_is_to_sign(office):
    order = order_prepare(user=office["curator"], organisation=office["organisation"], groups=[pair(office)])
    filename, _, content = OrderDocument().render(order, format="docx")
    assert filename.startswith("Проект приказа от ")
    lines = docx_lines(content)
    assert lines[0] == "ПРОЕКТ"
    assert "«____» ______________ 20____ г.\t№ __________" in lines
    assert "Директор\t____________________\tВ.И. Зайцев" in lines
    assert Document(io.BytesIO(content)).sections[0].header.paragraphs[0].text == "ПРОЕКТ"
    text = pdf_text(OrderDocument().render(order)[2])
    assert "ПРОЕКТ" in text and "«____» ______________ 20____ г." in text and "В.И. Зайцев" in text


def test_the_card_names_the_head_and_without_a_curator_the_head_keeps_the_control(office):
    organisation = office["organisation"]
    organisation.head_position, organisation.head_name = "И.о. директора", "Орлова Галина Петровна"
    organisation.save()
    Membership.objects.filter(organisation=organisation, role=Role.CURATOR).delete()
    order = order_prepare(user=office["director"], organisation=organisation, groups=[pair(office)])
    lines = docx_lines(OrderDocument().render(order, format="docx")[2])
    assert "И.о. директора\t____________________\tГ.П. Орлова" in lines
    assert "3. Контроль за исполнением настоящего приказа оставляю за собой." in lines
    assert not [line for line in lines if "куратора наставничества" in line]


# --- the order appointing the curator --------------------------------------------------------------
def test_the_curator_order_appoints_the_curator_by_name_and_is_signed_by_the_head(office):
    membership = office["curator"].memberships.get(role=Role.CURATOR)
    filename, content_type, content = CuratorOrderDocument().render(membership, format="docx")
    assert (filename, content_type) == ("Приказ о назначении куратора Соколова О.Н..docx", DOCX)
    lines = docx_lines(content)
    assert lines[:3] == [FULL_NAME, lines[1], "ПРИКАЗ"] and "ИНН 3413000077" in lines[1]
    assert "«____» ______________ 20____ г.\t№ __________" in lines
    assert "О назначении куратора наставничества" in lines
    assert (
        "1. Назначить куратором наставничества педагогических работников МБОУ «Лицей № 7» Соколову Ольгу Николаевну."
        in lines
    )
    assert "2. Куратору наставничества Соколовой Ольге Николаевне:" in lines
    assert any(line.startswith("2.1. организовать формирование наставнических пар") for line in lines)
    assert "3. Контроль за исполнением настоящего приказа оставляю за собой." in lines
    assert "Директор\t____________________\tВ.И. Зайцев" in lines
    assert "С приказом ознакомлен(а):" in lines
    assert [row[0] for row in docx_rows(content)] == ["Фамилия, инициалы", "Соколова О.Н."]

    pages = pdf_pages(CuratorOrderDocument().render(membership)[2])
    assert all(is_portrait(page) for page in pages)
    assert "Назначить куратором наставничества педагогических работников" in pdf_text(
        CuratorOrderDocument().render(membership)[2]
    )


def test_the_organisation_page_links_the_curator_order_for_those_who_read_the_orders(client, office):
    membership = office["curator"].memberships.get(role=Role.CURATOR)
    url = reverse("registry:curator_order_docx", args=[membership.pk])
    client.force_login(office["director"])
    assert url in client.get(office["organisation"].get_absolute_url()).content.decode()
    response = client.get(url)
    assert response["Content-Type"] == DOCX
    assert "Соколову Ольгу Николаевну" in " ".join(docx_lines(downloaded(response)))
    mentor_user = make_user(Role.MENTOR, office["mentor"])
    client.force_login(mentor_user)
    assert url not in client.get(office["organisation"].get_absolute_url()).content.decode()
    assert client.get(url).status_code == 404


# --- the program and the consent form --------------------------------------------------------------
def test_the_program_in_word_has_the_requisites_the_approval_block_the_plan_and_signatures(office):
    group = pair(office)
    program = Program.objects.create(
        organisation=office["organisation"], group=group, title="Первый год в школе", goals="Освоить программу."
    )
    program.activities.create(title="Посещение уроков наставника", form="Наблюдение", responsible="Наставник")
    filename, content_type, content = ProgramDocument().render(program, format="docx")
    assert (filename, content_type) == ("Программа наставничества Галкина М. М..docx", DOCX)
    lines = docx_lines(content)
    assert lines[0] == FULL_NAME
    assert "УТВЕРЖДАЮ\nДиректор МБОУ «Лицей № 7»\n____________ В.И. Зайцев\n«___» ______________ 20___ г." in lines
    assert "Персонализированная программа наставничества\n«Первый год в школе»" in lines
    assert "Галкина Марина Михайловна, учитель математики, МБОУ «Лицей № 7»" in lines
    assert "Посещение уроков наставника" in lines
    assert "Наставник\t____________________\tМ.М. Галкина" in lines
    assert "Наставляемый\t____________________\tН.И. Панов" in lines
    text = pdf_text(ProgramDocument().render(program)[2])
    assert "УТВЕРЖДАЮ" in text and "В.И. Зайцев" in text and "Посещение уроков наставника" in text


def test_the_consent_form_in_word_is_addressed_to_the_head_in_the_dative_from_the_person_in_the_genitive(office):
    filename, content_type, content = ConsentDocument().render(office["mentee"], "mentee", format="docx")
    assert (filename, content_type) == ("Согласие Панов Н. И..docx", DOCX)
    lines = docx_lines(content)
    assert lines[0] == FULL_NAME and "ИНН 3413000077" in lines[1]
    assert "Директору МБОУ «Лицей № 7»\nВ.И. Зайцеву\nот Панова Николая Ивановича,\nучитель физики" in lines
    assert any(line.startswith("Я, Панов Николай Иванович, даю согласие") for line in lines)
    assert any("в качестве наставляемого" in line for line in lines)
    assert any(f"оператору — {FULL_NAME}, 404354, Волгоградская обл." in line for line in lines)
    assert "«___» ______________ 20___ г.\t____________ / Н.И. Панов" in lines
    pages = pdf_pages(ConsentDocument().render(office["mentee"], "mentee")[2])
    assert all(is_portrait(page) for page in pages)


def test_the_consent_of_a_kindergarten_is_addressed_to_its_head(office):
    organisation = office["organisation"]
    organisation.kind = Organisation.Kind.KINDERGARTEN
    organisation.save()
    lines = docx_lines(ConsentDocument().render(office["mentor"], "mentor", format="docx")[2])
    assert any(
        line.startswith("Заведующему МБОУ «Лицей № 7»\nВ.И. Зайцеву\nот Галкиной Марины Михайловны") for line in lines
    )


# --- the roadmap's approval block ------------------------------------------------------------------
@pytest.fixture
def submitted(office):
    roadmap = roadmap_create(
        user=office["curator"],
        level="school",
        organisation=office["organisation"],
        title="Дорожная карта наставничества",
        period="2026–2027 учебный год",
        sections=[
            SectionData(
                "1",
                "Организация",
                [{"number": "1.1", "content": "Приказ о назначении куратора", "deadline": "сентябрь"}],
            )
        ],
    )
    revision = roadmap.revisions.get()
    revision_submit(user=office["curator"], revision=revision, version=revision.version)
    revision.refresh_from_db()
    return revision


def approve(office, revision, **fields):
    revision_approve(user=office["director"], revision=revision, version=revision.version, **fields)
    revision.refresh_from_db()
    return revision


def test_a_roadmap_approved_by_an_order_cites_the_order_s_date_only(office, submitted):
    revision = approve(office, submitted, order="№ 45 от 01.09.2026")
    content = RoadmapDocument().render(revision, format="docx")[2]
    lines = docx_lines(content)
    assert "УТВЕРЖДЕНО\nприказом МБОУ «Лицей № 7»\nот 01.09.2026 № 45" in lines
    click = timezone.localtime(revision.approved_at)
    assert not [
        line
        for line in lines
        if "УТВЕРЖДАЮ" in line or (f"{click:%d.%m.%Y}" in line and click.date() != datetime.date(2026, 9, 1))
    ]
    text = pdf_text(RoadmapDocument().render(revision)[2])
    assert "УТВЕРЖДЕНО приказом МБОУ «Лицей № 7» от 01.09.2026 № 45" in text
    assert "Виктор Иванович Зайцев" not in text


def test_a_roadmap_approved_in_the_portal_without_an_order_is_the_head_s_approval_with_initials(office, submitted):
    revision = approve(office, submitted, agreed="протокол педагогического совета от 28.08.2026 № 1")
    content = RoadmapDocument().render(revision, format="docx")[2]
    day = timezone.localtime(revision.approved_at).date()
    date = f"«{day.day}» {MONTHS_GENITIVE[day.month - 1]} {day.year} г."
    approved = f"УТВЕРЖДАЮ\nДиректор МБОУ «Лицей № 7»\n____________ В.И. Зайцев\n{date}"
    assert docx_rows(content, table=0)[0] == [
        "СОГЛАСОВАНО\nпротокол педагогического совета от 28.08.2026 № 1",
        approved,
    ]
    assert Document(io.BytesIO(content)).sections[0].page_width > Document(io.BytesIO(content)).sections[0].page_height
    text = pdf_text(RoadmapDocument().render(revision)[2])
    assert "СОГЛАСОВАНО" in text and "УТВЕРЖДАЮ" in text and "В.И. Зайцев" in text
    assert "Виктор Иванович Зайцев" not in text and "УТВЕРЖДЕНО" not in text


def test_a_roadmap_not_approved_yet_is_a_project_with_blanks_for_the_paper_signature(office, submitted):
    lines = docx_lines(RoadmapDocument().render(submitted, format="docx")[2])
    assert lines[0] == "ПРОЕКТ (редакция 1, на утверждении)"
    assert "УТВЕРЖДАЮ\nДиректор МБОУ «Лицей № 7»\n____________ В.И. Зайцев\n«___» ______________ 20___ г." in lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("№ 45 от 01.09.2026", ("45", datetime.date(2026, 9, 1))),
        ("от 29.03.2022 № 100-д", ("100-д", datetime.date(2022, 3, 29))),
        ("приказ 100-д", ("", None)),
        ("№ 7 от 31.02.2026", ("7", None)),
    ],
)
def test_an_order_is_cited_by_its_number_and_date(text, expected):
    assert read_order_citation(text) == expected


def test_the_approve_form_records_what_agreed_the_plan(client, office, submitted):
    client.force_login(office["director"])
    client.post(
        reverse("roadmaps:roadmap_approve", args=[submitted.roadmap_id]),
        {"version": submitted.version, "order": "", "agreed": "протокол педсовета № 1"},
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.agreed_with) == ("approved", "протокол педсовета № 1")
    response = client.get(reverse("roadmaps:roadmap_docx", args=[submitted.roadmap_id]))
    assert response["Content-Type"] == DOCX
    assert "СОГЛАСОВАНО\nпротокол педсовета № 1" in docx_lines(downloaded(response))


# --- the requisites on the organisation's card ---------------------------------------------------------
def test_the_director_enters_the_requisites_and_the_emblem_that_every_document_prints(
    client, office, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    organisation = office["organisation"]
    client.force_login(office["director"])
    url = reverse("registry:organisation_update", args=[organisation.pk])
    data = {
        "kind": organisation.kind,
        "full_name": FULL_NAME,
        "short_name": organisation.short_name,
        "head_position": "Директор",
        "head_name": "Зайцев Виктор Иванович",
        "locality": "г. Котельниково",
        "inn": "3413000077",
        "ogrn": "1023400000077",
        "version": organisation.version,
        "emblem": SimpleUploadedFile("герб.png", png(), content_type="image/png"),
    }
    assert client.post(url, data).status_code == 302
    organisation.refresh_from_db()
    assert (organisation.locality, organisation.inn, organisation.head_name) == (
        "г. Котельниково",
        "3413000077",
        "Зайцев Виктор Иванович",
    )
    assert organisation.emblem.name.startswith("emblems/") and organisation.emblem.name.endswith(".png")
    content = ConsentDocument().render(office["mentee"], "mentee", format="docx")[2]
    shapes = Document(io.BytesIO(content)).inline_shapes
    assert len(shapes) == 1 and "Эмблема" in shapes[0]._inline.docPr.get("descr")
    assert pdf_pages(ConsentDocument().render(office["mentee"], "mentee")[2])[0].images


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("inn", "12345", "ИНН организации — 10 цифр"),
        ("ogrn", "12", "ОГРН — 13 цифр"),
        ("emblem", SimpleUploadedFile("герб.png", b"\x89PNG\r\n\x1a\nnot a picture"), "повреждён или не картинка"),
        ("emblem", SimpleUploadedFile("герб.gif", b"GIF89a"), "картинка PNG или JPG"),
    ],
)
def test_wrong_requisites_are_refused_with_a_message(client, office, field, value, message):
    organisation = office["organisation"]
    client.force_login(office["director"])
    data = {"kind": organisation.kind, "full_name": FULL_NAME, "short_name": organisation.short_name}
    data |= {"version": organisation.version, field: value}
    response = client.post(reverse("registry:organisation_update", args=[organisation.pk]), data)
    assert response.status_code == 200 and message in response.content.decode()


# --- the views and the command ---------------------------------------------------------------------
def test_every_pdf_link_has_its_word_link_beside_it(client, office):
    order = signed_order(office, [pair(office)])
    program = Program.objects.create(
        organisation=office["organisation"], group=order.groups.get(), title="П", goals="Ц"
    )
    client.force_login(office["curator"])
    pages = {
        order.get_absolute_url(): reverse("registry:order_docx", args=[order.pk]),
        program.get_absolute_url(): reverse("registry:program_docx", args=[program.pk]),
        order.groups.get().get_absolute_url(): reverse("registry:consent_docx", args=[office["mentee"].pk, "mentee"]),
    }
    for page, link in pages.items():
        assert link in client.get(page).content.decode()
        response = client.get(link)
        assert response["Content-Type"] == DOCX and docx_lines(downloaded(response))[0] == FULL_NAME


def test_the_command_writes_a_word_file_that_opens(office, tmp_path):
    order = signed_order(office, [pair(office)])
    output = tmp_path / "order.docx"
    out = io.StringIO()
    call_command("document", "order", str(order.pk), "--format", "docx", "--output", str(output), stdout=out)
    assert str(output) in out.getvalue()
    lines = docx_lines(output.read_bytes())
    assert "ПРИКАЗ" in lines and "Директор\t____________________\tВ.И. Зайцев" in lines


def demo_arguments(demo) -> dict[str, list[str]]:
    period = MonitoringPeriod.objects.filter(municipality=demo["school1"].municipality).first()
    curator = Membership.objects.get(user=demo["users"]["curator"], role=Role.CURATOR)
    roadmap = Roadmap.objects.get(
        organisation=demo["school2"], is_template=False, academic_year__archived_at__isnull=True
    )
    return {
        "order": [str(demo["order"].pk)],
        "curator-order": [str(curator.pk)],
        "program": [str(demo["program"].pk)],
        "consent": [str(demo["own"]["mentee"].pk), "--role", "mentee"],
        "roadmap": [str(roadmap.pk)],
        "school-report": [str(period.pk), "--organisation", str(demo["school1"].pk)],
        "analytical-report": [str(period.pk)],
    }


@pytest.mark.parametrize(
    "kind", ["order", "curator-order", "program", "consent", "roadmap", "school-report", "analytical-report"]
)
def test_the_command_renders_every_kind_of_document_of_the_demo_in_both_formats(demo, tmp_path, kind):
    arguments = demo_arguments(demo)[kind]
    docx, pdf = tmp_path / "document.docx", tmp_path / "document.pdf"
    call_command("document", kind, *arguments, "--format", "docx", "--output", str(docx), stdout=io.StringIO())
    call_command("document", kind, *arguments, "--output", str(pdf), stdout=io.StringIO())
    lines = docx_lines(docx.read_bytes())
    assert [line for line in lines if line.strip()]
    words = {word for line in lines[:12] for word in line.split() if len(word) > 4}
    assert len(words & set(pdf_text(pdf.read_bytes()).split())) >= 3  # the same text, not just a file


def test_the_command_writes_the_document_under_its_own_name_by_default(demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("document", "order", str(demo["order"].pk), "--format", "docx", stdout=io.StringIO())
    [written] = list(Path(tmp_path).glob("*.docx"))
    assert written.name.startswith("Приказ № ")
