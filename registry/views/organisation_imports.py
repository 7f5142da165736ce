"""The upload of a municipality's list of organisations, by its coordinator (or head).

The same steps as the teacher import (``imports.py``): upload → the file is read once and its
plan stored → preview (GET reads the stored plan, never the file) → the user may reassign the
columns (a POST that plans the file again) → confirm writes everything, or only the valid rows.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from mentoring_portal.columns import mapping_form

from ..access import coordinated_municipalities, keeps_a_municipality
from ..forms import ImportUploadForm
from ..models import ColumnChoice, ImportBatch, Municipality, Organisation
from ..organisation_import import (
    COLUMNS,
    OrganisationPlan,
    apply_organisations,
    fingerprint,
    mark_applied,
    plan_organisations,
)

KIND = ImportBatch.Kind.ORGANISATIONS
PREVIEW_ROWS = 500  # as the teacher import: the rows listed in full on the preview


class OrganisationUploadForm(ImportUploadForm):
    """The file; and the municipality, when the user coordinates more than one."""

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipalities = list(municipalities)
        if len(self.municipalities) != 1:
            self.fields["municipality"] = forms.TypedChoiceField(
                label=gettext_lazy("Муниципалитет"),
                choices=[("", gettext_lazy("— выберите —")), *((m.pk, m.name) for m in self.municipalities)],
                coerce=int,
                help_text=gettext_lazy("Организации из файла будут добавлены в этот муниципалитет."),
            )
            self.order_fields(["municipality", "file"])

    def chosen_municipality(self) -> Municipality:
        if len(self.municipalities) == 1:
            return self.municipalities[0]
        return next(m for m in self.municipalities if m.pk == self.cleaned_data["municipality"])


def _municipalities(user):
    """The municipalities whose list the user may load: a coordinator's or head's own, every one for a superuser."""
    _require_loader(user)
    return coordinated_municipalities(user, every_for_superuser=True)


def _require_loader(user) -> None:
    if not keeps_a_municipality(user):
        raise PermissionDenied


def _get_batch(user, pk: int, *, lock: bool = False) -> ImportBatch:
    batches = ImportBatch.objects.visible_to(user).filter(kind=KIND)
    return get_object_or_404(batches.select_for_update() if lock else batches, pk=pk)


def _municipality_of(user, batch: ImportBatch) -> Municipality:
    """The batch's municipality, if the user still coordinates it (a role may be taken away between the steps)."""
    municipality = _municipalities(user).filter(pk=batch.options.get("municipality")).first()
    if municipality is None:
        raise PermissionDenied
    return municipality


def _to_preview(batch: ImportBatch):
    return redirect("registry:organisation_import_preview", pk=batch.pk)


def _replan(request, batch: ImportBatch, municipality: Municipality) -> None:
    chosen = {int(index): key for index, key in batch.options.get("columns", {}).items()} or None
    plan = plan_organisations(
        municipality=municipality,
        file_name=batch.file_name,
        content=bytes(batch.content),
        chosen=chosen,
        remembered=ColumnChoice.objects.remembered(request.user, KIND, options=batch.options),
    )
    batch.plan = plan.to_json()
    batch.save(update_fields=["plan", "options"])


@require_http_methods(["GET", "POST"])
def organisation_import_upload(request):
    municipalities = _municipalities(request.user)
    form = OrganisationUploadForm(request.POST or None, request.FILES or None, municipalities=municipalities)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        municipality = form.chosen_municipality()
        plan = plan_organisations(
            municipality=municipality,
            file_name=upload.name,
            content=content,
            remembered=ColumnChoice.objects.remembered(request.user, KIND, options={"municipality": municipality.pk}),
        )
        batch = ImportBatch.objects.create(
            user=request.user,
            kind=KIND,
            options={"municipality": municipality.pk},
            file_name=upload.name[:255],
            content=content,
            plan=plan.to_json(),
        )
        return _to_preview(batch)
    return render(
        request,
        "registry/organisation_import_upload.html",
        {"form": form, "municipalities": form.municipalities},
    )


def _describe(row) -> str:
    """What a create or an update writes, as the preview says it."""
    if row.action == "create":
        parts = [_("краткое наименование «%(short)s»") % {"short": row.fields.get("short_name", "")}]
        if row.fields.get("kind"):
            parts.append(str(Organisation.Kind(row.fields["kind"]).label).lower())
        if row.fields.get("address"):
            parts.append(row.fields["address"])
        return "; ".join(parts)
    return ", ".join(row.changes)


def _preview_context(batch: ImportBatch, mapping=None) -> dict:
    plan = OrganisationPlan.from_json(batch.plan) if batch.plan else None
    context = {"batch": batch, "plan": plan, "preview_rows": PREVIEW_ROWS}
    municipality = Municipality.objects.filter(pk=batch.options.get("municipality")).first()
    context["municipality"] = municipality
    if plan is None:
        return context
    counts = plan.counts
    context["counts"] = counts
    context["refused"] = [row for row in plan.rows if row.action == "refused"]
    context["others"] = [
        {"number": row.number, "name": row.name, "action": row.action, "details": _describe(row)}
        for row in plan.rows
        if row.action != "refused"
    ][:PREVIEW_ROWS]
    context["shown_count"] = len(plan.rows) - counts["refused"]
    writes = counts["create"] + counts["update"]
    context["can_apply"] = not plan.error and not counts["refused"] and writes > 0
    context["can_apply_valid"] = not plan.error and counts["refused"] > 0 and writes > 0
    context["nothing_to_do"] = not plan.error and bool(plan.rows) and not counts["refused"] and not writes
    if plan.headers and batch.status == ImportBatch.Status.PREVIEWED:
        context["mapping"] = mapping or mapping_form(COLUMNS, plan.headers, plan.columns)
    return context


def organisation_import_preview(request, pk: int):
    _require_loader(request.user)
    batch = _get_batch(request.user, pk)
    return render(request, "registry/organisation_import_preview.html", _preview_context(batch))


@require_POST
def organisation_import_columns(request, pk: int):
    """The user says which column is which: the file is planned again, and the choice remembered for next time."""
    _require_loader(request.user)
    batch = _get_batch(request.user, pk, lock=True)
    if batch.status != ImportBatch.Status.PREVIEWED or not batch.plan:
        return _to_preview(batch)
    municipality = _municipality_of(request.user, batch)
    plan = OrganisationPlan.from_json(batch.plan)
    form = mapping_form(COLUMNS, plan.headers, plan.columns, data=request.POST)
    if not form.is_valid():
        return render(
            request, "registry/organisation_import_preview.html", _preview_context(batch, mapping=form), status=400
        )
    chosen = form.chosen()
    batch.options = batch.options | {"columns": {str(index): key for index, key in chosen.items()}}
    _replan(request, batch, municipality)
    ColumnChoice.objects.remember_columns(request.user, KIND, plan.headers, chosen, options=batch.options)
    messages.success(request, _("Столбцы назначены, файл прочитан заново."))
    return _to_preview(batch)


@require_POST
def organisation_import_confirm(request, pk: int):
    _require_loader(request.user)
    batch = _get_batch(request.user, pk, lock=True)
    if batch.status == ImportBatch.Status.APPLIED:
        messages.info(request, _("Этот файл уже загружен."))
        return _to_preview(batch)
    municipality = _municipality_of(request.user, batch)
    if not batch.plan:
        messages.error(request, _("Файл не прочитан. Загрузите его снова."))
        return _to_preview(batch)
    plan = OrganisationPlan.from_json(batch.plan)
    valid_only = request.POST.get("valid_only") == "1"
    result = apply_organisations(user=request.user, municipality=municipality, plan=plan, valid_only=valid_only)
    if not result["written"]:
        if not plan.error and plan.fingerprint != fingerprint(municipality.pk):
            # Someone changed the list since the check: read the stored file against the list as it is now.
            _replan(request, batch, municipality)
            messages.error(
                request,
                _(
                    "Список организаций изменился после проверки файла. Файл проверен заново: "
                    "посмотрите, что изменится, и подтвердите ещё раз."
                ),
            )
        else:
            messages.error(request, result["error"])
        return _to_preview(batch)
    mark_applied(batch, plan, result)
    if result["refused"]:
        messages.success(
            request,
            _(
                "Загружены верные строки: добавлено %(create)s, изменено %(update)s. Не загружено строк: %(refused)s — "
                "исправьте их в файле и загрузите его снова."
            )
            % result,
        )
    else:
        messages.success(
            request,
            _("Загрузка завершена: добавлено %(create)s, изменено %(update)s, без изменений %(unchanged)s.") % result,
        )
    return _to_preview(batch)
