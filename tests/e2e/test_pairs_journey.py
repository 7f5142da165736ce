"""Journey 2 in the browser: a pair from a proposal, consents, a program, the draft order the director signs;
the mentor's progress."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from registry.models import MentoringGroup, Person, Role
from tests.factories import MenteeProfileFactory, MentorProfileFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_curator_forms_a_pair_writes_a_program_prepares_the_order_the_director_signs_and_the_mentor_marks_progress(
    demo, page, sign_in, axe, tmp_path
):
    today = timezone.localdate()
    school = demo["school1"]
    mentee = MenteeProfileFactory(
        person__organisation=school,
        person__last_name="Новикова",
        person__first_name="Дарья",
        person__middle_name="Олеговна",
        person__teaching_since=today - datetime.timedelta(days=200),
    ).person
    mentor = MentorProfileFactory(
        person__organisation=school,
        person__last_name="Лаптева",
        person__first_name="Ольга",
        person__middle_name="Игоревна",
        person__qualification_category=Person.Category.HIGHEST,
        capacity=3,
    ).person
    mentor_user = make_user(Role.MENTOR, mentor)

    sign_in("curator")
    menu(page).get_by_role("link", name=re.compile("^Пары и группы")).click()
    axe(page)
    page.get_by_role("link", name="Подобрать наставника").click()
    axe(page)
    page.get_by_label("Наставляемый").select_option(label=f"{mentee.full_name} — {mentee.position}")
    page.get_by_role("button", name="Подобрать").click()
    expect(page.get_by_test_id("proposals")).to_contain_text(mentor.full_name)
    axe(page)
    page.get_by_role("link", name=f"Сформировать пару с наставником {mentor.full_name}").click()
    axe(page)

    page.get_by_label("Дата начала").fill(today.isoformat())
    page.get_by_label("Плановая дата окончания").fill((today + datetime.timedelta(days=240)).isoformat())
    page.get_by_role("button", name="Сформировать").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Наставническая пара: {mentor.short_name}")
    axe(page)

    page.get_by_label(f"Согласие наставника {mentor.full_name}").fill(today.isoformat())
    page.get_by_label(f"Согласие наставляемого {mentee.full_name}").fill(today.isoformat())
    page.get_by_role("button", name="Сохранить согласия").click()
    expect(page.get_by_text("Согласия сохранены.")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Составить программу").click()
    axe(page)
    # Saved empty, the program form comes back with its errors: that state has to be accessible too.
    page.get_by_role("button", name="Сохранить программу").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    axe(page)
    page.get_by_label("Название программы").fill("Первые шаги в профессии")
    page.get_by_label("Цели и задачи").fill("Освоить подготовку и проведение урока")
    rows = page.get_by_test_id("activity-row")
    for index, title in enumerate(["Знакомство и диагностика", "Посещение уроков наставника", "Открытый урок"]):
        row = rows.nth(index)
        row.get_by_label("Мероприятие").fill(title)
        row.get_by_label("Срок").fill((today + datetime.timedelta(days=30 * (index + 1))).isoformat())
        row.get_by_label("Ответственный").fill("Наставник")
    page.get_by_role("button", name="Сохранить программу").click()
    expect(page.get_by_test_id("progress")).to_contain_text("Выполнено 0% (0 из 3)")
    axe(page)

    # The curator prepares the order; the pair stays a draft until the director signs it.
    menu(page).get_by_role("link", name=re.compile("^Пары и группы")).click()
    page.get_by_role("link", name="Подготовить приказ").click()
    axe(page)
    page.get_by_label(f"{mentor.full_name} → {mentee.full_name}").check()
    page.get_by_role("button", name="Подготовить проект приказа").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Проект приказа")
    axe(page)
    text = downloaded_pdf(page, "Скачать проект приказа (PDF)", tmp_path / "draft.pdf")
    # The order names the pair in its cases: Лаптеву Ольгу Игоревну, Новиковой Дарьей Олеговной (by hand).
    fixed = "Закрепить наставника Лаптеву Ольгу Игоревну за молодым педагогом Новиковой Дарьей Олеговной"
    assert "ПРОЕКТ" in text and fixed in text and "Новикова Д.О." in text
    assert MentoringGroup.objects.get(mentor=mentor).status == MentoringGroup.Status.DRAFT
    page.get_by_role("button", name="Выйти").click()

    sign_in("director")
    menu(page).get_by_role("link", name=re.compile("^Пары и группы")).click()
    page.get_by_role("link", name="Приказы", exact=True).click()
    axe(page)
    page.get_by_role("link", name="Подписать").first.click()  # drafts first, the newest on top
    expect(page.get_by_role("region", name="Пары и группы приказа")).to_contain_text(mentee.full_name)
    axe(page)
    page.get_by_label("Номер приказа").fill("77-о")
    page.get_by_role("button", name="Подписать приказ").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Приказ № 77-о")
    axe(page)
    text = downloaded_pdf(page, "Скачать приказ (PDF)", tmp_path / "order.pdf")
    assert "№ 77-о" in text and fixed in text and "Лаптева О.И." in text and "ПРОЕКТ" not in text
    group = MentoringGroup.objects.get(mentor=mentor)
    assert group.status == MentoringGroup.Status.ACTIVE
    assert group.order.number == "77-о"
    page.get_by_role("button", name="Выйти").click()

    sign_in(mentor_user.username)
    axe(page)
    menu(page).get_by_role("link", name=re.compile("^Пары и группы")).click()
    axe(page)
    page.get_by_role("link", name=mentor.short_name).click()
    axe(page)
    page.get_by_role("link", name="Первые шаги в профессии").click()
    axe(page)
    first = page.get_by_test_id("activity").first
    first.get_by_text("Отметить выполнение").click()
    axe(page)
    first.get_by_label("Дата выполнения").fill(today.isoformat())
    first.get_by_label("Отметка").fill("Провели диагностику, составили план")
    first.get_by_role("button", name="Сохранить отметку").click()
    expect(page.get_by_test_id("progress")).to_contain_text("Выполнено 33% (1 из 3)")
    axe(page)
    expect(page.get_by_role("link", name="Редактировать")).to_have_count(0)


def menu(page):
    """The portal's main menu: the home page repeats some of its links in its blocks."""
    return page.get_by_role("navigation", name="Основная навигация")


def downloaded_pdf(page, link: str, path) -> str:
    """The text of the PDF the link downloads."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link).click()
    download_info.value.save_as(path)
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
