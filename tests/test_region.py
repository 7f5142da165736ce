"""The regional level: the regional coordinator reads every municipality of the region and writes none."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from registry.models import EducationalDistrict, Municipality, Person, Region, Role
from tests.factories import make_user
from tests.test_permission_matrix import MATRIX, as_role, data_fingerprint, url_for

pytestmark = pytest.mark.django_db

SECOND = "Городской округ город Михайловка"


@pytest.fixture
def region(demo):
    return demo["school1"].municipality.region


def region_url(name: str, region, **kwargs) -> str:
    return reverse(f"region:{name}", kwargs={"kind": "region", "pk": region.pk, **kwargs})


def test_the_demo_region_holds_both_demo_municipalities_in_one_district(demo, region):
    names = set(region.municipalities.values_list("name", flat=True))
    assert {demo["school1"].municipality.name, SECOND} <= names
    district = EducationalDistrict.objects.get(region=region)
    assert set(district.municipalities.values_list("name", flat=True)) == {demo["school1"].municipality.name, SECOND}


def test_the_regional_coordinator_sees_both_municipalities_with_their_indicators_and_places(client, demo, region):
    client.force_login(demo["users"]["region"])
    response = client.get(region_url("area_detail", region))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["municipality"].name for row in rows if row["municipality"].name == SECOND] == [SECOND]
    assert demo["school1"].municipality.name in [row["municipality"].name for row in rows]
    for row in rows:
        assert row["by_code"]["workers"] > 0
        assert row["place"] in (1, 2)
    shares = [row["by_code"]["involved_share"] for row in rows]
    assert shares == sorted(shares, reverse=True)
    page = response.content.decode()
    assert SECOND in page and "100 % ежегодно" in page


def test_the_area_table_is_computed_once_for_every_server_and_says_as_of_when(client, demo, region, settings):
    """The table's figures come from the database cache for ten minutes: a teacher added meanwhile shows
    after the next computation, not before; the page names the time of its figures."""
    from django.core.cache import cache

    settings.REGION_FIGURES_SECONDS = 600
    cache.clear()
    client.force_login(demo["users"]["region"])
    name = demo["school1"].municipality.name

    def workers(response) -> int:
        return next(row["by_code"]["workers"] for row in response.context["rows"] if row["municipality"].name == name)

    first = client.get(region_url("area_detail", region))
    assert "рассчитаны на" in first.content.decode() and "раз в 10 мин" in first.content.decode()
    before = workers(first)
    Person.objects.create(
        organisation=demo["school1"],
        last_name="Новикова",
        first_name="Анна",
        middle_name="Сергеевна",
        position="учитель",
    )
    with CaptureQueriesContext(connection) as kept:
        assert workers(client.get(region_url("area_detail", region))) == before
    assert not [query for query in kept.captured_queries if 'FROM "registry_person"' in query["sql"]]
    cache.clear()
    assert workers(client.get(region_url("area_detail", region))) == before + 1


def test_the_ranking_follows_the_indicator_asked_for(client, demo, region):
    client.force_login(demo["users"]["region"])
    rows = client.get(region_url("area_detail", region), {"by": "young_with_mentor_share"}).context["rows"]
    shares = [row["by_code"]["young_with_mentor_share"] or 0 for row in rows]
    assert shares == sorted(shares, reverse=True)


def test_a_municipality_page_shows_its_roadmaps_and_reported_periods(client, demo, region):
    second = Municipality.objects.get(name=SECOND)
    client.force_login(demo["users"]["region"])
    response = client.get(region_url("municipality", region, municipality_pk=second.pk))
    assert response.status_code == 200
    periods = response.context["periods"]
    assert any(row["submitted"] == row["organisations"] == 4 for row in periods)
    assert len(response.context["schools"]) == 4


def test_the_regional_coordinator_reads_the_municipalities_registry_and_monitoring(client, demo):
    client.force_login(demo["users"]["region"])
    school = demo["school1"]
    assert client.get(reverse("registry:organisation_detail", args=[school.pk])).status_code == 200
    assert client.get(reverse("registry:person_detail", args=[demo["teacher"].pk])).status_code == 200
    # The monitoring dashboard above the municipalities is the region's table of municipalities.
    dashboard = client.get(reverse("monitoring:dashboard"), follow=True)
    assert dashboard.redirect_chain[-1][0] == region_url("area_detail", school.municipality.region)
    assert {row["municipality"].name for row in dashboard.context["rows"]} >= {school.municipality.name, SECOND}


def test_every_post_of_the_regional_coordinator_is_refused_and_changes_nothing(client, demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    as_role(client, demo, "region")
    # One's own account and the home page (which ignores a POST) are left to the fingerprint below.
    own_account = {"home", "logout", "login", "password_change", "password_reset", "password_reset_confirm"}
    # The URLs first: some targets are made for the matrix (an upload, a scan), before the fingerprint.
    urls = {
        name: url_for(name, MATRIX, demo, tmp_path)
        for name in MATRIX
        if name not in own_account and not name.startswith(("notices:", "jobs:", "admin:"))
    }
    before = data_fingerprint()
    for name, url in urls.items():
        response = client.post(url, {})
        # Refused (403, 404, 405) or a page that ignores a POST (200); never a write's redirect onwards.
        assert response.status_code in (200, 403, 404, 405), name
    after = data_fingerprint()
    assert after == before, f"changed: {sorted(table for table in before if after.get(table) != before[table])}"


def test_a_coordinator_of_another_region_gets_404_on_every_page_of_this_region(client, demo, region):
    other = Region.objects.create(name="Астраханская область")
    user = make_user(Role.REGIONAL_COORDINATOR, other)
    client.force_login(user)
    municipality = demo["school1"].municipality
    for url in (
        region_url("area_detail", region),
        region_url("municipality", region, municipality_pk=municipality.pk),
        region_url("area_report", region),
        region_url("area_figures", region),
        reverse("registry:organisation_detail", args=[demo["school1"].pk]),
        reverse("registry:person_detail", args=[demo["teacher"].pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("region:area_detail", kwargs={"kind": "region", "pk": other.pk})).status_code == 200


def test_a_district_coordinator_reads_the_district_s_municipalities_only(client, demo, region):
    district = EducationalDistrict.objects.get(region=region)
    kotelnikovo = demo["school1"].municipality
    Municipality.objects.filter(name=SECOND).update(district=None)
    user = make_user(Role.DISTRICT_COORDINATOR, district)
    client.force_login(user)
    response = client.get(reverse("region:area_detail", kwargs={"kind": "district", "pk": district.pk}))
    assert [row["municipality"] for row in response.context["rows"]] == [kotelnikovo]
    assert client.get(region_url("area_detail", region)).status_code == 404
    assert client.get(reverse("registry:organisation_detail", args=[demo["school1"].pk])).status_code == 200
    assert client.post(reverse("registry:organisation_update", args=[demo["school1"].pk]), {}).status_code == 403


def test_the_figures_for_the_statistical_forms_read_back_with_openpyxl(client, demo, region):
    client.force_login(demo["users"]["region"])
    response = client.get(region_url("area_figures", region))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert workbook.sheetnames == ["Показатели", "Муниципалитеты", "Формы и виды"]
    rows = list(workbook["Муниципалитеты"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Муниципалитет", "Место", "Организаций")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name[SECOND][2] == 4
    assert by_name[demo["school1"].municipality.name][2] == 15
    summary = [row[0] for row in workbook["Показатели"].iter_rows(values_only=True)]
    assert "Доля молодых педагогов с наставником" in summary


def test_the_region_report_is_a_pdf_of_both_municipalities(client, demo, region):
    client.force_login(demo["users"]["region"])
    response = client.get(region_url("area_report", region))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
