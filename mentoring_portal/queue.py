"""The task queue (Procrastinate on the portal's own PostgreSQL), seen from the apps' code.

Writes defer their jobs with ``defer_on_commit``: a job deferred inside the transaction could be
picked up before the row it reads is committed, or for a write that is then rolled back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from procrastinate import RetryStrategy

# A job that fails (the mail server away, the database restarting) is tried again: 5 times,
# 10 s, 20 s, 40 s… apart.
RETRY = RetryStrategy(max_attempts=5, exponential_wait=10)


def defer_on_commit(task, **kwargs) -> None:
    # PORTAL_JOBS_EAGER (tests only): run the task in the process at commit instead of queueing it.
    if getattr(settings, "PORTAL_JOBS_EAGER", False):
        transaction.on_commit(lambda: task(**kwargs))
    else:
        transaction.on_commit(lambda: task.defer(**kwargs))
