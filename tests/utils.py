from html.parser import HTMLParser

from django.utils.html import strip_tags


def page_text(response) -> str:
    """The text a person reads on the page: tags stripped, whitespace collapsed."""
    return " ".join(strip_tags(response.content.decode()).split())


class _FormParser(HTMLParser):
    """Collects each form's action and what a browser would submit from it unchanged."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "data": {}})
            return
        if not self.forms:
            return
        data = self.forms[-1]["data"]
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            value = attrs.get("value", "on" if kind in ("checkbox", "radio") else "")
            data.setdefault(name, []).append(value)
        elif tag == "select" and name:
            self._select = name
            data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            data[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, text):
        if self._textarea and self.forms:
            self.forms[-1]["data"][self._textarea][0] += text


def form_data(response, action: str | None = None) -> dict:
    """What the browser would post from the page's form (the one posting to ``action``, or the
    last form with a CSRF token), hidden fields included, ready to be changed and posted back."""
    parser = _FormParser()
    parser.feed(response.content.decode())
    forms = [form for form in parser.forms if "csrfmiddlewaretoken" in form["data"]]
    if action is not None:
        here = response.request["PATH_INFO"]
        forms = [form for form in forms if (form["action"] or here) == action]
    assert forms, f"no form posting to {action!r} on the page"
    data = forms[-1]["data"]
    data.pop("csrfmiddlewaretoken", None)
    # Textareas start with a newline that browsers drop.
    return {name: values if len(values) != 1 else values[0].removeprefix("\n") for name, values in data.items()}
