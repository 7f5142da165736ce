"""Every page a role can reach by links, one of each kind, passes axe-core (ГОСТ Р 52872-2019 / WCAG 2.1 AA).

The journeys check the pages they pass through, in the states they leave them in; this sweep catches the
pages no journey opens (lists, cards, edit forms, questionnaires), including those added later.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import format_violations, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Signing out ends the sweep; files are not pages.
NOT_PAGES = re.compile(r"logout|/export|xlsx|docx|pdf|/download|/template|/media/|/scan")
MAX_PAGES = 60


def page_kind(path: str) -> str:
    """/people/12/edit/ and /people/34/edit/ are one kind of page."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


@pytest.mark.parametrize("username", ["coordinator", "curator", "mentor"])
def test_every_kind_of_page_a_role_reaches_passes_axe(demo, page, sign_in, username):
    sign_in(username)
    queue, kinds, found = ["/"], set(), []
    while queue and len(kinds) < MAX_PAGES:
        path = queue.pop(0)
        if page_kind(path) in kinds:
            continue
        kinds.add(page_kind(path))
        try:
            response = page.goto(path)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        result = run_axe(page)
        page.a11y_log.mark_checked(result["html"])
        if result["violations"]:
            found.append((result["url"], result["violations"]))
        for href in page.eval_on_selector_all("main a[href], nav a[href]", "links => links.map(a => a.href)"):
            link = urlsplit(href)
            if link.netloc == urlsplit(page.url).netloc and not NOT_PAGES.search(link.path):
                queue.append(link.path + (f"?{link.query}" if link.query else ""))
    assert len(kinds) > 10, f"the sweep reached too few pages: {sorted(kinds)}"
    assert not found, f"{username}: " + format_violations(found)
