"""Who may do what with a roadmap; one place, used by views and services alike.

Out of scope → 404 (``get_roadmap_for``); in scope without the right → 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from registry.models import scope_of

from .models import Revision, Roadmap


def get_roadmap_for(user, pk: int) -> Roadmap:
    try:
        return Roadmap.objects.visible_to(user).select_related("organisation", "municipality").get(pk=pk)
    except Roadmap.DoesNotExist:
        raise Http404 from None


def can_edit(user, roadmap: Roadmap) -> bool:
    """The school's curator keeps the school roadmap; the coordinator the municipal one and the samples."""
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
            roadmap.organisation.municipality_id in scope.municipality_ids
        )
    return roadmap.municipality_id in scope.municipality_ids or roadmap.is_template


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def readable_revisions(user, roadmap: Roadmap):
    revisions = roadmap.revisions.select_related("approved_by", "created_by")
    if sees_drafts(user, roadmap):
        return revisions
    return revisions.filter(status__in=[Revision.Status.APPROVED, Revision.Status.SUPERSEDED])
