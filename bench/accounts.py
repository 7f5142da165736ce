"""The load benchmark's accounts: regional, municipal and school roles spread over the region.

The region data has staff accounts in the demo municipality only (``coordinator``,
``curator``, ``director``...) and one regional coordinator (``region``). A hundred simulated
users on those accounts would measure one school's pages over and over, so this module adds
``load-*`` accounts through the ORM:

- regional coordinators (``region`` first, then ``load-regional-NN``: Membership
  ``REGIONAL_COORDINATOR`` on the demo region, which holds every municipality);
- one coordinator per municipality;
- a curator and a director per school, schools taken in turn from different municipalities;
- importing curators (``load-importer-NN``), each of a school of its own, and
  ``import_files()`` writes the spreadsheets they upload;
- mentors (``load-mentor-NN``): the mentor of an active pair with a program, in schools no
  load curator works in (so a mentor and a curator never mark the same activity at once).

Each load director's school gets a fresh roadmap submitted for approval (the director
approves or returns it, the curator submits or revises it again, so the round never runs
dry), and each coordinator's municipality a monitoring period (for the analytical report PDF).

Idempotent: accounts and memberships are reused, the load schools' roadmaps recreated.
The accounts get the demo password: the demo ``coordinator``'s password hash is copied,
so no PBKDF2 round is spent per account. ``remove_accounts()`` takes the accounts, roadmaps
and periods away again (the teachers the importers loaded stay: the next run updates them).
Imports Django (call after ``django.setup()``); never imports locust.
"""

from __future__ import annotations

import datetime
import io
import itertools
import random
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

PREFIX = "load-"
ROLES = ("regional", "coordinator", "curator", "importer", "director", "mentor")


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


def _mentors_elsewhere(exclude: set[int], count: int) -> list:
    """Mentors of active pairs with a program, in schools outside ``exclude``, one municipality after another."""
    from registry.models import MentoringGroup, Person

    if count <= 0:
        return []
    groups = (
        MentoringGroup.objects.filter(status=MentoringGroup.Status.ACTIVE, program__isnull=False)
        .exclude(organisation_id__in=exclude)
        .select_related("organisation")
        .order_by("organisation__municipality__name", "organisation_id", "pk")
    )
    by_municipality: dict[int, list[int]] = {}
    seen: set[int] = set()
    for group in groups.iterator():
        if group.mentor_id not in seen:
            seen.add(group.mentor_id)
            by_municipality.setdefault(group.organisation.municipality_id, []).append(group.mentor_id)
    interleaved = itertools.chain.from_iterable(itertools.zip_longest(*by_municipality.values()))
    chosen = [pk for pk in interleaved if pk is not None][:count]
    people = Person.objects.in_bulk(chosen)
    return [people[pk] for pk in chosen]


@transaction.atomic
def prepare_accounts(
    *, coordinators: int, curators: int, directors: int, regionals: int = 0, importers: int = 0, mentors: int = 0
) -> dict[str, list[str]]:
    """Create (or reuse) the accounts and their data; returns the logins per role.

    The demo ``coordinator`` is the first coordinator and the demo ``region`` the first regional
    coordinator; every other account is ``load-<role>-NN``. Curator ``i`` and director ``i`` share
    a school, so a director always has a curator whose roadmap to decide on; importers get the
    schools after theirs. With fewer schools than accounts (the small demo data), schools repeat.
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

    logins: dict[str, list[str]] = {role: [] for role in ROLES}
    logins["regional"] = _regionals(regionals, template.password)
    logins["coordinator"].append("coordinator")
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
    used = {school.pk for _curator, school in curator_users}
    importer_schools = [schools[(max(curators, directors) + number) % len(schools)] for number in range(importers)]
    logins["importer"] = _importers(importer_schools, template.password)
    used |= {school.pk for school in importer_schools} | {school.pk for school in demo_schools}
    logins["mentor"] = _mentors(_mentors_elsewhere(used, mentors), template.password)
    if len(logins["mentor"]) < mentors:
        raise RuntimeError(f"Only {len(logins['mentor'])} mentors with an active pair and a program for {mentors}.")
    return logins


def _regionals(count: int, password_hash: str) -> list[str]:
    """The demo ``region`` and ``load-regional-NN``: regional coordinators of the demo region."""
    from registry.demo import DemoBuilder
    from registry.models import Role

    if count <= 0:
        return []
    builder = DemoBuilder()
    region = builder.demo_region()
    if not get_user_model().objects.filter(username="region").exists():
        builder.ensure_region()
    logins = ["region"]
    for number in range(1, count):
        user = _user(f"{PREFIX}regional-{number:02d}", password_hash, "Региональный", f"Нагрузочный {number}")
        _membership(user, Role.REGIONAL_COORDINATOR, region=region)
        logins.append(user.username)
    return logins


def _importers(schools: list, password_hash: str) -> list[str]:
    from registry.models import Role

    logins = []
    for number, school in enumerate(schools, start=1):
        user = _user(f"{PREFIX}importer-{number:02d}", password_hash, "Куратор", f"Загружающий {number}")
        _membership(user, Role.CURATOR, organisation=school)
        logins.append(user.username)
    return logins


def _mentors(people: list, password_hash: str) -> list[str]:
    from registry.models import Role

    logins = []
    for number, person in enumerate(people, start=1):
        user = _user(f"{PREFIX}mentor-{number:02d}", password_hash, person.first_name, person.last_name)
        _membership(user, Role.MENTOR, person=person)
        logins.append(user.username)
    return logins


# --- the importers' spreadsheets -------------------------------------------------------------------
def school_spreadsheet(organisation_name: str, rows: int, *, seed: int, variant: int) -> bytes:
    """A school's spreadsheet in the template's columns, as ``bench/run.py``'s ``build_file`` writes it.

    The teachers (names, positions, subjects, experience, roles) depend on ``seed`` only, so every
    upload of a school names the same people, and the first ``rows`` of them: the first upload ever
    creates them, later ones update them. The phone of about one teacher in ten depends on
    ``variant`` too, so each upload changes something and the confirm writes.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from registry.demo import female, load_data, patronymic
    from registry.importing import TEMPLATE_COLUMNS
    from registry.models import MenteeProfile, Person

    rng, changes = random.Random(seed), random.Random(f"{seed}-{variant}")
    data = load_data()
    names = data["names"]
    people = {
        (female(last), first, patronymic(root, True)) if woman else (last, first, patronymic(root, False))
        for woman in (True, False)
        for last in names["male_last"]
        for first in names["female_first" if woman else "male_first"]
        for root in names["patronymic_roots"]
    }
    chosen = rng.sample(sorted(people), rows)
    positions, subjects = data["positions"]["school"], data["subjects"]["school"]
    labels = {value: str(label) for value, label in Person.Category.choices}
    young = str(MenteeProfile.Category.YOUNG.label)
    today = datetime.date.today()

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Педагоги")
    keys = [column.key for column in TEMPLATE_COLUMNS]
    sheet.append([column.title for column in TEMPLATE_COLUMNS])
    for index, (last, first, middle) in enumerate(chosen, start=1):
        years = rng.choice([0, 1, 2]) if rng.random() < 0.16 else rng.randint(3, 40)
        if years >= 15:
            category = rng.choice([Person.Category.HIGHEST, Person.Category.FIRST])
        elif years >= 5:
            category = rng.choice([Person.Category.FIRST, Person.Category.HIGHEST, Person.Category.COMPLIANCE])
        else:
            category = Person.Category.NONE if years < 2 else Person.Category.COMPLIANCE
        role = mentee_category = ""
        if years < 3 and rng.random() < 0.85:
            role, mentee_category = "наставляемый", young
        elif years >= 10 and category in (Person.Category.HIGHEST, Person.Category.FIRST) and rng.random() < 0.3:
            role = "наставник"
        phone = f"+7 (844) 76{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        if changes.random() < 0.1:
            phone = f"+7 (844) 77{changes.randint(10, 99)}-{changes.randint(10, 99)}-{changes.randint(10, 99)}"
        values = {
            "full_name": f"{last} {first} {middle}",
            "organisation": organisation_name,
            "position": rng.choice(positions),
            "subjects": ", ".join(rng.sample(subjects, k=rng.choice([1, 1, 2]))),
            "experience": years,
            "category": labels[category],
            "role": role,
            "mentee_category": mentee_category,
            "consent_date": today - datetime.timedelta(days=rng.randint(10, 600)) if rng.random() < 0.88 else None,
            "email": f"load-import-{seed}-{index:04d}@example.ru",
            "phone": phone,
        }
        cells = []
        for key in keys:
            value = values.get(key, "")
            cell = WriteOnlyCell(sheet, value=value if value != "" else None)
            if isinstance(value, datetime.date):
                cell.number_format = "DD.MM.YYYY"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_files(importers: list[str], sizes: list[int], variants: int, directory: Path) -> dict[str, list[str]]:
    """Each importer's uploads: ``variants`` files of its school (sizes taken in turn from ``sizes``);
    returns the file paths per login. The variants differ in a tenth of the phones, and the run's
    time picks which tenth, so no upload of a run is a no-op."""
    import time

    from registry.models import Membership, Role

    directory.mkdir(parents=True, exist_ok=True)
    run = int(time.time())
    files: dict[str, list[str]] = {}
    for number, login in enumerate(importers):
        school = Membership.objects.select_related("organisation").get(user__username=login, role=Role.CURATOR)
        school = school.organisation
        rows = sizes[number % len(sizes)]
        paths = []
        for variant in range(variants):
            path = directory / f"import-{login}-{variant + 1}.xlsx"
            path.write_bytes(school_spreadsheet(school.short_name, rows, seed=school.pk, variant=run * 10 + variant))
            paths.append(str(path))
        files[login] = paths
    return files


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
