"""The upload of a school's (or the municipality's shared) spreadsheet of teachers.

Upload → the file is read once and its plan stored → preview (GET reads the stored plan, never
the file) → the user may reassign columns or pick organisations (POSTs that plan again) →
confirm writes everything, or only the valid rows while the refused ones download as a file.

A file of more rows than ``IMPORT_IN_WORKER_ROWS`` is planned and confirmed by the worker instead
(``registry/import_jobs.py``): the same pages, and the preview shows the job's progress meanwhile.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jobs.models import Job
from jobs.services import job_start
from mentoring_portal.columns import mapping_form
from mentoring_portal.spreadsheets import normalise, number

from ..exporters import ImportTemplate, RefusedRowsExport
from ..forms import ImportUploadForm
from ..import_jobs import busy, import_options, in_worker_options, job_title, latest_job, runs_in_worker
from ..importing import COLUMNS, PREVIEW_ROWS, ImportPlan, import_confirm_batch, plan_import
from ..models import ColumnChoice, ImportBatch, Organisation
from ..tasks import import_confirm_job, import_plan_job


def _require_importer(user) -> None:
    if not Organisation.objects.staffed_by(user).exists():
        raise PermissionDenied


def _get_batch(user, pk: int, *, lock: bool = False) -> ImportBatch:
    batches = ImportBatch.objects.visible_to(user).filter(kind=ImportBatch.Kind.REGISTRY)
    return get_object_or_404(batches.select_for_update() if lock else batches, pk=pk)


def _start(user, batch: ImportBatch, kind: str, task, **params) -> Job:
    title = job_title(kind, batch)
    return job_start(user=user, kind=kind, title=title, params={"batch": batch.pk, **params}, task=task)


def _replan(request, batch: ImportBatch) -> bool:
    """Plan the file again with the batch's options: here, or a large file in the worker (then True)."""
    if runs_in_worker(batch):
        batch.plan = {}
        batch.save(update_fields=["plan", "options"])
        _start(request.user, batch, Job.Kind.IMPORT_PLAN, import_plan_job)
        return True
    remembered = ColumnChoice.objects.remembered(request.user, ImportBatch.Kind.REGISTRY, options=batch.options)
    options = import_options(batch)
    plan = plan_import(request.user, batch.file_name, bytes(batch.content), remembered=remembered, **options)
    batch.plan = plan.to_json()
    batch.save(update_fields=["plan", "options"])
    return False


def _editable(request, batch: ImportBatch) -> bool:
    """The preview may be planned again or confirmed: not loaded yet, no job at work on it, its plan there."""
    if batch.status != ImportBatch.Status.PREVIEWED or not batch.plan:
        return False
    if busy(batch):
        messages.info(request, _("Файл ещё обрабатывается: дождитесь, пока портал закончит."))
        return False
    return True


@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_importer(request.user)
    organisations = Organisation.objects.staffed_by(request.user).only("short_name")
    form = ImportUploadForm(request.POST or None, request.FILES or None, organisations=organisations)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        chosen = {"organisation": form.chosen_organisation()} if form.chosen_organisation() else {}
        batch = ImportBatch.objects.create(
            user=request.user,
            file_name=upload.name[:255],
            content=content,
            options=chosen | in_worker_options(upload.name, content),
        )
        _replan(request, batch)
        return redirect(batch)
    context = {"form": form, "organisations": organisations[:2], "worker_rows": number(settings.IMPORT_IN_WORKER_ROWS)}
    return render(request, "registry/import_upload.html", context)


def import_template(request):
    _require_importer(request.user)
    return ImportTemplate().response(request.user)


def _preview_context(batch: ImportBatch, mapping=None) -> dict:
    data = batch.plan or {}
    plan = ImportPlan.from_json(data) if data else None
    context = {"batch": batch, "plan": plan, "preview_rows": PREVIEW_ROWS}
    if plan is not None:
        context["refused"] = [row for row in plan.rows if row.action == "refused"]
        context["has_choices"] = any(row.choices for row in context["refused"])
        context["others"] = ImportPlan.shown_rows(data)
        context["counts"] = data.get("counts", {})
        if plan.headers:
            context["mapping"] = mapping or mapping_form(COLUMNS, plan.headers, plan.columns)
    return context


def import_preview(request, pk: int):
    _require_importer(request.user)
    batch = _get_batch(request.user, pk)
    job = latest_job(batch)  # a large file's: its progress while it runs, then how it ended
    if batch.status == ImportBatch.Status.APPLIED or (job is not None and not job.is_finished):
        return render(request, "registry/import_preview.html", {"batch": batch, "plan": None, "job": job})
    return render(request, "registry/import_preview.html", _preview_context(batch) | {"job": job})


@require_POST
def import_columns(request, pk: int):
    """The user says which column is which: the file is planned again, and the choice remembered for next time."""
    _require_importer(request.user)
    batch = _get_batch(request.user, pk, lock=True)
    if not _editable(request, batch):
        return redirect(batch)
    plan = ImportPlan.from_json(batch.plan)
    form = mapping_form(COLUMNS, plan.headers, plan.columns, data=request.POST)
    if not form.is_valid():
        return render(request, "registry/import_preview.html", _preview_context(batch, mapping=form), status=400)
    chosen = form.chosen()
    batch.options = batch.options | {"columns": {str(index): key for index, key in chosen.items()}}
    in_worker = _replan(request, batch)
    ColumnChoice.objects.remember_columns(
        request.user, ImportBatch.Kind.REGISTRY, plan.headers, chosen, options=batch.options
    )
    if in_worker:
        messages.success(request, _("Столбцы назначены, файл читается заново."))
    else:
        messages.success(request, _("Столбцы назначены, файл прочитан заново."))
    return redirect(batch)


@require_POST
def import_organisations(request, pk: int):
    """The user picks the organisation for names that fit several; the file is planned again with that."""
    _require_importer(request.user)
    batch = _get_batch(request.user, pk, lock=True)
    if not _editable(request, batch):
        return redirect(batch)
    allowed = set(Organisation.objects.staffed_by(request.user).values_list("pk", flat=True))
    picked = dict(batch.options.get("organisations", {}))
    for row in ImportPlan.from_json(batch.plan).rows:
        value = request.POST.get(f"organisation_{row.number}", "")
        if row.choices and value.isdecimal() and int(value) in allowed:
            picked[normalise(row.typed_organisation)] = int(value)
    batch.options = batch.options | {"organisations": picked}
    if _replan(request, batch):
        messages.success(request, _("Организации выбраны, файл читается заново."))
    else:
        messages.success(request, _("Организации выбраны, файл прочитан заново."))
    return redirect(batch)


def import_refused(request, pk: int):
    """The refused rows as an .xlsx with «Ошибка»: fixed and uploaded again, they load like any file."""
    _require_importer(request.user)
    batch = _get_batch(request.user, pk)
    return RefusedRowsExport().response(batch)


@require_http_methods(["POST"])
def import_confirm(request, pk: int):
    _require_importer(request.user)
    batch = _get_batch(request.user, pk, lock=True)
    if batch.status == ImportBatch.Status.APPLIED:
        messages.info(request, _("Этот файл уже загружен."))
        return redirect(batch)
    valid_only = request.POST.get("valid_only") == "1"
    if runs_in_worker(batch):
        # Under the batch's lock: a second confirm finds this one's job busy and starts none.
        if _editable(request, batch):
            _start(request.user, batch, Job.Kind.IMPORT_CONFIRM, import_confirm_job, valid_only=valid_only)
        return redirect(batch)
    plan = import_confirm_batch(user=request.user, batch=batch, valid_only=valid_only, **import_options(batch))
    return _confirmed(request, batch, plan)


def _confirmed(request, batch: ImportBatch, plan: ImportPlan):
    """What the confirm did, told as the page's message."""
    if plan.replanned:
        messages.warning(
            request,
            _(
                "Реестр изменился после проверки файла, ничего не записано. Файл проверен заново: "
                "посмотрите, что изменится, и подтвердите ещё раз."
            ),
        )
        return redirect(batch)
    if batch.status != ImportBatch.Status.APPLIED:
        messages.error(request, _("Файл не загружен: исправьте отклонённые строки и загрузите его снова."))
        return redirect(batch)
    counts = plan.counts
    if counts["refused"]:
        messages.success(
            request,
            _(
                "Загружены верные строки: добавлено %(create)s, изменено %(update)s. Не загружено строк: %(refused)s — "
                "скачайте их файл, исправьте и загрузите снова."
            )
            % counts,
        )
    else:
        messages.success(
            request,
            _("Загрузка завершена: добавлено %(create)s, изменено %(update)s, без изменений %(unchanged)s.") % counts,
        )
    return redirect(batch)
