from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..exporters import ImportTemplate, attachment_response
from ..forms import ImportUploadForm
from ..importing import apply_import, plan_import
from ..models import ImportBatch, Organisation


def _require_importer(user) -> None:
    if not Organisation.objects.staffed_by(user).exists():
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        batch = ImportBatch.objects.create(user=request.user, file_name=upload.name[:255], content=upload.read())
        return redirect(batch)
    organisations = Organisation.objects.staffed_by(request.user).only("short_name")[:2]
    return render(request, "registry/import_upload.html", {"form": form, "organisations": organisations})


def import_template(request):
    _require_importer(request.user)
    filename, content_type, content = ImportTemplate().render(request.user)
    return attachment_response(filename, content_type, content, fallback="template.xlsx")


PREVIEW_ROWS = 500


def import_preview(request, pk: int):
    _require_importer(request.user)
    batch = get_object_or_404(ImportBatch.objects.visible_to(request.user), pk=pk)
    plan = plan_import(request.user, batch.file_name, bytes(batch.content)) if batch.status == "previewed" else None
    if plan is not None and plan.can_apply:
        batch.plan = plan.to_json()
        batch.save(update_fields=["plan"])
    refused = [row for row in plan.rows if row.action == "refused"] if plan else []
    others = [row for row in plan.rows if row.action != "refused"][:PREVIEW_ROWS] if plan else []
    return render(
        request,
        "registry/import_preview.html",
        {"batch": batch, "plan": plan, "refused": refused, "others": others, "preview_rows": PREVIEW_ROWS},
    )


@require_http_methods(["POST"])
def import_confirm(request, pk: int):
    _require_importer(request.user)
    batch = get_object_or_404(ImportBatch.objects.visible_to(request.user).select_for_update(), pk=pk)
    if batch.status == ImportBatch.Status.APPLIED:
        messages.info(request, _("Этот файл уже загружен."))
        return redirect(batch)
    plan = apply_import(request.user, batch.file_name, bytes(batch.content), stored=batch.plan)
    if not plan.can_apply:
        messages.error(request, _("Файл не загружен: исправьте отклонённые строки и загрузите его снова."))
        return redirect(batch)
    batch.status = ImportBatch.Status.APPLIED
    batch.summary = plan.summary()
    batch.applied_at = timezone.now()
    batch.content, batch.plan = b"", {}
    batch.save(update_fields=["status", "summary", "applied_at", "content", "plan"])
    counts = plan.counts
    messages.success(
        request,
        _("Загрузка завершена: добавлено %(create)s, изменено %(update)s, без изменений %(unchanged)s.") % counts,
    )
    return redirect(batch)
