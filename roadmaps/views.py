from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mentoring_portal.audit import change_log
from mentoring_portal.columns import mapping_form
from mentoring_portal.exporters import stored_file
from mentoring_portal.forms import error_text, form_errors
from mentoring_portal.navigation import redirect_back
from registry.access import coordinates_a_municipality
from registry.models import ColumnChoice, ImportBatch
from registry.years import current_title, list_years

from .access import (
    can_approve,
    can_edit,
    can_overview,
    creatable_kinds,
    get_roadmap_for,
    owner_municipalities,
    owner_organisations,
    readable_revisions,
    require,
    roadmap_owner,
    roll_over_organisations,
    sees_drafts,
    sees_late_roadmaps,
)
from .documents import RoadmapDocument
from .forms import (
    ApproveForm,
    HeaderForm,
    ItemFormSet,
    ReturnForm,
    RoadmapCreateForm,
    RoadmapDetailsForm,
    RoadmapImportForm,
    SectionFormSet,
    TrackForm,
    VersionForm,
)
from .importing import COLUMNS, RoadmapPlan, plan_roadmap
from .models import OPEN_STATUSES, Item, Revision, Roadmap
from .overview import SORT_KEYS, overview_rows
from .services import (
    SectionData,
    StaleRevision,
    content_of,
    diff,
    item_track,
    progress,
    revision_approve,
    revision_edit,
    revision_open_next,
    revision_return,
    revision_submit,
    roadmap_create,
    roadmap_import_apply,
)
from .spreadsheets import RoadmapExport


def roadmap_list(request):
    roadmaps = (
        Roadmap.objects.visible_to(request.user)
        .select_related("organisation", "municipality", "academic_year")
        .prefetch_related("revisions")
        .order_by("is_template", "-created_at")
    )
    years = list_years(roadmaps)
    year = request.GET.get("year") or current_title()
    roadmaps = [r for r in roadmaps if r.is_template or (r.academic_year and r.academic_year.title == year)]
    rows = []
    waiting, returned = [], []
    for roadmap in roadmaps:
        revisions = list(roadmap.revisions.all())
        latest = revisions[0] if revisions else None
        approved = next((revision for revision in revisions if revision.status == Revision.Status.APPROVED), None)
        rows.append({"roadmap": roadmap, "latest": latest, "approved": approved})
        if latest and latest.status == Revision.Status.SUBMITTED and can_approve(request.user, roadmap):
            waiting.append(roadmap)
        if latest and latest.status == Revision.Status.RETURNED and can_edit(request.user, roadmap):
            returned.append(roadmap)
    late = []
    if sees_late_roadmaps(request.user):
        late = [row for row in overview_rows(request.user) if row["overdue"] or row["state"] == "none"][:20]
    return render(
        request,
        "roadmaps/roadmap_list.html",
        {
            "rows": [row for row in rows if not row["roadmap"].is_template],
            "templates": [row for row in rows if row["roadmap"].is_template],
            "waiting": waiting,
            "returned": returned,
            "late": late,
            "can_create": bool(creatable_kinds(request.user)),
            "years": years,
            "year": year,
            "can_roll_over_schools": roll_over_organisations(request.user).exists(),
            "can_roll_over_municipality": coordinates_a_municipality(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def roadmap_create_view(request):
    kinds = creatable_kinds(request.user)
    require(bool(kinds))
    visible = Roadmap.objects.visible_to(request.user)
    sources = (
        Revision.objects.filter(roadmap__in=visible)
        .filter(Q(roadmap__is_template=True) | Q(status__in=[Revision.Status.APPROVED, Revision.Status.SUPERSEDED]))
        .select_related("roadmap__organisation", "roadmap__municipality")
        .order_by("-roadmap__is_template", "roadmap__title", "-number")
    )
    initial = {}
    if source_id := request.GET.get("source"):
        initial["source"] = source_id
    form = RoadmapCreateForm(
        request.POST or None, initial=initial, sources=sources, kinds=kinds, **owner_choices(request.user)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            roadmap = roadmap_create(user=request.user, source=data["source"], **owner_arguments(request.user, data))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Дорожная карта создана. Проверьте пункты и отправьте на утверждение."))
            return redirect(roadmap)
    return render(request, "roadmaps/roadmap_create.html", {"form": form})


def owner_choices(user) -> dict:
    return {"organisations": owner_organisations(user), "municipalities": owner_municipalities(user)}


def owner_arguments(user, data: dict) -> dict:
    """The service's arguments: the header, and the owner the form (or the import's batch) chose."""
    arguments = {"title": data["title"], "period": data["period"], "basis": data.get("basis", "")}
    owner = roadmap_owner(
        user, data["kind"], organisation=data.get("organisation"), municipality=data.get("municipality")
    )
    return arguments | owner


def selected_revision(request, roadmap: Roadmap) -> Revision:
    revisions = readable_revisions(request.user, roadmap)
    number = request.GET.get("revision")
    revision = revisions.filter(number=number).first() if number and number.isdecimal() else revisions.first()
    if revision is None:
        raise Http404
    return revision


def roadmap_detail(request, pk: int):
    roadmap = get_roadmap_for(request.user, pk)
    revision = selected_revision(request, roadmap)
    revisions = list(readable_revisions(request.user, roadmap))
    latest = revisions[0]
    approved = next((r for r in revisions if r.status == Revision.Status.APPROVED), None)
    sections = list(revision.sections.prefetch_related("items"))
    editor, approver = can_edit(request.user, roadmap), can_approve(request.user, roadmap)
    context = {
        "roadmap": roadmap,
        "revision": revision,
        "revisions": revisions,
        "latest": latest,
        "approved": approved,
        "sections": sections,
        "progress": progress(revision),
        "today": timezone.localdate(),
        "can_edit": editor and revision.is_editable and revision == latest,
        "can_submit": editor and revision.is_editable and revision == latest and not roadmap.is_template,
        "can_track": editor and revision.status == Revision.Status.APPROVED,
        "can_revise": editor and revision.status == Revision.Status.APPROVED and latest == revision,
        "can_decide": approver and revision.status == Revision.Status.SUBMITTED,
        "version_form": VersionForm(initial={"version": revision.version}),
        "history": roadmap_log(request.user, roadmap, revisions),
    }
    if context["can_decide"] or (editor and revision.status in OPEN_STATUSES):
        context["changes"] = diff(approved if approved != revision else None, revision)
        context["approve_form"] = ApproveForm(initial={"version": revision.version})
        context["return_form"] = ReturnForm(initial={"version": revision.version})
    return render(request, "roadmaps/roadmap_detail.html", context)


def roadmap_log(user, roadmap: Roadmap, revisions: list[Revision]):
    """The roadmap's audit trail, limited to the revisions this reader may open.

    Who reads only approved revisions sees only their life after approval: not the drafts'
    edits, nor the comments they were returned with.
    """
    readable = [revision.pk for revision in revisions]
    revision_history = Revision.history.filter(id__in=readable)
    item_history = Item.history.filter(revision_id__in=readable)
    if not sees_drafts(user, roadmap):
        # Each revision's items from its own approval on: not what they were while it was a draft.
        after_approval = Q(pk__in=[])
        for revision in revisions:
            if revision.approved_at:
                after_approval |= Q(revision_id=revision.pk, history_date__gte=revision.approved_at)
        revision_history = revision_history.filter(status__in=[Revision.Status.APPROVED, Revision.Status.SUPERSEDED])
        item_history = item_history.filter(after_approval)
    return change_log(
        [
            ("Дорожная карта", roadmap.history.all()),
            ("Редакция {obj.number}", revision_history),
            ("Пункт {obj.number}", item_history),
        ]
    )


def latest_revision(roadmap: Roadmap) -> Revision:
    return roadmap.revisions.first()


@require_http_methods(["GET", "POST"])
def roadmap_edit(request, pk: int):
    roadmap = get_roadmap_for(request.user, pk)
    require(can_edit(request.user, roadmap))
    revision = latest_revision(roadmap)
    if not revision.is_editable:
        messages.error(request, _("Эту редакцию нельзя изменить: откройте новую редакцию."))
        return redirect(roadmap)
    content = content_of(revision)
    version = VersionForm(request.POST or None, initial={"version": revision.version})
    header = HeaderForm(request.POST or None, instance=roadmap, prefix="header")
    sections = SectionFormSet(
        request.POST or None,
        prefix="sections",
        initial=[{"number": section.number, "title": section.title} for section in content],
    )
    items = ItemFormSet(
        request.POST or None,
        prefix="items",
        initial=[{"section_number": section.number, **item} for section in content for item in section.items],
    )
    if (
        request.method == "POST"
        and version.is_valid()
        and header.is_valid()
        and sections.is_valid()
        and items.is_valid()
    ):
        new_content, problems = collect_content(sections, items)
        if problems:
            for problem in problems:
                messages.error(request, problem)
        else:
            try:
                revision_edit(
                    user=request.user,
                    revision=revision,
                    version=version.cleaned_data["version"],
                    header=header.cleaned_data,
                    sections=new_content,
                )
            except StaleRevision as error:
                messages.error(request, error_text(error))
                return redirect("roadmaps:roadmap_edit", pk=roadmap.pk)
            except ValidationError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, _("Изменения сохранены."))
                return redirect(roadmap)
    return render(
        request,
        "roadmaps/roadmap_edit.html",
        {
            "roadmap": roadmap,
            "revision": revision,
            "version": version,
            "header": header,
            "sections": sections,
            "items": items,
        },
    )


def collect_content(sections, items) -> tuple[list[SectionData], list[str]]:
    """Sections and items from the two formsets; each problem says which row."""
    content: dict[str, SectionData] = {}
    problems = []
    for form in sections:
        if form.cleaned_data and not form.cleaned_data.get("DELETE"):
            number = form.cleaned_data["number"].strip().rstrip(".")
            if number in content:
                problems.append(_("Раздел %(n)s указан дважды.") % {"n": number})
            content[number] = SectionData(number, form.cleaned_data["title"])
    seen = set()
    for form in items:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        section_number = data["section_number"].strip().rstrip(".")
        number = data["number"].strip().rstrip(".")
        if section_number not in content:
            problems.append(
                _("Пункт %(n)s: раздела %(s)s нет — добавьте раздел или исправьте номер.")
                % {"n": number, "s": section_number}
            )
            continue
        if number in seen:
            problems.append(_("Номер пункта %(n)s повторяется.") % {"n": number})
            continue
        seen.add(number)
        content[section_number].items.append(
            {key: data[key].strip() for key in ("content", "deadline", "responsible", "result")} | {"number": number}
        )
    return list(content.values()), problems


def _act_on_latest(request, pk: int, action) -> object:
    """Submit, approve, return or revise the latest revision; a refusal (a stale form too) becomes a message."""
    roadmap = get_roadmap_for(request.user, pk)
    revision = latest_revision(roadmap)
    try:
        action(roadmap, revision)
    except ValidationError as error:  # StaleRevision is one
        messages.error(request, error_text(error))
    return redirect_back(request, roadmap)


def _version(request) -> int:
    form = VersionForm(request.POST)
    if not form.is_valid():
        raise StaleRevision
    return form.cleaned_data["version"]


@require_POST
def roadmap_submit(request, pk: int):
    def action(roadmap, revision):
        require(can_edit(request.user, roadmap))
        revision_submit(user=request.user, revision=revision, version=_version(request))
        messages.success(request, _("Дорожная карта отправлена руководителю на утверждение."))

    return _act_on_latest(request, pk, action)


@require_POST
def roadmap_approve(request, pk: int):
    def action(roadmap, revision):
        require(can_approve(request.user, roadmap))
        form = ApproveForm(request.POST)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        revision_approve(
            user=request.user,
            revision=revision,
            version=_version(request),
            order=form.cleaned_data["order"],
            agreed=form.cleaned_data["agreed"],
        )
        messages.success(request, _("Дорожная карта утверждена."))

    return _act_on_latest(request, pk, action)


@require_POST
def roadmap_return(request, pk: int):
    def action(roadmap, revision):
        require(can_approve(request.user, roadmap))
        comment = request.POST.get("comment", "")
        revision_return(user=request.user, revision=revision, version=_version(request), comment=comment)
        messages.success(request, _("Дорожная карта возвращена на доработку."))

    return _act_on_latest(request, pk, action)


@require_POST
def roadmap_revise(request, pk: int):
    def action(roadmap, revision):
        require(can_edit(request.user, roadmap))
        new = revision_open_next(user=request.user, roadmap=roadmap)
        messages.success(
            request, _("Открыта редакция %(n)s. После правки отправьте её на утверждение.") % {"n": new.number}
        )

    return _act_on_latest(request, pk, action)


@require_http_methods(["GET", "POST"])
def item_track_view(request, pk: int, item_pk: int):
    roadmap = get_roadmap_for(request.user, pk)
    require(can_edit(request.user, roadmap))
    item = get_object_or_404(Item.objects.select_related("revision", "section"), pk=item_pk, revision__roadmap=roadmap)
    initial = {
        "status": item.status,
        "done_on": item.done_on or timezone.localdate(),
        "evidence_note": item.evidence_note,
        "evidence_link": item.evidence_link,
    }
    form = TrackForm(request.POST or None, request.FILES or None, initial=initial, guard=item)
    if form.is_valid():
        data = form.cleaned_data
        try:
            item_track(
                user=request.user,
                item=item,
                status=data["status"],
                done_on=data["done_on"],
                note=data["evidence_note"],
                link=data["evidence_link"],
                evidence_file=data["evidence_file"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Отметка о выполнении сохранена."))
            return redirect(roadmap)
    return render(request, "roadmaps/item_track.html", {"roadmap": roadmap, "item": item, "form": form})


def item_evidence(request, pk: int, item_pk: int):
    roadmap = get_roadmap_for(request.user, pk)
    readable = readable_revisions(request.user, roadmap)
    item = get_object_or_404(Item, pk=item_pk, revision__in=readable)
    return stored_file(item.evidence_file, f"Подтверждение п. {item.number}")


def roadmap_document(request, pk: int, format: str):
    """The roadmap as PDF or Word (``format`` comes from the URL pattern), the revision asked for."""
    roadmap = get_roadmap_for(request.user, pk)
    revision = selected_revision(request, roadmap)
    return RoadmapDocument().response(revision, format=format)


def roadmap_xlsx(request, pk: int):
    roadmap = get_roadmap_for(request.user, pk)
    revision = selected_revision(request, roadmap)
    return RoadmapExport().response(revision)


# --- import ----------------------------------------------------------------------------------
# The file is read once, at upload (and again only when the user reassigns its columns, a POST);
# the preview shows the stored plan, and the confirm writes it.
def roadmap_import(request):
    kinds = creatable_kinds(request.user)
    require(bool(kinds))
    form = RoadmapImportForm(request.POST or None, request.FILES or None, kinds=kinds, **owner_choices(request.user))
    if form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        options = {key: form.cleaned_data[key] for key in ("title", "period", "basis", "kind")}
        options |= form.owner_options()
        remembered = ColumnChoice.objects.remembered(request.user, ImportBatch.Kind.ROADMAP, options=options)
        plan = plan_roadmap(upload.name, content, remembered=remembered)
        batch = ImportBatch.objects.create(
            user=request.user,
            kind=ImportBatch.Kind.ROADMAP,
            options=options,
            file_name=upload.name[:255],
            content=content,
            plan=plan.to_json(),
        )
        return redirect("roadmaps:roadmap_import_preview", pk=batch.pk)
    return render(request, "roadmaps/roadmap_import.html", {"form": form})


def get_roadmap_batch(user, pk: int, *, lock: bool = False) -> ImportBatch:
    batches = ImportBatch.objects.visible_to(user).filter(kind=ImportBatch.Kind.ROADMAP)
    return get_object_or_404(batches.select_for_update() if lock else batches, pk=pk)


def import_details(batch: ImportBatch, plan: RoadmapPlan) -> dict:
    """The title, period and basis to offer: what the upload form said, else what the file says above its table."""
    options = batch.options
    return {
        "title": options.get("title") or plan.title,
        "period": options.get("period") or plan.period,
        "basis": options.get("basis") or plan.basis,
    }


def roadmap_import_preview(request, pk: int):
    require(bool(creatable_kinds(request.user)))
    batch = get_roadmap_batch(request.user, pk)
    plan = RoadmapPlan.from_json(batch.plan) if batch.status == ImportBatch.Status.PREVIEWED else None
    context = {"batch": batch, "plan": plan}
    if plan is not None:
        context["details"] = RoadmapDetailsForm(initial=import_details(batch, plan))
        if plan.headers:
            context["mapping"] = mapping_form(COLUMNS, plan.headers, plan.columns)
    return render(request, "roadmaps/roadmap_import_preview.html", context)


@require_POST
def roadmap_import_columns(request, pk: int):
    """The user says which column is which: plan the file again with that, and remember it for next time."""
    require(bool(creatable_kinds(request.user)))
    batch = get_roadmap_batch(request.user, pk, lock=True)
    if batch.status != ImportBatch.Status.PREVIEWED:
        return redirect("roadmaps:roadmap_import_preview", pk=batch.pk)
    plan = RoadmapPlan.from_json(batch.plan)
    form = mapping_form(COLUMNS, plan.headers, plan.columns, data=request.POST)
    if not form.is_valid():
        return render(
            request,
            "roadmaps/roadmap_import_preview.html",
            {"batch": batch, "plan": plan, "mapping": form, "details": RoadmapDetailsForm(import_details(batch, plan))},
            status=400,
        )
    chosen = form.chosen()
    plan = plan_roadmap(batch.file_name, bytes(batch.content), chosen=chosen)
    batch.plan = plan.to_json()
    batch.save(update_fields=["plan"])
    ColumnChoice.objects.remember_columns(
        request.user, ImportBatch.Kind.ROADMAP, plan.headers, chosen, options=batch.options
    )
    messages.success(request, _("Столбцы назначены, файл прочитан заново."))
    return redirect("roadmaps:roadmap_import_preview", pk=batch.pk)


@require_POST
def roadmap_import_confirm(request, pk: int):
    require(bool(creatable_kinds(request.user)))
    batch = get_roadmap_batch(request.user, pk, lock=True)
    if batch.status == ImportBatch.Status.APPLIED:
        messages.info(request, _("Этот файл уже загружен."))
        return redirect(get_object_or_404(Roadmap.objects.visible_to(request.user), pk=batch.summary["roadmap"]))
    if batch.options.get("kind") not in creatable_kinds(request.user):
        raise PermissionDenied
    plan = RoadmapPlan.from_json(batch.plan)
    details = RoadmapDetailsForm(request.POST if "title" in request.POST else import_details(batch, plan))
    if plan.can_apply and details.is_valid():
        arguments = owner_arguments(request.user, batch.options | details.cleaned_data)
        roadmap = roadmap_import_apply(user=request.user, batch=batch, sections=plan.sections, **arguments)
        messages.success(request, _("Дорожная карта загружена, пунктов: %(n)s.") % {"n": plan.item_count})
        return redirect(roadmap)
    messages.error(request, _("Дорожная карта не создана: исправьте ошибки ниже. Ничего не записано."))
    context = {"batch": batch, "plan": plan, "details": details}
    if plan.headers:
        context["mapping"] = mapping_form(COLUMNS, plan.headers, plan.columns)
    return render(request, "roadmaps/roadmap_import_preview.html", context, status=400)


# --- the coordinator's overview -----------------------------------------------------------------
def roadmap_overview(request):
    require(can_overview(request.user))
    rows = overview_rows(request.user)
    ordering = request.GET.get("ordering", "name")
    key = ordering.lstrip("-")
    if key in SORT_KEYS:
        rows.sort(key=SORT_KEYS[key], reverse=ordering.startswith("-"))
    columns = [
        ("name", _("Организация")),
        ("state", _("Состояние")),
        ("percent", _("Выполнено")),
        ("overdue", _("Просрочено")),
    ]
    return render(request, "roadmaps/roadmap_overview.html", {"rows": rows, "ordering": ordering, "columns": columns})
