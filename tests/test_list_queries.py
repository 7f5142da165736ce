"""Every list view's query count does not grow with its rows (the lists not covered beside their features)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring.models import MonitoringPeriod
from monitoring.services import questionnaire_create_default
from registry.models import MentoringGroup, MentoringOrder, Program, Role
from tests.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    MunicipalityFactory,
    OrganisationFactory,
    make_user,
)
from tests.utils import table_rows

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def place():
    municipality = MunicipalityFactory()
    school = OrganisationFactory(municipality=municipality)
    return {"municipality": municipality, "school": school, "coordinator": make_user(Role.COORDINATOR, municipality)}


def add_order_with_pair(school, number):
    order = MentoringOrder.objects.create(organisation=school, number=str(number), date=TODAY, signed_by="Директор")
    mentor = MentorProfileFactory(person__organisation=school).person
    group = MentoringGroup.objects.create(
        organisation=school,
        mentor=mentor,
        status="active",
        order=order,
        start_date=TODAY,
        planned_end_date=TODAY + datetime.timedelta(days=100),
    )
    group.participations.create(mentee=MenteeProfileFactory(person__organisation=school).person)
    Program.objects.create(organisation=school, title=f"Программа {number}", goals="Ц", in_bank=True)


def grow(place, url_name, count):
    start = place.setdefault("made", 0)
    place["made"] += count
    for number in range(start, start + count):
        if url_name in {"registry:order_list", "registry:program_bank"}:
            add_order_with_pair(place["school"], number)
        elif url_name == "monitoring:period_list":
            MonitoringPeriod.objects.create(
                municipality=place["municipality"], title=f"П{number}", starts_on=TODAY, ends_on=TODAY, deadline=TODAY
            )
        elif url_name == "registry:account_list":
            make_user(Role.CURATOR, place["school"])
            make_user(Role.MENTOR, MentorProfileFactory(person__organisation=place["school"]).person)
        else:
            questionnaire_create_default(municipality=place["municipality"])


# How each list names the rows ``grow`` makes (by their number), where it does.
ROW_NAMES = {"registry:order_list": "№ {}", "registry:program_bank": "Программа {}", "monitoring:period_list": "П{}"}


@pytest.mark.parametrize(
    ("url_name", "rows_per_growth"),
    [
        ("registry:order_list", 1),
        ("registry:program_bank", 1),
        ("registry:account_list", 2),
        ("monitoring:period_list", 1),
        ("monitoring:questionnaire_list", 1),
    ],
)
def test_list_queries_do_not_grow_with_rows(client, place, url_name, rows_per_growth):
    client.force_login(place["coordinator"])

    def listed(made: int) -> list[str]:
        response = client.get(reverse(url_name))
        assert response.status_code == 200
        rows = table_rows(response)
        assert len(rows) == made * rows_per_growth
        if url_name in ROW_NAMES:
            assert all(any(row.startswith(f"{ROW_NAMES[url_name].format(n)} ") for row in rows) for n in range(made))
        return response

    grow(place, url_name, 1)
    with CaptureQueriesContext(connection) as few:
        listed(1)
    grow(place, url_name, 12)
    with CaptureQueriesContext(connection) as many:
        response = listed(13)
    assert len(many) == len(few)
    if url_name == "registry:account_list":
        assert response.context["page"].paginator.count == 26
