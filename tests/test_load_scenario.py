"""The load benchmark's journeys (``bench/scenario.py``), each run once through Django's test client.

``bench/load.py`` drives the same journeys with locust against gunicorn. Here they run
in-process for the demo users and for the benchmark's own accounts, CSRF checks enforced,
so a renamed URL, a changed form or a new required field fails this test instead of
quietly turning the benchmark into a measurement of 404 pages or rejected forms. Every
response must be a 200 at the end of its redirects, every POST must redirect to a page
with a success message, every export must be a non-empty file of the right type.

Only ``bench.scenario`` and ``bench.accounts`` are imported: locust, and the gevent
monkey-patching it does on import, never load in the test run.
"""

from __future__ import annotations

import random
import sys

import pytest
from django.test import Client

from bench import scenario
from bench.accounts import prepare_accounts


class ClientBrowser(scenario.Browser):
    """``scenario.Browser`` over Django's test client; a failed expectation fails the test."""

    def __init__(self):
        self.client = Client(enforce_csrf_checks=True)
        self.requests: list[tuple[str, str, str]] = []

    def _request(self, method, path, name, data, expect):
        if method == "POST":
            payload: dict[str, list[str]] = {}
            for key, value in data:
                payload.setdefault(key, []).append(value)
            response = self.client.post(path, payload, follow=True)
        else:
            response = self.client.get(path, follow=True)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        content_type = response.get("Content-Type", "")
        page = scenario.Page(
            status=response.status_code,
            path=response.request["PATH_INFO"],
            text=content.decode() if content_type.startswith("text/") else "",
            redirected=bool(response.redirect_chain),
            content_type=content_type,
            size=len(content),
        )
        self.requests.append((name, method, path))
        failure = scenario.problem(page, expect or scenario.Expect())
        assert failure is None, f"{name}: {method} {path}: {failure}"
        return page

    @property
    def names(self) -> set[str]:
        return {name for name, _method, _path in self.requests}


class FixedRandom(random.Random):
    """``random()`` always returns ``value`` (choices stay random): 0.0 takes every rare branch,
    and the director approves; 0.9 makes the director return the roadmap."""

    def __init__(self, value: float):
        super().__init__(7)
        self.value = value

    def random(self) -> float:
        return self.value


def signed_in(username: str) -> ClientBrowser:
    browser = ClientBrowser()
    scenario.log_in(browser, username)
    return browser


def test_the_scenario_does_not_import_locust():
    assert "locust" not in sys.modules
    assert "gevent.monkey" not in sys.modules


def test_the_form_reader_posts_what_a_browser_posts():
    text = """
    <form method="post" action="/x/?a=1&amp;b=2"><input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input type="hidden" name="version" value="3"><input name="phone" value="1">
      <input type="checkbox" name="on" checked><input type="checkbox" name="off">
      <select name="one"><option value="a">A</option><option value="b">B</option></select>
      <select name="many" multiple><option value="1" selected>1</option><option value="2" selected>2</option></select>
      <textarea name="note">
line</textarea><input type="submit" name="go" value="Go"><input name="gone" disabled value="x"></form>
    <form method="get"><input name="q"></form>"""
    form = scenario.form_posting_to(text, r"/x/")
    assert form.action == "/x/?a=1&b=2"
    assert form.data(phone="2") == [
        ("csrfmiddlewaretoken", "t"),
        ("version", "3"),
        ("phone", "2"),
        ("on", "on"),
        ("one", "a"),
        ("many", "1"),
        ("many", "2"),
        ("note", "line"),
    ]
    assert [form.action for form in scenario.forms(text, "/page/")] == ["/x/?a=1&b=2", "/page/"]


@pytest.mark.parametrize(
    ("role", "username"),
    [
        ("coordinator", "coordinator"),
        ("curator", "curator"),
        ("curator", "curator2"),
        ("director", "director"),
        ("director", "director2"),
    ],
)
def test_each_journey_works_for_the_demo_accounts(demo, role, username):
    browser = signed_in(username)
    scenario.JOURNEYS[role](browser, FixedRandom(0.0), everything=True)
    assert "home" in browser.names
    if role == "coordinator":
        assert {"registry: filter", "registry: xlsx export", "monitoring: municipal report PDF"} <= browser.names
    if role == "curator":
        assert {"person: edit POST", "program: mark activity POST", "program: PDF"} <= browser.names


def test_the_approval_round_of_the_benchmark_accounts_never_runs_dry(demo):
    """Director returns, curator resubmits, director approves, curator opens the next revision:
    the round the benchmark's directors and curators keep turning, on the accounts it prepares."""
    logins = prepare_accounts(coordinators=2, curators=2, directors=1)
    assert logins["coordinator"][0] == "coordinator"
    assert len(logins["coordinator"]) == 2 and len(logins["curator"]) == 2 and len(logins["director"]) == 1
    director, curator = signed_in(logins["director"][0]), signed_in(logins["curator"][0])

    scenario.director_journey(director, FixedRandom(0.9), everything=True)
    scenario.curator_journey(curator, FixedRandom(0.9), everything=True)
    scenario.director_journey(director, FixedRandom(0.0), everything=True)
    scenario.curator_journey(curator, FixedRandom(0.0), everything=True)
    assert {"roadmaps: return POST", "roadmaps: approve POST", "roadmaps: PDF"} <= director.names
    assert {"roadmaps: submit POST", "roadmaps: revise POST"} <= curator.names

    coordinator = signed_in(logins["coordinator"][1])
    scenario.coordinator_journey(coordinator, FixedRandom(0.0), everything=True)
    assert "monitoring: municipal report PDF" in coordinator.names


def test_every_page_kind_has_a_target_class():
    kinds = scenario.kinds_of(["login: POST", "roadmaps: PDF", "home"])
    assert kinds == {"login: POST": "login", "roadmaps: PDF": "export", "home": "page"}
