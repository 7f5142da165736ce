from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from registry.demo import DemoBuilder
from registry.models import MentoringGroup, Organisation, Person


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


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; PBKDF2's deliberate slowness buys nothing here."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        # The demo accounts loaded once per run were hashed with the default.
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
