"""Every page escapes what people typed; exports never carry a live formula.

A corpus of XSS, template and spreadsheet-formula payloads goes in through the real
forms and imports, as the role that would type it; then the pages, the PDFs and the
xlsx files that show it are read back:

* HTML: the payload is shown escaped (its escaped form is on the page, so the page does
  show it) and never raw; no element carries an ``on*`` attribute, no link or source
  is a ``javascript:`` URL, no script other than the portal's own; ``{{7*7}}`` stays text.
* PDF: the payload reads as literal text; the file has no JavaScript, no automatic
  actions and no ``javascript:`` links.
* xlsx: no cell is a formula; text that starts with = + - @ is a text cell with
  Excel's quote prefix, so a spreadsheet program shows it and never runs it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from monitoring.models import Answer, MonitoringPeriod, Question, Questionnaire, Readiness, SchoolReport
from registry.models import (
    MenteeProfile,
    MentoringGroup,
    MentoringOrder,
    MentorProfile,
    Person,
    Program,
    Role,
    Subject,
    Vocabulary,
    VocabularyTerm,
)
from roadmaps.models import Item, Roadmap
from tests.factories import make_user
from tests.utils import downloaded, page_text, parse_page

pytestmark = pytest.mark.django_db

# --- the corpus ---------------------------------------------------------------------------------
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg/onload=alert(1)>"
QUOTE = "'-alert(1)-'"
TEXTAREA = "</textarea><script>alert(2)</script>"
MUSTACHE = "{{7*7}}"
TAG = "{% debug %}"
JS_URL = "javascript:alert(1)"
HYPERLINK = '=HYPERLINK("http://evil","x")'
SUM = "=1+1"
DDE = "+cmd|' /C calc'!A0"
MINUS = "-2+3"
AT = "@SUM(A1)"
RTL = "Отчёт\u202etxt.exe"

CORPUS = [SCRIPT, IMG, SVG, QUOTE, TEXTAREA, MUSTACHE, TAG, JS_URL, HYPERLINK, SUM, DDE, MINUS, AT, RTL]
# What a browser would parse as markup if it were not escaped.
MARKUP = [payload for payload in CORPUS if escape(payload) != payload]
FORMULA_STARTS = ("=", "+", "-", "@")

# Valid e-mail addresses and URLs that still carry markup: quoted local parts and paths are legal.
EMAIL_SCRIPT = '"<script>alert(1)</script>"@evil.example'
EMAIL_SVG = '"<svg/onload=alert(1)>"@evil.example'
URL_SVG = 'https://evil.example/"><svg/onload=alert(1)>'
URL_SCRIPT = "https://evil.example/?q=<script>alert(1)</script>"
JS_URLS = [JS_URL, "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "javascript://%0aalert(1)"]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}


# --- reading pages and forms ----------------------------------------------------------------------
def form_values(html: str, field: str) -> tuple[str, dict[str, list[str]]]:
    """The action and the current values of the POST form that has ``field`` (hidden fields included)."""
    for form in parse_page(html).forms:
        if form.method == "post" and field in form.controls:
            return form.action, form.values()
    raise AssertionError(f"no POST form with a field «{field}» on the page")


def submit(client, url: str, values: dict, *, field: str | None = None, status: int = 302):
    """Fill in the form on ``url`` as a browser would and send it; by default it must redirect (saved)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    action, data = form_values(page.content.decode(), field or next(iter(values)))
    for name, value in values.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    response = client.post(action or url, data)
    assert response.status_code == status, (url, form_errors(response))
    return response


def form_errors(response) -> object:
    context = getattr(response, "context", None)
    if not context:
        return response.content[:500]
    found = {}
    for key in ("form", "formset", "header", "sections", "items", "version"):
        if key in context and hasattr(context[key], "errors"):
            found[key] = context[key].errors
    messages = [str(message) for message in context.get("messages", [])]
    return found or messages or response.content.decode()[:2000]


# --- the checks -----------------------------------------------------------------------------------
def assert_safe_html(html: str, where: str, shown=()) -> None:
    """No markup injected; each payload of ``shown`` is on the page, escaped."""
    for tag, attrs in parse_page(html).tags:
        for name, value in attrs:
            assert not name.startswith("on"), f"{where}: <{tag} {name}={value!r}>"
            if name in URL_ATTRIBUTES and value:
                plain = re.sub(r"[\x00-\x20]", "", value).lower()
                assert not plain.startswith(("javascript:", "vbscript:", "data:text")), f"{where}: {name}={value!r}"
        found = dict(attrs)
        if tag == "script":
            assert (found.get("src") or "").startswith("/static/"), f"{where}: an inline or foreign <script>"
        assert tag not in ("iframe", "object", "embed", "base"), f"{where}: <{tag}>"
        assert not (tag == "img" and found.get("src") == "x"), f"{where}: the payload's <img>"
    for payload in MARKUP:
        assert payload not in html, f"{where}: {payload!r} unescaped"
    for payload in shown:
        assert escape(payload) in html, f"{where}: {payload!r} not shown"


def crawl(client, user, pages: list[tuple[str, list[str]]]) -> None:
    """GET each page as ``user``: it answers 200 and passes ``assert_safe_html``."""
    client.force_login(user)
    for url, shown in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert_safe_html(response.content.decode(), f"{user.username} {url}", shown)


def compact(text: str) -> str:
    """Text without spaces and line breaks (a PDF breaks lines anywhere), and without the RTL override."""
    return "".join(text.replace("\u202e", "").split())


def assert_pdf(content: bytes, shown: list[str]) -> str:
    """The payloads read as literal text, and the file carries nothing active."""
    assert content.startswith(b"%PDF"), content[:40]
    reader = PdfReader(io.BytesIO(content))
    text = compact(" ".join(page.extract_text() for page in reader.pages))
    for payload in shown:
        assert compact(payload) in text, f"{payload!r} not in the PDF text"
    _assert_inert(reader.trailer, set())
    return text


def _assert_inert(node, seen: set[tuple[int, int]]) -> None:
    """Every object reachable from ``node`` carries nothing active; ``seen`` holds the indirect objects
    already checked, as objects refer to each other (a page to its parent and back)."""
    if isinstance(node, IndirectObject):
        if (node.idnum, node.generation) in seen:
            return
        seen.add((node.idnum, node.generation))
        node = node.get_object()
    if isinstance(node, DictionaryObject):
        _assert_inert_dictionary(node)
        children = node.values()
    elif isinstance(node, ArrayObject):
        children = node
    else:
        return
    for value in children:
        _assert_inert(value, seen)


def _assert_inert_dictionary(node: DictionaryObject) -> None:
    for key in ("/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/SubmitForm", "/ImportData"):
        assert key not in node, f"PDF carries {key}"
    assert node.get("/S") not in ("/JavaScript", "/Launch", "/SubmitForm"), node.get("/S")
    if "/URI" in node:
        uri = re.sub(r"[\x00-\x20]", "", str(node["/URI"])).lower()
        assert not uri.startswith(("javascript:", "vbscript:", "data:")), uri


def assert_xlsx(content: bytes, shown: list[str]) -> list:
    """No formula anywhere; text that starts like a formula is a quote-prefixed text cell."""
    workbook = load_workbook(io.BytesIO(content))
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                where = f"{sheet.title}!{cell.coordinate} {cell.value!r}"
                assert cell.data_type != "f", f"formula in {where}"
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    assert cell.data_type in ("s", "inlineStr"), where
                    assert cell.quotePrefix, f"no quote prefix: {where}"
                values.append(cell.value)
    text = "\n".join(str(value) for value in values)
    for payload in shown:
        assert payload in text, f"{payload!r} not in the workbook"
    return values


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Disposition"].startswith("attachment;")
    return downloaded(response)


def today() -> datetime.date:
    return timezone.localdate()


def iso(day: datetime.date) -> str:
    return day.isoformat()


# --- registry and mentoring through their forms ---------------------------------------------------
def test_people_pairs_orders_and_programs_escape_what_was_typed(client, demo):
    curator, director = demo["users"]["curator"], demo["users"]["director"]
    client.force_login(curator)
    person_create = reverse("registry:person_create")
    mentor_fields = {
        "last_name": SCRIPT,
        "first_name": IMG,
        "middle_name": SVG,
        "position": HYPERLINK,
        "email": EMAIL_SCRIPT,
        "phone": DDE,
        "consent_document": TEXTAREA,
        "consent_date": iso(today()),
    }
    submit(client, person_create, mentor_fields)
    mentor = Person.objects.get(last_name=SCRIPT)
    assert (mentor.first_name, mentor.middle_name, mentor.position) == (IMG, SVG, HYPERLINK)
    assert (mentor.email, mentor.phone, mentor.consent_document) == (EMAIL_SCRIPT, DDE, TEXTAREA)
    mentee_fields = {
        "last_name": SUM,
        "first_name": MUSTACHE,
        "middle_name": TAG,
        "position": MINUS,
        "phone": AT,
        "consent_document": RTL,
        "consent_date": iso(today()),
    }
    submit(client, person_create, mentee_fields)
    mentee = Person.objects.get(last_name=SUM)
    assert (mentee.first_name, mentee.middle_name, mentee.position, mentee.phone) == (MUSTACHE, TAG, MINUS, AT)

    submit(
        client,
        reverse("registry:profile_edit", args=[mentor.pk, "mentor"]),
        {"competencies_text": QUOTE, "achievements_text": JS_URL, "capacity": "2", "consent_date": iso(today())},
    )
    assert (mentor.mentor_profile.competencies_text, mentor.mentor_profile.achievements_text) == (QUOTE, JS_URL)
    submit(
        client,
        reverse("registry:profile_edit", args=[mentee.pk, "mentee"]),
        {
            "requests_text": f"{HYPERLINK}\n{SCRIPT}",
            "category": MenteeProfile.Category.YOUNG,
            "consent_date": iso(today()),
        },
    )
    assert MenteeProfile.objects.get(person=mentee).requests_text == f"{HYPERLINK}\n{SCRIPT}"

    # The pair, its consents, the order that activates it, its program and the program's results.
    submit(
        client,
        reverse("registry:group_create"),
        {
            "mentor": str(mentor.pk),
            "mentees": [str(mentee.pk)],
            "start_date": iso(today()),
            "planned_end_date": iso(today() + datetime.timedelta(days=200)),
        },
    )
    group = MentoringGroup.objects.get(mentor=mentor)
    submit(
        client,
        reverse("registry:group_detail", args=[group.pk]),
        {"mentor": iso(today()), f"mentee_{mentee.pk}": iso(today())},
    )
    # The curator prepares the draft order, the director signs it with what they typed.
    submit(client, reverse("registry:order_create"), {"groups": [str(group.pk)]})
    draft = MentoringOrder.objects.drafts().get(groups=group)
    client.force_login(director)
    submit(client, draft.get_absolute_url(), {"number": IMG, "signed_by": SCRIPT, "date": iso(today())})
    client.force_login(curator)
    order = MentoringOrder.objects.get(number=IMG)
    assert (order.pk, order.signed_by) == (draft.pk, SCRIPT)
    program_values = {
        "title": SVG,
        "difficulties": MUSTACHE,
        "strengths": JS_URL,
        "goals": f"{QUOTE}\n{TEXTAREA}",
        "expected_results": TAG,
        "activities-0-title": SCRIPT,
        "activities-0-form": DDE,
        "activities-0-responsible": IMG,
        "activities-1-title": SUM,
        "activities-1-responsible": RTL,
    }
    submit(client, reverse("registry:program_create", args=[group.pk]), program_values, field="title")
    program = Program.objects.get(group=group)
    assert (program.title, program.goals) == (SVG, f"{QUOTE}\n{TEXTAREA}")
    activity = program.activities.get(title=SCRIPT)
    assert (activity.form, activity.responsible) == (DDE, IMG)
    submit(client, program.get_absolute_url(), {"note": TEXTAREA, "done_on": iso(today())})
    activity.refresh_from_db()
    assert activity.note == TEXTAREA
    submit(
        client,
        program.get_absolute_url(),
        {
            "result": f"{SCRIPT}\n{IMG}",
            "mentor_assessment": HYPERLINK,
            "mentee_self_assessment": SVG,
            "status": Program.Status.COMPLETED,
        },
    )
    program.refresh_from_db()
    assert (program.result, program.status) == (f"{SCRIPT}\n{IMG}", Program.Status.COMPLETED)
    client.post(reverse("registry:program_to_bank", args=[program.pk]))
    copy = Program.objects.get(source=program, in_bank=True)
    submit(
        client,
        group.get_absolute_url(),
        {"action": "end", "note": QUOTE, "ended_on": iso(today())},
        field="ended_on",  # the pause form has a «reason» too
    )
    group.refresh_from_db()
    assert (group.status, group.end_note) == (MentoringGroup.Status.ENDED_EARLY, QUOTE)

    names = [SCRIPT, IMG, SVG, SUM, MUSTACHE, TAG]
    person_pages = [
        (reverse("registry:person_list"), [SCRIPT, IMG, SVG, SUM, MUSTACHE, TAG, HYPERLINK, MINUS]),
        (reverse("registry:person_list") + f"?q={SCRIPT}", [SCRIPT]),
        (mentor.get_absolute_url(), [SCRIPT, IMG, SVG, HYPERLINK, EMAIL_SCRIPT, DDE, TEXTAREA, QUOTE, JS_URL]),
        (mentee.get_absolute_url(), [SUM, MUSTACHE, TAG, MINUS, AT, RTL, HYPERLINK, SCRIPT]),
        (reverse("registry:person_update", args=[mentor.pk]), [SCRIPT, IMG, SVG, HYPERLINK, EMAIL_SCRIPT, DDE]),
        (reverse("registry:person_update", args=[mentee.pk]), [SUM, MUSTACHE, TAG, MINUS, AT, RTL]),
        (reverse("registry:profile_edit", args=[mentor.pk, "mentor"]), [QUOTE, JS_URL]),
        (reverse("registry:profile_edit", args=[mentee.pk, "mentee"]), [HYPERLINK, SCRIPT]),
        (reverse("registry:group_list"), [SCRIPT]),
        (group.get_absolute_url(), [*names, IMG, QUOTE, SVG]),
        (reverse("registry:group_create"), [SCRIPT, IMG, SVG, HYPERLINK]),
        (reverse("registry:group_match") + f"?mentee={mentee.pk}", [SUM, MUSTACHE, TAG]),
        (reverse("registry:order_list"), [IMG, SCRIPT]),
        (order.get_absolute_url(), [IMG, SCRIPT, SUM]),
        (program.get_absolute_url(), [SVG, MUSTACHE, JS_URL, QUOTE, TEXTAREA, TAG, SCRIPT, DDE, IMG, SUM, RTL]),
        (reverse("registry:program_update", args=[program.pk]), [SVG, MUSTACHE, JS_URL, QUOTE, TEXTAREA, TAG]),
        (reverse("registry:program_bank"), [SVG]),
        (copy.get_absolute_url(), [SVG, MUSTACHE, QUOTE, TEXTAREA]),
        (reverse("home"), []),
        (demo["school1"].get_absolute_url(), []),
    ]
    crawl(client, curator, person_pages)
    crawl(client, director, [(order.get_absolute_url(), [IMG, SCRIPT]), (program.get_absolute_url(), [SVG])])
    crawl(client, demo["users"]["coordinator"], [(mentor.get_absolute_url(), [SCRIPT, IMG, SVG])])

    client.force_login(curator)
    assert_pdf(download(client, reverse("registry:order_pdf", args=[order.pk])), [IMG, SCRIPT, SVG, MUSTACHE])
    assert_pdf(
        download(client, reverse("registry:program_pdf", args=[program.pk])),
        [SVG, MUSTACHE, JS_URL, QUOTE, TEXTAREA, TAG, SCRIPT, IMG, HYPERLINK],
    )
    assert_pdf(download(client, reverse("registry:consent_pdf", args=[mentor.pk, "mentor"])), [SCRIPT, IMG])
    assert_pdf(download(client, reverse("registry:consent_pdf", args=[mentee.pk, "mentee"])), [SUM, MUSTACHE])
    assert_xlsx(
        download(client, reverse("registry:person_export")),
        [f"{SCRIPT} {IMG} {SVG}", f"{SUM} {MUSTACHE} {TAG}", HYPERLINK, MINUS, DDE, AT, QUOTE, EMAIL_SCRIPT],
    )


def test_organisation_card_escapes_and_refuses_javascript_links(client, demo):
    coordinator = demo["users"]["coordinator"]
    school = demo["school1"]
    client.force_login(coordinator)
    update = reverse("registry:organisation_update", args=[school.pk])
    for url in JS_URLS:
        response = submit(client, update, {"website": url}, status=200)
        assert response.context["form"].errors["website"], url
    submit(
        client,
        update,
        {
            "full_name": SCRIPT,
            "short_name": HYPERLINK,
            "address": TEXTAREA,
            "phone": DDE,
            "email": EMAIL_SVG,
            "website": URL_SVG,
        },
    )
    school.refresh_from_db()
    assert (school.short_name, school.website, school.email) == (HYPERLINK, URL_SVG, EMAIL_SVG)
    shown = [SCRIPT, HYPERLINK, TEXTAREA, DDE, EMAIL_SVG, URL_SVG]
    crawl(
        client,
        coordinator,
        [
            (school.get_absolute_url(), shown),
            (update, shown),
            (reverse("registry:organisation_list"), [HYPERLINK]),
            (reverse("registry:person_list"), [HYPERLINK]),
            (reverse("roadmaps:roadmap_overview"), [HYPERLINK]),
            (reverse("monitoring:dashboard"), [HYPERLINK]),
            (reverse("monitoring:school_dashboard", args=[school.pk]), [HYPERLINK]),
        ],
    )
    crawl(client, demo["users"]["director"], [(school.get_absolute_url(), shown), (reverse("home"), [])])
    client.force_login(coordinator)
    assert_xlsx(download(client, reverse("registry:person_export")), [HYPERLINK])


def test_vocabulary_terms_are_escaped_in_forms_and_plain_text_in_spreadsheets(client, demo, admin_client):
    coordinator = demo["users"]["coordinator"]
    client.force_login(coordinator)
    vocabulary = reverse("registry:vocabulary_list")
    submit(client, vocabulary, {"vocabulary": Vocabulary.COMPETENCY, "name": IMG})
    submit(client, vocabulary, {"vocabulary": Vocabulary.REQUEST, "name": SUM})
    submit(client, vocabulary, {"vocabulary": Vocabulary.REQUEST, "name": SCRIPT})
    assert VocabularyTerm.objects.filter(name__in=[IMG, SUM, SCRIPT]).count() == 3
    teacher = demo["teacher"]
    crawl(client, coordinator, [(vocabulary, [IMG, SUM, SCRIPT])])
    crawl(
        client,
        demo["users"]["curator"],
        [
            (reverse("registry:profile_edit", args=[teacher.pk, "mentor"]), [IMG]),
            (reverse("registry:profile_edit", args=[teacher.pk, "mentee"]), [SUM, SCRIPT]),
        ],
    )
    assert_xlsx(download(client, reverse("registry:import_template")), [IMG, SUM, SCRIPT])
    # The admin's spreadsheet export of the same list.
    assert_xlsx(admin_export(admin_client, reverse("admin:registry_vocabularyterm_export")), [IMG, SUM, SCRIPT])


def admin_export(admin_client, url: str) -> bytes:
    """The admin's export of a list, in xlsx (the only format offered, or chosen among several)."""
    page = admin_client.get(url).content.decode()
    action, data = form_values(page, "format")
    if choice := re.search(r'<option value="(\d+)"[^>]*>\s*xlsx\s*</option>', page):
        data["format"] = [choice.group(1)]
    response = admin_client.post(action or url, data)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats"), response["Content-Type"]
    return response.content


# --- registry imports -----------------------------------------------------------------------------
def csv_file(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload_registry(client, name: str, content: bytes):
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, form_errors(response)
    return response.url


IMPORT_HEADER = [
    "ФИО",
    "Должность",
    "Предметы",
    "Роль",
    "Категория наставляемого",
    "Запрос / затруднения",
    "Компетенции наставника",
    "Электронная почта",
    "Телефон",
    SVG,
]


def text_workbook(rows: list[list[str]]) -> bytes:
    """A workbook whose every cell is a text cell, even those that start with «=»."""
    workbook = Workbook()
    sheet = workbook.active
    for row_index, row in enumerate(rows, start=1):
        for column_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            cell.value = value
            cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_registry_import_escapes_cells_and_exports_them_as_text(client, demo, admin_client):
    curator = demo["users"]["curator"]
    client.force_login(curator)
    file_name = f"{IMG}.csv"
    # A refused row: its error message quotes the cell.
    refused = csv_file(
        [IMPORT_HEADER, [f"Иванова {SCRIPT} {QUOTE}", "Учитель", "", "наставляемый", IMG, "", "", "", "", ""]]
    )
    preview = upload_registry(client, file_name, refused)
    crawl(client, curator, [(preview, [f"Иванова {SCRIPT} {QUOTE}", IMG, SVG])])
    assert not Person.objects.filter(first_name=SCRIPT).exists()

    rows = [
        IMPORT_HEADER,
        [f"Петрова {SCRIPT} {QUOTE}", HYPERLINK, SUM, "наставник", "", "", f"{AT}; {TEXTAREA}", "", DDE, "x"],
        [
            f"{MINUS} {MUSTACHE} {TAG}",
            JS_URL,
            "Математика",
            "наставляемый",
            "Молодой специалист",
            f"{IMG}; {SUM}",
            "",
            "",
            RTL,
            "y",
        ],
    ]
    preview = upload_registry(client, file_name, csv_file(rows))
    crawl(client, curator, [(preview, [f"Петрова {SCRIPT} {QUOTE}", f"{MINUS} {MUSTACHE} {TAG}", SUM, SVG, IMG])])
    confirm = client.post(reverse("registry:import_confirm", args=[int(preview.rstrip("/").rsplit("/", 1)[1])]))
    assert confirm.status_code == 302
    first = Person.objects.get(last_name="Петрова", first_name=SCRIPT)
    assert (first.middle_name, first.position, first.phone) == (QUOTE, HYPERLINK, DDE)
    assert first.mentor_profile.competencies_text == f"{AT}; {TEXTAREA}"
    second = Person.objects.get(last_name=MINUS)
    assert second.mentee_profile.requests_text == f"{IMG}; {SUM}"
    assert Subject.objects.filter(name=SUM).exists()
    crawl(
        client,
        curator,
        [
            (preview, [IMG]),
            (reverse("registry:person_list"), [SCRIPT, QUOTE, MINUS, MUSTACHE, TAG, HYPERLINK, JS_URL]),
            (first.get_absolute_url(), [SCRIPT, QUOTE, HYPERLINK, SUM, DDE, AT, TEXTAREA]),
            (second.get_absolute_url(), [MINUS, MUSTACHE, TAG, JS_URL, IMG, SUM, RTL]),
            (reverse("registry:person_update", args=[first.pk]), [SCRIPT, QUOTE, HYPERLINK, SUM, DDE]),
            (reverse("registry:person_list") + f"?subject={Subject.objects.get(name=SUM).pk}", [SCRIPT]),
        ],
    )
    assert_xlsx(
        download(client, reverse("registry:person_export")),
        [f"Петрова {SCRIPT} {QUOTE}", f"{MINUS} {MUSTACHE} {TAG}", HYPERLINK, SUM, AT, TEXTAREA, DDE, IMG, RTL],
    )
    # The admin's spreadsheet export of the subjects, one of which the import added.
    assert_xlsx(admin_export(admin_client, reverse("admin:registry_subject_export")), [SUM])


def test_registry_import_from_xlsx_takes_formula_text_as_text(client, demo):
    """Text cells that look like formulas are data; a real formula is refused."""
    curator = demo["users"]["curator"]
    client.force_login(curator)
    content = text_workbook(
        [
            ["ФИО", "Должность", "Роль", "Компетенции наставника", "Телефон"],
            [f"Сидорова {SVG} {IMG}", HYPERLINK, "наставник", AT, DDE],
        ]
    )
    preview = upload_registry(client, "staff.xlsx", content)
    crawl(client, curator, [(preview, [f"Сидорова {SVG} {IMG}"])])
    response = client.post(reverse("registry:import_confirm", args=[int(preview.rstrip("/").rsplit("/", 1)[1])]))
    assert response.status_code == 302
    person = Person.objects.get(last_name="Сидорова", first_name=SVG)
    assert (person.first_name, person.middle_name, person.position) == (SVG, IMG, HYPERLINK)
    assert person.mentor_profile.competencies_text == AT
    assert person.phone == DDE

    live = Workbook()
    live.active.append(["ФИО", "Должность"])
    live.active.append(["Орлова Анна", "=1+1"])
    buffer = io.BytesIO()
    live.save(buffer)
    preview = client.get(upload_registry(client, "live.xlsx", buffer.getvalue()))
    # A formula with no saved value is not evaluated: its cell stays unread, so the new person has no position.
    (refused,) = preview.context["refused"]
    assert refused.errors[0] == "«Должность»: обязательное поле для нового педагога."
    assert "ячейка B2: формула без сохранённого значения" in page_text(preview)


# --- roadmaps -------------------------------------------------------------------------------------
def test_roadmap_edited_approved_and_tracked_is_escaped_everywhere(client, demo):
    curator, director = demo["users"]["curator"], demo["users"]["director"]
    coordinator = demo["users"]["coordinator"]
    client.force_login(curator)
    submit(
        client,
        reverse("roadmaps:roadmap_create"),
        {"title": HYPERLINK, "period": RTL, "basis": SCRIPT, "source": ""},
        field="title",
    )
    roadmap = Roadmap.objects.get(title=HYPERLINK)
    assert (roadmap.period, roadmap.basis) == (RTL, SCRIPT)
    edit = reverse("roadmaps:roadmap_edit", args=[roadmap.pk])
    items = [
        (f"{SCRIPT}\n{TEXTAREA}", MUSTACHE, IMG, SUM),
        (AT, "сентябрь 2026", DDE, MINUS),
        (QUOTE, TAG, TAG, JS_URL),
    ]
    values = {"sections-0-number": "1", "sections-0-title": SVG}
    for index, (content, deadline, responsible, result) in enumerate(items):
        values |= {
            f"items-{index}-section_number": "1",
            f"items-{index}-number": f"1.{index + 1}",
            f"items-{index}-content": content,
            f"items-{index}-deadline": deadline,
            f"items-{index}-responsible": responsible,
            f"items-{index}-result": result,
        }
    submit(client, edit, values, field="sections-0-title")
    revision = roadmap.revisions.get()
    assert list(revision.items.values_list("content", "responsible", "result")) == [
        (content, responsible, result) for content, _deadline, responsible, result in items
    ]
    item_texts = [SCRIPT, TEXTAREA, MUSTACHE, IMG, SUM, AT, DDE, MINUS, QUOTE, TAG, JS_URL, SVG]
    crawl(client, curator, [(edit, [HYPERLINK, RTL, SCRIPT, *item_texts]), (roadmap.get_absolute_url(), item_texts)])

    client.force_login(curator)
    submit(client, roadmap.get_absolute_url(), {}, field="version")
    client.force_login(director)
    submit(client, roadmap.get_absolute_url(), {"comment": f"{IMG}\n{SCRIPT}"}, field="comment")
    crawl(client, curator, [(roadmap.get_absolute_url(), [IMG, SCRIPT, HYPERLINK])])
    client.force_login(curator)
    submit(client, roadmap.get_absolute_url(), {}, field="version")
    client.force_login(director)
    submit(client, roadmap.get_absolute_url(), {"order": SVG}, field="order")
    revision.refresh_from_db()
    assert (revision.status, revision.approval_order) == ("approved", SVG)

    item = revision.items.get(number="1.1")
    track = reverse("roadmaps:item_track", args=[roadmap.pk, item.pk])
    client.force_login(curator)
    for url in JS_URLS:
        response = submit(client, track, {"status": "done", "evidence_note": QUOTE, "evidence_link": url}, status=200)
        assert response.context["form"].errors["evidence_link"], url
    submit(client, track, {"status": Item.Status.DONE, "evidence_note": TEXTAREA, "evidence_link": URL_SCRIPT})
    item.refresh_from_db()
    assert (item.evidence_note, item.evidence_link) == (TEXTAREA, URL_SCRIPT)

    detail = roadmap.get_absolute_url()
    crawl(
        client,
        curator,
        [
            (detail, [HYPERLINK, RTL, SCRIPT, SVG, *item_texts, URL_SCRIPT]),
            (track, [TEXTAREA, URL_SCRIPT, SCRIPT]),
            (reverse("roadmaps:roadmap_list"), [HYPERLINK]),
            (reverse("roadmaps:roadmap_create"), [HYPERLINK]),
            (reverse("roadmaps:roadmap_list") + f"?q={SCRIPT}&ordering={IMG}", [HYPERLINK]),
        ],
    )
    crawl(client, director, [(detail, [HYPERLINK, SVG, *item_texts]), (reverse("roadmaps:roadmap_list"), [])])
    crawl(client, coordinator, [(reverse("roadmaps:roadmap_overview"), []), (detail, [HYPERLINK, *item_texts])])
    crawl(client, demo["users"]["mentor"], [(detail, [HYPERLINK, *item_texts])])

    client.force_login(curator)
    assert_pdf(
        download(client, reverse("roadmaps:roadmap_pdf", args=[roadmap.pk])),
        [HYPERLINK, SCRIPT, SVG, TEXTAREA, MUSTACHE, IMG, SUM, AT, DDE, MINUS, QUOTE, TAG, JS_URL],
    )
    assert_xlsx(
        download(client, reverse("roadmaps:roadmap_xlsx", args=[roadmap.pk])),
        [HYPERLINK, SVG, f"{SCRIPT}\n{TEXTAREA}", MUSTACHE, IMG, SUM, AT, DDE, MINUS, QUOTE, TAG, JS_URL],
    )


def test_roadmap_import_escapes_cells_and_round_trips_formula_text(client, demo):
    curator = demo["users"]["curator"]
    client.force_login(curator)
    rows = [
        ["№", "Мероприятие", "Срок", "Ответственный", "Результат", IMG],
        ["1", SVG, "", "", "", ""],
        ["1.1", SCRIPT, MUSTACHE, HYPERLINK, SUM, ""],
        ["1.2", AT, TAG, DDE, MINUS, ""],
        ["1.3", TEXTAREA, "", QUOTE, JS_URL, ""],
    ]
    response = client.post(
        reverse("roadmaps:roadmap_import"),
        {
            "file": SimpleUploadedFile(f"{QUOTE}.xlsx", text_workbook(rows)),
            "title": SUM,
            "period": RTL,
            "basis": SCRIPT,
            "kind": "school",
        },
    )
    assert response.status_code == 302, form_errors(response)
    preview = response.url
    cells = [SVG, SCRIPT, MUSTACHE, HYPERLINK, SUM, AT, TAG, DDE, MINUS, TEXTAREA, QUOTE, JS_URL]
    crawl(client, curator, [(preview, [*cells, IMG])])
    client.force_login(curator)
    confirm = client.post(reverse("roadmaps:roadmap_import_confirm", args=[int(preview.rstrip("/").split("/")[-1])]))
    roadmap = Roadmap.objects.get(title=SUM)
    assert confirm.url == roadmap.get_absolute_url()
    assert list(roadmap.revisions.get().items.values_list("content", flat=True)) == [SCRIPT, AT, TEXTAREA]
    crawl(client, curator, [(roadmap.get_absolute_url(), [SUM, RTL, SCRIPT, *cells])])
    client.force_login(curator)
    exported = download(client, reverse("roadmaps:roadmap_xlsx", args=[roadmap.pk]))
    assert_xlsx(exported, [SUM, *cells])
    # Exported and imported again: the same text, nothing refused as a formula.
    response = client.post(
        reverse("roadmaps:roadmap_import"),
        {"file": SimpleUploadedFile("again.xlsx", exported), "title": "Снова", "period": "2026", "kind": "school"},
    )
    plan = client.get(response.url).context["plan"]
    assert plan.can_apply, (plan.error, plan.errors)
    assert [item["content"] for section in plan.sections for item in section.items] == [SCRIPT, AT, TEXTAREA]


# --- monitoring -----------------------------------------------------------------------------------
def test_monitoring_reports_questionnaires_and_figures_escape_what_was_typed(client, demo):
    coordinator, director = demo["users"]["coordinator"], demo["users"]["director"]
    school = demo["school1"]
    client.force_login(director)
    submit(client, reverse("registry:organisation_update", args=[school.pk]), {"short_name": f"{SUM}{SVG}"})
    readiness = reverse("monitoring:readiness_edit", args=[school.pk])
    for url in JS_URLS:
        response = submit(client, readiness, {"website_section_url": url}, status=200)
        assert response.context["form"].errors["website_section_url"], url
    submit(
        client,
        readiness,
        {
            "regulation_approved_on": iso(today()),
            "regulation_evidence": SCRIPT,
            "website_section_url": URL_SVG,
        },
    )
    assert Readiness.objects.get(organisation=school).regulation_evidence == SCRIPT

    client.force_login(coordinator)
    submit(
        client,
        reverse("monitoring:period_create"),
        {
            "title": f"{HYPERLINK}{IMG}",
            "starts_on": iso(today() - datetime.timedelta(days=300)),
            "ends_on": iso(today()),
            "deadline": iso(today() + datetime.timedelta(days=10)),
        },
    )
    period = MonitoringPeriod.objects.get(title=f"{HYPERLINK}{IMG}")
    client.force_login(director)
    submit(
        client,
        period.get_absolute_url(),
        {"narrative": TEXTAREA, "difficulties": f"{MUSTACHE}\n{TAG}", "best_practice": QUOTE},
        field="narrative",
    )
    report = SchoolReport.objects.get(period=period, organisation=school)
    assert (report.status, report.narrative) == ("submitted", TEXTAREA)
    client.force_login(coordinator)
    submit(client, period.get_absolute_url(), {"conclusions": f"{SCRIPT}\n{JS_URL}", "proposals": AT})
    period.refresh_from_db()
    assert (period.conclusions, period.proposals) == (f"{SCRIPT}\n{JS_URL}", AT)

    # The open questionnaire, the one mentors and mentees may still answer (the concluded period's is closed).
    questionnaire = Questionnaire.objects.get(municipality=school.municipality, is_active=True)
    text_question = questionnaire.questions.get(kind=Question.Kind.TEXT)
    edit = reverse("monitoring:questionnaire_edit", args=[questionnaire.pk])
    page = client.get(edit).content.decode()
    _action, data = form_values(page, "title")
    prefix = next(
        name.removesuffix("-id")
        for name, value in data.items()
        if name.endswith("-id") and value == [str(text_question.pk)]
    )
    extra = int(data["questions-TOTAL_FORMS"][0]) - 2
    submit(
        client,
        edit,
        {
            "title": SVG,
            "period": str(period.pk),
            f"{prefix}-text": IMG,
            f"questions-{extra}-text": SCRIPT,
            f"questions-{extra}-kind": Question.Kind.TEXT,
            f"questions-{extra}-position": "9",
        },
    )
    questionnaire.refresh_from_db()
    assert (questionnaire.title, questionnaire.period) == (SVG, period)
    assert set(questionnaire.questions.filter(kind="text").values_list("text", flat=True)) == {IMG, SCRIPT}
    third = make_user(Role.MENTOR, MentorProfile.objects.filter(person__organisation=school).last().person)
    answers = {"mentor": (TEXTAREA, SUM), "mentee": (HYPERLINK, MUSTACHE), third.username: (DDE, RTL)}
    respondents = {**demo["users"], third.username: third}
    answer = reverse("monitoring:questionnaire_answer", args=[questionnaire.pk])
    for username, (first_text, second_text) in answers.items():
        crawl(
            client, respondents[username], [(reverse("monitoring:questionnaire_list"), [SVG]), (answer, [IMG, SCRIPT])]
        )
        values = {}
        for question in questionnaire.questions.all():
            name = f"q{question.pk}"
            if question.kind == Question.Kind.TEXT:
                values[name] = first_text if question.text == IMG else second_text
            else:
                values[name] = "1"
        submit(client, answer, values)
    assert Answer.objects.filter(question=text_question, text__in=[TEXTAREA, HYPERLINK, DDE]).count() == 3

    answered = [TEXTAREA, SUM, HYPERLINK, MUSTACHE, DDE, RTL]
    period_shown = [HYPERLINK, IMG, SUM, SVG, SCRIPT, JS_URL, AT]
    crawl(
        client,
        coordinator,
        [
            (reverse("monitoring:dashboard"), [SUM, SVG]),
            (reverse("monitoring:dashboard") + f"?kind={SCRIPT}&ordering={IMG}", [SUM, SVG]),
            (reverse("monitoring:school_dashboard", args=[school.pk]), [SUM, SVG, SCRIPT, URL_SVG, HYPERLINK]),
            (reverse("monitoring:period_list"), [HYPERLINK, IMG]),
            (period.get_absolute_url(), period_shown),
            (reverse("monitoring:questionnaire_list"), [SVG]),
            (edit, [SVG, IMG, SCRIPT]),
            (reverse("monitoring:questionnaire_results", args=[questionnaire.pk]), [SVG, IMG, SCRIPT, *answered]),
            (reverse("roadmaps:roadmap_overview"), [SUM, SVG]),
            (reverse("registry:organisation_list"), [SUM, SVG]),
        ],
    )
    crawl(
        client,
        director,
        [
            (reverse("monitoring:school_dashboard", args=[school.pk]), [SUM, SVG, SCRIPT, URL_SVG, HYPERLINK]),
            (readiness, [SCRIPT, URL_SVG]),
            (period.get_absolute_url(), [HYPERLINK, IMG, SUM, SVG]),
            (reverse("monitoring:questionnaire_results", args=[questionnaire.pk]), [SVG, IMG, SCRIPT]),
        ],
    )

    client.force_login(coordinator)
    assert_pdf(
        download(client, reverse("monitoring:period_pdf", args=[period.pk])),
        period_shown,
    )
    assert_pdf(
        download(client, reverse("monitoring:school_report_pdf", args=[period.pk, school.pk])),
        [HYPERLINK, IMG, TEXTAREA, MUSTACHE, TAG, QUOTE, SCRIPT],
    )
    assert_xlsx(download(client, reverse("monitoring:period_xlsx", args=[period.pk])), [f"{HYPERLINK}{IMG}", SUM])


# --- query strings, null bytes --------------------------------------------------------------------
def test_payloads_in_query_strings_are_escaped(client, demo):
    """Filters and search boxes echo the query string: every list page, every payload."""
    school = demo["school1"]
    pages = [
        reverse("home"),
        reverse("registry:person_list"),
        reverse("registry:organisation_list"),
        reverse("registry:group_list"),
        reverse("registry:group_match"),
        reverse("registry:group_create"),
        reverse("registry:person_create"),
        reverse("registry:order_list"),
        reverse("registry:program_bank"),
        reverse("registry:curator_list"),
        reverse("roadmaps:roadmap_list"),
        reverse("roadmaps:roadmap_create"),
        reverse("monitoring:school_dashboard", args=[school.pk]),
        reverse("monitoring:period_list"),
        reverse("monitoring:questionnaire_list"),
    ]
    coordinator_pages = [
        reverse("roadmaps:roadmap_overview"),
        reverse("monitoring:dashboard"),
        reverse("registry:vocabulary_list"),
    ]
    parameters = ["q", "ordering", "kind", "status", "page", "organisation", "role", "mentee", "mentor", "source"]
    probes = [*MARKUP, MUSTACHE, TAG, JS_URL]
    for role, urls in (("curator", pages), ("coordinator", coordinator_pages + pages[:4])):
        client.force_login(demo["users"][role])
        # Three rounds, each parameter with another payload in each.
        for shift in range(3):
            query = {name: probes[(index + shift) % len(probes)] for index, name in enumerate(parameters)}
            for url in urls:
                response = client.get(url, query)
                assert response.status_code == 200, (role, url, query, response.status_code)
                assert_safe_html(response.content.decode(), f"{role} {url} {query}")
    # The search box shows the query back, escaped.
    client.force_login(demo["users"]["curator"])
    for payload in probes:
        response = client.get(reverse("registry:person_list"), {"q": payload})
        assert f'value="{escape(payload)}"' in response.content.decode(), payload


def test_null_bytes_are_refused_not_stored(client, demo):
    curator = demo["users"]["curator"]
    client.force_login(curator)
    response = submit(
        client,
        reverse("registry:person_create"),
        {"last_name": "Нулев\x00", "first_name": "Иван", "position": "учитель\x00"},
        status=200,
    )
    assert set(response.context["form"].errors) >= {"last_name", "position"}
    assert not Person.objects.filter(first_name="Иван", last_name__startswith="Нулев").exists()
    response = client.get(reverse("registry:person_list"), {"q": "Иван\x00"})
    assert response.status_code == 200
    # In a csv file, and as an escaped character (_x0000_) of an xlsx cell.
    preview = client.get(upload_registry(client, "null.csv", "ФИО;Должность\nНулев Иван;учитель\x00\n".encode()))
    assert preview.context["plan"].error
    workbook = Workbook()
    workbook.active.append(["ФИО", "Должность"])
    workbook.active.append(["Нулев Иван", "учитель_x0000_"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview_url = upload_registry(client, "null.xlsx", buffer.getvalue())
    preview = client.get(preview_url)
    assert preview.status_code == 200
    batch_pk = int(preview_url.rstrip("/").rsplit("/", 1)[1])
    response = client.post(reverse("registry:import_confirm", args=[batch_pk]))
    assert response.status_code == 302
    assert Person.objects.get(last_name="Нулев", first_name="Иван").position == "учитель"
    response = client.post(
        reverse("roadmaps:roadmap_import"),
        {
            "file": SimpleUploadedFile("null.xlsx", text_workbook([["№", "Мероприятие"], ["1.1", "план_x0000_"]])),
            "title": "Нулевая",
            "period": "2026",
            "kind": "school",
        },
    )
    preview = client.get(response.url)
    assert preview.status_code == 200
    client.post(reverse("roadmaps:roadmap_import_confirm", args=[preview.context["batch"].pk]))
    assert Item.objects.get(revision__roadmap__title="Нулевая").content == "план"
