"""Starting jobs and recording how they go. Each step is idempotent: a retried job (its worker killed
halfway) finds what was already done and does only the rest."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from mentoring_portal.queue import defer_on_commit

from .models import Job, JobPart

logger = logging.getLogger(__name__)


def job_start(*, user, kind: str, title: str, params: dict, task) -> Job:
    """Record the job and defer ``task(job_id=…)`` once the request commits."""
    job = Job.objects.create(user=user, kind=kind, title=title, params=params)
    defer_on_commit(task, job_id=job.pk)
    return job


def running(job_id: int) -> Job | None:
    """The job, marked running; None if it was deleted meanwhile or is already finished (a retry after the end)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        logger.info("job %s is gone: nothing to do", job_id)
        return None
    if job.is_finished:
        logger.info("job %s is already %s", job_id, job.status)
        return None
    Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING)
    return job


def finish(job: Job, *, filename: str, content_type: str, content: bytes) -> None:
    job.file.save(f"{job.pk}-{timezone.now():%Y%m%d%H%M%S}", ContentFile(content), save=False)
    job.filename, job.content_type = filename, content_type
    job.status, job.progress, job.finished_at = Job.Status.DONE, 100, timezone.now()
    job.save(update_fields=["file", "filename", "content_type", "status", "progress", "finished_at"])


def fail(job_id: int, error: str) -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED, error=error, finished_at=timezone.now())


def split(job: Job, parts: list[str]) -> list[int]:
    """Store the parts' HTML once (a retry keeps what is there); return the indexes still to render."""
    with transaction.atomic():
        existing = set(job.parts.values_list("index", flat=True))
        for index, html in enumerate(parts):
            if index not in existing:
                part = JobPart(job=job, index=index)
                part.html.save(f"{job.pk}-{index}.html", ContentFile(html.encode()), save=False)
                part.save()
        Job.objects.filter(pk=job.pk).update(parts_total=len(parts), progress=5)
    return list(job.parts.filter(done=False).values_list("index", flat=True))


def part_done(part: JobPart, pdf: bytes) -> bool:
    """Keep a rendered part; True when it was the last one (the caller then defers the join)."""
    if part.pdf:
        part.pdf.delete(save=False)
    part.pdf.save(f"{part.job_id}-{part.index}.pdf", ContentFile(pdf), save=False)
    with transaction.atomic():
        JobPart.objects.filter(pk=part.pk).update(done=True, pdf=part.pdf.name)
        # The job's row lock orders the parts finishing at once: the last to take it counts them all.
        job = Job.objects.select_for_update().get(pk=part.job_id)
        done = job.parts.filter(done=True).count()
        Job.objects.filter(pk=job.pk).update(progress=5 + 90 * done // max(job.parts_total, 1))
    # A retried last part says so again; the join is idempotent and queued at most once.
    return done == job.parts_total
