"""A person over time, on their card: places of work, a transfer, leaving the municipality, a duplicate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mentoring_portal.forms import error_text

from ..access import (
    can_leave_municipality,
    can_manage_workplaces,
    can_merge_people,
    get_merge_candidate_for,
    get_person_for,
    merge_candidates,
    transfer_targets,
)
from ..careers import person_leave, person_transfer, workplace_add, workplace_end
from ..forms import LeaveForm, TransferForm, WorkplaceEndForm, WorkplaceForm
from ..merging import merge_preview, person_merge
from ..models import Organisation, Workplace

MERGE_CANDIDATES_SHOWN = 20


def _person_for_workplaces(user, pk: int):
    person = get_person_for(user, pk, write=True)
    if not can_manage_workplaces(user, person):
        raise PermissionDenied
    return person


@require_http_methods(["GET", "POST"])
def workplace_create(request, pk: int):
    """An additional place of work in another organisation of the municipality."""
    person = _person_for_workplaces(request.user, pk)
    organisations = Organisation.objects.filter(municipality_id=person.organisation.municipality_id).exclude(
        pk=person.organisation_id
    )
    form = WorkplaceForm(request.POST or None, organisations=organisations, initial={"position": person.position})
    if form.is_valid():
        try:
            workplace_add(user=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Место работы добавлено."))
            return redirect(person)
    return render(request, "registry/workplace_form.html", {"person": person, "form": form})


@require_http_methods(["GET", "POST"])
def workplace_end_view(request, pk: int, workplace_pk: int):
    person = _person_for_workplaces(request.user, pk)
    workplace = get_object_or_404(Workplace.objects.select_related("organisation"), pk=workplace_pk, person=person)
    form = WorkplaceEndForm(request.POST or None)
    if form.is_valid():
        try:
            workplace_end(user=request.user, workplace=workplace, ends_on=form.cleaned_data["ends_on"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Место работы завершено."))
            return redirect(person)
    return render(request, "registry/workplace_end.html", {"person": person, "workplace": workplace, "form": form})


@require_http_methods(["GET", "POST"])
def person_transfer_view(request, pk: int):
    """«Перевести»: by the coordinator, or by the director of the receiving school."""
    person = get_person_for(request.user, pk)
    organisations = transfer_targets(request.user, person)
    if not organisations.exists():
        raise PermissionDenied
    form = TransferForm(request.POST or None, organisations=organisations, initial={"position": person.position})
    if form.is_valid():
        try:
            person_transfer(user=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s переведён в %(organisation)s.")
                % {"name": person.full_name, "organisation": form.cleaned_data["organisation"]},
            )
            return redirect(person)
    return render(request, "registry/person_transfer.html", {"person": person, "form": form})


@require_http_methods(["GET", "POST"])
def person_leave_view(request, pk: int):
    """«Выбыл из муниципалитета»: the places of work end, the card stays with the coordinator."""
    person = get_person_for(request.user, pk, write=True)
    if not can_leave_municipality(request.user, person):
        raise PermissionDenied
    form = LeaveForm(request.POST or None)
    if form.is_valid():
        try:
            person_leave(user=request.user, person=person, on=form.cleaned_data["on"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Выбытие из муниципалитета записано."))
            # The school that recorded it no longer reads the card; the coordinator still does.
            return redirect(person if can_merge_people(request.user, person) else "registry:person_list")
    return render(request, "registry/person_leave.html", {"person": person, "form": form})


@require_http_methods(["GET"])
def person_merge_search(request, pk: int):
    """«Объединить с дубликатом»: the other card, found by name within the municipality."""
    person = get_person_for(request.user, pk)
    if not can_merge_people(request.user, person):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()
    candidates = merge_candidates(request.user, person).select_related("organisation")
    if query:
        candidates = candidates.search(query)
    else:  # the likely duplicates: the same surname and name
        candidates = candidates.filter(last_name__iexact=person.last_name, first_name__iexact=person.first_name)
    return render(
        request,
        "registry/person_merge_search.html",
        {
            "person": person,
            "query": query,
            "candidates": candidates.order_by("last_name", "pk")[:MERGE_CANDIDATES_SHOWN],
        },
    )


@require_http_methods(["GET", "POST"])
def person_merge_view(request, pk: int, other_pk: int):
    """What moves from the duplicate to this card, then (POST) the merge itself."""
    person = get_person_for(request.user, pk)
    if not can_merge_people(request.user, person):
        raise PermissionDenied
    other = get_merge_candidate_for(request.user, person, other_pk)
    if request.method == "POST":
        try:
            kept = person_merge(user=request.user, kept=person, other=other)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Карточки объединены: всё из дубликата перенесено в эту карточку."))
            return redirect(kept)
    preview = merge_preview(kept=person, other=other)
    return render(request, "registry/person_merge.html", {"person": person, "other": other, "preview": preview})
