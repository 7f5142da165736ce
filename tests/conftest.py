from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from registry.demo import DemoBuilder
from registry.models import MentoringGroup, Organisation, Person, Role
from tests.factories import MunicipalityFactory, OrganisationFactory, make_user


def load_demo() -> None:
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo municipality once per run: the permission matrix and page tests read it."""
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo(db):
    """Handles on the demo data: the two schools, a teacher of school 1, and the accounts."""
    builder = DemoBuilder()
    if not get_user_model().objects.filter(username="coordinator").exists():
        # A transactional test before this one flushed the database.
        load_demo()
    data = builder.data
    school1 = Organisation.objects.get(short_name=data["organisations"][0][1])
    school2 = Organisation.objects.get(short_name=data["organisations"][1][1])
    users = {user.username: user for user in get_user_model().objects.all()}
    own = {m.user.username: m.person for m in users["mentor"].memberships.select_related("person", "user")}
    own |= {m.user.username: m.person for m in users["mentee"].memberships.select_related("person", "user")}
    teacher = Person.objects.filter(organisation=school1, memberships__isnull=True).order_by("pk").first()
    group = MentoringGroup.objects.filter(mentor=own["mentor"], status="active").order_by("pk").first()
    return {
        "school1": school1,
        "school2": school2,
        "teacher": teacher,
        "users": users,
        "own": own,
        "group": group,
        "program": group.program,
        "order": group.order,
        "activity": group.program.activities.first(),
    }


@pytest.fixture
def town(db):
    """A small municipality of its own, so the numbers are known by hand: one school, its curator and the
    municipality's coordinator. Files that need more (a second school, a named curator) extend it."""
    municipality = MunicipalityFactory()
    school = OrganisationFactory(municipality=municipality, short_name="МБОУ «Лицей № 7»")
    return {
        "municipality": municipality,
        "school": school,
        "curator": make_user(Role.CURATOR, school),
        "coordinator": make_user(Role.COORDINATOR, municipality),
    }


@pytest.fixture
def school(town):
    """One school seen from every role that manages it: curator and director, the municipality's coordinator
    and head. The same objects as ``town``'s, under the names the mentoring and roadmap tests use."""
    return {
        "municipality": town["municipality"],
        "organisation": town["school"],
        "curator": town["curator"],
        "director": make_user(Role.DIRECTOR, town["school"]),
        "coordinator": town["coordinator"],
        "head": make_user(Role.HEAD, town["municipality"]),
    }


@pytest.fixture(autouse=True)
def live_region_figures(settings):
    """The regional table's figures are kept ten minutes for every server; tests read what they just wrote."""
    settings.REGION_FIGURES_SECONDS = 0


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; PBKDF2's deliberate slowness buys nothing here."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        # The demo accounts loaded once per run were hashed with the default.
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
