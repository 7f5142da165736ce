"""The parts of long documents, rendered by whichever workers take them, and the join."""

from __future__ import annotations

import contextlib
import logging

from procrastinate import exceptions
from procrastinate.contrib.django import app

from mentoring_portal.documents import PDF, html_to_pdf, join_pdfs
from mentoring_portal.queue import RETRY

from .models import Job, JobPart
from .services import fail, finish, part_done

logger = logging.getLogger(__name__)


def last_attempt(context) -> bool:
    return context.job.attempts + 1 >= RETRY.max_attempts


@app.task(queue="documents", retry=RETRY, pass_context=True)
def render_part(context, *, job_id: int, index: int) -> None:
    part = JobPart.objects.select_related("job").filter(job_id=job_id, index=index).first()
    if part is None or part.job.is_finished:
        logger.info("part %s of job %s is gone or its job finished: nothing to do", index, job_id)
        return
    try:
        with part.html.open("rb") as source:
            pdf = html_to_pdf(source.read().decode())
    except Exception as error:
        if last_attempt(context):
            fail(job_id, f"Часть {index + 1}: {error}")
        raise
    if part_done(part, pdf):
        with contextlib.suppress(exceptions.AlreadyEnqueued):  # another part got there first
            join.configure(queueing_lock=f"join-{job_id}").defer(job_id=job_id)


@app.task(queue="documents", retry=RETRY, pass_context=True)
def join(context, *, job_id: int) -> None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        logger.info("job %s is gone or finished: nothing to join", job_id)
        return
    parts = list(job.parts.order_by("index"))
    try:
        rendered = []
        for part in parts:
            with part.pdf.open("rb") as source:
                rendered.append(source.read())
        content = join_pdfs(rendered)
    except Exception as error:
        if last_attempt(context):
            fail(job_id, str(error))
        raise
    finish(job, filename=job.params.get("filename", "document.pdf"), content_type=PDF, content=content)
    for part in parts:  # the parts' files are not kept once the whole is
        part.html.delete(save=False)
        part.pdf.delete(save=False)
    job.parts.all().delete()


def defer_parts(job_id: int, indexes: list[int]) -> None:
    for index in indexes:
        render_part.defer(job_id=job_id, index=index)
