"""Locust users for the load benchmark: the journeys of ``bench/scenario.py`` over HTTP.

Run by ``bench/load.py``, which prepares the accounts, starts gunicorn and passes, through
the environment:

- ``LOAD_ACCOUNTS``: JSON ``{"regional": [...], "coordinator": [...], "curator": [...], ...}``,
  the logins per role (``scenario.JOURNEYS``'s keys);
- ``LOAD_USERS``: JSON ``{"regional": n, "coordinator": n, ...}`` (locust's ``fixed_count``
  per class; their sum is the ``--users`` given to locust);
- ``LOAD_THINK``: ``"min,max"`` think time in seconds between two steps of a journey;
- ``LOAD_DURATION``: seconds of journeys, counted from the moment the last user has signed in;
- ``LOAD_WORK``: JSON ``{"region report": n, "municipal report": n, "import": n}``: how many
  of each the users start during the journeys (``scenario.WORK``), the i-th due ``i / n`` of
  the way through them; the first user of the kind's role (``scenario.WORK_ROLES``) to finish
  a pause between two steps after that starts it, then goes on with its journey;
- ``LOAD_IMPORTS``: JSON ``{login: [xlsx path, ...]}``: the importing curators' files, uploaded
  in turn (an importer without a file starts no import);
- ``LOAD_SAMPLES``: where to write every request as JSON lines when the test stops
  (name, start, response time, failure), for exact percentiles; the first line holds the
  moment the journeys started. The background work the users started (when asked, when the
  worker had it, when the user had the result) goes to ``work.jsonl`` beside it.

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
WORK_PLAN: dict[str, int] = json.loads(os.environ.get("LOAD_WORK", "{}"))
IMPORTS: dict[str, list[str]] = json.loads(os.environ.get("LOAD_IMPORTS", "{}"))
SAMPLES: list[dict] = []
WORK: list[dict] = []  # one record per piece of background work, by token (its index + 1)
_work_taken: dict[str, int] = dict.fromkeys(WORK_PLAN, 0)
ROLE_WORK = {role: kind for kind, role in scenario.WORK_ROLES.items()}
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
        with open(Path(path).with_name("work.jsonl"), "w", encoding="utf-8") as handle:
            for record in WORK:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")


class LocustBrowser(scenario.Browser):
    """``scenario.Browser`` over locust's HTTP session: each request timed under its page kind."""

    def __init__(self, user: PortalUser):
        self.user = user
        self.uploads = itertools.cycle(IMPORTS.get(user.username) or [None])
        self.kind = ROLE_WORK.get(user.role)
        self.working = False

    def think(self):
        """The pause between two steps; then, if the plan's next piece of work of this role is due, this
        user starts it (its own steps and pauses), and the journey goes on where it was."""
        gevent.sleep(random.uniform(*THINK))
        if self.kind and not self.working and self.due(self.kind):
            self.working = True
            try:
                scenario.WORK[self.kind](self)
            except scenario.StepFailed:
                pass  # recorded already: the failed request, or the work's own record
            finally:
                self.working = False

    def due(self, kind):
        """The plan's i-th of a kind is due once ``i / n`` of the journeys have gone by; whoever of the role
        asks first takes it (greenlets switch only on I/O: no lock needed)."""
        if kind == scenario.IMPORT and self.user.username not in IMPORTS:
            return False
        planned, taken, started = WORK_PLAN.get(kind, 0), _work_taken.get(kind, 0), _signed_in["journeys_from"]
        if taken >= planned or started is None or time.time() < started + DURATION * taken / planned:
            return False
        _work_taken[kind] = taken + 1
        return True

    def pause(self, seconds):
        gevent.sleep(seconds)

    def import_file(self):
        path = next(self.uploads)
        return None if path is None else (Path(path).name, Path(path).read_bytes())

    def work_started(self, kind):
        WORK.append({"kind": kind, "user": self.user.username, "start": time.time(), "queued": None, "end": None})
        return len(WORK)

    def work_queued(self, token, job_path):
        WORK[token - 1] |= {"queued": job_path, "queued_at": time.time()}

    def work_done(self, token, *, ok, detail=""):
        WORK[token - 1] |= {"end": time.time(), "ok": ok, "detail": detail}

    def _request(self, method, path, name, data, expect, files=None):
        expect = expect or scenario.Expect()
        failure = None
        with self.user.client.request(
            method,
            path,
            name=name,
            data=data,
            files=files,
            headers={"X-Load-Kind": name},  # bench/gunicorn_hooks.py logs each request's CPU under it
            allow_redirects=True,
            catch_response=True,
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


class Regional(PortalUser):
    role = "regional"
    fixed_count = USERS.get("regional", 0)


class Coordinator(PortalUser):
    role = "coordinator"
    fixed_count = USERS.get("coordinator", 0)


class Curator(PortalUser):
    role = "curator"
    fixed_count = USERS.get("curator", 0)


class Importer(PortalUser):
    role = "importer"
    fixed_count = USERS.get("importer", 0)


class Director(PortalUser):
    role = "director"
    fixed_count = USERS.get("director", 0)


class Mentor(PortalUser):
    role = "mentor"
    fixed_count = USERS.get("mentor", 0)
