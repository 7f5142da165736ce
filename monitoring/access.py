"""Who may read and do what in monitoring; views ask these and never read the user's scope.

Out of scope → 404, in scope but not theirs → 403, as in ``registry.access``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from registry.access import (
    coordinated_municipalities,
    coordinates_a_municipality,
    is_municipal,
    is_school_staff,
    municipal_organisations,
    school_staff_organisations,
)
from registry.models import Membership, Municipality, Organisation, Person, Role, scope_of

from .models import MonitoringPeriod, Questionnaire

__all__ = [
    "can_coordinate",
    "can_edit_school",
    "can_manage_questionnaires",
    "can_open_period",
    "can_read_periods",
    "can_read_reports",
    "can_read_results",
    "dashboard_organisations",
    "get_period_for",
    "get_questionnaire_for",
    "get_school_for",
    "is_municipal",
    "own_schools",
    "period_municipalities",
    "require_coordinator_of",
    "require_questionnaire_editor",
    "require_report_reader",
    "respondent",
    "result_organisations",
    "visible_questionnaires",
]


# --- schools ---------------------------------------------------------------------------------
def dashboard_organisations(user) -> QuerySet[Organisation]:
    """The organisations on the municipal dashboard: every one of the user's municipalities."""
    return municipal_organisations(user).select_related("municipality").order_by("short_name")


def own_schools(user) -> QuerySet[Organisation]:
    """The schools whose monitoring the user keeps as director or curator (a methodist may keep several)."""
    return school_staff_organisations(user).order_by("short_name")


def get_school_for(user, pk: int, *, write: bool = False) -> Organisation:
    """A school's monitoring: its staff and its municipality's coordinators; others get 404."""
    scope = scope_of(user)
    organisation = get_object_or_404(Organisation.objects.visible_to(user).select_related("municipality"), pk=pk)
    staff = scope.is_superuser or organisation.pk in scope.managed_organisation_ids
    if not (staff or organisation.municipality_id in scope.read_municipality_ids):
        if organisation.pk in scope.member_organisation_ids:
            raise PermissionDenied  # a mentor of this school: in scope, but not theirs to read
        raise Http404
    if write and not staff:
        raise PermissionDenied
    return organisation


def can_edit_school(user, organisation: Organisation) -> bool:
    """The readiness checklist and the report are the school's own: its director and curator."""
    return is_school_staff(user, organisation)


# --- periods ---------------------------------------------------------------------------------
def get_period_for(user, pk: int) -> MonitoringPeriod:
    return get_object_or_404(MonitoringPeriod.objects.visible_to(user).select_related("municipality"), pk=pk)


def can_read_periods(user) -> bool:
    return is_municipal(user) or is_school_staff(user)


def can_open_period(user) -> bool:
    """A period is opened for a municipality, by one of its coordinators."""
    return coordinates_a_municipality(user)


def period_municipalities(user) -> QuerySet[Municipality]:
    """Where the user may open a period; the form asks when there are several."""
    return coordinated_municipalities(user).order_by("name")


def can_coordinate(user, period: MonitoringPeriod) -> bool:
    """The period's municipality's coordinators (and a superuser) see every school's report and write the summary."""
    scope = scope_of(user)
    return scope.is_superuser or period.municipality_id in scope.municipality_ids


def require_coordinator_of(user, period: MonitoringPeriod) -> None:
    if not can_coordinate(user, period):
        raise PermissionDenied


def can_read_reports(user, period: MonitoringPeriod) -> bool:
    """Every school's report and the analytical report: the coordinators, and the region or district above
    the period's municipality, which read and never write."""
    scope = scope_of(user)
    return scope.is_superuser or period.municipality_id in scope.read_municipality_ids


def require_report_reader(user, period: MonitoringPeriod) -> None:
    if not can_read_reports(user, period):
        raise PermissionDenied


# --- questionnaires --------------------------------------------------------------------------
def visible_questionnaires(user) -> QuerySet[Questionnaire]:
    """The questionnaires of the user's municipalities and of the municipalities of their schools."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Questionnaire.objects.all()
    municipalities = set(scope.read_municipality_ids) | set(
        Organisation.objects.filter(pk__in=scope.member_organisation_ids).values_list("municipality_id", flat=True)
    )
    return Questionnaire.objects.filter(municipality_id__in=municipalities)


def get_questionnaire_for(user, pk: int) -> Questionnaire:
    return get_object_or_404(visible_questionnaires(user), pk=pk)


def can_manage_questionnaires(user) -> bool:
    return coordinates_a_municipality(user)


def require_questionnaire_editor(user, questionnaire: Questionnaire) -> None:
    scope = scope_of(user)
    if not (scope.is_superuser or questionnaire.municipality_id in scope.municipality_ids):
        raise PermissionDenied


def can_read_results(user) -> bool:
    return is_municipal(user) or is_school_staff(user)


def result_organisations(user, questionnaire: Questionnaire) -> QuerySet[Organisation] | None:
    """Whose answers the user reads: None for all (the municipality), else their own schools; 403 for others."""
    scope = scope_of(user)
    if scope.is_superuser or questionnaire.municipality_id in scope.read_municipality_ids:
        return None
    if scope.managed_organisation_ids:
        return school_staff_organisations(user)
    raise PermissionDenied


def respondent_roles(user) -> dict[str, Person]:
    """The people a user answers questionnaires as, by role: a director who also mentors is a mentor here."""
    memberships = Membership.objects.filter(user=user, role__in=[Role.MENTOR, Role.MENTEE]).select_related("person")
    return {membership.role: membership.person for membership in memberships.order_by("role")}


def respondent(user, questionnaire) -> tuple[Person | None, str]:
    """The person and role a user answers ``questionnaire`` in: the role it asks, when the user holds both."""
    roles = respondent_roles(user)
    if questionnaire.audience != questionnaire.Audience.ALL:
        person = roles.get(questionnaire.audience)
        return (person, questionnaire.audience) if person else (None, "")
    for role in (Role.MENTOR, Role.MENTEE):
        if role in roles:
            return roles[role], role
    return None, ""
