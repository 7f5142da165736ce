"""Locust users for the load benchmark: the journeys of ``bench/scenario.py`` over HTTP.

Run by ``bench/load.py``, which prepares the accounts, starts gunicorn and passes, through
the environment:

- ``LOAD_ACCOUNTS``: JSON ``{"coordinator": [...], "curator": [...], "director": [...]}``;
- ``LOAD_USERS``: JSON ``{"coordinator": n, "curator": n, "director": n}`` (locust's
  ``fixed_count`` per class; their sum is the ``--users`` given to locust);
- ``LOAD_THINK``: ``"min,max"`` think time in seconds between two steps of a journey;
- ``LOAD_DURATION``: seconds of journeys, counted from the moment the last user has signed in;
- ``LOAD_SAMPLES``: where to write every request as JSON lines when the test stops
  (name, start, response time, failure), for exact percentiles; the first line holds the
  moment the journeys started.

Two phases. The sign-in burst: every user, as it is spawned, signs in through the real
form and waits until all have; a sign-in hashes the password (PBKDF2, about a second of
CPU), so fifty at once keep both cores busy for half a minute or more and would swamp any
page measured at the same time. Then the journeys, for ``LOAD_DURATION`` seconds, after
which the runner stops itself (locust's own ``--run-time`` is only a safety cap).

Importing locust monkey-patches the standard library with gevent: nothing of the portal or
its tests imports this module (the test of the journeys imports ``bench/scenario.py`` only).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
from pathlib import Path

import gevent
import gevent.event
from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The repository root, for the form reader scenario shares with the tests (tests/utils.py).
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import scenario  # bench/ itself is on the path

ACCOUNTS: dict[str, list[str]] = json.loads(os.environ.get("LOAD_ACCOUNTS", "{}"))
USERS: dict[str, int] = json.loads(os.environ.get("LOAD_USERS", "{}"))
THINK = tuple(float(value) for value in os.environ.get("LOAD_THINK", "3,8").split(","))
DURATION = float(os.environ.get("LOAD_DURATION", "60"))
SAMPLES: list[dict] = []
_pools = {role: itertools.cycle(logins) for role, logins in ACCOUNTS.items() if logins}
_signed_in = {"count": 0, "journeys_from": None}
_all_signed_in = gevent.event.Event()


@events.request.add_listener
def record(request_type, name, response_time, response_length, exception=None, start_time=None, **kwargs):
    SAMPLES.append(
        {
            "name": name,
            "method": request_type,
            "start": start_time or time.time() - response_time / 1000,
            "ms": response_time,
            "bytes": response_length,
            "error": None if exception is None else str(exception)[:300],
        }
    )


@events.test_stop.add_listener
def dump(**kwargs):
    if path := os.environ.get("LOAD_SAMPLES"):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"journeys_from": _signed_in["journeys_from"], "duration": DURATION}) + "\n")
            for sample in SAMPLES:
                handle.write(json.dumps(sample, ensure_ascii=False) + "\n")


class LocustBrowser(scenario.Browser):
    """``scenario.Browser`` over locust's HTTP session: each request timed under its page kind."""

    def __init__(self, user: HttpUser):
        self.user = user

    def think(self):
        gevent.sleep(random.uniform(*THINK))

    def _request(self, method, path, name, data, expect):
        expect = expect or scenario.Expect()
        failure = None
        with self.user.client.request(
            method, path, name=name, data=data, allow_redirects=True, catch_response=True
        ) as response:
            content_type = response.headers.get("Content-Type", "")
            page = scenario.Page(
                status=response.status_code,
                path=response.request.path_url.split("?", 1)[0] if response.request is not None else path,
                text=response.text if content_type.startswith("text/") else "",
                redirected=bool(response.history),
                content_type=content_type,
                size=len(response.content or b""),
            )
            failure = scenario.problem(page, expect)
            if failure:
                response.failure(failure)
            else:
                response.success()
        if failure:
            raise scenario.StepFailed(failure)
        return page


class PortalUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(*THINK)

    def on_start(self):
        self.username = next(_pools[self.role])
        self.rng = random.Random(f"{self.username}-{id(self)}")
        self.browser = LocustBrowser(self)
        self.signed_in = False
        self.sign_in()
        _signed_in["count"] += 1
        if _signed_in["count"] == sum(USERS.values()) and not _all_signed_in.is_set():
            _signed_in["journeys_from"] = time.time()
            if path := os.environ.get("LOAD_SAMPLES"):
                Path(f"{path}.journeys").write_text(str(_signed_in["journeys_from"]))  # bench/load.py's cue
            _all_signed_in.set()
            gevent.spawn_later(DURATION, self.environment.runner.quit)
        _all_signed_in.wait()
        # People do not all click at the same instant: each starts within one think time.
        gevent.sleep(self.rng.uniform(0, THINK[1]))

    def sign_in(self):
        try:
            scenario.log_in(self.browser, self.username)
            self.signed_in = True
        except scenario.StepFailed:
            self.signed_in = False

    @task
    def journey(self):
        if not self.signed_in:
            self.sign_in()
            return
        try:
            scenario.JOURNEYS[self.role](self.browser, self.rng)
        except scenario.StepFailed as error:
            # Recorded as the failed request; the next journey starts from the home page, signed in again
            # first if the session was lost.
            self.signed_in = "login page" not in str(error)


class Coordinator(PortalUser):
    role = "coordinator"
    fixed_count = USERS.get("coordinator", 0)


class Curator(PortalUser):
    role = "curator"
    fixed_count = USERS.get("curator", 0)


class Director(PortalUser):
    role = "director"
    fixed_count = USERS.get("director", 0)
