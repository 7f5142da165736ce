from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.models import Person
from tests.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    OrganisationFactory,
    PersonFactory,
)
from tests.utils import page_text, table_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(town):
    """The shared town with a second organisation, outside its curator's reach."""
    other = OrganisationFactory(municipality=town["municipality"], short_name="МБДОУ «Детский сад № 3»")
    return town | {"other": other}


def person_form(organisation, **overrides):
    data = {
        "organisation": organisation.pk,
        "last_name": "Семёнова",
        "first_name": "Алёна",
        "middle_name": "Викторовна",
        "position": "Учитель",
        "qualification_category": Person.Category.FIRST,
        "teaching_since": "2015-09-01",
        "consent_date": "2024-09-02",
    }
    data.update(overrides)
    return data


def test_curator_adds_a_teacher_to_their_school(client, town):
    client.force_login(town["curator"])
    response = client.post(reverse("registry:person_create"), person_form(town["school"]))
    person = Person.objects.get(organisation__municipality=town["municipality"], last_name="Семёнова")
    assert response.status_code == 302
    assert response.url == person.get_absolute_url()
    assert person.organisation == town["school"]
    assert person.teaching_since == datetime.date(2015, 9, 1)


def test_curator_cannot_put_a_teacher_into_another_school(client, town):
    client.force_login(town["curator"])
    response = client.post(reverse("registry:person_create"), person_form(town["other"]))
    assert response.status_code == 200
    assert "Выберите корректный вариант" in response.content.decode()
    assert not Person.objects.filter(organisation__municipality=town["municipality"], last_name="Семёнова").exists()


def test_missing_name_is_reported_next_to_the_field_and_nothing_is_saved(client, town):
    client.force_login(town["curator"])
    response = client.post(reverse("registry:person_create"), person_form(town["school"], last_name="  "))
    form = response.context["form"]
    assert form.errors["last_name"] == ["Обязательное поле."]
    assert not Person.objects.filter(organisation__municipality=town["municipality"]).exists()


def test_future_consent_date_is_refused_in_russian(client, town):
    client.force_login(town["curator"])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(reverse("registry:person_create"), person_form(town["school"], consent_date=tomorrow))
    assert response.context["form"].errors["consent_date"] == ["Дата согласия не может быть в будущем."]
    assert not Person.objects.filter(organisation__municipality=town["municipality"], last_name="Семёнова").exists()


def test_experience_in_years_sets_the_start_date(client, town):
    client.force_login(town["curator"])
    client.post(
        reverse("registry:person_create"),
        person_form(town["school"], teaching_since="", experience_years="2"),
    )
    person = Person.objects.get(organisation__municipality=town["municipality"], last_name="Семёнова")
    assert person.experience_years == 2
    assert person.is_young_teacher


def test_a_namesake_in_the_same_school_is_refused_with_a_message(client, town):
    PersonFactory(organisation=town["school"], last_name="Семёнова", first_name="Алёна", middle_name="Викторовна")
    client.force_login(town["curator"])
    response = client.post(reverse("registry:person_create"), person_form(town["school"]))
    assert "уже есть педагог с такими фамилией, именем и отчеством" in response.content.decode()
    assert Person.objects.filter(organisation__municipality=town["municipality"], last_name="Семёнова").count() == 1


def test_dates_are_shown_as_dd_mm_yyyy(client, town):
    person = PersonFactory(organisation=town["school"], consent_date=datetime.date(2022, 3, 29))
    client.force_login(town["curator"])
    response = client.get(person.get_absolute_url())
    assert "от 29.03.2022" in response.content.decode()


def test_search_forgives_case_and_yo(client, town):
    PersonFactory(organisation=town["school"], last_name="Королёва", first_name="Дарья")
    PersonFactory(organisation=town["school"], last_name="Королев", first_name="Пётр")
    PersonFactory(organisation=town["school"], last_name="Иванова")
    client.force_login(town["coordinator"])
    response = client.get(reverse("registry:person_list"), {"q": "КОРОЛЕ"})
    names = {person.last_name for person in response.context["page"]}
    assert names == {"Королёва", "Королев"}
    assert response.context["total"] == 2


def test_young_teacher_filter_returns_exactly_the_young(client, town):
    today = timezone.localdate()
    young = PersonFactory(organisation=town["school"], teaching_since=today - datetime.timedelta(days=400))
    PersonFactory(organisation=town["school"], teaching_since=today - datetime.timedelta(days=4000))
    PersonFactory(organisation=town["school"], teaching_since=None)
    client.force_login(town["coordinator"])
    response = client.get(reverse("registry:person_list"), {"young": "true"})
    assert [person.pk for person in response.context["page"]] == [young.pk]


def test_curator_list_holds_only_their_school(client, town):
    mine = PersonFactory(organisation=town["school"])
    PersonFactory(organisation=town["other"])
    client.force_login(town["curator"])
    response = client.get(reverse("registry:person_list"))
    assert [person.pk for person in response.context["page"]] == [mine.pk]
    assert "Найдено: 1 педагог;" in page_text(response)


def test_curator_filtering_by_another_schools_id_gets_a_form_error_not_its_people(client, town):
    PersonFactory(organisation=town["other"])
    client.force_login(town["curator"])
    response = client.get(reverse("registry:person_list"), {"organisation": town["other"].pk})
    assert response.context["total"] == 0


def test_home_page_counts_the_municipality(client, town):
    PersonFactory(organisation=town["school"])
    MentorProfileFactory(person__organisation=town["school"])
    MenteeProfileFactory(
        person__organisation=town["other"], person__teaching_since=timezone.localdate() - datetime.timedelta(days=100)
    )
    client.force_login(town["coordinator"])
    response = client.get(reverse("home"))
    (block,) = response.context["desk"].blocks
    (summary,) = [panel.context for panel in block.panels if panel.template == "registry/desk_totals.html"]
    totals = summary["totals"]
    assert (totals["people"], totals["mentors"], totals["mentees"], totals["young"]) == (3, 1, 1, 1)
    assert summary["organisation_count"] == 2
    assert "3 педагога" in page_text(response)


def test_person_list_queries_do_not_grow_with_rows(client, town):
    client.force_login(town["coordinator"])
    first = PersonFactory.create_batch(3, organisation=town["school"])
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("registry:person_list"))
    assert response.status_code == 200
    rows = table_rows(response)
    assert [row.split(" МБОУ")[0] for row in rows] == [person.full_name for person in first]
    for person in PersonFactory.create_batch(40, organisation=town["other"]):
        MentorProfileFactory(person=PersonFactory(organisation=town["school"]))
        person.subjects.create(name=f"Предмет {person.pk}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("registry:person_list"))
    assert response.status_code == 200
    assert response.context["total"] == 83
    rows = table_rows(response)
    assert len(rows) == settings.PAGE_SIZE
    assert sum("наставник" in row.split() for row in rows) > 0
    assert sum("Предмет" in row for row in rows) > 0
    assert len(many) == len(few)


def test_organisation_list_queries_do_not_grow_with_rows(client, town):
    client.force_login(town["coordinator"])
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("registry:organisation_list"))
    assert response.status_code == 200
    assert sorted(row.split(" ")[0:3] for row in table_rows(response)) == [
        ["МБДОУ", "«Детский", "сад"],
        ["МБОУ", "«Лицей", "№"],
    ]
    for number in range(30):
        PersonFactory(organisation=OrganisationFactory(municipality=town["municipality"], short_name=f"ООШ {number}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("registry:organisation_list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 32
    rows = table_rows(response)
    assert len(rows) == 32
    assert all(any(row.startswith(f"ООШ {number} ") for row in rows) for number in range(30))
    assert len(many) == len(few)


def test_home_page_queries_do_not_grow_with_rows(client, town):
    client.force_login(town["coordinator"])
    PersonFactory(organisation=town["school"])
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "1 педагог 0 наставников" in page_text(response)
    PersonFactory.create_batch(30, organisation=town["school"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "31 педагог 0 наставников" in page_text(response)
    assert len(many) == len(few)
