"""Who may do what in the registry, decided here and nowhere else.

One helper per object returns it with the caller's rights (``get_<x>_for``), or answers
404/403: out of scope answers 404, never a hint that the object exists; in scope but
read-only answers 403. ``can_<verb>`` answers a yes/no question about one object or
action, and ``<role>_organisations``/``<role>_municipalities`` list what a user may act
for. These read the user's memberships (``scope_of``); views ask them and never read the
scope themselves. A user may hold several roles: nothing here picks "the" organisation
of a user who has two, the forms ask which.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import (
    Membership,
    MentoringGroup,
    MentoringOrder,
    Municipality,
    Organisation,
    Person,
    Program,
    Role,
    scope_of,
)


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


# --- what a user's roles reach ---------------------------------------------------------------
def is_municipal(user) -> bool:
    """A coordinator or head of a municipality, a regional or district coordinator above it, or a superuser:
    reads whole municipalities."""
    scope = scope_of(user)
    return scope.is_superuser or bool(scope.read_municipality_ids)


def keeps_a_municipality(user) -> bool:
    """A coordinator or head of a municipality, or a superuser: writes what the municipality keeps. The
    regional and district coordinators read only."""
    scope = scope_of(user)
    return scope.is_superuser or bool(scope.municipality_ids)


def reads_areas(user) -> bool:
    """A regional or district coordinator (or a superuser): the region's pages above the municipalities."""
    scope = scope_of(user)
    return scope.is_superuser or bool(scope.region_ids or scope.district_ids)


def coordinates_a_municipality(user) -> bool:
    """A coordinator or head of some municipality; a superuser has none to act for."""
    return bool(scope_of(user).municipality_ids)


def coordinated_municipalities(user, *, every_for_superuser: bool = False) -> QuerySet[Municipality]:
    """The municipalities the user coordinates or heads (every one for a superuser, when asked)."""
    scope = scope_of(user)
    if every_for_superuser and scope.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=scope.municipality_ids)


def get_coordinated_municipality_for(user, pk: int) -> Municipality:
    """A municipality the user coordinates, heads or reads from the region or district (any for a superuser),
    to read; 404 for every other."""
    scope = scope_of(user)
    municipalities = Municipality.objects.all()
    if not scope.is_superuser:
        municipalities = municipalities.filter(pk__in=scope.read_municipality_ids)
    try:
        return municipalities.get(pk=pk)
    except Municipality.DoesNotExist:
        raise Http404 from None


def municipal_organisations(user) -> QuerySet[Organisation]:
    """Every organisation of the municipalities the user reads whole; every one for a superuser."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(municipality_id__in=scope.read_municipality_ids)


def managed_organisations(user) -> QuerySet[Organisation]:
    """The organisations the user directs or curates (every one for a superuser): pairs, orders, reports."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=scope.managed_organisation_ids)


def school_staff_organisations(user) -> QuerySet[Organisation]:
    """The organisations where the user is director or curator, whoever they are besides (a superuser too)."""
    return Organisation.objects.filter(pk__in=scope_of(user).managed_organisation_ids)


def is_school_staff(user, organisation: Organisation | None = None) -> bool:
    """A director or curator: of ``organisation``, or of any organisation when none is given."""
    managed = scope_of(user).managed_organisation_ids
    return bool(managed) if organisation is None else organisation.pk in managed


def curated_organisations(user) -> QuerySet[Organisation]:
    """The organisations the user curates: the school roadmaps they keep."""
    return Organisation.objects.filter(pk__in=scope_of(user).curated_organisation_ids)


def own_people(user) -> QuerySet[Person]:
    """The person records the user is: a mentor's or mentee's own card."""
    return Person.objects.filter(pk__in=scope_of(user).person_ids)


def is_own_person(user, person: Person) -> bool:
    return person.pk in scope_of(user).person_ids


# --- organisations and people ----------------------------------------------------------------
def runs_mentoring(user) -> bool:
    """Those who run mentoring (the municipality, the schools' staff) see the totals and manage people."""
    scope = scope_of(user)
    return scope.is_superuser or bool(scope.municipality_ids or scope.managed_organisation_ids)


def can_create_organisation(user) -> bool:
    return keeps_a_municipality(user)


def can_edit_vocabulary(user) -> bool:
    """The municipality's own lists (competencies, requests) are kept by its coordinator."""
    return keeps_a_municipality(user)


def can_export_personal_data(user, person: Person) -> bool:
    """Everything held on a person: for those who manage the card, and for the person."""
    return is_own_person(user, person) or Person.objects.manageable_by(user).filter(pk=person.pk).exists()


# --- pairs, orders, programs -----------------------------------------------------------------
def can_form_groups(user) -> bool:
    """Pairs are formed by a school's curator or director, not by the municipal coordinator."""
    scope = scope_of(user)
    return scope.is_superuser or bool(scope.managed_organisation_ids)


def get_group_for(user, pk: int, *, write: bool = False) -> MentoringGroup:
    group = get_object_or_404(
        MentoringGroup.objects.visible_to(user).select_related("organisation", "mentor__organisation", "order"),
        pk=pk,
    )
    if write and not can_manage_group(user, group):
        raise PermissionDenied
    return group


def can_manage_group(user, group: MentoringGroup) -> bool:
    return MentoringGroup.objects.manageable_by(user).filter(pk=group.pk).exists()


def get_order_for(user, pk: int) -> MentoringOrder:
    return get_object_or_404(
        MentoringOrder.objects.visible_to(user).select_related("organisation", "prepared_by"), pk=pk
    )


def can_read_orders_of(user, organisation: Organisation) -> bool:
    """The orders of ``organisation`` are read by its municipality and its director and curator, as
    ``MentoringOrder.objects.visible_to`` lets them; mentors and mentees do not read them."""
    scope = scope_of(user)
    return (
        scope.is_superuser
        or organisation.municipality_id in scope.read_municipality_ids
        or organisation.pk in scope.managed_organisation_ids
    )


def get_curator_role_for(user, pk: int) -> Membership:
    """A curator's role, for the order appointing them: read by whoever reads the school's orders, else 404."""
    membership = get_object_or_404(
        Membership.objects.filter(role=Role.CURATOR).select_related("organisation__municipality", "user", "person"),
        pk=pk,
    )
    if not can_read_orders_of(user, membership.organisation):
        raise Http404
    return membership


def can_prepare_order(user, organisation: Organisation | None = None) -> bool:
    """A draft order (проект приказа) is prepared by a school's curator or director: of ``organisation``,
    or of any school when none is given."""
    if organisation is None:
        return can_form_groups(user)
    scope = scope_of(user)
    return scope.is_superuser or organisation.pk in scope.managed_organisation_ids


def signing_organisations(user) -> QuerySet[Organisation]:
    """The organisations whose orders the user signs: those they direct (every one for a superuser)."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=scope.directed_organisation_ids)


def _directs(user, organisation_id: int) -> bool:
    scope = scope_of(user)
    return scope.is_superuser or organisation_id in scope.directed_organisation_ids


def can_sign_for(user, organisation: Organisation) -> bool:
    """Whether the user signs the orders of ``organisation``: its director, or a superuser."""
    return _directs(user, organisation.pk)


def can_sign_order(user, order: MentoringOrder) -> bool:
    """The curator prepares, the director signs: a draft, by a director of its organisation (or a superuser)."""
    return order.is_draft and _directs(user, order.organisation_id)


def can_withdraw_order(user, order: MentoringOrder) -> bool:
    """A draft is withdrawn by its school's curator or director; a signed order stays."""
    scope = scope_of(user)
    return order.is_draft and (scope.is_superuser or order.organisation_id in scope.managed_organisation_ids)


def orders_to_sign(user) -> QuerySet[MentoringOrder]:
    """What waits for the director: the drafts of the organisations the user directs (every draft for a
    superuser), oldest first, with their organisation and the number of pairs, in one query."""
    return (
        MentoringOrder.objects.awaiting_signature_by(user)
        .select_related("organisation", "prepared_by")
        .annotate(group_count=Count("groups"))
        .order_by("created_at", "pk")
    )


def get_program_for(user, pk: int, *, write: bool = False) -> Program:
    program = get_object_or_404(
        Program.objects.visible_to(user).select_related("organisation", "group__mentor__organisation"), pk=pk
    )
    if write and not can_edit_program(user, program):
        raise PermissionDenied
    return program


def can_edit_program(user, program: Program) -> bool:
    return Program.objects.manageable_by(user).filter(pk=program.pk).exists()


def can_self_assess(user, program: Program) -> bool:
    """The mentee's self-assessment is the mentee's alone: neither the mentor nor the curator writes it."""
    if program.group is None:
        return False
    own = scope_of(user).person_ids
    return program.group.participations.filter(mentee_id__in=own).exists()


def can_mark_progress(user, program: Program) -> bool:
    """The mentor of the pair marks progress; so does the school's curator."""
    if can_edit_program(user, program):
        return True
    return program.group is not None and program.group.mentor_id in scope_of(user).person_ids


# --- a person over time: places of work, transfer, leaving, duplicates -------------------------
def can_manage_workplaces(user, person: Person) -> bool:
    """Places of work are kept by those who keep the card, while the person works in the municipality."""
    return (
        not person.anonymised_at
        and not person.left_municipality_on
        and Person.objects.manageable_by(user).filter(pk=person.pk).exists()
    )


def can_leave_municipality(user, person: Person) -> bool:
    """The card's keepers record that the person left the municipality; then only the coordinator reads it."""
    return can_manage_workplaces(user, person)


def transfer_targets(user, person: Person) -> QuerySet[Organisation]:
    """Where ``user`` may transfer ``person`` to: for the coordinator (a superuser too), any other organisation
    of the person's municipality; for a director, the receiving school they direct."""
    if person.anonymised_at or person.left_municipality_on:
        return Organisation.objects.none()
    scope = scope_of(user)
    organisations = Organisation.objects.filter(municipality_id=person.organisation.municipality_id).exclude(
        pk=person.organisation_id
    )
    if scope.is_superuser or person.organisation.municipality_id in scope.municipality_ids:
        return organisations
    return organisations.filter(pk__in=scope.directed_organisation_ids)


def can_transfer(user, person: Person) -> bool:
    return transfer_targets(user, person).exists()


def can_merge_people(user, person: Person) -> bool:
    """Duplicates are merged by the coordinator of the person's municipality (or a superuser)."""
    scope = scope_of(user)
    return not person.anonymised_at and (
        scope.is_superuser or person.organisation.municipality_id in scope.municipality_ids
    )


def merge_candidates(user, person: Person) -> QuerySet[Person]:
    """The cards ``person`` may be merged with: others of the same municipality the user reads."""
    if not can_merge_people(user, person):
        return Person.objects.none()
    return (
        Person.objects.visible_to(user)
        .filter(organisation__municipality_id=person.organisation.municipality_id, anonymised_at__isnull=True)
        .exclude(pk=person.pk)
    )


def get_merge_candidate_for(user, person: Person, pk: int) -> Person:
    """The duplicate chosen for ``person``: out of the coordinator's municipality it is a 404."""
    try:
        return merge_candidates(user, person).select_related("organisation").get(pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None
