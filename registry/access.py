"""One helper per object: return it with the caller's rights, or answer 404/403.

Out of scope answers 404, never a hint that the object exists; in scope but
read-only answers 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Organisation, Person


def get_organisation_for(user, pk: int, *, write: bool = False) -> Organisation:
    try:
        organisation = Organisation.objects.visible_to(user).select_related("municipality").get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None
    if write and not Organisation.objects.manageable_by(user).filter(pk=pk).exists():
        raise PermissionDenied
    return organisation


def get_person_for(user, pk: int, *, write: bool = False) -> Person:
    try:
        person = (
            Person.objects.visible_to(user)
            .select_related("organisation__municipality", "mentor_profile", "mentee_profile")
            .get(pk=pk)
        )
    except Person.DoesNotExist:
        raise Http404 from None
    if write and not Person.objects.manageable_by(user).filter(pk=pk).exists():
        raise PermissionDenied
    if write and person.anonymised_at:
        # Consent withdrawn: the card is kept for the counts only and is no longer edited.
        raise PermissionDenied
    return person
