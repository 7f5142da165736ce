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


@pytest.mark.parametrize(
    "url_name",
    [
        "registry:order_list",
        "registry:program_bank",
        "registry:account_list",
        "monitoring:period_list",
        "monitoring:questionnaire_list",
    ],
)
def test_list_queries_do_not_grow_with_rows(client, place, url_name):
    client.force_login(place["coordinator"])
    grow(place, url_name, 1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url_name)).status_code == 200
    grow(place, url_name, 12)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(url_name))
    assert len(many) == len(few)
    if url_name == "registry:account_list":
        assert response.context["page"].paginator.count == 26
