"""The load benchmark's accounts: coordinators, curators and directors spread over the region.

The region data has staff accounts in the demo municipality only (``coordinator``,
``curator``, ``director``...). Fifty simulated users on three accounts would measure one
school's pages fifty times over, so this module adds ``load-*`` accounts through the ORM:
one coordinator per municipality, and a curator and a director per school, schools taken
in turn from different municipalities. Each load director's school gets a fresh roadmap
submitted for approval (the director approves or returns it, the curator submits or
revises it again, so the round never runs dry), and each coordinator's municipality a
monitoring period (for the analytical report PDF).

Idempotent: accounts and memberships are reused, the load schools' roadmaps recreated.
The accounts get the demo password: the demo ``coordinator``'s password hash is copied,
so no PBKDF2 round is spent per account. ``remove_accounts()`` takes it all away again.
Imports Django (call after ``django.setup()``); never imports locust.
"""

from __future__ import annotations

import datetime
import itertools

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

PREFIX = "load-"
ROLES = ("coordinator", "curator", "director")


def _schools_spread_over_municipalities(exclude: set[int]) -> list:
    """Schools that have an active pair with a program, one municipality after another."""
    from registry.models import MentoringGroup, Organisation

    with_programs = (
        MentoringGroup.objects.filter(status=MentoringGroup.Status.ACTIVE, program__isnull=False)
        .values("organisation_id")
        .distinct()
    )
    schools = list(
        Organisation.objects.filter(kind=Organisation.Kind.SCHOOL, pk__in=with_programs)
        .exclude(pk__in=exclude)
        .select_related("municipality")
        .order_by("municipality__name", "pk")
    )
    by_municipality: dict[int, list] = {}
    for school in schools:
        by_municipality.setdefault(school.municipality_id, []).append(school)
    interleaved = itertools.chain.from_iterable(itertools.zip_longest(*by_municipality.values()))
    return [school for school in interleaved if school is not None]


def _user(username: str, password_hash: str, first_name: str, last_name: str):
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@example.ru"},
    )
    if user.password != password_hash or not user.is_active:
        user.password, user.is_active = password_hash, True
        user.save(update_fields=["password", "is_active"])
    return user


def _membership(user, role: str, **scope) -> None:
    from registry.models import Membership

    membership, _ = Membership.objects.get_or_create(user=user, role=role, **scope)
    Membership.objects.filter(user=user).exclude(pk=membership.pk).delete()


def _fresh_roadmap(school, curator) -> None:
    """The school's roadmaps replaced by one copied from the sample and submitted for approval."""
    from roadmaps.models import Roadmap
    from roadmaps.services import revision_submit, roadmap_create

    Roadmap.objects.filter(organisation=school, is_template=False).delete()
    sample = Roadmap.objects.filter(is_template=True, municipality__isnull=True, level=Roadmap.Level.SCHOOL).first()
    year = timezone.localdate().year
    roadmap = roadmap_create(
        user=curator,
        level=Roadmap.Level.SCHOOL,
        organisation=school,
        title=f"Дорожная карта наставничества {school.short_name} (нагрузочный тест)",
        period=f"{year - 1}–{year} учебный год",
        source=sample.revisions.first() if sample else None,
    )
    revision = roadmap.revisions.first()
    revision_submit(user=curator, revision=revision, version=revision.version)


def _monitoring_period(municipality, coordinator) -> None:
    from monitoring.models import MonitoringPeriod

    if MonitoringPeriod.objects.filter(municipality=municipality).exists():
        return
    today = timezone.localdate()
    MonitoringPeriod.objects.create(
        municipality=municipality,
        title=f"Мониторинг {today.year} (нагрузочный тест)",
        starts_on=today.replace(year=today.year - 1),
        ends_on=today,
        deadline=today + datetime.timedelta(days=14),
        created_by=coordinator,
    )


@transaction.atomic
def prepare_accounts(*, coordinators: int, curators: int, directors: int) -> dict[str, list[str]]:
    """Create (or reuse) the accounts and their data; returns the logins per role.

    The demo ``coordinator`` is the first coordinator; every other account is ``load-<role>-NN``.
    Curator ``i`` and director ``i`` share a school, so a director always has a curator whose
    roadmap to decide on. With fewer schools than accounts (the small demo data), schools repeat.
    """
    from registry.demo import DemoBuilder
    from registry.models import Municipality, Role

    User = get_user_model()
    template = User.objects.get(username="coordinator")
    demo_municipality, demo_schools = DemoBuilder().demo_municipality_and_schools()

    municipalities = list(Municipality.objects.exclude(pk=demo_municipality.pk).order_by("name")) or [demo_municipality]
    schools = _schools_spread_over_municipalities({school.pk for school in demo_schools})
    if not schools:
        schools = _schools_spread_over_municipalities(set())
    if not schools:
        raise RuntimeError("No school with an active pair and a program: load the demo data first.")

    logins: dict[str, list[str]] = {"coordinator": ["coordinator"], "curator": [], "director": []}
    for number in range(1, coordinators):
        municipality = municipalities[(number - 1) % len(municipalities)]
        user = _user(f"{PREFIX}coordinator-{number:02d}", template.password, "Координатор", f"Нагрузочный {number}")
        _membership(user, Role.COORDINATOR, municipality=municipality)
        _monitoring_period(municipality, user)
        logins["coordinator"].append(user.username)
    _monitoring_period(demo_municipality, template)

    curator_users = []
    for number in range(1, max(curators, directors) + 1):
        school = schools[(number - 1) % len(schools)]
        user = _user(f"{PREFIX}curator-{number:02d}", template.password, "Куратор", f"Нагрузочный {number}")
        _membership(user, Role.CURATOR, organisation=school)
        curator_users.append((user, school))
        if number <= curators:
            logins["curator"].append(user.username)
    decided = set()
    for number in range(1, directors + 1):
        curator, school = curator_users[number - 1]
        user = _user(f"{PREFIX}director-{number:02d}", template.password, "Директор", f"Нагрузочный {number}")
        _membership(user, Role.DIRECTOR, organisation=school)
        if school.pk not in decided:
            _fresh_roadmap(school, curator)
            decided.add(school.pk)
        logins["director"].append(user.username)
    return logins


@transaction.atomic
def remove_accounts() -> int:
    """Delete the ``load-*`` accounts, their roadmaps and periods; returns the number of accounts."""
    from monitoring.models import MonitoringPeriod
    from registry.models import Membership
    from roadmaps.models import Roadmap

    users = get_user_model().objects.filter(username__startswith=PREFIX)
    schools = Membership.objects.filter(user__in=users, organisation__isnull=False).values("organisation_id")
    Roadmap.objects.filter(organisation__in=schools, is_template=False, title__endswith="(нагрузочный тест)").delete()
    MonitoringPeriod.objects.filter(title__endswith="(нагрузочный тест)").delete()
    count = users.count()
    users.delete()
    return count
