"""The load scenario in plain Python: who logs in, which pages they open, which forms they post.

Two drivers run these journeys: ``bench/locustfile.py`` (locust's HTTP session against a
gunicorn server) and ``tests/test_load_scenario.py`` (Django's test client), so a renamed
URL or a changed form breaks a test instead of silently turning the benchmark into a
measurement of 404 pages. This module imports neither locust (its gevent monkey-patching
must not reach Django or the tests) nor Django; it reads forms with the tests' own reader
(``tests/utils.py``, which needs no Django to be imported).

A driver is any object with the ``Browser`` methods below. The journeys find their way the
way a person does: they open a list, follow a link found on it, read the form on the page
(every input, hidden ones included, so a CSRF token or an optimistic-locking ``version``
field added later is posted back as it was rendered) and post it with one field changed.
Every request has a page-kind name (``registry: list``, ``roadmaps: PDF``...) under which
the benchmark groups its timings.
"""

from __future__ import annotations

import datetime
import html
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from tests.utils import Form, parse_forms

PASSWORD = "demo"
LOGIN_PATH = "/accounts/login/"

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Page kinds whose response is a file: their latency target is the export one, not the page one.
EXPORT_KINDS = frozenset(
    {
        "registry: xlsx export",
        "monitoring: municipal report PDF",
        "program: PDF",
        "roadmaps: PDF",
    }
)
LOGIN_KINDS = frozenset({"login: POST"})


# --- what a driver returns and must provide ------------------------------------------------------
@dataclass
class Page:
    """One response as the journey sees it: after redirects, decoded when it is HTML."""

    status: int
    path: str  # the final path (without the query) after redirects
    text: str
    redirected: bool
    content_type: str = ""
    size: int = 0


@dataclass
class Expect:
    """What makes a response a success; a driver turns a mismatch into a failed request."""

    content_type: str = "text/html"
    redirect: bool = False  # a POST must end on another page (PRG), not re-render its form
    success_message: bool = False  # the page after the redirect shows a Django success message
    login_page: bool = False  # only the login form itself may end on /accounts/login/


class StepFailed(Exception):
    """A request of a journey failed; the driver has recorded it, the journey stops here."""


class Browser:
    """What a journey drives: GET, POST and a pause. Each adapter (locust, requests, Django's test
    client) implements ``_request``; pausing is a no-op except under load."""

    def get(self, path: str, *, name: str, expect: Expect | None = None) -> Page:
        return self._request("GET", path, name, None, expect)

    def post(self, path: str, data: list[tuple[str, str]], *, name: str, expect: Expect | None = None) -> Page:
        return self._request("POST", path, name, data, expect)

    def think(self) -> None:
        pass

    def _request(self, method: str, path: str, name: str, data, expect: Expect | None) -> Page:
        raise NotImplementedError


def problem(page: Page, expect: Expect) -> str | None:
    """Why ``page`` is not what ``expect`` asks for, or ``None`` when it is."""
    if page.status != 200:
        return f"HTTP {page.status} at {page.path}"
    if not expect.login_page and page.path.startswith(LOGIN_PATH):
        return "ended on the login page: the session was lost"
    if not page.content_type.startswith(expect.content_type):
        return f"content type {page.content_type!r}, expected {expect.content_type!r}"
    if expect.content_type != "text/html" and page.size == 0:
        return "empty file"
    if expect.redirect and not page.redirected:
        return "the form was shown again instead of a redirect: " + (form_errors(page.text) or "no error shown")
    if expect.success_message and "alert-success" not in page.text:
        return "no success message after the POST: " + (form_errors(page.text) or "no error shown")
    return None


# --- reading HTML: links and forms -----------------------------------------------------------------
HREF = re.compile(r'href="([^"]*)"')


def links(text: str, pattern: str) -> list[str]:
    """The distinct hrefs of ``text`` that match ``pattern`` entirely (path and query), in page order."""
    compiled = re.compile(pattern)
    found: dict[str, None] = {}
    for raw in HREF.findall(text):
        href = html.unescape(raw)
        if compiled.fullmatch(href):
            found.setdefault(href, None)
    return list(found)


def between(text: str, start: str, end: str) -> str:
    """The part of ``text`` after the first ``start`` up to the next ``end`` ('' when ``start`` is absent)."""
    _head, found, tail = text.partition(start)
    return tail.partition(end)[0] if found else ""


ERROR_CLASSES = re.compile(r'class="[^"]*(?:invalid-feedback|alert-danger|errorlist)[^"]*"[^>]*>(.*?)</', re.S)


def form_errors(text: str) -> str:
    """The error messages a page shows, in one line (for failure reports)."""
    return "; ".join(html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in ERROR_CLASSES.findall(text))[:300]


def forms(text: str, page_path: str = "") -> list[Form]:
    """Every form of the page; a form without ``action`` posts to the page itself."""
    return parse_forms(text, page_path)


def form_posting_to(text: str, pattern: str, page_path: str = "") -> Form | None:
    """The first POST form whose action path matches ``pattern`` entirely."""
    compiled = re.compile(pattern)
    for form in forms(text, page_path):
        if form.method == "post" and compiled.fullmatch(urlsplit(form.action).path):
            return form
    return None


def require(value, what: str):
    """A journey's precondition; ``None`` or empty means the page did not offer what it should."""
    if not value:
        raise StepFailed(f"not found on the page: {what}")
    return value


# --- the steps every role shares ---------------------------------------------------------------------
def log_in(browser: Browser, username: str, password: str = PASSWORD) -> Page:
    """The real sign-in form: GET it (CSRF cookie and token), post the credentials, land on the home page."""
    page = browser.get(LOGIN_PATH, name="login: form", expect=Expect(login_page=True))
    form = require(
        next((form for form in forms(page.text, page.path) if "username" in form.names), None), "the login form"
    )
    return browser.post(
        form.action,
        form.data(username=username, password=password),
        name="login: POST",
        expect=Expect(redirect=True),
    )


def query(path: str, params: dict[str, str | int]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


SEARCHES = ("ова", "Иван", "ев", "Кузн", "Петр", "ина")
FILTERS: tuple[dict[str, str], ...] = (
    {"role": "mentee", "young": "true"},
    {"organisation_kind": "school", "qualification_category": "highest"},
    {"role": "mentor"},
    {"without_mentor": "true"},
    {"organisation_kind": "kindergarten"},
    {"qualification_category": "first", "role": "neither"},
)
ORDERINGS = ("name", "-name", "organisation", "-since", "since", "category", "position")
PERSON_LINK = r"/people/\d+/"


def registry_filters(rng: random.Random) -> dict[str, str]:
    params = dict(rng.choice(FILTERS))
    if rng.random() < 0.5:
        params["q"] = rng.choice(SEARCHES)
    return params


def open_person(browser: Browser, rng: random.Random, page: Page) -> Page | None:
    people = links(page.text, PERSON_LINK)
    if not people:
        return None
    browser.think()
    return browser.get(rng.choice(people), name="person: detail")


# --- journeys ---------------------------------------------------------------------------------------
def coordinator_journey(browser: Browser, rng: random.Random, *, everything: bool = False) -> None:
    """A municipal coordinator: the registry with filters, search, sorting and pages, people, the
    filtered registry in Excel, the monitoring dashboard, now and then the municipal report PDF."""
    browser.get("/", name="home")
    browser.think()
    listing = browser.get("/people/", name="registry: list")
    browser.think()
    params = registry_filters(rng)
    filtered = browser.get(query("/people/", params), name="registry: filter")
    browser.think()
    browser.get(
        query("/people/", {"ordering": rng.choice(ORDERINGS), "page": rng.randint(2, 6)}), name="registry: sort+page"
    )
    open_person(browser, rng, filtered if links(filtered.text, PERSON_LINK) else listing)
    if everything or rng.random() < 0.3:
        browser.think()
        export = require(links(filtered.text, r"/people/export\.xlsx(\?.*)?"), "the Excel export link")[0]
        browser.get(export, name="registry: xlsx export", expect=Expect(content_type=XLSX))
    browser.think()
    dashboard_params = rng.choice([{}, {"kind": "school"}, {"ordering": "-mentors"}, {"ordering": "-involved_share"}])
    browser.get(query("/monitoring/", dashboard_params), name="monitoring: dashboard")
    if everything or rng.random() < 0.3:
        browser.think()
        browser.get("/roadmaps/overview/", name="roadmaps: overview")
    if everything or rng.random() < 0.1:
        browser.think()
        periods = browser.get("/monitoring/periods/", name="monitoring: periods")
        period = require(links(periods.text, r"/monitoring/periods/\d+/"), "a monitoring period")[0]
        browser.think()
        browser.get(period + "report.pdf", name="monitoring: municipal report PDF", expect=Expect(content_type=PDF))


def curator_journey(browser: Browser, rng: random.Random, *, everything: bool = False) -> None:
    """A school's curator: the school's people and a phone edit, pairs, a program with an activity
    marked done or undone, now and then the program PDF, and the school roadmap moved along."""
    browser.get("/", name="home")
    browser.think()
    params = {"q": rng.choice(SEARCHES)} if rng.random() < 0.3 else {}
    listing = browser.get(query("/people/", params), name="registry: list" if not params else "registry: filter")
    if not links(listing.text, PERSON_LINK):
        listing = browser.get("/people/", name="registry: list")
    person = require(open_person(browser, rng, listing), "a person of the school")
    edit_person(browser, rng, person)

    browser.think()
    groups = browser.get("/pairs/?status=active", name="pairs: list")
    group_path = require(links(groups.text, r"/pairs/\d+/"), "an active pair")
    browser.think()
    group = browser.get(rng.choice(group_path), name="pairs: detail")
    program_path = require(links(group.text, r"/programs/\d+/"), "the pair's program")[0]
    browser.think()
    program = browser.get(program_path, name="program: detail")
    mark_activity(browser, rng, program)
    if everything or rng.random() < 0.15:
        browser.think()
        browser.get(program_path + "pdf/", name="program: PDF", expect=Expect(content_type=PDF))

    browser.think()
    roadmaps = browser.get("/roadmaps/", name="roadmaps: list")
    own = links(between(roadmaps.text, "<tbody>", "</tbody>"), r"/roadmaps/\d+/")
    if own:
        browser.think()
        detail = browser.get(own[0], name="roadmaps: detail")
        move_roadmap_along(browser, detail)


def director_journey(browser: Browser, rng: random.Random, *, everything: bool = False) -> None:
    """A school's director: the roadmaps waiting for a decision (approve or return), the roadmap
    PDF now and then, the school's monitoring page, pairs and orders."""
    browser.get("/", name="home")
    browser.think()
    roadmaps = browser.get("/roadmaps/", name="roadmaps: list")
    waiting = links(between(roadmaps.text, 'data-testid="waiting"', "</div>"), r"/roadmaps/\d+/")
    listed = links(between(roadmaps.text, "<tbody>", "</tbody>"), r"/roadmaps/\d+/")
    if waiting or listed:
        browser.think()
        detail = browser.get((waiting or listed)[0], name="roadmaps: detail")
        decide_roadmap(browser, rng, detail)
        if everything or rng.random() < 0.2:
            browser.think()
            pdf = require(links(detail.text, r"/roadmaps/\d+/pdf/(\?.*)?"), "the roadmap PDF link")[0]
            browser.get(pdf, name="roadmaps: PDF", expect=Expect(content_type=PDF))
    browser.think()
    browser.get("/monitoring/", name="monitoring: school dashboard")
    browser.think()
    browser.get("/pairs/", name="pairs: list")
    browser.think()
    orders = browser.get("/orders/", name="orders: list")
    order = links(orders.text, r"/orders/\d+/")
    if order:
        browser.think()
        browser.get(rng.choice(order), name="orders: detail")
    browser.think()
    listing = browser.get("/people/", name="registry: list")
    open_person(browser, rng, listing)


JOURNEYS: dict[str, Callable[..., None]] = {
    "coordinator": coordinator_journey,
    "curator": curator_journey,
    "director": director_journey,
}


# --- the form posts ---------------------------------------------------------------------------------
def phone_number(rng: random.Random) -> str:
    return f"+7 (844) 76{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def edit_person(browser: Browser, rng: random.Random, person: Page) -> Page:
    """Open the person's edit form and save it with a new phone number; every other field as rendered."""
    edit_path = require(links(person.text, r"/people/\d+/edit/"), "the person's edit link")[0]
    browser.think()
    page = browser.get(edit_path, name="person: edit form")
    form = require(form_posting_to(page.text, re.escape(edit_path), page.path), "the person form")
    browser.think()
    return browser.post(
        form.action,
        form.data(phone=phone_number(rng)),
        name="person: edit POST",
        expect=Expect(redirect=True, success_message=True),
    )


def mark_activity(browser: Browser, rng: random.Random, program: Page) -> Page:
    """Mark one activity of the program done today, or take the mark back (harmless both ways)."""
    activity_forms = [
        form
        for form in forms(program.text, program.path)
        if form.method == "post" and re.fullmatch(r"/programs/\d+/activities/\d+/", urlsplit(form.action).path)
    ]
    form = rng.choice(require(activity_forms, "an activity's mark form"))
    done = form.value("done_on")
    changes = {"done_on": "", "note": ""} if done else {"done_on": datetime.date.today().isoformat(), "note": "Нагр."}
    browser.think()
    return browser.post(
        form.action,
        form.data(**changes),
        name="program: mark activity POST",
        expect=Expect(redirect=True, success_message=True),
    )


def move_roadmap_along(browser: Browser, detail: Page) -> Page | None:
    """The curator's half of the approval round: submit a draft or returned plan, revise an approved one."""
    for action, name in (("submit", "roadmaps: submit POST"), ("revise", "roadmaps: revise POST")):
        form = form_posting_to(detail.text, rf"/roadmaps/\d+/{action}/", detail.path)
        if form is not None:
            browser.think()
            return browser.post(form.action, form.data(), name=name, expect=Expect(redirect=True, success_message=True))
    return None


def decide_roadmap(browser: Browser, rng: random.Random, detail: Page) -> Page | None:
    """The director's half: approve one plan in three, return the others with a comment."""
    approve = form_posting_to(detail.text, r"/roadmaps/\d+/approve/", detail.path)
    back = form_posting_to(detail.text, r"/roadmaps/\d+/return/", detail.path)
    if approve is None or back is None:
        return None
    browser.think()
    if rng.random() < 1 / 3:
        order = f"№ {rng.randint(1, 300)}-о от {datetime.date.today():%d.%m.%Y}"
        return browser.post(
            approve.action,
            approve.data(order=order),
            name="roadmaps: approve POST",
            expect=Expect(redirect=True, success_message=True),
        )
    return browser.post(
        back.action,
        back.data(comment="Уточните сроки и ответственных (нагрузочный тест)."),
        name="roadmaps: return POST",
        expect=Expect(redirect=True, success_message=True),
    )


def kinds_of(names: Iterable[str]) -> dict[str, str]:
    """Each page kind's target class: ``login``, ``export`` or ``page``."""
    return {name: "login" if name in LOGIN_KINDS else "export" if name in EXPORT_KINDS else "page" for name in names}
