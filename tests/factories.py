from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from registry.models import Membership, MenteeProfile, MentorProfile, Municipality, Organisation, Person, Role


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Тестовый муниципальный район № {n}")
    department_name = factory.LazyAttribute(lambda m: f"Отдел образования: {m.name}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = Organisation.Kind.SCHOOL
    short_name = factory.Sequence(lambda n: f"МБОУ «СОШ № {n}»")
    full_name = factory.LazyAttribute(
        lambda o: f"Муниципальное бюджетное общеобразовательное учреждение {o.short_name}"
    )


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    organisation = factory.SubFactory(OrganisationFactory)
    last_name = factory.Sequence(lambda n: f"Петрова{n}")
    first_name = "Анна"
    middle_name = "Сергеевна"
    position = "Учитель"
    qualification_category = Person.Category.FIRST
    teaching_since = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3650))
    consent_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))


class MentorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentorProfile

    person = factory.SubFactory(PersonFactory)
    capacity = 2


class MenteeProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MenteeProfile

    person = factory.SubFactory(PersonFactory)
    category = MenteeProfile.Category.YOUNG


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "demo")


def make_user(role: str, target) -> object:
    """A user holding one role over ``target`` (a municipality, an organisation, a person, a region or a district)."""
    user = UserFactory()
    user.save()
    field = {
        Role.COORDINATOR: "municipality",
        Role.HEAD: "municipality",
        Role.DIRECTOR: "organisation",
        Role.CURATOR: "organisation",
        Role.REGIONAL_COORDINATOR: "region",
        Role.DISTRICT_COORDINATOR: "district",
    }.get(role, "person")
    Membership.objects.create(user=user, role=role, **{field: target})
    return user
