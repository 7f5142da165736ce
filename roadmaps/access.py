"""Who may do what with a roadmap; one place, used by views and services alike.

Out of scope → 404 (``get_roadmap_for``); in scope without the right → 403. Views ask
these and never read the user's scope themselves.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from registry.access import (
    coordinated_municipalities,
    curated_organisations,
    is_municipal,
    managed_organisations,
    municipal_organisations,
)
from registry.models import scope_of

from .models import Revision, Roadmap


def get_roadmap_for(user, pk: int) -> Roadmap:
    try:
        return Roadmap.objects.visible_to(user).select_related("organisation", "municipality").get(pk=pk)
    except Roadmap.DoesNotExist:
        raise Http404 from None


def can_edit(user, roadmap: Roadmap) -> bool:
    """The school's curator keeps the school roadmap; the coordinator the municipal one and the samples.

    A roadmap of an archived academic year is read only, for everyone.
    """
    if roadmap.academic_year_id and roadmap.academic_year.is_archived:
        return False
    scope = scope_of(user)
    if scope.is_superuser:
        return True
    if roadmap.organisation_id:
        return roadmap.organisation_id in scope.curated_organisation_ids
    return roadmap.municipality_id is not None and roadmap.municipality_id in scope.municipality_ids


def can_approve(user, roadmap: Roadmap) -> bool:
    """The director approves the school roadmap; the head of the department the municipal one."""
    if roadmap.is_template:
        return False
    scope = scope_of(user)
    if scope.is_superuser:
        return True
    if roadmap.organisation_id:
        return roadmap.organisation_id in scope.directed_organisation_ids
    return roadmap.municipality_id in scope.headed_municipality_ids


def sees_drafts(user, roadmap: Roadmap) -> bool:
    """Mentors, mentees and other schools read only approved revisions."""
    scope = scope_of(user)
    if scope.is_superuser or can_edit(user, roadmap) or can_approve(user, roadmap):
        return True
    if roadmap.organisation_id:
        return roadmap.organisation_id in scope.managed_organisation_ids or (
            roadmap.organisation.municipality_id in scope.read_municipality_ids
        )
    return roadmap.municipality_id in scope.read_municipality_ids or roadmap.is_template


def creatable_kinds(user) -> list[str]:
    """What the user may create: a curator their school's roadmap, a coordinator the municipal one and samples."""
    scope = scope_of(user)
    kinds = []
    if scope.curated_organisation_ids:
        kinds.append("school")
    if scope.municipality_ids:
        kinds += ["municipal", "sample"]
    return kinds


def owner_organisations(user):
    """The organisations whose roadmap the user may create (a methodist may curate several)."""
    return curated_organisations(user).order_by("short_name")


def owner_municipalities(user):
    """The municipalities whose roadmap or samples the user may create."""
    return coordinated_municipalities(user).order_by("name")


def roadmap_owner(user, kind: str, *, organisation=None, municipality=None) -> dict:
    """The owner arguments of a new roadmap of ``kind``: the chosen organisation or municipality, if still the user's.

    ``organisation`` and ``municipality`` are objects or primary keys (an import keeps the
    choice in its batch between the steps, and a role may be taken away in between).
    """
    if kind not in creatable_kinds(user):
        raise PermissionDenied
    if kind == "school":
        return {"level": Roadmap.Level.SCHOOL, "organisation": _chosen(owner_organisations(user), organisation)}
    found = _chosen(owner_municipalities(user), municipality)
    if kind == "municipal":
        return {"level": Roadmap.Level.MUNICIPAL, "municipality": found}
    return {"level": Roadmap.Level.SCHOOL, "is_template": True, "municipality": found}


def _chosen(allowed, chosen):
    """``chosen`` among ``allowed``; when nothing was chosen, the only one there is. Else 403."""
    if chosen in (None, ""):
        only = list(allowed[:2])
        found = only[0] if len(only) == 1 else None
    else:
        found = allowed.filter(pk=getattr(chosen, "pk", chosen)).first()
    if found is None:
        raise PermissionDenied
    return found


def can_overview(user) -> bool:
    """The municipality's overview of every organisation's roadmap: its coordinators and head, a superuser."""
    return is_municipal(user)


def sees_late_roadmaps(user) -> bool:
    """The roadmap list names late organisations to those who coordinate a municipality or read it from above."""
    return bool(scope_of(user).read_municipality_ids)


def overview_organisations(user):
    return municipal_organisations(user)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def readable_revisions(user, roadmap: Roadmap):
    revisions = roadmap.revisions.select_related("approved_by", "created_by")
    if sees_drafts(user, roadmap):
        return revisions
    return revisions.filter(status__in=[Revision.Status.APPROVED, Revision.Status.SUPERSEDED])


def can_roll_over_school(user, organisation) -> bool:
    """«Новый учебный год» for a school: its curator or director (a superuser too)."""
    scope = scope_of(user)
    return scope.is_superuser or organisation.pk in scope.managed_organisation_ids


def can_roll_over_municipality(user, municipality) -> bool:
    """«Новый учебный год» for the whole municipality: its coordinator (a superuser too)."""
    scope = scope_of(user)
    return scope.is_superuser or municipality.pk in scope.municipality_ids


def roll_over_organisations(user):
    """The schools whose new year the user may open, by name."""
    return managed_organisations(user).select_related("municipality").order_by("short_name")
