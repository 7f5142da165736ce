"""«Новый учебный год» in the browser: school 2's curator rolls the school into the next academic year."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from registry.years import next_year, previous_year, year_of
from roadmaps.models import Roadmap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_curator_rolls_school_2_into_the_next_year_and_last_year_stays_in_the_archive(demo, page, sign_in, axe):
    school = demo["school2"]
    year = year_of(school.municipality)
    following, last = next_year(year, create=False), previous_year(year, create=False)
    sign_in("curator2")
    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name=re.compile("^Дорожные карты")
    ).click()
    axe()
    page.get_by_role("link", name="Новый учебный год", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(school.short_name)
    expect(page.locator("main")).to_contain_text(f"Из {year} в {following} учебный год")
    axe()
    page.get_by_role("button", name=f"Перенести в {following} учебный год").click()
    expect(page.locator("main")).to_contain_text("готова как черновик")
    copy = Roadmap.objects.get(organisation=school, academic_year__title=following.title)
    assert page.url.endswith(copy.get_absolute_url())
    assert str(following.starts_on.year + 1) in copy.period
    axe()

    # Run again: nothing new, the page says it is done.
    page.goto("/roadmaps/new-year/")
    expect(page.get_by_test_id("already")).to_be_visible()
    assert Roadmap.objects.filter(organisation=school, is_template=False).count() == 3

    # Last year's plan is in the archive: listed under its year, read only.
    page.goto("/roadmaps/")
    page.get_by_label("Учебный год").select_option(last.title)
    page.get_by_role("button", name="Показать").click()
    archived = Roadmap.objects.get(organisation=school, academic_year__title=last.title)
    page.get_by_role("link", name=archived.title).first.click()
    expect(page.get_by_test_id("archived")).to_contain_text(f"Учебный год {last} в архиве")
    expect(page.get_by_role("button", name="Изменить (новая редакция)")).to_have_count(0)
    axe()
    # This year's approved plan, by contrast, can still be revised.
    current = Roadmap.objects.get(organisation=school, academic_year__title=year.title)
    page.goto(current.get_absolute_url())
    expect(page.get_by_role("button", name="Изменить (новая редакция)")).to_have_count(1)
