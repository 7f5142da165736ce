"""Every role's working day from the home page, on a desk and on a 375 px phone, with the demo's data.

As the demo accounts: the director approves the waiting roadmap from the home page, the mentor marks the
activity due this week, the coordinator downloads the concluded period's full analytical report, and the
curator's «без согласия» and «без программы» counts are the rows the registry's filters show.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from monitoring.models import MonitoringPeriod
from registry.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 375, "height": 812}, "desk": {"width": 1366, "height": 768}}
WIDTHS = "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"


def fits(page) -> None:
    widths = page.evaluate(WIDTHS)
    assert widths["scroll"] <= widths["inner"], f"{page.url} is {widths['scroll']} px wide at {widths['inner']} px"


def card(page, key: str):
    return page.locator(f'[data-testid="waiting"][data-key="{key}"]')


def count_on(page, key: str) -> int:
    return int(card(page, key).get_by_test_id("waiting-count").inner_text())


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_director_approves_the_waiting_roadmap_from_the_home_page(demo, page, sign_in, axe, size):
    page.set_viewport_size(SIZES[size])
    sign_in("director")
    waiting = card(page, "roadmaps_to_approve")
    assert count_on(page, "roadmaps_to_approve") == 1
    fits(page)
    axe()
    title = waiting.locator(".desk-line a").first.inner_text()
    waiting.get_by_text("Утвердить или вернуть").click()
    waiting.get_by_label("Приказ об утверждении (номер и дата)").fill("№ 112-о от 01.12.2026")
    waiting.get_by_role("button", name="Утвердить").click()
    page.wait_for_load_state()
    assert page.url.endswith("/")
    assert page.get_by_text("Дорожная карта утверждена.").is_visible()
    assert card(page, "roadmaps_to_approve").count() == 0
    fits(page)
    axe()
    page.goto(reverse("roadmaps:roadmap_list"))
    page.get_by_role("link", name=title).first.click()
    assert "Утверждена" in page.inner_text("main")
    assert "№ 112-о от 01.12.2026" in page.inner_text("main")


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_mentor_marks_the_activity_due_this_week_from_the_home_page(demo, page, sign_in, axe, size):
    page.set_viewport_size(SIZES[size])
    sign_in("mentor")
    activities = page.get_by_test_id("upcoming-activity")
    assert activities.count() >= 1
    fits(page)
    axe()
    first = activities.first
    title = first.locator("a").first.inner_text()
    assert "срок" in first.inner_text()
    if size == "phone":
        # The menu collapses behind its toggler on a phone.
        assert page.locator(".navbar-toggler").is_visible()
    first.get_by_text("Отметить выполнение").click()
    first.get_by_label("Отметка").fill("Провели встречу, разобрали два урока")
    first.get_by_role("button", name="Сохранить отметку").click()
    page.wait_for_load_state()
    assert page.url.endswith("/")
    assert page.get_by_text("Отметка сохранена.").is_visible()
    # Done, it leaves the list of what is next.
    assert title not in [
        item.locator("a").first.inner_text() for item in page.get_by_test_id("upcoming-activity").all()
    ]
    fits(page)
    axe()
    page.get_by_role("link", name=re.compile("Адаптация|программ", re.I)).first.click()
    assert "Провели встречу, разобрали два урока" in page.inner_text("main")


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_coordinator_downloads_the_full_analytical_report(demo, page, sign_in, axe, size):
    page.set_viewport_size(SIZES[size])
    sign_in("coordinator")
    fits(page)
    axe()
    concluded = MonitoringPeriod.objects.filter(municipality=demo["school1"].municipality).exclude(conclusions="")
    period = concluded.order_by("-ends_on").first()
    assert period is not None, "the demo has a concluded monitoring period"
    with page.expect_download() as download:
        page.locator(f'a[href="{reverse("monitoring:period_pdf", args=[period.pk])}"]').first.click()
    text = " ".join(sheet.extract_text() for sheet in PdfReader(download.value.path()).pages)
    # Compared without spaces and line breaks: a long name wraps inside its table cell.
    flat = "".join(text.split())
    assert "Нетданных" not in flat
    for organisation in Organisation.objects.filter(municipality=period.municipality):
        assert "".join(organisation.short_name.split()) in flat, organisation.short_name
    assert "".join(period.conclusions.split())[:60] in flat


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_curators_counts_are_the_rows_behind_them(demo, page, sign_in, axe, size):
    page.set_viewport_size(SIZES[size])
    sign_in("curator")
    fits(page)
    axe()
    for key in ("without_consent", "without_program"):
        page.goto("/")
        shown = count_on(page, key)
        assert shown > 0, f"the demo curator has {key}"
        card(page, key).get_by_role("link", name=re.compile("^(Все|Открыть список)")).click()
        page.wait_for_load_state()
        total = page.get_by_test_id("total").inner_text()
        assert int(total.split("Найдено: ", 1)[1].split()[0]) == shown, (key, total)
        fits(page)
        axe()
