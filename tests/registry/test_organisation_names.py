"""Organisations named loosely are matched only where one fits; a kind or a municipality is never crossed."""

from __future__ import annotations

from types import SimpleNamespace

from registry.organisation_names import OrganisationMatcher


def organisation(pk, short, full, municipality=1):
    return SimpleNamespace(pk=pk, short_name=short, full_name=full, municipality_id=municipality)


SCHOOL = organisation(1, "МБОУ «СОШ № 2 г. Котельниково»", "Муниципальное бюджетное общеобразовательное учреждение")
KINDERGARTEN = organisation(2, "МБДОУ «Детский сад № 3»", "Муниципальное бюджетное дошкольное учреждение")
MATCHER = OrganisationMatcher([SCHOOL, KINDERGARTEN], {1: "Котельниковский муниципальный район"})


def test_a_school_is_found_however_its_name_is_typed():
    for typed in (
        "Котельниковская СОШ №2",
        "МБОУ СОШ № 2 г. Котельниково",
        "сош 2",
        "Средняя общеобразовательная школа № 2",
    ):
        assert MATCHER.find(typed) == [SCHOOL], typed


def test_a_kindergarten_is_never_taken_for_the_school_with_its_number():
    assert MATCHER.find("МБДОУ № 2") == []
    assert MATCHER.find("Детский сад №3") == [KINDERGARTEN]
    assert MATCHER.find("д/с 3") == [KINDERGARTEN]
    assert MATCHER.find("СОШ № 3") == []
    assert MATCHER.find("ООШ № 2") == []


def test_the_same_name_in_two_municipalities_is_offered_to_choose_from():
    here = organisation(5, "МБОУ СОШ № 1", "МБОУ СОШ № 1", municipality=1)
    there = organisation(6, "МБОУ СОШ № 1", "МБОУ СОШ № 1", municipality=2)
    matcher = OrganisationMatcher([here, there], {1: "Котельниковский район", 2: "Суровикинский район"})
    assert matcher.find("МБОУ СОШ № 1") == [here, there]
    assert matcher.find("Суровикинская СОШ № 1") == [there]
