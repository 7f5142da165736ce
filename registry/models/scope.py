"""Roles and the scope they give a user.

Scoping lives here and in each model's queryset: ``<Model>.objects.visible_to(user)`` is the only
place that decides which rows a user may read, ``manageable_by(user)`` which rows
they may change; both read :func:`scope_of`. Views never filter by role themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Муниципальный координатор")
    HEAD = "head", _("Руководитель органа управления образованием")
    DIRECTOR = "director", _("Руководитель ОО")
    CURATOR = "curator", _("Куратор ОО")
    MENTOR = "mentor", _("Наставник")
    MENTEE = "mentee", _("Наставляемый")
    REGIONAL_COORDINATOR = "regional_coordinator", _("Региональный координатор")
    DISTRICT_COORDINATOR = "district_coordinator", _("Координатор образовательного округа")


MUNICIPAL_ROLES = (Role.COORDINATOR, Role.HEAD)
# Read-only roles above the municipality: what they reach is the municipalities below, never to write.
AREA_ROLES = (Role.REGIONAL_COORDINATOR, Role.DISTRICT_COORDINATOR)
ORGANISATION_ROLES = (Role.DIRECTOR, Role.CURATOR)
PERSON_ROLES = (Role.MENTOR, Role.MENTEE)


@dataclass(frozen=True)
class Scope:
    """What one user's memberships reach; computed once per request.

    ``municipality_ids`` are the municipalities the user coordinates or heads, and may change;
    ``read_municipality_ids`` adds those a regional or district coordinator reads. Every
    ``visible_to`` reads the latter, every ``manageable_by`` and write check the former.
    """

    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    read_municipality_ids: frozenset[int] = field(default_factory=frozenset)
    region_ids: frozenset[int] = field(default_factory=frozenset)
    district_ids: frozenset[int] = field(default_factory=frozenset)
    managed_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    directed_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    headed_municipality_ids: frozenset[int] = field(default_factory=frozenset)
    curated_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    person_ids: frozenset[int] = field(default_factory=frozenset)
    member_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    is_superuser: bool = False


def scope_of(user) -> Scope:
    """Return the user's scope, loading the memberships with one query and caching it on the user."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    municipalities, managed, directed, persons, member_orgs, roles = set(), set(), set(), set(), set(), set()
    headed, curated = set(), set()
    regions, districts = set(), set()
    rows = Membership.objects.filter(user=user).values_list(
        "role", "municipality_id", "organisation_id", "person_id", "person__organisation_id", "region_id", "district_id"
    )
    for role, municipality_id, organisation_id, person_id, person_org_id, region_id, district_id in rows:
        roles.add(role)
        if role == Role.REGIONAL_COORDINATOR:
            regions.add(region_id)
        elif role == Role.DISTRICT_COORDINATOR:
            districts.add(district_id)
        elif role in MUNICIPAL_ROLES:
            municipalities.add(municipality_id)
            if role == Role.HEAD:
                headed.add(municipality_id)
        elif role in ORGANISATION_ROLES:
            managed.add(organisation_id)
            member_orgs.add(organisation_id)
            if role == Role.DIRECTOR:
                directed.add(organisation_id)
            else:
                curated.add(organisation_id)
        else:
            persons.add(person_id)
            member_orgs.add(person_org_id)
    read = municipalities | area_municipalities(regions, districts)
    scope = Scope(
        municipality_ids=frozenset(municipalities),
        read_municipality_ids=frozenset(read),
        region_ids=frozenset(regions),
        district_ids=frozenset(districts),
        managed_organisation_ids=frozenset(managed),
        directed_organisation_ids=frozenset(directed),
        headed_municipality_ids=frozenset(headed),
        curated_organisation_ids=frozenset(curated),
        person_ids=frozenset(persons),
        member_organisation_ids=frozenset(member_orgs),
        roles=frozenset(roles),
        is_superuser=user.is_superuser,
    )
    user._portal_scope = scope
    return scope


def area_municipalities(region_ids, district_ids) -> set[int]:
    """The municipalities of these regions and districts: one more query, for their coordinators only."""
    if not (region_ids or district_ids):
        return set()
    from .people import Municipality

    found = Municipality.objects.filter(Q(region_id__in=region_ids) | Q(district_id__in=district_ids))
    return set(found.values_list("pk", flat=True))


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user) -> MembershipQuerySet:
        """Roles in the organisations the user sees, and the coordinators of their municipalities."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        from .people import Organisation

        organisations = Organisation.objects.visible_to(user)
        return self.filter(
            Q(organisation__in=organisations)
            | Q(municipality_id__in=organisations.values("municipality_id"))
            | Q(municipality_id__in=scope.read_municipality_ids)
            | Q(user=user)
        )


class Membership(models.Model):
    """A user's role in a municipality or an organisation; roles are data, a user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("пользователь")
    )
    role = models.CharField(_("роль"), max_length=20, choices=Role.choices)
    municipality = models.ForeignKey(
        "Municipality", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("муниципалитет")
    )
    organisation = models.ForeignKey(
        "Organisation", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("организация")
    )
    person = models.ForeignKey(
        "Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("педагог"),
    )
    region = models.ForeignKey("Region", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("субъект РФ"))
    district = models.ForeignKey(
        "EducationalDistrict", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("образовательный округ")
    )
    phone = models.CharField(_("рабочий телефон"), max_length=50, blank=True)

    objects = MembershipQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("роль пользователя")
        verbose_name_plural = _("роли пользователей")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=MUNICIPAL_ROLES,
                        municipality__isnull=False,
                        organisation__isnull=True,
                        person__isnull=True,
                    )
                    | Q(role__in=ORGANISATION_ROLES, municipality__isnull=True, organisation__isnull=False)
                    | Q(
                        role__in=PERSON_ROLES,
                        municipality__isnull=True,
                        organisation__isnull=True,
                        person__isnull=False,
                    )
                    | Q(
                        role=Role.REGIONAL_COORDINATOR,
                        region__isnull=False,
                        district__isnull=True,
                        municipality__isnull=True,
                        organisation__isnull=True,
                        person__isnull=True,
                    )
                    | Q(
                        role=Role.DISTRICT_COORDINATOR,
                        region__isnull=True,
                        district__isnull=False,
                        municipality__isnull=True,
                        organisation__isnull=True,
                        person__isnull=True,
                    )
                ),
                name="membership_scope_matches_role",
                violation_error_message=_(
                    "Координатор и руководитель органа управления образованием закрепляются за муниципалитетом, "
                    "руководитель и куратор — за организацией, "
                    "наставник и наставляемый — за карточкой педагога, "
                    "региональный координатор — за субъектом РФ, координатор округа — за округом."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "municipality", "organisation", "person", "region", "district"],
                name="membership_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        target = self.municipality or self.organisation or self.person or self.region or self.district
        return f"{self.user} — {self.get_role_display()} ({target})"


# Accounts: who created, deactivated or renamed an account, and when (never the password hash).
register(
    get_user_model(),
    app="registry",
    table_name="registry_historicaluser",
    excluded_fields=["password", "last_login"],
)
