"""Large teachers' files checked and loaded by the worker, not in the request.

A file of more rows than ``settings.IMPORT_IN_WORKER_ROWS`` (counted from its structure, before a
cell is read: ``estimate_rows``) is marked ``options["in_worker"]`` at upload. From then on each
planning of its preview (the upload, a column reassigned, an organisation picked) and its confirm
is a ``Job`` (``params["batch"]``) run on the queue "imports" (``registry/tasks.py``); the import
page shows the job's progress meanwhile. Smaller files keep the in-request flow.

The confirm is idempotent: it locks the batch's row and writes, marks the batch loaded and ends the
job in one transaction, and an upload already loaded is never written again. A worker killed
halfway leaves nothing behind, and the retry loads the file once. A job whose upload was deleted
meanwhile (a person anonymised drops the pending uploads of their school) ends with that in its
error and in the worker's log.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import Job
from jobs.services import fail, running

# The readers' own guards: the same limits and errors as when the file is read whole.
from mentoring_portal.spreadsheets import (
    HEADER_SEARCH_ROWS,
    MAX_DATA_ROWS,
    MAX_DOCX_XML_BYTES,
    SpreadsheetError,
    _first_sheet,
    _open_archive,
    _read_member,
    sniff,
)

from .importing import import_confirm_batch, plan_import
from .models import ColumnChoice, ImportBatch

logger = logging.getLogger(__name__)

IMPORT_KINDS = (Job.Kind.IMPORT_PLAN, Job.Kind.IMPORT_CONFIRM)

_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="([0-9]{1,7})"')
# A line of a csv with something in it besides delimiters and spaces: one match per such line.
_FILLED_LINE = re.compile(rb'[^\s;,"][^\n]*')


def estimate_rows(file_name: str, content: bytes) -> int:
    """About how many rows the file holds, from its structure alone; 0 when that cannot be told.

    xlsx: the number of the row of the last filled cell (a sheet's rows are in order, and the
    styled empty rows LibreOffice pads a sheet with hold no value); csv: the lines with something
    in them; docx: the table rows. A file that cannot be read so is planned in the request,
    which says what is wrong with it.
    """
    try:
        kind = sniff(file_name, content)
        if kind == "xlsx":
            return _xlsx_rows(content)
        if kind == "docx":
            return _read_member(_open_archive(content), "word/document.xml", MAX_DOCX_XML_BYTES).count(b"</w:tr>")
        return sum(1 for _line in _FILLED_LINE.finditer(content))
    except (SpreadsheetError, KeyError, ValueError):
        return 0


def _xlsx_rows(content: bytes) -> int:
    archive = _open_archive(content)
    _name, part = _first_sheet(archive)
    data = _read_member(archive, part)
    last = data.rfind(b"</c>")  # a filled cell closes; an empty styled one is ``<c …/>``
    start = data.rfind(b"<row", 0, last) if last != -1 else -1
    match = _ROW_NUMBER.match(data, start) if start != -1 else None
    return int(match.group(1)) if match else 0


def in_worker_options(file_name: str, content: bytes) -> dict:
    """``{"in_worker": True}`` for a file the worker should take, else nothing. A file past the row limit
    stays in the request, which refuses it at once."""
    rows = estimate_rows(file_name, content)
    return {"in_worker": True} if settings.IMPORT_IN_WORKER_ROWS < rows <= MAX_DATA_ROWS + HEADER_SEARCH_ROWS else {}


def runs_in_worker(batch: ImportBatch) -> bool:
    return bool(batch.options.get("in_worker"))


def import_options(batch: ImportBatch) -> dict:
    """What the user set in the preview, as ``plan_import`` takes it (JSON keeps the column numbers as text)."""
    return {
        "chosen": {int(index): key for index, key in batch.options.get("columns", {}).items()} or None,
        "organisations": batch.options.get("organisations", {}),
        "organisation": batch.options.get("organisation"),
    }


def latest_job(batch: ImportBatch) -> Job | None:
    """The upload's last planning or confirm job; None for a file handled in the request."""
    if not runs_in_worker(batch):
        return None
    return Job.objects.filter(kind__in=IMPORT_KINDS, params__batch=batch.pk).order_by("-pk").first()


def busy(batch: ImportBatch) -> Job | None:
    """The job still working on the upload: nothing else may plan or confirm it meanwhile."""
    job = latest_job(batch)
    return job if job is not None and not job.is_finished else None


def job_title(kind: str, batch: ImportBatch) -> str:
    if kind == Job.Kind.IMPORT_CONFIRM:
        return _("Загрузка файла «%(name)s» в реестр") % {"name": batch.file_name}
    return _("Проверка файла «%(name)s»") % {"name": batch.file_name}


# --- what the worker does ------------------------------------------------------------------------
def _progress(job: Job, percent: int) -> None:
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(progress=percent)


def _done(job: Job, **result) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE, progress=100, finished_at=timezone.now(), params=job.params | result
    )


def _gone(job: Job) -> None:
    logger.info("job %s: upload %s was deleted meanwhile, nothing to do", job.pk, job.params.get("batch"))
    fail(job.pk, _("Файл удалён с портала до того, как его обработали. Загрузите его снова."))


def _batch(job: Job, *, lock: bool = False) -> ImportBatch | None:
    batches = ImportBatch.objects.filter(kind=ImportBatch.Kind.REGISTRY)
    return (batches.select_for_update() if lock else batches).filter(pk=job.params.get("batch")).first()


def plan_batch(job_id: int, *, final: bool) -> None:
    """The preview's plan of a large file, stored in its batch. Run again, it plans again: nothing is written
    but the plan. ``final``: the last attempt, whose error the page shows."""
    job = running(job_id)
    if job is None:
        return
    batch = _batch(job)
    if batch is None:
        return _gone(job)
    if batch.status == ImportBatch.Status.PREVIEWED:
        _progress(job, 10)
        try:
            remembered = ColumnChoice.objects.remembered(job.user, batch.kind, options=batch.options)
            options = import_options(batch)
            plan = plan_import(job.user, batch.file_name, bytes(batch.content), remembered=remembered, **options)
        except Exception as error:
            if final:
                fail(job_id, str(error))
            raise
        _progress(job, 90)
        with transaction.atomic():
            batch = _batch(job, lock=True)
            if batch is None:
                return _gone(job)
            if batch.status == ImportBatch.Status.PREVIEWED:
                batch.plan = plan.to_json()
                batch.save(update_fields=["plan"])
            _done(job)
        return None
    logger.info("job %s: upload %s is already loaded, nothing to check", job_id, batch.pk)
    return _done(job)


def confirm_batch(job_id: int, *, final: bool) -> None:
    """The confirm of a large file: written once, whatever happens to the worker."""
    job = running(job_id)
    if job is None:
        return
    _progress(job, 10)
    try:
        with transaction.atomic():
            _confirm_locked(job)
    except Exception as error:
        if final:
            fail(job_id, str(error))
        raise


def _confirm_locked(job: Job) -> None:
    """Under the batch's row lock, in one transaction with the writes and the job's end."""
    batch = _batch(job, lock=True)
    if batch is None:
        return _gone(job)
    if batch.status == ImportBatch.Status.APPLIED:
        logger.info("job %s: upload %s is already loaded, nothing written", job.pk, batch.pk)
        return _done(job, outcome="applied")
    valid_only = bool(job.params.get("valid_only"))
    plan = import_confirm_batch(user=job.user, batch=batch, valid_only=valid_only, **import_options(batch))
    applied = batch.status == ImportBatch.Status.APPLIED
    return _done(job, outcome="replanned" if plan.replanned else "applied" if applied else "refused")
