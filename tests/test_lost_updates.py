"""No lost update anywhere a record can be edited by two people.

Each case opens the same edit form twice (two people, or two tabs), saves the first, then
saves the second: the second is refused with a message and the first change survives.
"""

from __future__ import annotations

import datetime
import inspect
from dataclasses import dataclass

import pytest
from django import forms
from django.urls import reverse

import monitoring.forms
import registry.forms
import registry.mentoring_forms
import roadmaps.forms
from mentoring_portal.concurrency import GuardedForm, Versioned
from monitoring.models import MonitoringPeriod, Questionnaire
from registry.models import MentoringGroup, Program, Role
from registry.services import group_create
from roadmaps.models import Item, Revision
from roadmaps.services import roadmap_create
from tests.factories import MenteeProfileFactory, MentorProfileFactory, make_user
from tests.utils import form_data, page_text

pytestmark = pytest.mark.django_db

STALE = "Пока вы редактировали, эту запись изменил другой пользователь"


@dataclass
class Case:
    page: str  # where the form is shown
    action: str  # where it posts
    user: str
    field: str
    stored: object  # () -> the stored value of the field


def cases(demo) -> dict[str, Case]:
    teacher, program, activity = demo["teacher"], demo["program"], demo["activity"]
    mentor_program = Program.objects.get(pk=program.pk)
    municipal = Revision.objects.get(
        status=Revision.Status.APPROVED,
        roadmap__level="municipal",
        roadmap__is_template=False,
        roadmap__municipality=demo["school1"].municipality,
    )
    item = municipal.items.order_by("position").first()
    period = MonitoringPeriod.objects.filter(municipality=demo["school1"].municipality).first()
    questionnaire = Questionnaire.objects.filter(municipality=demo["school1"].municipality).first()
    draft = group_create(
        user=demo["users"]["curator"],
        organisation=demo["school1"],
        mentor=MentorProfileFactory(person__organisation=demo["school1"]).person,
        mentees=[MenteeProfileFactory(person__organisation=demo["school1"]).person],
        form="teacher_teacher",
        kinds=["traditional"],
        start_date=datetime.date.today(),
        planned_end_date=datetime.date.today() + datetime.timedelta(days=200),
    )
    school = demo["school1"]

    def edit(name, *args):
        url = reverse(name, args=args)
        return url, url

    return {
        "person": Case(
            *edit("registry:person_update", teacher.pk),
            "curator",
            "phone",
            lambda: type(teacher).objects.get(pk=teacher.pk).phone,
        ),
        "mentor bank entry": Case(
            *edit("registry:profile_edit", demo["own"]["mentor"].pk, "mentor"),
            "curator",
            "competencies_text",
            lambda: (
                demo["own"]["mentor"]
                .mentor_profile.__class__.objects.get(person=demo["own"]["mentor"])
                .competencies_text
            ),
        ),
        "organisation card": Case(
            *edit("registry:organisation_update", school.pk),
            "director",
            "phone",
            lambda: type(school).objects.get(pk=school.pk).phone,
        ),
        "program": Case(
            *edit("registry:program_update", program.pk),
            "curator",
            "title",
            lambda: Program.objects.get(pk=program.pk).title,
        ),
        "program activity in the plan": Case(
            *edit("registry:program_update", program.pk),
            "curator",
            "activities-0-title",
            lambda: Program.objects.get(pk=program.pk).activities.order_by("position", "pk").first().title,
        ),
        "program results": Case(
            mentor_program.get_absolute_url(),
            reverse("registry:program_result", args=[program.pk]),
            "mentor",
            "result",
            lambda: Program.objects.get(pk=program.pk).result,
        ),
        "activity mark": Case(
            mentor_program.get_absolute_url(),
            reverse("registry:activity_mark", args=[program.pk, activity.pk]),
            "mentor",
            "note",
            lambda: type(activity).objects.get(pk=activity.pk).note,
        ),
        "pair consents": Case(
            reverse("registry:group_detail", args=[draft.pk]),
            reverse("registry:group_consents", args=[draft.pk]),
            "curator",
            "mentor",
            lambda: str(MentoringGroup.objects.get(pk=draft.pk).mentor_consent_date),
        ),
        "roadmap item tracking": Case(
            *edit("roadmaps:item_track", municipal.roadmap_id, item.pk),
            "coordinator",
            "evidence_note",
            lambda: Item.objects.get(pk=item.pk).evidence_note,
        ),
        "monitoring conclusions": Case(
            reverse("monitoring:period_detail", args=[period.pk]),
            reverse("monitoring:period_conclusions", args=[period.pk]),
            "coordinator",
            "conclusions",
            lambda: MonitoringPeriod.objects.get(pk=period.pk).conclusions,
        ),
        "questionnaire": Case(
            *edit("monitoring:questionnaire_edit", questionnaire.pk),
            "coordinator",
            "title",
            lambda: Questionnaire.objects.get(pk=questionnaire.pk).title,
        ),
    }


VALUES = {
    "mentor": ("2024-09-02", "2024-09-03"),
    "phone": ("8-900-111-11-11", "8-900-222-22-22"),
}


@pytest.mark.parametrize(
    "name",
    [
        "person",
        "mentor bank entry",
        "organisation card",
        "program",
        "program activity in the plan",
        "program results",
        "activity mark",
        "pair consents",
        "roadmap item tracking",
        "monitoring conclusions",
        "questionnaire",
    ],
)
def test_the_second_save_of_a_stale_form_is_refused_and_the_first_survives(client, demo, name):
    case = cases(demo)[name]
    client.force_login(demo["users"][case.user])
    first_tab = form_data(client.get(case.page), action=case.action)
    second_tab = form_data(client.get(case.page), action=case.action)
    first_value, second_value = VALUES.get(case.field, ("Правка первого", "Правка второго"))

    saved = client.post(case.action, first_tab | {case.field: first_value}, follow=True)
    assert STALE not in page_text(saved)
    assert case.stored() == first_value, page_text(saved)

    refused = client.post(case.action, second_tab | {case.field: second_value}, follow=True)
    assert STALE in page_text(refused)
    assert case.stored() == first_value


def test_a_form_reopened_after_the_change_saves(client, demo):
    person = demo["teacher"]
    url = reverse("registry:person_update", args=[person.pk])
    client.force_login(demo["users"]["curator"])
    stale = form_data(client.get(url))
    client.post(url, form_data(client.get(url)) | {"phone": "1"})
    assert STALE in page_text(client.post(url, stale | {"phone": "2"}))
    response = client.post(url, form_data(client.get(url)) | {"phone": "3"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "3"


def test_an_edit_by_another_person_of_another_field_still_conflicts_only_when_it_is_in_the_form(client, demo):
    """The coordinator's edit of the phone refuses the curator's stale form; a mentor's mark on an
    activity does not refuse the curator's edit of the program's title."""
    program = demo["program"]
    client.force_login(demo["users"]["curator"])
    url = reverse("registry:program_update", args=[program.pk])
    curator_form = form_data(client.get(url))
    activity = demo["activity"]
    activity.note = "Отметка наставника"
    activity.save()
    response = client.post(url, curator_form | {"title": "Новое название"})
    assert response.status_code == 302, page_text(response)
    activity.refresh_from_db()
    assert activity.note == "Отметка наставника"


def test_two_curators_of_the_same_school(client, demo):
    person = demo["teacher"]
    second_curator = make_user(Role.CURATOR, demo["school1"])
    url = reverse("registry:person_update", args=[person.pk])
    client.force_login(demo["users"]["curator"])
    first = form_data(client.get(url))
    client.force_login(second_curator)
    second = form_data(client.get(url))
    assert client.post(url, second | {"position": "Учитель физики"}).status_code == 302
    client.force_login(demo["users"]["curator"])
    assert STALE in page_text(client.post(url, first | {"phone": "8-900-000-00-00"}))
    person.refresh_from_db()
    assert (person.position, person.phone) == ("Учитель физики", demo["teacher"].phone)


def test_two_people_editing_the_same_organisation_card_the_second_is_refused(client, demo):
    """The director and a curator of the school open its card; the curator saves first. The director's
    save carries the version the card had when they opened it, so it is refused and says why."""
    school = demo["school1"]
    url = reverse("registry:organisation_update", args=[school.pk])
    client.force_login(demo["users"]["director"])
    directors = form_data(client.get(url))
    opened_on = type(school).objects.get(pk=school.pk).version
    assert int(directors["version"]) == opened_on
    client.force_login(make_user(Role.DIRECTOR, school))
    assert client.post(url, form_data(client.get(url)) | {"phone": "8-900-333-33-33"}).status_code == 302
    assert type(school).objects.get(pk=school.pk).version == opened_on + 1
    client.force_login(demo["users"]["director"])
    refused = client.post(url, directors | {"phone": "8-900-444-44-44", "address": "Другой адрес"})
    assert STALE in page_text(refused)
    stored = type(school).objects.get(pk=school.pk)
    assert (stored.phone, stored.version) == ("8-900-333-33-33", opened_on + 1)
    assert stored.address != "Другой адрес"


def test_two_people_editing_the_same_roadmap_the_second_is_refused(client, demo):
    """Two curators of the school edit the same draft of its roadmap: the second save is refused,
    the first one's content stays, and the draft's version moved on once."""
    school = demo["school1"]
    template = Revision.objects.get(roadmap__is_template=True, roadmap__level="school", roadmap__municipality=None)
    roadmap = roadmap_create(
        user=demo["users"]["curator"],
        level="school",
        organisation=school,
        title="Дорожная карта наставничества",
        period="2026–2027 учебный год",
        source=template,
    )
    url = reverse("roadmaps:roadmap_edit", args=[roadmap.pk])
    first, second = demo["users"]["curator"], make_user(Role.CURATOR, school)
    client.force_login(first)
    first_tab = form_data(client.get(url), action=url)
    client.force_login(second)
    second_tab = form_data(client.get(url), action=url)
    opened_on = roadmap.revisions.get().version

    client.force_login(first)
    assert client.post(url, first_tab | {"sections-0-title": "Правка первого"}).status_code == 302
    client.force_login(second)
    refused = client.post(url, second_tab | {"sections-0-title": "Правка второго"}, follow=True)
    assert "Дорожную карту уже изменили после того, как вы открыли страницу." in page_text(refused)
    revision = roadmap.revisions.get()
    assert (revision.sections.first().title, revision.version) == ("Правка первого", opened_on + 1)


EDIT_FORMS_WITHOUT_GUARD = {
    # Create-only forms: nothing stored to overwrite.
    registry.forms.VocabularyTermForm,
    monitoring.forms.SchoolReportForm,
    # The roadmap's header is saved with its revision, which carries a version number.
    roadmaps.forms.HeaderForm,
}


def test_every_model_form_is_guarded_or_listed_as_create_only():
    """A new edit form without the guard fails here, before it can lose anybody's work."""
    for module in (registry.forms, registry.mentoring_forms, roadmaps.forms, monitoring.forms):
        for _name, form_class in inspect.getmembers(module, inspect.isclass):
            if form_class.__module__ != module.__name__ or not issubclass(form_class, forms.ModelForm):
                continue
            if form_class in EDIT_FORMS_WITHOUT_GUARD:
                continue
            assert issubclass(form_class, GuardedForm), f"{form_class.__qualname__} edits records without the guard"


def test_every_guarded_model_form_edits_a_versioned_model():
    """The guard compares versions: a model edited through it without one would fail on the first edit."""
    for module in (registry.forms, registry.mentoring_forms, roadmaps.forms, monitoring.forms):
        for _name, form_class in inspect.getmembers(module, inspect.isclass):
            model = getattr(getattr(form_class, "_meta", None), "model", None)
            if issubclass(form_class, GuardedForm) and model is not None:  # a shared base has no model
                assert issubclass(model, Versioned), f"{form_class.__qualname__} edits {model.__name__}, unversioned"
