"""The academic year and «Новый учебный год»: a school's and the municipality's roll-over, run twice."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.models import AcademicYear, Program, Role
from registry.years import next_year, year_of
from roadmaps.access import can_edit
from roadmaps.models import Item, Revision, Roadmap
from roadmaps.rollover import moved_on, municipality_roll_over, school_roll_over
from roadmaps.services import revision_approve, revision_submit, roadmap_create
from tests.factories import OrganisationFactory, make_user
from tests.utils import page_text

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def sample_revision() -> Revision:
    return Roadmap.objects.get(is_template=True, level="school", municipality__isnull=True).revisions.get()


def approved_plan(school, organisation=None, **fields) -> Roadmap:
    organisation = organisation or school["organisation"]
    curator = school["curator"] if organisation == school["organisation"] else make_user(Role.CURATOR, organisation)
    director = school["director"] if organisation == school["organisation"] else make_user(Role.DIRECTOR, organisation)
    year = year_of(organisation.municipality)
    roadmap = roadmap_create(
        user=curator,
        level="school",
        organisation=organisation,
        title=f"Дорожная карта {organisation.short_name} на {year.starts_on.year}–{year.ends_on.year} учебный год",
        period=f"{year.starts_on.year}–{year.ends_on.year} учебный год",
        source=sample_revision(),
        **fields,
    )
    revision = roadmap.revisions.get()
    item = revision.items.order_by("position").first()
    item.deadline = f"сентябрь {year.starts_on.year}"
    item.save()
    revision_submit(user=curator, revision=revision, version=revision.version)
    revision.refresh_from_db()
    revision_approve(user=director, revision=revision, version=revision.version, order="№ 5 от 01.09")
    return roadmap


def test_a_year_runs_from_1_september_to_31_august_and_is_made_once():
    municipality = OrganisationFactory().municipality
    year = year_of(municipality, datetime.date(2026, 12, 1))
    assert (year.title, year.starts_on, year.ends_on) == (
        "2026/2027",
        datetime.date(2026, 9, 1),
        datetime.date(2027, 8, 31),
    )
    assert year_of(municipality, datetime.date(2027, 3, 1)) == year
    assert next_year(year).title == "2027/2028"
    assert AcademicYear.objects.filter(municipality=municipality).count() == 2


def test_a_municipality_whose_year_starts_otherwise_keeps_its_dates(db):
    municipality = OrganisationFactory().municipality
    AcademicYear.objects.create(
        municipality=municipality,
        title="2025/2026",
        starts_on=datetime.date(2025, 8, 25),
        ends_on=datetime.date(2026, 8, 24),
    )
    following = year_of(municipality, datetime.date(2026, 8, 30))
    assert (following.starts_on, following.ends_on) == (datetime.date(2026, 8, 25), datetime.date(2027, 8, 24))


def test_years_move_on_only_where_they_are_the_years_own():
    year = AcademicYear(title="2025/2026", starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2026, 8, 31))
    assert moved_on("сентябрь 2025, май 2026", year) == "сентябрь 2026, май 2027"
    assert moved_on("Приказ от 29.03.2022 № 100-д", year) == "Приказ от 29.03.2022 № 100-д"
    assert moved_on("2025–2026 учебный год", year) == "2026–2027 учебный год"


def test_a_school_rolls_over_into_the_next_year_and_a_second_time_changes_nothing(school):
    roadmap = approved_plan(school)
    year = roadmap.academic_year
    copy = school_roll_over(user=school["curator"], organisation=school["organisation"], year=year)
    assert copy.academic_year == next_year(year)
    revision = copy.revisions.get()
    assert revision.status == Revision.Status.DRAFT
    source = roadmap.revisions.get(status="approved")
    assert revision.items.count() == source.items.count() == 16
    first = revision.items.order_by("position").first()
    assert first.deadline == f"сентябрь {year.starts_on.year + 1}"
    assert first.due_date.year == year.starts_on.year + 1
    assert f"{year.starts_on.year + 1}–{year.ends_on.year + 1}" in copy.title

    again = school_roll_over(user=school["curator"], organisation=school["organisation"], year=year)
    assert again == copy
    assert Roadmap.objects.filter(organisation=school["organisation"]).count() == 2
    assert Item.objects.filter(revision__roadmap=copy).count() == 16


def test_the_municipality_rolls_over_every_school_and_archives_the_year_twice_the_same(school):
    roadmap = approved_plan(school)
    other = OrganisationFactory(municipality=school["municipality"])
    approved_plan(school, other)
    OrganisationFactory(municipality=school["municipality"])  # no plan: nothing to copy
    year = roadmap.academic_year

    result = municipality_roll_over(user=school["coordinator"], municipality=school["municipality"], year=year)
    assert (result.copied, result.kept, result.without_plan, result.archived) == (2, 0, 2, True)
    year.refresh_from_db()
    archived_at = year.archived_at
    counts = (Roadmap.objects.count(), Revision.objects.count(), Item.objects.count())

    result = municipality_roll_over(user=school["coordinator"], municipality=school["municipality"], year=year)
    assert (result.copied, result.kept, result.archived) == (0, 2, False)
    year.refresh_from_db()
    assert year.archived_at == archived_at
    assert (Roadmap.objects.count(), Revision.objects.count(), Item.objects.count()) == counts


def test_an_archived_years_roadmap_is_read_only_but_still_readable(client, school):
    roadmap = approved_plan(school)
    municipality_roll_over(user=school["coordinator"], municipality=school["municipality"], year=roadmap.academic_year)
    roadmap.refresh_from_db()
    assert not can_edit(school["curator"], roadmap)
    client.force_login(school["curator"])
    item = Item.objects.filter(revision__roadmap=roadmap).first()
    response = client.post(
        reverse("roadmaps:item_track", args=[roadmap.pk, item.pk]), {"status": "done", "version": item.version}
    )
    assert response.status_code == 403
    assert client.get(roadmap.get_absolute_url()).status_code == 200
    assert client.get(reverse("roadmaps:roadmap_xlsx", args=[roadmap.pk])).status_code == 200


def test_the_new_year_page_lists_programs_that_end_and_that_carry_over(client, school):
    approved_plan(school)
    year = year_of(school["municipality"])
    organisation = school["organisation"]
    Program.objects.create(
        organisation=organisation, title="Кончается", goals="Ц", status="active", end_date=year.ends_on
    )
    Program.objects.create(
        organisation=organisation,
        title="Продолжается",
        goals="Ц",
        status="active",
        end_date=year.ends_on + datetime.timedelta(days=60),
    )
    client.force_login(school["curator"])
    years_before = AcademicYear.objects.count()
    response = client.get(reverse("roadmaps:school_new_year"))
    assert AcademicYear.objects.count() == years_before  # a GET writes nothing
    text = page_text(response)
    assert "Заканчиваются в" in text and "Кончается" in text.split("Продолжаются в")[0]
    assert "Продолжается" in text.split("Продолжаются в")[1]

    response = client.post(reverse("roadmaps:school_new_year"), {"organisation": organisation.pk})
    copy = Roadmap.objects.get(organisation=organisation, academic_year=next_year(year))
    assert response["Location"] == copy.get_absolute_url()
    response = client.get(reverse("roadmaps:school_new_year"))
    assert "уже есть" in page_text(response)


def test_another_schools_new_year_answers_404_and_a_mentor_403(client, school):
    stranger = OrganisationFactory(municipality=school["municipality"])
    client.force_login(school["curator"])
    assert client.get(reverse("roadmaps:school_new_year"), {"organisation": stranger.pk}).status_code == 404
    assert client.post(reverse("roadmaps:school_new_year"), {"organisation": stranger.pk}).status_code == 404
    assert client.post(reverse("roadmaps:municipality_new_year")).status_code == 403


def test_the_roadmap_list_shows_the_chosen_year(client, school):
    roadmap = approved_plan(school)
    last = AcademicYear.objects.create(
        municipality=school["municipality"],
        title="2024/2025",
        starts_on=datetime.date(2024, 9, 1),
        ends_on=datetime.date(2025, 8, 31),
    )
    old = roadmap_create(
        user=school["curator"],
        level="school",
        organisation=school["organisation"],
        title="Прошлогодняя карта",
        period="2024–2025 учебный год",
        academic_year=last,
    )
    client.force_login(school["curator"])
    current = page_text(client.get(reverse("roadmaps:roadmap_list")))
    assert roadmap.title in current and old.title not in current
    archive = page_text(client.get(reverse("roadmaps:roadmap_list"), {"year": "2024/2025"}))
    assert old.title in archive and roadmap.title not in archive


def test_the_pair_list_defaults_to_the_current_year_and_keeps_the_past_ones(client, school):
    from registry.models import MentoringGroup
    from registry.years import current_title
    from tests.factories import MentorProfileFactory

    organisation = school["organisation"]
    mentor = MentorProfileFactory(person__organisation=organisation).person
    current = MentoringGroup.objects.create(
        organisation=organisation, mentor=mentor, start_date=TODAY, planned_end_date=TODAY + datetime.timedelta(days=90)
    )
    old_start = TODAY - datetime.timedelta(days=800)
    old = MentoringGroup.objects.create(
        organisation=organisation,
        mentor=mentor,
        status="completed",
        start_date=old_start,
        planned_end_date=old_start + datetime.timedelta(days=200),
        ended_on=old_start + datetime.timedelta(days=200),
    )
    client.force_login(school["curator"])
    shown = client.get(reverse("registry:group_list")).context["page"].object_list
    assert list(shown) == [current]
    everything = client.get(reverse("registry:group_list"), {"year": ""}).context["page"].object_list
    assert set(everything) == {current, old}
    assert current_title() in page_text(client.get(reverse("registry:group_list")))
