"""Several roles at once: a methodist who curates two kindergartens, a director who also mentors.

Nothing takes "the" organisation of a user who has two: each create form asks which one, and
what is created lands there; a user with one organisation is not asked.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from monitoring.models import MonitoringPeriod, Questionnaire
from registry.models import (
    Activity,
    ColumnChoice,
    ImportBatch,
    Membership,
    MentoringGroup,
    MentoringOrder,
    Organisation,
    Participation,
    Person,
    Program,
    Role,
    column_owner,
)
from registry.services import group_create, group_record_consents
from roadmaps.models import Roadmap
from tests.data.seed_roadmaps import SEEDS, to_xlsx
from tests.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PersonFactory,
    make_user,
)
from tests.utils import form_data, page_text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def methodist():
    """A methodist of the municipality who curates two kindergartens, each with a mentor and a mentee."""
    municipality = MunicipalityFactory()
    kindergartens = [
        OrganisationFactory(
            municipality=municipality, kind=Organisation.Kind.KINDERGARTEN, short_name=f"МБДОУ «Детский сад № {n}»"
        )
        for n in (1, 2)
    ]
    user = make_user(Role.CURATOR, kindergartens[0])
    Membership.objects.create(user=user, role=Role.CURATOR, organisation=kindergartens[1])
    people = {
        organisation.pk: {
            "mentor": MentorProfileFactory(person__organisation=organisation, person__last_name="Орлова").person,
            "mentee": MenteeProfileFactory(person__organisation=organisation, person__last_name="Зайцева").person,
        }
        for organisation in kindergartens
    }
    return {
        "municipality": municipality,
        "first": kindergartens[0],
        "second": kindergartens[1],
        "user": user,
        "people": people,
    }


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- roadmaps --------------------------------------------------------------------------------
def test_a_curator_of_two_kindergartens_is_asked_whose_roadmap_and_it_lands_in_the_second(client, methodist):
    client.force_login(methodist["user"])
    field = client.get(reverse("roadmaps:roadmap_create")).context["form"].fields["organisation"]
    assert set(field.queryset) == {methodist["first"], methodist["second"]}
    response = client.post(
        reverse("roadmaps:roadmap_create"),
        {
            "title": "Дорожная карта сада № 2",
            "period": "2026",
            "kind": "school",
            "organisation": methodist["second"].pk,
        },
    )
    roadmap = Roadmap.objects.get(title="Дорожная карта сада № 2")
    assert response.url == roadmap.get_absolute_url()
    assert roadmap.organisation == methodist["second"]


def test_a_two_kindergarten_curator_who_does_not_say_whose_gets_asked_and_nothing_is_created(client, methodist):
    client.force_login(methodist["user"])
    response = client.post(reverse("roadmaps:roadmap_create"), {"title": "Чья?", "period": "2026", "kind": "school"})
    assert response.status_code == 200
    assert "Выберите организацию." in page_text(response)
    assert not Roadmap.objects.filter(title="Чья?").exists()


def test_a_roadmap_for_a_school_the_curator_does_not_keep_is_refused(client, methodist):
    stranger = OrganisationFactory(municipality=methodist["municipality"])
    client.force_login(methodist["user"])
    client.post(
        reverse("roadmaps:roadmap_create"),
        {"title": "Чужая", "period": "2026", "kind": "school", "organisation": stranger.pk},
    )
    assert not Roadmap.objects.filter(title="Чужая").exists()


def test_a_curator_of_one_school_is_not_asked_whose_roadmap(client, methodist):
    curator = make_user(Role.CURATOR, methodist["first"])
    client.force_login(curator)
    assert "organisation" not in client.get(reverse("roadmaps:roadmap_create")).context["form"].fields
    client.post(reverse("roadmaps:roadmap_create"), {"title": "Своя", "period": "2026", "kind": "school"})
    assert Roadmap.objects.get(title="Своя").organisation == methodist["first"]


def test_a_roadmap_file_uploaded_for_the_second_kindergarten_is_created_there(client, methodist):
    client.force_login(methodist["user"])
    response = client.post(
        reverse("roadmaps:roadmap_import"),
        {
            "file": SimpleUploadedFile("план.xlsx", to_xlsx(SEEDS["seed000"])),
            "kind": "school",
            "organisation": methodist["second"].pk,
        },
    )
    assert response.status_code == 302, page_text(response)
    batch = ImportBatch.objects.filter(user=methodist["user"]).latest("pk")
    response = client.post(reverse("roadmaps:roadmap_import_confirm", args=[batch.pk]))
    roadmap = Roadmap.objects.get(organisation__in=[methodist["first"], methodist["second"]])
    assert response.url == roadmap.get_absolute_url()
    assert roadmap.organisation == methodist["second"]


# --- pairs and orders ------------------------------------------------------------------------
def test_a_pair_formed_by_a_two_kindergarten_curator_lands_in_the_second(client, methodist):
    second = methodist["people"][methodist["second"].pk]
    client.force_login(methodist["user"])
    form = client.get(reverse("registry:group_create")).context["form"]
    assert set(form.fields["organisation"].queryset) == {methodist["first"], methodist["second"]}
    response = client.post(
        reverse("registry:group_create"),
        {
            "organisation": methodist["second"].pk,
            "mentor": second["mentor"].pk,
            "mentees": [second["mentee"].pk],
            "form": "teacher_teacher",
            "kinds": ["traditional"],
            "start_date": TODAY.isoformat(),
            "planned_end_date": (TODAY + datetime.timedelta(days=270)).isoformat(),
        },
    )
    group = MentoringGroup.objects.get(mentor=second["mentor"])
    assert response.url == group.get_absolute_url()
    assert group.organisation == methodist["second"]
    assert list(group.mentees.all()) == [second["mentee"]]


def test_an_order_of_the_second_kindergarten_fixes_its_pairs_and_refuses_the_firsts(client, methodist):
    groups = {}
    for organisation in (methodist["first"], methodist["second"]):
        people = methodist["people"][organisation.pk]
        group = group_create(
            user=methodist["user"],
            organisation=organisation,
            mentor=people["mentor"],
            mentees=[people["mentee"]],
            form="teacher_teacher",
            kinds=["traditional"],
            start_date=TODAY,
            planned_end_date=TODAY + datetime.timedelta(days=270),
        )
        group_record_consents(group=group, mentor_consent_date=TODAY, mentee_consents={people["mentee"].pk: TODAY})
        groups[organisation.pk] = group
    client.force_login(methodist["user"])
    mixed = [groups[methodist["first"].pk].pk, groups[methodist["second"].pk].pk]
    response = client.post(reverse("registry:order_create"), {"organisation": methodist["second"].pk, "groups": mixed})
    assert "Приказ закрепляет только пары своей организации." in page_text(response)
    assert not MentoringOrder.objects.filter(organisation__in=[methodist["first"], methodist["second"]]).exists()
    client.post(
        reverse("registry:order_create"),
        {"organisation": methodist["second"].pk, "groups": [groups[methodist["second"].pk].pk]},
    )
    # The curator prepares the draft; the second kindergarten's director signs it.
    draft = MentoringOrder.objects.drafts().get(organisation__in=[methodist["first"], methodist["second"]])
    assert draft.organisation == methodist["second"]
    client.force_login(make_user(Role.DIRECTOR, methodist["second"]))
    sign = reverse("registry:order_sign", args=[draft.pk])
    data = form_data(client.get(draft.get_absolute_url()), action=sign)
    client.post(sign, data | {"number": "7-о", "date": TODAY.isoformat(), "signed_by": "Иванова И. И."})
    active = MentoringGroup.objects.get(pk__in=mixed, status="active")
    assert active == groups[methodist["second"].pk]
    assert active.order == draft
    assert MentoringOrder.objects.get(pk=draft.pk).number == "7-о"


# --- the teachers' import --------------------------------------------------------------------
def test_a_file_without_the_oo_column_uploaded_for_the_second_kindergarten_loads_its_teachers_there(client, methodist):
    client.force_login(methodist["user"])
    assert "organisation" in client.get(reverse("registry:import_upload")).context["form"].fields
    content = xlsx([["ФИО", "Должность"], ["Белова Ирина Павловна", "Воспитатель"]])
    response = client.post(
        reverse("registry:import_upload"),
        {"file": SimpleUploadedFile("воспитатели.xlsx", content), "organisation": methodist["second"].pk},
    )
    batch = ImportBatch.objects.get(user=methodist["user"])
    assert response.url == batch.get_absolute_url()
    assert client.get(response.url).context["plan"].error == ""
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    loaded = Person.objects.filter(last_name="Белова", organisation__municipality=methodist["municipality"])
    assert [person.organisation for person in loaded] == [methodist["second"]]


def test_a_file_without_the_oo_column_and_no_kindergarten_chosen_is_refused_with_what_to_do(client, methodist):
    client.force_login(methodist["user"])
    content = xlsx([["ФИО", "Должность"], ["Белова Ирина Павловна", "Воспитатель"]])
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile("в.xlsx", content)})
    preview = page_text(client.get(response.url))
    assert "выберите организацию при загрузке файла" in preview
    client.post(reverse("registry:import_confirm", args=[ImportBatch.objects.get(user=methodist["user"]).pk]))
    assert not Person.objects.filter(last_name="Белова", organisation__municipality=methodist["municipality"]).exists()


def test_the_columns_chosen_for_the_second_kindergartens_file_are_remembered_for_that_kindergarten(methodist):
    options = {"organisation": methodist["second"].pk}
    ColumnChoice.objects.remember(methodist["user"], ImportBatch.Kind.REGISTRY, {"фио": "full_name"}, options=options)
    assert ColumnChoice.objects.filter(owner=f"organisation:{methodist['second'].pk}", header="фио").exists()
    assert not ColumnChoice.objects.filter(owner=f"organisation:{methodist['first'].pk}").exists()
    # Without a choice, a user of two organisations keeps their own: not silently the first one's.
    assert column_owner(methodist["user"]) == f"user:{methodist['user'].pk}"


# --- monitoring ------------------------------------------------------------------------------
def test_the_monitoring_page_of_a_two_kindergarten_curator_offers_both(client, methodist):
    client.force_login(methodist["user"])
    response = client.get(reverse("monitoring:dashboard"))
    assert response.status_code == 200
    assert [school.pk for school in response.context["schools"]] == [methodist["first"].pk, methodist["second"].pk]
    for school in (methodist["first"], methodist["second"]):
        assert client.get(reverse("monitoring:school_dashboard", args=[school.pk])).status_code == 200


def test_a_coordinator_of_two_municipalities_opens_a_period_and_a_questionnaire_in_the_second(client):
    municipalities = [MunicipalityFactory(), MunicipalityFactory()]
    coordinator = make_user(Role.COORDINATOR, municipalities[0])
    Membership.objects.create(user=coordinator, role=Role.COORDINATOR, municipality=municipalities[1])
    client.force_login(coordinator)
    asked = client.get(reverse("monitoring:period_create")).context["form"].fields["municipality"]
    assert set(asked.queryset) == set(municipalities)
    client.post(
        reverse("monitoring:period_create"),
        {
            "municipality": municipalities[1].pk,
            "title": "Мониторинг, апрель",
            "starts_on": (TODAY - datetime.timedelta(days=30)).isoformat(),
            "ends_on": TODAY.isoformat(),
            "deadline": (TODAY + datetime.timedelta(days=10)).isoformat(),
        },
    )
    assert MonitoringPeriod.objects.get(title="Мониторинг, апрель").municipality == municipalities[1]
    questionnaires = client.get(reverse("monitoring:questionnaire_list")).content.decode()
    assert f'<option value="{municipalities[1].pk}">{municipalities[1].name}</option>' in questionnaires
    client.post(reverse("monitoring:questionnaire_create"), {"municipality": municipalities[1].pk})
    assert Questionnaire.objects.filter(municipality__in=municipalities).get().municipality == municipalities[1]


# --- a director who also mentors -------------------------------------------------------------
@pytest.fixture
def director_mentor():
    """The director of one school who mentors a young teacher of the neighbouring school, by its curator's program."""
    municipality = MunicipalityFactory()
    own, neighbour = (OrganisationFactory(municipality=municipality) for _ in range(2))
    user = make_user(Role.DIRECTOR, own)
    person = MentorProfileFactory(person__organisation=own, person__last_name="Директорова", open_mentoring=True).person
    Membership.objects.create(user=user, role=Role.MENTOR, person=person)
    mentee = MenteeProfileFactory(person__organisation=neighbour, person__last_name="Молодова").person
    group = MentoringGroup.objects.create(
        organisation=neighbour,
        mentor=person,
        start_date=TODAY,
        planned_end_date=TODAY + datetime.timedelta(days=270),
    )
    Participation.objects.create(group=group, mentee=mentee)
    program = Program.objects.create(organisation=neighbour, group=group, title="Первый год в профессии", goals="Уроки")
    activity = Activity.objects.create(program=program, position=1, title="Открытый урок")
    return {"user": user, "own": own, "neighbour": neighbour, "program": program, "activity": activity}


def test_a_director_who_also_mentors_keeps_their_schools_pages(client, director_mentor):
    client.force_login(director_mentor["user"])
    own = director_mentor["own"]
    assert client.get(reverse("registry:organisation_update", args=[own.pk])).status_code == 200
    assert client.get(reverse("monitoring:dashboard")).url == reverse("monitoring:school_dashboard", args=[own.pk])
    assert client.get(reverse("monitoring:readiness_edit", args=[own.pk])).status_code == 200
    colleague = PersonFactory(organisation=own, last_name="Коллегова")
    assert client.get(reverse("registry:person_update", args=[colleague.pk])).status_code == 200


def test_a_director_who_also_mentors_reads_and_marks_their_mentees_program_in_the_other_school(client, director_mentor):
    program, activity = director_mentor["program"], director_mentor["activity"]
    client.force_login(director_mentor["user"])
    page = client.get(program.get_absolute_url())
    assert page.status_code == 200
    assert "Первый год в профессии" in page_text(page)
    url = reverse("registry:activity_mark", args=[program.pk, activity.pk])
    data = form_data(page, action=url) | {"done_on": TODAY.isoformat(), "note": "Проведён"}
    assert client.post(url, data).status_code == 302
    activity.refresh_from_db()
    assert activity.note == "Проведён"
    # The pair is the other school's: its director mentors in it, but does not edit its program.
    assert client.get(reverse("registry:program_update", args=[program.pk])).status_code == 403
    # Nor does the other school's monitoring page exist for them.
    assert client.get(reverse("monitoring:school_dashboard", args=[director_mentor["neighbour"].pk])).status_code == 404


def test_a_mentor_who_is_also_a_mentee_answers_a_mentees_questionnaire_as_the_mentee(client):
    from monitoring.models import Response
    from monitoring.services import questionnaire_create_default
    from registry.models import Membership
    from tests.factories import MenteeProfileFactory, MentorProfileFactory

    school = OrganisationFactory()
    mentee = MenteeProfileFactory(person__organisation=school).person
    mentor = MentorProfileFactory(person__organisation=school).person
    user = make_user(Role.MENTOR, mentor)
    Membership.objects.create(user=user, role=Role.MENTEE, person=mentee)
    questionnaire = questionnaire_create_default(municipality=school.municipality)
    questionnaire.audience = questionnaire.Audience.MENTEE
    questionnaire.save(update_fields=["audience"])
    client.force_login(user)
    assert questionnaire in client.get(reverse("monitoring:questionnaire_list")).context["to_answer"]
    questions = list(questionnaire.questions.all())
    data = {f"q{questions[0].pk}": 5, f"q{questions[1].pk}": 4, f"q{questions[2].pk}": 1, f"q{questions[3].pk}": ""}
    answer = client.post(reverse("monitoring:questionnaire_answer", args=[questionnaire.pk]), data)
    assert answer.status_code == 302, page_text(answer)
    response = Response.objects.get(questionnaire=questionnaire)
    assert (response.person, response.role) == (mentee, Role.MENTEE)
