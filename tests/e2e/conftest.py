"""The browser harness: Playwright for Python driving Debian's Chromium against a live server.

Never ``playwright install``: it downloads a browser, which this network forbids.
Without /usr/bin/chromium the browser tests skip with a reason, except under CI=true,
where a missing browser is a failure.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
# "inside" it unless told that this test process is not a real async server.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"CI=true but Chromium is missing at {CHROMIUM}: .ci/run must install it.")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}; apt-get install chromium to run browser tests")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# --- Accessibility (ГОСТ Р 52872-2019 = WCAG 2.1 A/AA) -------------------------------------------------
# Two layers make sure no page of a journey escapes axe-core:
# 1. the ``axe`` fixture: a journey calls ``axe(page)`` after each navigation or form submit, which checks
#    the live page in the state the test brought it to (filled forms, validation errors, opened details);
# 2. a safety net in the ``page`` fixture: an init script posts every HTML document's markup to the test
#    at DOMContentLoaded (a binding call, so no race with the next click), and at teardown each captured
#    state that no live check covered is served again from the live server's origin (the same CSS) and
#    checked. A page whose check fails in teardown is reported as an error of the test that visited it.

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
AXE_FAILING_IMPACTS = {"serious", "critical"}

SNAPSHOT_SCRIPT = """
(() => {
  if (window.top !== window) return;
  document.addEventListener("DOMContentLoaded", () => {
    if (document.contentType !== "text/html" || !window.__a11ySnapshot) return;
    const doctype = document.doctype ? "<!doctype html>" : "";
    window.__a11ySnapshot(location.href, doctype + document.documentElement.outerHTML);
  });
})();
"""
REPLAY_PREFIX = "/__a11y-replay__/"
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


def _fingerprint(html: str) -> str:
    """The same page state yields the same fingerprint: CSRF tokens are the only per-request noise."""
    return hashlib.sha1(CSRF_VALUE.sub(r'\1"', html).encode()).hexdigest()


def _shorten(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


AXE_RUN = """
async (options) => {
  const html = (document.doctype ? "<!doctype html>" : "") + document.documentElement.outerHTML;
  const results = await axe.run(document, options);
  return {url: location.href, html, violations: results.violations};
}
"""


def run_axe(page) -> dict:
    """axe-core (the copy axe-playwright-python ships) on the page as it is now.

    The markup is read in the same evaluation as the check, so the fingerprint always names the page
    that was checked; a navigation in the middle destroys the evaluation and the check starts again.
    """
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            page.evaluate(Axe().axe_script)
            result = page.evaluate(AXE_RUN, AXE_OPTIONS)
        except PlaywrightError as error:
            if attempt == 2 or "context was destroyed" not in str(error):
                raise
            continue
        result["violations"] = [v for v in result["violations"] if v.get("impact") in AXE_FAILING_IMPACTS]
        return result
    raise AssertionError("unreachable")


def format_violations(found: list[tuple[str, list[dict]]]) -> str:
    """A readable report: each rule once, each failing element once, with the pages it failed on."""
    from urllib.parse import urlsplit

    rules: dict[str, dict] = {}
    for url, violations in found:
        where = urlsplit(url).path or url
        for violation in violations:
            rule = rules.setdefault(violation["id"], {"violation": violation, "nodes": {}})
            for node in violation["nodes"]:
                # axe names an element by the shortest selector unique on its page, which varies from
                # page to page: the markup tells the same element (the menu, a badge) apart better.
                entry = rule["nodes"].setdefault(_shorten(node["html"]), {"node": node, "pages": []})
                if where not in entry["pages"]:
                    entry["pages"].append(where)
    pages = len({url for url, violations in found if violations})
    lines = [f"{len(rules)} serious/critical accessibility rule(s) violated on {pages} page state(s):"]
    for rule_id, rule in rules.items():
        violation = rule["violation"]
        lines.append(f"- {rule_id} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})")
        for number, (html, entry) in enumerate(rule["nodes"].items()):
            if number == 10:
                lines.append(f"    … and {len(rule['nodes']) - 10} more element(s)")
                break
            target = " ".join(str(part) for part in entry["node"]["target"])
            lines.append(f"    {target}: {html}")
            if entry["node"].get("failureSummary"):
                lines.append(f"      {_shorten(entry['node']['failureSummary'], 300)}")
            lines.append(f"      on: {', '.join(entry['pages'][:6])}{' …' if len(entry['pages']) > 6 else ''}")
    return "\n".join(lines)


@dataclass
class PageLog:
    """Every HTML document the test's browser loaded, and which states a live check has covered."""

    snapshots: list[tuple[str, str]] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)

    def record(self, url: str, html: str) -> None:
        self.snapshots.append((url, html))

    def mark_checked(self, html: str) -> None:
        self.checked.add(_fingerprint(html))

    def unchecked(self) -> list[tuple[str, str]]:
        seen = set(self.checked)
        pending = []
        for url, html in self.snapshots:
            key = _fingerprint(html)
            if key not in seen:
                seen.add(key)
                pending.append((url, html))
        return pending


def replay_violations(browser, base_url: str, log: PageLog) -> list[tuple[str, list[dict]]]:
    """Serve each unchecked captured state again from the live server's origin and run axe on it."""
    pending = log.unchecked()
    if not pending:
        return []
    context = browser.new_context(base_url=base_url, locale="ru-RU")
    failures = []
    try:
        replay = context.new_page()

        def serve(route):
            index = int(route.request.url.rsplit("/", 1)[1])
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=pending[index][1])

        replay.route(f"**{REPLAY_PREFIX}*", serve)
        for index, (url, _html) in enumerate(pending):
            replay.goto(f"{REPLAY_PREFIX}{index}")
            result = run_axe(replay)
            if result["violations"]:
                failures.append((url, result["violations"]))
    finally:
        context.close()
    return failures


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ru-RU", accept_downloads=True)
    log = PageLog()
    context.expose_function("__a11ySnapshot", log.record)
    context.add_init_script(SNAPSHOT_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.a11y_log = log
    # Whatever the Content-Security-Policy blocked would be broken for users: fail on it.
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not blocked, "The Content-Security-Policy blocked: " + "; ".join(blocked)
    failures = replay_violations(browser, live_server.url, log)
    if failures:
        pytest.fail("Pages as the journey loaded them: " + format_violations(failures), pytrace=False)


@pytest.fixture
def axe(page):
    """``axe(page)`` (or ``axe()``) fails the test on serious/critical WCAG 2.1 A/AA violations of the live page."""

    def check(target=None, where: str = ""):
        target = target or page
        result = run_axe(target)
        log = getattr(target, "a11y_log", None)
        if log is not None:
            # Checked, whatever the outcome: the teardown need not report the same state again.
            log.mark_checked(result["html"])
        if result["violations"]:
            report = format_violations([(result["url"], result["violations"])])
            pytest.fail(f"{where or result['url']}: {report}", pytrace=False)

    return check


@pytest.fixture
def sign_in(page):
    def sign_in_as(username: str, password: str = "demo"):
        page.goto("/accounts/login/")
        page.get_by_label("Имя пользователя").fill(username)
        page.get_by_label("Пароль").fill(password)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_load_state()
        return page

    return sign_in_as
