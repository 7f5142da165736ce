"""The version number behind every stale-edit check (``mentoring_portal.concurrency``).

Every write of a versioned row moves its version on, whichever way it is written: a save,
a guarded save, a bulk update or an import. The imports' "did anything change since the
preview" reads the versions, so a change, a creation and a deletion all count.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from mentoring_portal.concurrency import Stale, bulk_update, bump, lock, versions_of
from registry.importing import fingerprint
from registry.models import Activity, Organisation, Person
from registry.organisation_import import fingerprint as organisations_fingerprint
from tests.factories import OrganisationFactory, PersonFactory
from tests.registry.test_import import good_rows, upload, xlsx
from tests.utils import form_data, page_text

pytestmark = pytest.mark.django_db

STALE = "Пока вы редактировали, эту запись изменил другой пользователь"


def stored_version(obj) -> int:
    return type(obj).objects.values_list("version", flat=True).get(pk=obj.pk)


def test_every_save_moves_the_version_on_and_the_instance_reads_the_new_number(town):
    person = PersonFactory(organisation=town["school"])
    assert person.version == 1
    person.phone = "1"
    person.save()
    assert person.version == stored_version(person) == 2
    person.save(update_fields=["phone"])
    assert person.version == stored_version(person) == 3


def test_a_save_over_another_version_than_the_locked_one_is_refused_and_writes_nothing(town):
    person = PersonFactory(organisation=town["school"], phone="до")
    opened = lock(Person, person.pk, person.version)
    bump(Person.objects.filter(pk=person.pk))  # somebody else's write, past the lock (as without a transaction)
    opened.phone = "после"
    with pytest.raises(Stale), transaction.atomic():  # a refused save rolls back what it is part of
        opened.save()
    assert Person.objects.get(pk=person.pk).phone == "до"
    with pytest.raises(Stale):
        lock(Person, person.pk, person.version)


def test_bulk_writes_move_the_version_of_every_row_they_write(town):
    people = [PersonFactory(organisation=town["school"]) for _ in range(3)]
    for person in people[:2]:
        person.position = "Учитель"
    bulk_update(Person, people[:2], ["position"])
    assert [stored_version(person) for person in people] == [2, 2, 1]
    assert people[0].version == 2  # read back, not guessed
    bump(Person.objects.filter(pk=people[2].pk), phone="2")
    assert stored_version(people[2]) == 2


def test_the_digest_of_versions_changes_with_a_write_a_creation_a_deletion_and_a_move(town):
    school, other = town["school"], OrganisationFactory(municipality=town["municipality"])
    people = [PersonFactory(organisation=school) for _ in range(3)]
    of_school = Person.objects.filter(organisation=school)
    seen = {versions_of(of_school)}
    assert versions_of(of_school) in seen  # reading changes nothing

    people[0].save()
    seen.add(versions_of(of_school))
    PersonFactory(organisation=school)
    seen.add(versions_of(of_school))
    people[1].delete()
    seen.add(versions_of(of_school))
    people[2].organisation = other
    people[2].save()
    seen.add(versions_of(of_school))
    assert len(seen) == 5
    assert versions_of(Person.objects.none()) == ""


def test_the_import_preview_is_planned_again_when_a_person_was_edited_or_deleted(client, town):
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    organisations = {town["school"].pk}
    before = fingerprint(organisations)
    orlova = Person.objects.get(organisation=town["school"], last_name="Орлова")
    orlova.phone = "8-900-000-00-00"
    orlova.save()
    after_edit = fingerprint(organisations)
    Person.objects.get(organisation=town["school"], last_name="Котов").delete()
    assert len({repr(before), repr(after_edit), repr(fingerprint(organisations))}) == 3


def test_an_import_that_updates_people_moves_their_versions_on(client, town):
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    people = Person.objects.filter(organisation=town["school"])
    assert set(people.values_list("version", flat=True)) == {1}  # written with COPY: the column's default
    rows = good_rows()
    rows[1][2] = "Заместитель директора"
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert people.get(last_name="Орлова").version == 2


def test_a_card_opened_before_an_import_changed_the_person_is_refused(client, town):
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(good_rows()))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    orlova = Person.objects.get(organisation=town["school"], last_name="Орлова")
    url = reverse("registry:person_update", args=[orlova.pk])
    opened = form_data(client.get(url))
    rows = good_rows()
    rows[1][2] = "Заместитель директора"
    batch, _ = upload(client, town["curator"], "школа.xlsx", xlsx(rows))
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert STALE in page_text(client.post(url, opened | {"phone": "8-900-000-00-00"}))
    assert Person.objects.get(pk=orlova.pk).position == "Заместитель директора"


def test_the_list_of_organisations_reads_as_changed_after_a_card_was_saved(town):
    before = organisations_fingerprint(town["municipality"].pk)
    school = Organisation.objects.get(pk=town["school"].pk)
    school.save()
    assert organisations_fingerprint(town["municipality"].pk) != before


def test_a_mark_on_an_activity_refuses_a_stale_edit_of_that_activity_only(client, demo):
    """The program's form carries one version per activity row; only a row that was changed is checked."""
    program, activity = demo["program"], demo["activity"]
    client.force_login(demo["users"]["curator"])
    url = reverse("registry:program_update", args=[program.pk])
    opened = form_data(client.get(url))
    index = next(key for key, value in opened.items() if key.endswith("-id") and value == str(activity.pk))
    prefix = index.removesuffix("-id")
    mark = Activity.objects.get(pk=activity.pk)
    mark.note = "Отметка наставника"
    mark.save()

    refused = client.post(url, opened | {f"{prefix}-title": "Новое название пункта"})
    assert STALE in page_text(refused)
    assert Activity.objects.get(pk=activity.pk).title == activity.title
    saved = client.post(url, opened | {"title": "Новое название программы"})
    assert saved.status_code == 302, page_text(saved)
    assert Activity.objects.get(pk=activity.pk).note == "Отметка наставника"
