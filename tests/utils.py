"""Reading pages as a person does. ``bench/scenario.py`` imports this module outside Django (under
locust's gevent): the Django helpers are imported where they are used."""

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


def strip_tags(value: str) -> str:
    from django.utils.html import strip_tags

    return strip_tags(value)


def page_text(response) -> str:
    """The text a person reads on the page: tags stripped, whitespace collapsed."""
    return " ".join(strip_tags(response.content.decode()).split())


def downloaded(response) -> bytes:
    """The body of a download: a ``FileResponse`` streams it once, so it is read once and kept."""
    if not hasattr(response, "downloaded"):
        response.downloaded = response.getvalue()
    return response.downloaded


def table_rows(response) -> list[str]:
    """The body rows of the page's tables (headers left out), each as the text a person reads in it,
    its cells apart by a space."""
    content = response.content.decode()
    return [
        " ".join(html.unescape(strip_tags(re.sub(r"<(td|th)\b", r" <\1", row))).split())
        for body in re.findall(r"<tbody\b[^>]*>(.*?)</tbody>", content, re.DOTALL)
        for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body, re.DOTALL)
    ]


@dataclass
class Form:
    """One ``<form>``: where it posts and the name/value pairs a browser would send from it unchanged."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    controls: set[str] = field(default_factory=set)  # every named control, sent or not (unchecked boxes too)

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.fields}

    def value(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def values(self) -> dict[str, list[str]]:
        """The fields by name, each with its values in page order."""
        values: dict[str, list[str]] = {}
        for name, value in self.fields:
            values.setdefault(name, []).append(value)
        return values

    def data(self, **changes: str) -> list[tuple[str, str]]:
        """The fields with ``changes`` applied: a changed field keeps its place, a new one is appended."""
        data = [(name, changes.get(name, value)) for name, value in self.fields]
        data += [(name, value) for name, value in changes.items() if name not in self.names]
        return data


class PageParser(HTMLParser):
    """Every start tag with its attributes, and every form with what a browser submits from it:
    enabled controls only, checked boxes, selected options (a single select's first by default), textareas.

    The tests and the load benchmark (``bench/scenario.py``) read forms with it; it needs no Django."""

    SKIPPED_INPUTS = frozenset({"submit", "button", "reset", "image", "file"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.textarea: tuple[str, list[str]] | None = None
        self.select: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        attributes = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self.form = Form(action=attributes.get("action", ""), method=(attributes.get("method") or "get").lower())
            self.forms.append(self.form)
        elif self.form is not None:
            self.start_control(tag, attributes.get("name"), attributes)

    def start_control(self, tag: str, name: str | None, attributes: dict[str, str]) -> None:
        """A tag inside a form: a disabled control is known to the form but sends nothing."""
        if name and tag in ("input", "select", "textarea"):
            self.form.controls.add(name)
        if "disabled" in attributes:
            return
        if tag == "input":
            self.add_input(name, attributes)
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in attributes, "options": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append((attributes.get("value"), "selected" in attributes, []))

    def add_input(self, name: str | None, attributes: dict[str, str]) -> None:
        """Buttons and files send nothing here; a checkbox or radio only when checked, «on» if it has no value."""
        kind = attributes.get("type", "text").lower()
        if not name or kind in self.SKIPPED_INPUTS:
            return
        if kind in ("checkbox", "radio"):
            if "checked" in attributes:
                self.form.fields.append((name, attributes.get("value", "on")))
        else:
            self.form.fields.append((name, attributes.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)
        elif self.select is not None and self.select["options"]:
            self.select["options"][-1][2].append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None and self.form is not None:
            # A browser drops the one newline that may follow <textarea>.
            self.form.fields.append((self.textarea[0], "".join(self.textarea[1]).removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select is not None and self.form is not None:
            # An option without ``value`` sends its text.
            options = [
                (value if value is not None else "".join(text).strip(), selected)
                for value, selected, text in self.select["options"]
            ]
            chosen = [value for value, selected in options if selected]
            if not chosen and options and not self.select["multiple"]:
                chosen = [options[0][0]]
            self.form.fields += [(self.select["name"], value) for value in chosen]
            self.select = None
        elif tag == "form":
            self.form = None


def parse_page(text: str) -> PageParser:
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser


def parse_forms(text: str, page_path: str = "") -> list[Form]:
    """Every form of the page; a form without ``action`` posts to the page itself (``page_path``)."""
    forms = parse_page(text).forms
    for form in forms:
        form.action = form.action or page_path
    return forms


def form_data(response, action: str | None = None) -> dict:
    """What the browser would post from the page's form (the one posting to ``action``, or the
    last form with a CSRF token), hidden fields included, ready to be changed and posted back."""
    forms = parse_forms(response.content.decode(), response.request["PATH_INFO"])
    forms = [form for form in forms if "csrfmiddlewaretoken" in form.names]
    if action is not None:
        forms = [form for form in forms if form.action == action]
    assert forms, f"no form posting to {action!r} on the page"
    data = forms[-1].values()
    data.pop("csrfmiddlewaretoken", None)
    return {name: values if len(values) != 1 else values[0] for name, values in data.items()}
