"""Audit history: every change to a person, a pair, a program and a roadmap is kept and shown."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import ImportBatch, Person, Role
from roadmaps.models import Item, Revision
from tests.factories import make_user
from tests.registry.test_import import good_rows, upload, xlsx
from tests.registry.test_mentoring import consented, create, issue, school  # noqa: F401 (fixture)
from tests.registry.test_people import person_form
from tests.utils import form_data, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(town):
    """The shared town, its curator named: the history shows who changed what by name."""
    town["curator"].first_name, town["curator"].last_name = "Ирина", "Соколова"
    town["curator"].save()
    return town


def history_section(response) -> str:
    text = page_text(response)
    assert "История изменений" in text
    return text[text.index("История изменений") :]


def test_an_edit_of_a_person_is_shown_with_who_when_and_what(client, town):
    client.force_login(town["curator"])
    client.post(reverse("registry:person_create"), person_form(town["school"], phone="111-11-11"))
    person = Person.objects.get(organisation=town["school"], last_name="Семёнова")
    url = reverse("registry:person_update", args=[person.pk])
    response = client.post(url, form_data(client.get(url)) | {"phone": "222-22-22"})
    assert response.status_code == 302

    history = history_section(client.get(person.get_absolute_url()))
    assert "Соколова" in history
    assert "Телефон: 111-11-11 → 222-22-22" in history
    assert "Карточка педагога: создание" in history
    assert person.history.count() == 2
    assert person.history.first().history_user == town["curator"]


def test_import_records_each_person_it_creates_with_the_file_name(client, town):
    batch, _preview = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows(town["school"].short_name)))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    orlova = Person.objects.get(organisation=town["school"], last_name="Орлова")
    record = orlova.history.get()
    assert record.history_type == "+"
    assert record.history_user == town["curator"]
    assert record.history_change_reason == "Импорт из файла школа.xlsx"
    assert orlova.mentor_profile.history.count() == 1
    assert "Импорт из файла школа.xlsx" in history_section(client.get(orlova.get_absolute_url()))
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.APPLIED


def test_a_pairs_history_shows_its_forming_consents_and_order(client, school):  # noqa: F811
    director = school["director"]
    director.first_name, director.last_name = "Нина", "Петрова"
    director.save()
    group = consented(create(school, mentees=school["mentees"][:1]))
    issue(school, [group])
    client.force_login(school["curator"])
    history = history_section(client.get(reverse("registry:group_detail", args=[group.pk])))
    assert "Пара или группа: изменение (Приказ № 12-о" in history
    assert "Статус: Черновик → Действует" in history
    assert "Участник: изменение" in history
    # The order's author is named as people know them, never by the sign-in name.
    assert "Нина Петрова" in history
    assert director.username not in history


def test_tracking_a_roadmap_item_is_in_the_roadmaps_history(client, demo):
    revision = Revision.objects.get(
        status=Revision.Status.APPROVED,
        roadmap__level="municipal",
        roadmap__is_template=False,
        roadmap__municipality=demo["school1"].municipality,
    )
    item = revision.items.filter(status=Item.Status.PLANNED).order_by("position").first()
    client.force_login(demo["users"]["coordinator"])
    url = reverse("roadmaps:item_track", args=[revision.roadmap_id, item.pk])
    data = form_data(client.get(url)) | {
        "status": Item.Status.DONE,
        "done_on": "2025-01-15",
        "evidence_note": "Протокол № 3",
    }
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)

    history = history_section(client.get(reverse("roadmaps:roadmap_detail", args=[revision.roadmap_id])))
    assert f"Пункт {item.number}: изменение" in history
    assert "Протокол № 3" in history


def test_the_history_costs_the_same_queries_however_many_edits(client, demo):
    person = demo["teacher"]
    client.force_login(demo["users"]["curator"])
    url = person.get_absolute_url()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    person.position = "Учитель истории"
    person.save()
    before = queries()
    for number in range(6):
        person.phone = f"8-900-000-00-0{number}"
        person.save()
    assert queries() == before
    assert person.history.count() >= 7


def test_another_schools_curator_cannot_read_the_history(client, demo):
    client.force_login(demo["users"]["curator2"])
    assert client.get(demo["teacher"].get_absolute_url()).status_code == 404
    assert client.get(reverse("registry:group_detail", args=[demo["group"].pk])).status_code == 404


def test_readers_of_approved_roadmaps_do_not_see_the_drafts_history(client, demo):
    """A return comment written while the plan was a draft stays with those who see drafts."""
    from roadmaps.models import Roadmap
    from roadmaps.services import (
        content_of,
        revision_approve,
        revision_edit,
        revision_open_next,
        revision_return,
        revision_submit,
    )

    roadmap = Roadmap.objects.get(
        organisation=demo["school2"], is_template=False, academic_year__archived_at__isnull=True
    )
    curator, director = demo["users"]["curator2"], demo["users"]["director2"]
    second = revision_open_next(user=curator, roadmap=roadmap)
    # A draft save with a line nobody else should read, then the proper content again.
    proper = content_of(second)
    draft = content_of(second)
    draft[0].items[0]["content"] = "ЧЕРНОВИК: перевести Петрову"
    revision_edit(user=curator, revision=second, version=second.version, header={}, sections=draft)
    second = Revision.objects.get(pk=second.pk)
    revision_edit(user=curator, revision=second, version=second.version, header={}, sections=proper)
    revision_submit(user=curator, revision=second, version=Revision.objects.get(pk=second.pk).version)
    second = Revision.objects.get(pk=second.pk)
    revision_return(user=director, revision=second, version=second.version, comment="Куратор Петрова не успевает")
    second = Revision.objects.get(pk=second.pk)
    revision_submit(user=curator, revision=second, version=second.version)
    second = Revision.objects.get(pk=second.pk)
    revision_approve(user=director, revision=second, version=second.version)

    client.force_login(director)
    assert "Петрова" in history_section(client.get(reverse("roadmaps:roadmap_detail", args=[roadmap.pk])))
    client.force_login(demo["users"]["coordinator"])  # sees drafts of the municipality's schools
    assert client.get(reverse("roadmaps:roadmap_detail", args=[roadmap.pk])).status_code == 200
    teacher = Person.objects.filter(organisation=demo["school2"]).first()
    client.force_login(make_user(Role.MENTOR, teacher))  # the school's mentor: approved revisions only
    page = client.get(reverse("roadmaps:roadmap_detail", args=[roadmap.pk]))
    assert page.status_code == 200
    history = history_section(page)
    assert "Петрова" not in history and "ЧЕРНОВИК" not in history
    assert "Редакция 2: изменение" in history or "Редакция 2" in history
