"""A person over time: places of work, a transfer to another school, leaving the municipality.

Services here write under ``transaction.atomic`` and raise ``ValidationError`` with Russian
messages keyed by the form's fields; nothing is written when a rule fails. They sit beside
``services.py`` (pairs, orders, programs), which is at the size where a module is split by domain.

The main place of work stays on the card (``Person.organisation``, ``Person.position``): the rest
of the portal reads it. ``Workplace`` rows keep every place with its dates; a card entered before
the places of work (or by a path that writes none) gets its main place written the first time one
of these services needs it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring_portal.audit import record_history
from mentoring_portal.concurrency import bump

from .access import transfer_targets
from .models import (
    EndReason,
    MenteeProfile,
    MentoringGroup,
    MentorProfile,
    Organisation,
    Person,
    ProfileStatus,
    Workplace,
    WorkplaceEnd,
)
from .services import group_end_early


def _day(date: datetime.date) -> str:
    return f"{date:%d.%m.%Y}"


def _locked(person: Person) -> Person:
    return Person.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=person.pk)


def home_place(person: Person, *, at_latest: datetime.date | None = None) -> Workplace:
    """The current place of work at the person's main organisation, written if the card has none yet
    (from the day the card was entered, or ``at_latest`` if that is earlier)."""
    place = Workplace.objects.filter(person=person, organisation_id=person.organisation_id, ends_on=None).first()
    if place is None:
        since = timezone.localtime(person.created_at).date() if person.created_at else timezone.localdate()
        place = Workplace.objects.create(
            person=person,
            organisation_id=person.organisation_id,
            position=person.position,
            starts_on=min(since, at_latest) if at_latest else since,
        )
    return place


def places_of(person: Person) -> list[Workplace]:
    """The card's «Места работы»: every place, current first; the main place is shown even before it is
    written (an unsaved row, dated from the card)."""
    places = list(Workplace.objects.filter(person=person).select_related("organisation"))
    if not person.left_municipality_on and not any(
        place.organisation_id == person.organisation_id and place.ends_on is None for place in places
    ):
        since = timezone.localtime(person.created_at).date() if person.created_at else timezone.localdate()
        places.insert(
            0, Workplace(person=person, organisation=person.organisation, position=person.position, starts_on=since)
        )
    for place in places:
        place.is_main = place.organisation_id == person.organisation_id and place.ends_on is None
    return sorted(places, key=lambda place: (place.ends_on is not None, not place.is_main, place.organisation_id))


def _check_not_gone(person: Person) -> None:
    if person.anonymised_at:
        raise ValidationError(_("Согласие отозвано, карточка обезличена: её больше не изменяют."))
    if person.left_municipality_on:
        raise ValidationError(
            _("Педагог выбыл из муниципалитета %(date)s.") % {"date": _day(person.left_municipality_on)}
        )


def _check_past(errors: dict, field_name: str, date: datetime.date, what: str) -> None:
    if date > timezone.localdate():
        errors.setdefault(field_name, _("%(what)s не может быть в будущем.") % {"what": what})


def end_pairs(*, user, person: Person, on: datetime.date, note: str, organisation_ids=None) -> int:
    """End the person's pairs and groups not ended yet (in ``organisation_ids``, or everywhere) on ``on``,
    with the reason «Увольнение или перевод» of the mentor or of the mentee. Returns how many."""
    groups = MentoringGroup.objects.filter(
        Q(mentor=person) | Q(participations__mentee=person),
        status__in=[MentoringGroup.Status.DRAFT, *MentoringGroup.LIVE],
    )
    if organisation_ids is not None:
        groups = groups.filter(organisation_id__in=organisation_ids)
    ended = 0
    for group in groups.distinct().order_by("pk"):
        reason = EndReason.MENTOR_DISMISSED if group.mentor_id == person.pk else EndReason.MENTEE_DISMISSED
        group_end_early(user=user, group=group, reason=reason, note=note, ended_on=max(on, group.start_date))
        ended += 1
    return ended


@transaction.atomic
def workplace_add(
    *, user, person: Person, organisation: Organisation, position: str, starts_on: datetime.date
) -> Workplace:
    """An additional place of work (совместительство) in another organisation of the municipality: the
    person is shown and counted there too, from ``starts_on``."""
    person = _locked(person)
    _check_not_gone(person)
    errors: dict[str, str] = {}
    if organisation.municipality_id != person.organisation.municipality_id:
        errors["organisation"] = _("Место работы — в организации того же муниципалитета.")
    elif organisation.pk == person.organisation_id:
        errors["organisation"] = _("Это основное место работы педагога.")
    elif Workplace.objects.filter(person=person, organisation=organisation, ends_on=None).exists():
        errors["organisation"] = _("Педагог уже работает в этой организации.")
    if not position.strip():
        errors["position"] = _("Укажите должность.")
    if errors:
        raise ValidationError(errors)
    home_place(person, at_latest=starts_on)
    place = Workplace.objects.create(
        person=person, organisation=organisation, position=position.strip(), starts_on=starts_on, created_by=user
    )
    bump(Person.objects.filter(pk=person.pk))
    return place


@transaction.atomic
def workplace_end(*, user, workplace: Workplace, ends_on: datetime.date) -> Workplace:
    """An additional place of work ends: the person's pairs there end with it. The main place ends only by a
    transfer or by leaving the municipality."""
    place = Workplace.objects.select_for_update().select_related("person", "organisation").get(pk=workplace.pk)
    person = _locked(place.person)
    _check_not_gone(person)
    if place.ends_on is not None:
        raise ValidationError(_("Это место работы уже завершено."))
    if place.organisation_id == person.organisation_id:
        raise ValidationError(
            _("Основное место работы заканчивается переводом в другую организацию или выбытием из муниципалитета.")
        )
    errors: dict[str, str] = {}
    if ends_on < place.starts_on:
        errors["ends_on"] = _("Работа не может закончиться раньше, чем началась (%(date)s).") % {
            "date": _day(place.starts_on)
        }
    _check_past(errors, "ends_on", ends_on, _("Дата окончания работы"))
    if errors:
        raise ValidationError(errors)
    end_pairs(
        user=user,
        person=person,
        on=ends_on,
        note=_("Окончание работы в %(organisation)s с %(date)s")
        % {"organisation": place.organisation, "date": _day(ends_on)},
        organisation_ids=[place.organisation_id],
    )
    place.ends_on, place.end_reason = ends_on, WorkplaceEnd.ENDED
    place.save(update_fields=["ends_on", "end_reason"])
    bump(Person.objects.filter(pk=person.pk))
    return place


def _transfer_problems(person: Person, organisation: Organisation, position: str, on: datetime.date) -> dict:
    errors: dict[str, str] = {}
    same_name = Person.objects.filter(
        organisation=organisation,
        last_name=person.last_name,
        first_name=person.first_name,
        middle_name=person.middle_name,
    )
    if same_name.exists():
        errors["organisation"] = _(
            "В «%(organisation)s» уже есть карточка педагога с такими ФИО — похоже, это дубликат: "
            "объедините карточки вместо перевода."
        ) % {"organisation": organisation}
    if not position.strip():
        errors["position"] = _("Укажите должность на новом месте работы.")
    _check_past(errors, "on", on, _("Дата перевода"))
    started = Workplace.objects.filter(person=person, organisation_id=person.organisation_id, ends_on=None).first()
    if started is not None and on < started.starts_on:
        errors.setdefault(
            "on",
            _("Дата перевода не может быть раньше начала работы в «%(organisation)s» (%(date)s).")
            % {"organisation": person.organisation, "date": _day(started.starts_on)},
        )
    return errors


@transaction.atomic
def person_transfer(*, user, person: Person, organisation: Organisation, position: str, on: datetime.date) -> Workplace:
    """Transfer (перевод) to another organisation of the municipality on ``on``.

    The card, its bank entries and its history go with the person. Their pairs and groups at the old
    school end that day with «Увольнение или перевод»; pairs of other schools (open mentoring) go on.
    The old school's frozen monitoring reports are not touched, so past periods keep counting the
    person there; the new school sees and counts them from ``on``.
    """
    person = _locked(person)
    _check_not_gone(person)
    if not transfer_targets(user, person).filter(pk=organisation.pk).exists():
        raise PermissionDenied
    errors = _transfer_problems(person, organisation, position, on)
    if errors:
        raise ValidationError(errors)
    old = person.organisation
    note = _("Перевод в %(organisation)s с %(date)s") % {"organisation": organisation, "date": _day(on)}
    end_pairs(user=user, person=person, on=on, note=note, organisation_ids=[old.pk])
    place = home_place(person, at_latest=on)
    place.ends_on, place.end_reason = on, WorkplaceEnd.TRANSFER
    place.save(update_fields=["ends_on", "end_reason"])
    new = Workplace.objects.filter(person=person, organisation=organisation, ends_on=None).first()
    if new is None:
        new = Workplace.objects.create(
            person=person, organisation=organisation, position=position.strip(), starts_on=on, created_by=user
        )
    else:  # an additional place there becomes the main one
        new.position = position.strip()
        new.save(update_fields=["position"])
    person.organisation, person.position = organisation, position.strip()
    person._change_reason = note[:100]
    person.save()
    return new


@transaction.atomic
def person_leave(*, user, person: Person, on: datetime.date) -> Person:
    """The person leaves the municipality on ``on``: every place of work and every pair ends, the bank
    entries become «Выбыл». The card stays, read by the coordinator only, until the personal-data
    retention rule removes it."""
    person = _locked(person)
    _check_not_gone(person)
    errors: dict[str, str] = {}
    _check_past(errors, "on", on, _("Дата выбытия"))
    started = Workplace.objects.filter(person=person, organisation_id=person.organisation_id, ends_on=None).first()
    if started is not None and on < started.starts_on:
        errors.setdefault(
            "on",
            _("Дата выбытия не может быть раньше начала работы (%(date)s).") % {"date": _day(started.starts_on)},
        )
    if errors:
        raise ValidationError(errors)
    note = _("Выбыл из муниципалитета %(date)s") % {"date": _day(on)}
    end_pairs(user=user, person=person, on=on, note=note)
    home_place(person, at_latest=on)
    places = list(Workplace.objects.select_for_update().filter(person=person, ends_on=None))
    for place in places:
        place.ends_on, place.end_reason = max(on, place.starts_on), WorkplaceEnd.LEFT
    Workplace.objects.bulk_update(places, ["ends_on", "end_reason"])
    record_history(Workplace, [place.pk for place in places], "~", user, note)
    for model in (MentorProfile, MenteeProfile):
        profiles = model.objects.filter(person=person).exclude(status=ProfileStatus.LEFT)
        ids = list(profiles.values_list("pk", flat=True))
        bump(profiles, status=ProfileStatus.LEFT)
        record_history(model, ids, "~", user, note)
    person.left_municipality_on = on
    person._change_reason = note[:100]
    person.save()
    return person
