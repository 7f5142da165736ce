from __future__ import annotations

import pytest
from django.urls import reverse

from registry.models import Organisation, Role
from tests.factories import MunicipalityFactory, OrganisationFactory, make_user
from tests.utils import form_data

pytestmark = pytest.mark.django_db


def organisation_form(municipality, **overrides):
    data = {
        "municipality": municipality.pk,
        "kind": Organisation.Kind.KINDERGARTEN,
        "short_name": "МБДОУ «Детский сад № 9 „Ромашка“»",
        "full_name": "Муниципальное бюджетное дошкольное образовательное учреждение «Детский сад № 9 „Ромашка“»",
        "website": "ds9.example.ru",
    }
    data.update(overrides)
    return data


def test_coordinator_adds_an_organisation_to_their_municipality(client):
    municipality = MunicipalityFactory()
    client.force_login(make_user(Role.COORDINATOR, municipality))
    response = client.post(reverse("registry:organisation_create"), organisation_form(municipality))
    organisation = Organisation.objects.get(short_name__startswith="МБДОУ «Детский сад № 9")
    assert response.url == organisation.get_absolute_url()
    assert organisation.website == "https://ds9.example.ru"


def test_coordinator_cannot_add_an_organisation_to_another_municipality(client):
    mine, foreign = MunicipalityFactory(), MunicipalityFactory()
    client.force_login(make_user(Role.COORDINATOR, mine))
    response = client.post(reverse("registry:organisation_create"), organisation_form(foreign))
    assert "Выберите корректный вариант" in response.content.decode()
    assert not Organisation.objects.filter(municipality=foreign).exists()


def test_duplicate_short_name_is_refused_with_a_message(client):
    municipality = MunicipalityFactory()
    OrganisationFactory(municipality=municipality, short_name="МБОУ «СОШ № 1»")
    client.force_login(make_user(Role.COORDINATOR, municipality))
    response = client.post(
        reverse("registry:organisation_create"), organisation_form(municipality, short_name="МБОУ «СОШ № 1»")
    )
    assert "уже есть организация с таким кратким наименованием" in response.content.decode()
    assert Organisation.objects.filter(short_name="МБОУ «СОШ № 1»").count() == 1


def test_director_edits_their_school_card_but_cannot_move_it(client):
    school = OrganisationFactory()
    client.force_login(make_user(Role.DIRECTOR, school))
    response = client.get(reverse("registry:organisation_update", args=[school.pk]))
    assert "municipality" not in response.context["form"].fields
    client.post(reverse("registry:organisation_update", args=[school.pk]), form_data(response) | {"phone": "3-11-22"})
    school.refresh_from_db()
    assert school.phone == "3-11-22"


def test_other_schools_card_answers_404_to_a_director(client):
    school, other = OrganisationFactory(), OrganisationFactory()
    client.force_login(make_user(Role.DIRECTOR, school))
    response = client.post(reverse("registry:organisation_update", args=[other.pk]), {"phone": "1"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.phone == ""


def test_unknown_url_answers_a_russian_404(client):
    client.force_login(make_user(Role.DIRECTOR, OrganisationFactory()))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()
