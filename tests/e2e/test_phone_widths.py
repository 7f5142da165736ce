"""On a phone: no page of a role's journeys scrolls sideways at 375 px, and the menu bar fits at 1366 px.

One browser context per role: the pages are visited one after another in the same tab, first at a
phone's 375×812, then the menu bar is measured at a laptop's 1366×768. Each page is checked with axe-core
at the phone width too, where the wide tables become scrollable regions (which must be focusable).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.e2e.conftest import format_violations, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 768}

WIDTHS = "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
# The widest elements that stick out past the viewport: named in the failure, so the fix is easy to find.
OVERFLOWING = """
() => {
  const limit = window.innerWidth + 1;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  const sticksOut = (el) => el.getBoundingClientRect().right > limit && !clipped(el);
  return [...document.body.querySelectorAll('*')]
    .filter((el) => sticksOut(el) && ![...el.children].some(sticksOut))
    .slice(0, 5)
    .map((el) => `${name(el)} (${Math.round(el.getBoundingClientRect().right)} px)`);
}
"""
# The menu items shown in the bar (none when it is collapsed behind its toggler): where each one starts,
# and on how many lines its label is laid out (a label squeezed onto two lines makes the bar two lines tall).
NAV_ITEMS = """
() => [...document.querySelectorAll('.navbar-nav > .nav-item')]
  .filter((item) => item.offsetParent !== null)
  .map((item) => {
    // Text boxes whose vertical middles lie within half a line of each other are on one line: a smaller
    // badge («Главная 3») sits on the label's line a few pixels lower.
    const middles = [];
    const texts = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
    for (let text = texts.nextNode(); text; text = texts.nextNode()) {
      if (!text.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(text);
      for (const rect of range.getClientRects()) if (rect.width > 0) middles.push((rect.top + rect.bottom) / 2);
    }
    middles.sort((a, b) => a - b);
    const half = parseFloat(getComputedStyle(item).lineHeight) / 2 || 10;
    const lines = middles.filter((middle, i) => i === 0 || middle - middles[i - 1] > half).length;
    return {label: item.textContent.trim(), top: Math.round(item.getBoundingClientRect().top), lines};
  })
"""

# The first link on a list page to one object of each kind.
DETAIL_LINKS = {
    "registry:person_list": re.compile(r"^/people/\d+/$"),
    "registry:group_list": re.compile(r"^/pairs/\d+/$"),
    "roadmaps:roadmap_list": re.compile(r"^/roadmaps/\d+/$"),
}
JOURNEY = [
    "home",
    "registry:person_list",
    "registry:group_list",
    "program",
    "roadmaps:roadmap_list",
    "roadmaps:roadmap_overview",
    "monitoring:dashboard",
    "monitoring:questionnaire_list",
]


def first_link(page, pattern: re.Pattern) -> str | None:
    for href in page.eval_on_selector_all("main a[href]", "links => links.map(a => a.href)"):
        path = urlsplit(href).path
        if pattern.match(path):
            return path
    return None


@pytest.mark.parametrize("username", ["coordinator", "director", "curator", "mentor", "mentee"])
def test_pages_fit_a_phone_and_the_menu_fits_a_laptop(demo, page, sign_in, username):
    page.set_viewport_size(PHONE)
    sign_in(username)
    too_wide, visited, violations = [], [], []

    def check(path: str) -> None:
        response = page.goto(path)
        if response is None or response.status != 200:
            # A page the role may not open is not part of its journeys.
            return
        visited.append(path)
        widths = page.evaluate(WIDTHS)
        if widths["scroll"] > widths["inner"]:
            too_wide.append(f"{path}: {widths['scroll']} px ({', '.join(page.evaluate(OVERFLOWING))})")
        result = run_axe(page)
        page.a11y_log.mark_checked(result["html"])
        if result["violations"]:
            violations.append((result["url"], result["violations"]))

    for name in JOURNEY:
        path = reverse("registry:program_detail", args=[demo["program"].pk]) if name == "program" else reverse(name)
        check(path)
        if name in DETAIL_LINKS and visited and visited[-1] == path:
            detail = first_link(page, DETAIL_LINKS[name])
            if detail:
                check(detail)
    assert len(visited) >= 4, f"{username} reached too few pages: {visited}"
    assert not too_wide, f"{username}: pages wider than a 375 px phone (of {visited}):\n" + "\n".join(too_wide)
    assert not violations, f"{username} at 375 px: " + format_violations(violations)

    page.set_viewport_size(LAPTOP)
    page.goto(reverse("home"))
    widths = page.evaluate(WIDTHS)
    assert widths["scroll"] <= widths["inner"], (
        f"{username}: the home page is {widths['scroll']} px wide at 1366 px ({', '.join(page.evaluate(OVERFLOWING))})"
    )
    assert page.locator(".navbar-toggler").is_hidden(), "the menu bar should be expanded at 1366 px"
    items = page.evaluate(NAV_ITEMS)
    assert items, f"{username}: no menu items in the bar at 1366 px"
    assert len({item["top"] for item in items}) == 1 and all(item["lines"] == 1 for item in items), (
        f"{username}: the menu bar wraps at 1366 px: {items}"
    )
