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

Background work (the region's analytical report, the municipal report, a school's import) is
started by the driver, not by the journeys: ``WORK`` holds a flow per kind that starts from any
page, and the load's driver runs one between two steps of a journey of the role in
``WORK_ROLES`` when its plan says the next one is due, as a person who leaves what they read
to press the report button. A journey run with ``everything`` does each once (the tests).
Either way the flow follows whichever answer the portal gives, the file at once or a job page
that refreshes itself until the worker is done, and tells the driver when the work was asked
for, queued and finished (``Browser.work_*``).
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
# «region: report PDF» is the button: a job page at region scale, the PDF itself for a small area.
EXPORT_KINDS = frozenset(
    {
        "registry: xlsx export",
        "monitoring: municipal report PDF",
        "program: PDF",
        "roadmaps: PDF",
        "region: figures xlsx",
        "region: report PDF",
        "jobs: download",
    }
)
# The requests that carry a spreadsheet in or write it: the import's own target, not a page's.
IMPORT_KINDS = frozenset({"import: upload POST", "import: confirm POST"})
LOGIN_KINDS = frozenset({"login: POST"})

# The kinds of background work (``WORK`` below: the flow that starts each).
REGION_REPORT, MUNICIPAL_REPORT, IMPORT = "region report", "municipal report", "import"
WORK_KINDS = (REGION_REPORT, MUNICIPAL_REPORT, IMPORT)


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
    or_job: bool = False  # a job's page (/jobs/<pk>/) instead of the file is fine too: the worker makes it


class StepFailed(Exception):
    """A request of a journey failed; the driver has recorded it, the journey stops here."""


class Browser:
    """What a journey drives: GET, POST and a pause. Each adapter (locust, requests, Django's test
    client) implements ``_request``; pausing is a no-op except under load.

    Background work needs more of the driver: ``upload`` (a multipart POST: ``_request`` with
    ``files``), ``import_file``, ``pause`` and the ``work_*`` records; the defaults upload
    nothing and record nothing."""

    def get(self, path: str, *, name: str, expect: Expect | None = None) -> Page:
        return self._request("GET", path, name, None, expect)

    def post(self, path: str, data: list[tuple[str, str]], *, name: str, expect: Expect | None = None) -> Page:
        return self._request("POST", path, name, data, expect)

    def upload(
        self,
        path: str,
        data: list[tuple[str, str]],
        files: dict[str, tuple[str, bytes, str]],
        *,
        name: str,
        expect: Expect | None = None,
    ) -> Page:
        """A form with a file: ``files`` maps the field to (file name, content, content type)."""
        return self._request("POST", path, name, data, expect, files=files)

    def think(self) -> None:
        pass

    def pause(self, seconds: float) -> None:
        """Wait on a page that refreshes itself (a job's progress); a no-op except under load."""

    def import_file(self) -> tuple[str, bytes] | None:
        """The spreadsheet this user uploads (file name, content), if any."""
        return None

    def work_started(self, kind: str) -> int:
        """The request that asks for background work is about to go; returns a token for the records below."""
        return 0

    def work_queued(self, token: int, job_path: str) -> None:
        """The portal answered with a job page (``/jobs/<pk>/`` or another refreshing page): the worker has it."""

    def work_done(self, token: int, *, ok: bool, detail: str = "") -> None:
        """The user has the result (the file, the import's success message), or saw it fail."""

    def _request(self, method: str, path: str, name: str, data, expect: Expect | None, files=None) -> Page:
        raise NotImplementedError


def problem(page: Page, expect: Expect) -> str | None:
    """Why ``page`` is not what ``expect`` asks for, or ``None`` when it is."""
    if page.status != 200:
        return f"HTTP {page.status} at {page.path}"
    if not expect.login_page and page.path.startswith(LOGIN_PATH):
        return "ended on the login page: the session was lost"
    if expect.or_job and page.content_type.startswith("text/html") and re.fullmatch(JOB_PATH, page.path):
        return None
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


# --- background work: the file at once, or a job page that refreshes itself until the worker is done --
JOB_PATH = r"/jobs/\d+/"
REFRESH = re.compile(r'<meta\s+http-equiv="refresh"\s+content="([\d.]+)\s*(?:;\s*url=([^"]*))?"', re.I)
JOB_WAIT_S = 900  # how long a person leaves a job's page open before giving up (a run ends sooner)


def refreshing(page: Page) -> tuple[float, str] | None:
    """(seconds, where to) when the page reloads itself, as a job's progress page does."""
    match = REFRESH.search(page.text)
    if match is None:
        return None
    return max(float(match.group(1)), 1.0), html.unescape(match.group(2) or "").strip() or page.path


def give_up(browser: Browser, token: int, why: str):
    browser.work_done(token, ok=False, detail=why)
    raise StepFailed(why)


def wait_for_job(browser: Browser, page: Page, token: int) -> Page:
    """Stay on a page that refreshes itself until it no longer does, as a person who leaves the tab
    open; each refresh is a request («jobs: progress page»). A page that does not refresh is returned
    as it is (the work was done in the request, or the worker was already done)."""
    if re.fullmatch(JOB_PATH, page.path) or refreshing(page):
        browser.work_queued(token, page.path)
    waited = 0.0
    while (refresh := refreshing(page)) is not None:
        if waited >= JOB_WAIT_S:
            give_up(browser, token, f"the job's page still refreshes after {waited:.0f} s")
        seconds, where = refresh
        browser.pause(seconds)
        waited += seconds
        page = browser.get(where, name="jobs: progress page")
    return page


def file_or_job(browser: Browser, token: int, page: Page, content_type: str) -> None:
    """After the request for a document: the file itself (rendered in the request), or its job's page,
    waited on until the worker is done, then the download."""
    if page.content_type.startswith(content_type):
        browser.work_done(token, ok=True, detail="in the request")
        return
    page = wait_for_job(browser, page, token)
    if "alert-danger" in page.text:
        give_up(browser, token, "the job failed: " + (form_errors(page.text) or "no reason shown"))
    download = links(page.text, JOB_PATH + r"download/")
    if not download:
        give_up(browser, token, "no download link on the finished job's page")
    browser.work_done(token, ok=True, detail="worker")
    browser.think()
    browser.get(download[0], name="jobs: download", expect=Expect(content_type=content_type))


def loaded(page: Page) -> bool:
    """The import's page says the file is written (the applied batch, or the message after the confirm)."""
    return "alert-success" in page.text


def import_spreadsheet(browser: Browser, file: tuple[str, bytes]) -> None:
    """A curator loads the school's spreadsheet: the form, the upload (the file read and checked, in the
    request or by the worker), the preview, the confirm (again if the registry changed meanwhile);
    done when the portal says the file is loaded. Either step may answer with a page that refreshes
    until the worker is done."""
    file_name, content = file
    page = browser.get("/import/", name="import: form")
    form = require(form_posting_to(page.text, r"/import/", page.path), "the import form")
    browser.think()
    token = browser.work_started(IMPORT)
    page = browser.upload(
        form.action,
        form.data(),
        {"file": (file_name, content, XLSX)},
        name="import: upload POST",
        expect=Expect(redirect=True),
    )
    page = wait_for_job(browser, page, token)
    for _attempt in range(3):
        confirm = form_posting_to(page.text, r"/import/\d+/confirm/", page.path)
        if confirm is None and not loaded(page) and (previews := links(page.text, r"/import/\d+/")):
            page = browser.get(previews[0], name="import: preview")
            confirm = form_posting_to(page.text, r"/import/\d+/confirm/", page.path)
        if confirm is None:
            break
        if confirm.value("valid_only") == "1":
            give_up(browser, token, "the preview refused rows: " + (form_errors(page.text) or "see the batch"))
        browser.think()
        page = browser.post(confirm.action, confirm.data(), name="import: confirm POST", expect=Expect(redirect=True))
        page = wait_for_job(browser, page, token)
        if not loaded(page) and (previews := links(page.text, r"/import/\d+/")):
            page = browser.get(previews[0], name="import: preview")
        if loaded(page):
            browser.work_done(token, ok=True)
            return
    give_up(browser, token, "the import did not end loaded: " + (form_errors(page.text) or "no message shown"))


# --- journeys ---------------------------------------------------------------------------------------
def coordinator_journey(browser: Browser, rng: random.Random, *, everything: bool = False) -> None:
    """A municipal coordinator: the registry with filters, search, sorting and pages, people, the
    filtered registry in Excel, the monitoring dashboard, the roadmaps overview; with ``everything``
    the municipal analytical report too (under load the driver asks for it, see ``WORK``)."""
    browser.get("/", name="home")
    if everything:
        municipal_report(browser)
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


def municipal_report(browser: Browser) -> None:
    """The monitoring periods, and the first one's analytical report: the PDF, or its job's page."""
    browser.think()
    periods = browser.get("/monitoring/periods/", name="monitoring: periods")
    period = require(links(periods.text, r"/monitoring/periods/\d+/"), "a monitoring period")[0]
    browser.think()
    token = browser.work_started(MUNICIPAL_REPORT)
    page = browser.get(
        period + "report.pdf", name="monitoring: municipal report PDF", expect=Expect(content_type=PDF, or_job=True)
    )
    file_or_job(browser, token, page, PDF)


def region_report(browser: Browser, area: Page) -> None:
    """The report button of the area's page: a job at region scale (its page, then the PDF), or the PDF."""
    browser.think()
    report = require(links(area.text, re.escape(area.path) + r"report\.pdf"), "the report button")[0]
    token = browser.work_started(REGION_REPORT)
    page = browser.get(report, name="region: report PDF", expect=Expect(content_type=PDF, or_job=True))
    file_or_job(browser, token, page, PDF)


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


AREA_PATH = r"/regions/(?:region|district)/\d+/"


def options(text: str, select_name: str) -> list[str]:
    """The non-empty option values of the page's ``<select name=select_name>``."""
    select = between(text, f'name="{select_name}"', "</select>")
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def regional_journey(browser: Browser, rng: random.Random, *, everything: bool = False) -> None:
    """A regional coordinator (reads only): the municipalities × indicators table, a ranking, one
    municipality's roadmap and monitoring state (30 %: one of its periods), the region-wide registry
    with a search and a filter (50 %: by municipality), a person, 30 %: the figures for the statistical
    forms in Excel; with ``everything`` the region's analytical report too (under load the driver asks
    for it, see ``WORK``: a job, the user waits on its page and downloads the PDF)."""
    browser.get("/", name="home")
    browser.think()
    area = area_page(browser)
    if everything:
        region_report(browser, area)
    if rankings := options(area.text, "by"):
        browser.think()
        browser.get(query(area.path, {"by": rng.choice(rankings)}), name="region: area ranking")
    browser.think()
    municipalities = require(links(area.text, re.escape(area.path) + r"municipalities/\d+/"), "a municipality")
    municipality = browser.get(rng.choice(municipalities), name="region: municipality")
    periods = links(municipality.text, r"/monitoring/periods/\d+/")
    if periods and (everything or rng.random() < 0.3):
        browser.think()
        browser.get(periods[0], name="monitoring: period")
    browser.think()
    listing = browser.get("/people/", name="region: registry list")
    browser.think()
    browser.get(query("/people/", {"q": rng.choice(SEARCHES)}), name="region: registry search")
    browser.think()
    params = dict(rng.choice(FILTERS))
    if (choices := options(listing.text, "municipality")) and (everything or rng.random() < 0.5):
        params["municipality"] = rng.choice(choices)
    filtered = browser.get(query("/people/", params), name="region: registry filter")
    open_person(browser, rng, filtered if links(filtered.text, PERSON_LINK) else listing)
    if everything or rng.random() < 0.3:
        browser.think()
        figures = require(links(area.text, re.escape(area.path) + r"figures\.xlsx"), "the figures link")[0]
        browser.get(figures, name="region: figures xlsx", expect=Expect(content_type=XLSX))


def importer_journey(browser: Browser, rng: random.Random, *, everything: bool = False) -> None:
    """A school's curator who loads the school's spreadsheet (a few hundred to 2,000 teachers): between
    two uploads (under load the driver starts them, see ``WORK``; with ``everything`` the journey does,
    when the driver has a file) a look at the school's people."""
    browser.get("/", name="home")
    if everything and browser.import_file() is not None:
        start_import(browser)
    browser.think()
    listing = browser.get("/people/", name="registry: list")
    open_person(browser, rng, listing)


def mentor_journey(browser: Browser, rng: random.Random, *, everything: bool = False) -> None:
    """A mentor: the desk (the mentees, their programs, the activities due), a program with one
    activity marked done or the mark taken back, the notices."""
    home = browser.get("/", name="home")
    programs = require(links(home.text, r"/programs/\d+/"), "a mentee's program on the desk")
    browser.think()
    program = browser.get(rng.choice(programs), name="program: detail")
    mark_activity(browser, rng, program)
    browser.think()
    browser.get("/notices/", name="notices: list")


def area_page(browser: Browser) -> Page:
    """``/regions/``: it redirects to the user's only area; with several, the first one listed."""
    area = browser.get("/regions/", name="region: area table")
    if not re.fullmatch(AREA_PATH, area.path):
        area = browser.get(require(links(area.text, AREA_PATH), "an area")[0], name="region: area table")
    return area


def start_region_report(browser: Browser) -> None:
    """From wherever the user is: back to the region's page, and its report button."""
    region_report(browser, area_page(browser))


def start_import(browser: Browser) -> None:
    import_spreadsheet(browser, require(browser.import_file(), "a spreadsheet to upload"))


# The background work a driver may start between two steps of a journey, and whose journey.
WORK: dict[str, Callable[[Browser], None]] = {
    REGION_REPORT: start_region_report,
    MUNICIPAL_REPORT: municipal_report,
    IMPORT: start_import,
}
WORK_ROLES = {REGION_REPORT: "regional", MUNICIPAL_REPORT: "coordinator", IMPORT: "importer"}

JOURNEYS: dict[str, Callable[..., None]] = {
    "regional": regional_journey,
    "coordinator": coordinator_journey,
    "curator": curator_journey,
    "importer": importer_journey,
    "director": director_journey,
    "mentor": mentor_journey,
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
    """Each page kind's target class: ``login``, ``export``, ``import`` or ``page``."""
    classes = {**dict.fromkeys(LOGIN_KINDS, "login"), **dict.fromkeys(EXPORT_KINDS, "export")}
    classes |= dict.fromkeys(IMPORT_KINDS, "import")
    return {name: classes.get(name, "page") for name in names}
