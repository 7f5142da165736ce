"""Journey 1: the coordinator browses the registry, filters it, sees totals and exports it."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from openpyxl import load_workbook

from registry.models import (
    MenteeProfile,
    MentoringGroup,
    MentoringOrder,
    MentorProfile,
    Organisation,
    Participation,
    Role,
    Subject,
    Vocabulary,
    VocabularyTerm,
)
from tests.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PersonFactory,
    make_user,
)
from tests.utils import downloaded, page_text, table_rows

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def district():
    """A municipality built by hand: every filter's right answer is known."""
    municipality = MunicipalityFactory()
    school = OrganisationFactory(municipality=municipality, short_name="МБОУ «СОШ № 1»")
    kindergarten = OrganisationFactory(
        municipality=municipality, short_name="МБДОУ «Детский сад № 5»", kind=Organisation.Kind.KINDERGARTEN
    )
    maths = Subject.objects.get_or_create(name="Математика")[0]
    people = {
        "mentor": PersonFactory(organisation=school, last_name="Орлова", qualification_category="highest"),
        "both": PersonFactory(organisation=school, last_name="Жукова"),
        "young_mentee": PersonFactory(
            organisation=school, last_name="Семёнова", teaching_since=TODAY - datetime.timedelta(days=300)
        ),
        "paired_mentee": PersonFactory(
            organisation=kindergarten, last_name="Фомина", teaching_since=TODAY - datetime.timedelta(days=500)
        ),
        "plain": PersonFactory(organisation=kindergarten, last_name="Белова", qualification_category="none"),
    }
    people["mentor"].subjects.add(maths)
    people["young_mentee"].subjects.add(maths)
    MentorProfileFactory(person=people["mentor"])
    MentorProfileFactory(person=people["both"], status=MentorProfile.Status.PAUSED)
    MenteeProfileFactory(person=people["both"], category=MenteeProfile.Category.DIGITAL)
    MenteeProfileFactory(person=people["young_mentee"])
    MenteeProfileFactory(person=people["paired_mentee"])
    order = MentoringOrder.objects.create(organisation=kindergarten, number="1", date=TODAY, signed_by="Директор")
    group = MentoringGroup.objects.create(
        organisation=kindergarten,
        mentor=people["mentor"],
        status=MentoringGroup.Status.ACTIVE,
        order=order,
        start_date=TODAY,
        planned_end_date=TODAY + datetime.timedelta(days=180),
    )
    Participation.objects.create(group=group, mentee=people["paired_mentee"])
    return {
        "municipality": municipality,
        "school": school,
        "kindergarten": kindergarten,
        "maths": maths,
        "people": people,
        "coordinator": make_user(Role.COORDINATOR, municipality),
        "curator": make_user(Role.CURATOR, school),
    }


def names(response) -> set[str]:
    return {person.last_name for person in response.context["page"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Орлова", "Жукова", "Семёнова", "Фомина", "Белова"}),
        ({"organisation_kind": "kindergarten"}, {"Фомина", "Белова"}),
        ({"role": "mentor"}, {"Орлова", "Жукова"}),
        ({"role": "mentee"}, {"Жукова", "Семёнова", "Фомина"}),
        ({"role": "both"}, {"Жукова"}),
        ({"role": "neither"}, {"Белова"}),
        ({"mentee_category": "digital"}, {"Жукова"}),
        ({"qualification_category": "highest"}, {"Орлова"}),
        ({"young": "true"}, {"Семёнова", "Фомина"}),
        ({"without_mentor": "true"}, {"Жукова", "Семёнова"}),
        ({"status": "paused"}, {"Жукова"}),
        ({"q": "СЕМЕНОВА"}, {"Семёнова"}),
        ({"q": "семёнова анна"}, {"Семёнова"}),
        ({"role": "mentee", "young": "true", "without_mentor": "true"}, {"Семёнова"}),
    ],
)
def test_filters_return_exactly_the_expected_people(client, district, params, expected):
    client.force_login(district["coordinator"])
    response = client.get(reverse("registry:person_list"), params)
    assert names(response) == expected
    assert response.context["total"] == len(expected)


def test_filter_by_subject_and_organisation(client, district):
    client.force_login(district["coordinator"])
    response = client.get(reverse("registry:person_list"), {"subject": district["maths"].pk})
    assert names(response) == {"Орлова", "Семёнова"}
    response = client.get(reverse("registry:person_list"), {"organisation": district["school"].pk})
    assert names(response) == {"Орлова", "Жукова", "Семёнова"}


def test_totals_count_what_is_filtered(client, district):
    client.force_login(district["coordinator"])
    response = client.get(reverse("registry:person_list"), {"organisation": district["school"].pk})
    assert response.context["totals"] == {"total": 3, "mentors": 2, "mentees": 2, "young": 1}
    assert "Найдено: 3 педагога; из них 2 наставника, 2 наставляемых, 1 молодой педагог." in page_text(response)


def test_sorting_by_organisation_then_reversed(client, district):
    client.force_login(district["coordinator"])
    ascending = client.get(reverse("registry:person_list"), {"ordering": "organisation"})
    organisations = [person.organisation.short_name for person in ascending.context["page"]]
    assert organisations == sorted(organisations)
    descending = client.get(reverse("registry:person_list"), {"ordering": "-name"})
    last_names = [person.last_name for person in descending.context["page"]]
    assert last_names == sorted(last_names, reverse=True)


def test_pagination_keeps_the_filter(client, district, settings):
    settings.PAGE_SIZE = 2
    client.force_login(district["coordinator"])
    first = client.get(reverse("registry:person_list"), {"role": "mentee"})
    assert len(first.context["page"]) == 2
    assert 'href="?role=mentee&amp;page=2"' in first.content.decode()
    second = client.get(reverse("registry:person_list"), {"role": "mentee", "page": 2})
    assert len(names(first) | names(second)) == 3


def test_curator_sees_the_same_page_limited_to_their_school(client, district):
    client.force_login(district["curator"])
    response = client.get(reverse("registry:person_list"))
    assert names(response) == {"Орлова", "Жукова", "Семёнова"}
    response = client.get(reverse("registry:person_list"), {"organisation": district["kindergarten"].pk})
    assert names(response) == {"Орлова", "Жукова", "Семёнова"}  # a foreign id is not a valid choice


def test_a_mentee_sees_only_themselves(client, district):
    user = make_user(Role.MENTEE, district["people"]["young_mentee"])
    client.force_login(user)
    assert names(client.get(reverse("registry:person_list"))) == {"Семёнова"}


def test_person_page_shows_profile_and_mentoring_history(client, district):
    client.force_login(district["coordinator"])
    response = client.get(district["people"]["paired_mentee"].get_absolute_url())
    text = page_text(response)
    assert "Банк наставляемых" in text
    assert "История наставничества" in text
    assert "наставляемый Орлова А. С." in text
    assert "Действует" in text


def open_export(response):
    return load_workbook(io.BytesIO(downloaded(response))).active


def test_export_holds_what_is_filtered_with_russian_headers_and_dates(client, district):
    district["people"]["young_mentee"].consent_date = datetime.date(2022, 3, 29)
    district["people"]["young_mentee"].save()
    client.force_login(district["coordinator"])
    response = client.get(reverse("registry:person_export"), {"role": "mentee", "young": "true"})
    sheet = open_export(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("ФИО", "ОО", "Должность", "Предметы")
    assert sorted(row[0] for row in rows[1:]) == ["Семёнова Анна Сергеевна", "Фомина Анна Сергеевна"]
    consent = next(row for row in sheet.iter_rows(min_row=2) if row[0].value.startswith("Семёнова"))[10]
    assert consent.value.date() == datetime.date(2022, 3, 29)
    assert consent.number_format == "DD.MM.YYYY"


def test_export_file_name_is_cyrillic_per_rfc_5987(client, district):
    client.force_login(district["coordinator"])
    response = client.get(reverse("registry:person_export"))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "%D0%A0%D0%B5%D0%B5%D1%81%D1%82%D1%80" in disposition  # «Реестр»


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://evil")', "+7 (844) 12-34", "-2+3", "@SUM(A1)"])
def test_export_never_carries_a_live_formula(client, district, payload):
    person = district["people"]["plain"]
    person.position = payload
    person.save()
    client.force_login(district["coordinator"])
    response = client.get(reverse("registry:person_export"), {"q": "Белова"})
    sheet_xml = zipfile.ZipFile(io.BytesIO(downloaded(response))).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    cell = open_export(response)["C2"]
    assert cell.value == payload
    assert cell.data_type == "s"
    assert cell.quotePrefix is True


def test_curator_adds_a_teacher_to_the_mentor_bank_with_a_scan(client, district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = district["people"]["plain"]
    person.organisation = district["school"]
    person.save()
    competency = VocabularyTerm.objects.filter(vocabulary=Vocabulary.COMPETENCY).first()
    client.force_login(district["curator"])
    response = client.post(
        reverse("registry:profile_edit", args=[person.pk, "mentor"]),
        {
            "competencies": [competency.pk],
            "capacity": 3,
            "open_mentoring": "on",
            "consent_date": "2025-09-01",
            "consent_scan": SimpleUploadedFile("согласие.pdf", b"%PDF-1.7 scan"),
            "status": "active",
        },
    )
    assert response.status_code == 302
    profile = MentorProfile.objects.get(person=person)
    assert (profile.capacity, profile.open_mentoring) == (3, True)
    assert list(profile.competencies.all()) == [competency]
    assert not profile.consent_scan.name.endswith("согласие.pdf")  # stored under a generated name
    scan = client.get(reverse("registry:consent_scan", args=[person.pk, "mentor"]))
    assert downloaded(scan) == b"%PDF-1.7 scan"
    assert scan["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("скан.exe", b"MZ....", "Загрузите скан в формате PDF, JPG или PNG."),
        ("скан.pdf", b"<html>not a pdf</html>", "Содержимое файла не похоже на PDF."),
    ],
)
def test_bad_scans_are_refused_and_nothing_is_saved(client, district, settings, tmp_path, name, content, error):
    settings.MEDIA_ROOT = tmp_path
    person = district["people"]["plain"]
    client.force_login(district["coordinator"])
    response = client.post(
        reverse("registry:profile_edit", args=[person.pk, "mentor"]),
        {"capacity": 2, "status": "active", "consent_scan": SimpleUploadedFile(name, content)},
    )
    assert response.context["form"].errors["consent_scan"] == [error]
    assert not MentorProfile.objects.filter(person=person).exists()


def test_capacity_out_of_range_is_refused_in_russian(client, district):
    client.force_login(district["coordinator"])
    response = client.post(
        reverse("registry:profile_edit", args=[district["people"]["plain"].pk, "mentor"]),
        {"capacity": 0, "status": "active"},
    )
    assert "Число наставляемых — от 1 до 20." in page_text(response)


def test_coordinator_extends_a_managed_list_for_their_municipality(client, district):
    client.force_login(district["coordinator"])
    response = client.post(
        reverse("registry:vocabulary_list"),
        {
            "vocabulary": Vocabulary.COMPETENCY,
            "name": "Работа с одарёнными детьми",
            "municipality": district["municipality"].pk,
        },
    )
    assert response.status_code == 302
    term = VocabularyTerm.objects.get(name="Работа с одарёнными детьми")
    assert term.municipality == district["municipality"]
    foreign = make_user(Role.CURATOR, OrganisationFactory())
    assert term not in VocabularyTerm.objects.visible_to(foreign)
    assert term in VocabularyTerm.objects.visible_to(district["curator"])


def test_a_shared_term_cannot_be_added_twice(client, district):
    existing = VocabularyTerm.objects.filter(vocabulary=Vocabulary.REQUEST, municipality__isnull=True).first()
    client.force_login(district["coordinator"])
    response = client.post(
        reverse("registry:vocabulary_list"),
        {"vocabulary": Vocabulary.REQUEST, "name": existing.name.upper(), "municipality": district["municipality"].pk},
    )
    assert response.context["form"].errors["name"] == ["Такой пункт уже есть в общем справочнике."]


def test_curators_base_lists_curators_of_the_municipality_only(client, district):
    other = make_user(Role.CURATOR, OrganisationFactory())
    district["curator"].last_name = "Кураторова"
    district["curator"].save()
    other.last_name = "Чужая"
    other.save()
    client.force_login(district["coordinator"])
    text = page_text(client.get(reverse("registry:curator_list")))
    assert "Кураторова" in text
    assert "Чужая" not in text


def listed(response, url_name: str) -> list[str]:
    """What the list page shows, one text per entry: its table rows, or the vocabularies' terms."""
    if url_name == "registry:vocabulary_list":
        content = response.content.decode()
        return [" ".join(strip_tags(item).split()) for item in re.findall(r"<li>(.*?)</li>", content, re.DOTALL)]
    return table_rows(response)


@pytest.mark.parametrize(
    ("url_name", "few_rows", "many_rows", "shown"),
    [
        # The five people of the district; then 55, of which the first page's 50, the new Петровы among them.
        ("registry:person_list", 5, 50, "Петрова"),
        # The coordinator and the school's curator; then 25 more curators.
        ("registry:curator_list", 2, 27, "ООШ 24"),
        # The shared terms; then the municipality's 25 requests.
        ("registry:vocabulary_list", None, None, "Запрос 24"),
    ],
)
def test_list_queries_do_not_grow_with_rows(client, district, url_name, few_rows, many_rows, shown):
    client.force_login(district["coordinator"])
    if url_name == "registry:vocabulary_list":
        terms = VocabularyTerm.objects.filter(Q(municipality=None) | Q(municipality=district["municipality"]))
        few_rows, many_rows = terms.count(), terms.count() + 25
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert len(listed(response, url_name)) == few_rows
    assert shown not in page_text(response)
    for number in range(25):
        person = PersonFactory(organisation=district["school"])
        person.subjects.add(district["maths"])
        MentorProfileFactory(person=PersonFactory(organisation=district["kindergarten"]))
        MenteeProfileFactory(person=person)
        make_user(Role.CURATOR, OrganisationFactory(municipality=district["municipality"], short_name=f"ООШ {number}"))
        VocabularyTerm.objects.create(
            vocabulary=Vocabulary.REQUEST, name=f"Запрос {number}", municipality=district["municipality"]
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert len(listed(response, url_name)) == many_rows
    assert any(shown in row for row in listed(response, url_name))
    assert len(many) == len(few)


def test_export_queries_do_not_grow_with_rows(client, district):
    client.force_login(district["coordinator"])
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("registry:person_export"))
    assert response.status_code == 200
    people = [row[0] for row in open_export(response).iter_rows(min_row=2, values_only=True)]
    assert sorted(people) == sorted(person.full_name for person in district["people"].values())
    made = []
    for _ in range(30):
        person = PersonFactory(organisation=district["school"])
        person.subjects.add(district["maths"])
        MenteeProfileFactory(person=person)
        made.append(person.full_name)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("registry:person_export"))
    assert response.status_code == 200
    people = [row[0] for row in open_export(response).iter_rows(min_row=2, values_only=True)]
    assert sorted(people) == sorted([person.full_name for person in district["people"].values()] + made)
    assert len(many) == len(few)


def test_a_region_sized_scope_picks_the_municipality_before_the_organisation(client, district, monkeypatch):
    from registry.filters import PersonFilter

    monkeypatch.setattr(PersonFilter, "MAX_ORGANISATION_CHOICES", 1)
    client.force_login(district["coordinator"])
    field = client.get(reverse("registry:person_list")).context["filter"].form.fields["organisation"]
    assert list(field.queryset) == []
    assert field.empty_label == "Сначала выберите муниципалитет"
    response = client.get(reverse("registry:person_list"), {"municipality": district["municipality"].pk})
    organisations = set(response.context["filter"].form.fields["organisation"].queryset)
    assert organisations == {district["school"], district["kindergarten"]}
