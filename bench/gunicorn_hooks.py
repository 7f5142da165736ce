"""gunicorn hooks for the load benchmark (``gunicorn -c bench/gunicorn_hooks.py``, set by ``bench/load.py``).

Each request's CPU time in the gunicorn worker that served it (the thread's own: ``RUSAGE_THREAD``,
so it holds for gthread workers too), with the page kind the load's browser sends in the
``X-Load-Kind`` header, goes as a JSON line to ``LOAD_CPU_LOG``: the per-page table then shows
which pages cost the portal's CPU, not only which waited longest. PostgreSQL's share is not in it.
Nothing is written when ``LOAD_CPU_LOG`` is unset.
"""

from __future__ import annotations

import json
import os
import resource
import threading
import time

LOG = os.environ.get("LOAD_CPU_LOG", "")
WHO = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)
_started = threading.local()


def _cpu() -> float:
    usage = resource.getrusage(WHO)
    return usage.ru_utime + usage.ru_stime


def pre_request(worker, req):
    _started.value = (_cpu(), time.monotonic())


def post_request(worker, req, environ, resp):
    started = getattr(_started, "value", None)
    if not LOG or started is None:
        return
    cpu, wall = _cpu() - started[0], time.monotonic() - started[1]
    line = {
        "t": time.time(),
        "kind": environ.get("HTTP_X_LOAD_KIND", ""),
        "path": req.path,
        "status": getattr(resp, "status_code", None),
        "cpu_ms": round(cpu * 1000, 2),
        "wall_ms": round(wall * 1000, 2),
    }
    with open(LOG, "a", encoding="utf-8") as handle:  # one short append per request: lines do not interleave
        handle.write(json.dumps(line) + "\n")
