"""Two cards of one person (two schools' imports each made one) become one, and nothing is lost.

``merge_preview`` says what will move before anything does; ``person_merge`` moves it in one
transaction: pairs (as mentor and as mentee), mentor periods, programs (they follow their pairs),
the bank entries (the kept card's values stay, its empty ones are filled from the other),
subjects, roles, places of work (the other card's current place becomes an additional one),
questionnaire answers and the history. Then the other card is deleted. Any reference to a person
not handled by name is moved by a sweep over every model, history tables included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ForeignKey, Q
from django.utils.translation import gettext as _

from mentoring_portal.concurrency import bump

from .access import can_merge_people
from .careers import home_place
from .models import (
    Membership,
    MenteeProfile,
    MentoringGroup,
    MentorPeriod,
    MentorProfile,
    Participation,
    Person,
    Program,
    Workplace,
)

# Filled on the kept card when it has them empty.
PERSON_FIELDS = ("middle_name", "email", "phone", "teaching_since", "consent_date", "consent_document")
MENTOR_FIELDS = ("competencies_text", "achievements_text", "consent_date", "consent_scan")
MENTEE_FIELDS = ("requests_text", "consent_date", "consent_scan")


@dataclass
class MergePreview:
    kept: Person
    other: Person
    lines: list[tuple[str, int | str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _responses(person: Person):
    from monitoring.models import Response  # monitoring builds on the registry, not the other way round

    return Response.objects.filter(person=person)


def _profile_line(model, kept: Person, other: Person) -> str:
    theirs = model.objects.filter(person=other).exists()
    if not theirs:
        return ""
    if model.objects.filter(person=kept).exists():
        return _("объединяется с записью оставляемой карточки, пустые поля заполняются")
    return _("переходит к оставляемой карточке")


def merge_problems(kept: Person, other: Person) -> list[str]:
    problems = []
    if kept.pk == other.pk:
        problems.append(_("Выберите другую карточку: карточку нельзя объединить с ней самой."))
    if kept.anonymised_at or other.anonymised_at:
        problems.append(_("Обезличенную карточку (согласие отозвано) объединять нельзя."))
    if kept.organisation.municipality_id != other.organisation.municipality_id:
        problems.append(_("Объединяются карточки одного муниципалитета."))
    both = MentoringGroup.objects.filter(
        (Q(mentor=kept) & Q(participations__mentee=other)) | (Q(mentor=other) & Q(participations__mentee=kept))
    )
    if both.exists():
        problems.append(
            _("Одна карточка — наставник, другая — наставляемый в одной паре: это разные люди, объединять нельзя.")
        )
    return problems


def merge_preview(*, kept: Person, other: Person) -> MergePreview:
    """What moves from ``other`` to ``kept``, counted, and what stops the merge."""
    preview = MergePreview(kept=kept, other=other, problems=merge_problems(kept, other))
    groups = MentoringGroup.objects.filter(Q(mentor=other) | Q(participations__mentee=other)).distinct()
    kept_subjects = set(kept.subjects.values_list("pk", flat=True))
    preview.lines = [
        (_("Пары и группы, где он наставник"), MentoringGroup.objects.filter(mentor=other).count()),
        (_("Пары и группы, где он наставляемый"), Participation.objects.filter(mentee=other).count()),
        (_("Периоды наставника (смена наставника)"), MentorPeriod.objects.filter(mentor=other).count()),
        (_("Программы наставничества (вместе с парами)"), Program.objects.filter(group__in=groups).count()),
        (_("Предметы, которых нет у оставляемой карточки"), other.subjects.exclude(pk__in=kept_subjects).count()),
        (_("Роли пользователей (учётные записи наставника, наставляемого)"), other.memberships.count()),
        (_("Места работы"), max(Workplace.objects.filter(person=other).count(), 1)),
        (_("Ответы на анкеты"), _responses(other).count()),
        (_("Записи истории изменений карточки"), other.history.count()),
    ]
    for label, model in ((_("Банк наставников"), MentorProfile), (_("Банк наставляемых"), MenteeProfile)):
        if line := _profile_line(model, kept, other):
            preview.lines.append((label, line))
    return preview


def _fill(target, source, names) -> list[str]:
    filled = []
    for name in names:
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
            filled.append(name)
    return filled


def _merge_profile(model, kept: Person, other: Person, names, m2m) -> None:
    theirs = model.objects.filter(person=other).first()
    if theirs is None:
        return
    ours = model.objects.filter(person=kept).first()
    if ours is None:
        theirs.person = kept
        theirs.save()
        return
    if _fill(ours, theirs, names):
        ours.save()
    for relation in m2m:
        getattr(ours, relation).add(*getattr(theirs, relation).all())
    theirs.delete()


def _merge_participations(kept: Person, other: Person) -> None:
    ours = {p.group_id: p for p in Participation.objects.filter(mentee=kept)}
    for participation in Participation.objects.filter(mentee=other):
        same = ours.get(participation.group_id)
        if same is None:
            participation.mentee = kept
            participation.save()
            continue
        if same.consent_date is None and participation.consent_date:
            same.consent_date = participation.consent_date
            same.save()
        participation.delete()


def _merge_memberships(kept: Person, other: Person) -> None:
    held = set(Membership.objects.filter(person=kept).values_list("user_id", "role"))
    for membership in Membership.objects.filter(person=other):
        if (membership.user_id, membership.role) in held:
            membership.delete()
        else:
            membership.person = kept
            membership.save()


def _merge_workplaces(kept: Person, other: Person) -> None:
    """The other card's places join the kept one's; a place open at the same organisation on both is one."""
    home_place(kept)
    home_place(other)
    open_here = {w.organisation_id: w for w in Workplace.objects.filter(person=kept, ends_on=None)}
    for place in Workplace.objects.filter(person=other):
        same = open_here.get(place.organisation_id) if place.ends_on is None else None
        if same is not None:
            if place.starts_on < same.starts_on:
                same.starts_on = place.starts_on
                same.save(update_fields=["starts_on"])
            place.delete()
        else:
            place.person = kept
            place.save()


def _merge_responses(kept: Person, other: Person) -> None:
    answered = set(_responses(kept).values_list("questionnaire_id", flat=True))
    theirs = _responses(other)
    theirs.exclude(questionnaire_id__in=answered).update(person=kept)
    # The same questionnaire answered under both cards: the kept card's answer stands.
    theirs.filter(questionnaire_id__in=answered).delete()


def _sweep(kept: Person, other: Person) -> None:
    """Every other reference to the other card (live and history tables alike) now names the kept one."""
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, ForeignKey) and f.related_model is Person:
                bump(model._base_manager.filter(**{f.attname: other.pk}), **{f.attname: kept.pk})
    Person.history.model.objects.filter(id=other.pk).update(id=kept.pk)


@transaction.atomic
def person_merge(*, user, kept: Person, other: Person) -> Person:
    """Merge ``other`` into ``kept``: all of the other card moves to the kept one, then it is deleted."""
    first, second = sorted([kept.pk, other.pk])
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk__in=[first, second])
    }
    kept, other = locked[kept.pk], locked[other.pk]
    if not can_merge_people(user, kept) or not can_merge_people(user, other):
        raise PermissionDenied
    if problems := merge_problems(kept, other):
        raise ValidationError(problems)
    filled = _fill(kept, other, PERSON_FIELDS)
    if kept.qualification_category == Person.Category.NONE and other.qualification_category != Person.Category.NONE:
        kept.qualification_category = other.qualification_category
        filled.append("qualification_category")
    _merge_profile(MentorProfile, kept, other, MENTOR_FIELDS, ("competencies", "achievements"))
    _merge_profile(MenteeProfile, kept, other, MENTEE_FIELDS, ("requests",))
    kept.subjects.add(*other.subjects.all())
    _merge_participations(kept, other)
    _merge_memberships(kept, other)
    _merge_workplaces(kept, other)
    _merge_responses(kept, other)
    other_name = f"{other.full_name}, {other.organisation}"
    other.subjects.clear()
    _sweep(kept, other)
    Person.objects.filter(pk=other.pk).delete()
    kept._change_reason = (_("Объединение с дубликатом: %(name)s") % {"name": other_name})[:100]
    kept.save()
    return kept
