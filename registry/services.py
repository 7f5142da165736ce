"""Writes that span several models and must never half-happen: pairs, orders, programs.

Each service checks the rules of the Положение о наставничестве and raises
``ValidationError`` with Russian messages (keyed by field where a form can show them);
the database is left untouched when any rule fails.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring_portal.audit import record_history
from mentoring_portal.concurrency import bulk_update, bump
from mentoring_portal.queue import defer_on_commit

from .access import can_prepare_order, can_sign_for, can_sign_order, can_withdraw_order
from .models import (
    Activity,
    GroupEvent,
    GroupPause,
    MenteeProfile,
    MentoringGroup,
    MentoringOrder,
    MentorPeriod,
    MentorProfile,
    Organisation,
    Participation,
    Person,
    ProfileStatus,
    Program,
)


# --- pairs and groups ---------------------------------------------------------------------
def active_mentee_counts(mentor_ids: Iterable[int], exclude_group: int | None = None) -> dict[int, int]:
    """How many mentees each mentor leads now, in one query; a paused pair keeps its mentor's place."""
    rows = (
        Participation.objects.filter(group__mentor_id__in=list(mentor_ids), group__status__in=MentoringGroup.LIVE)
        .exclude(group_id=exclude_group)
        .values("group__mentor_id")
        .annotate(count=Count("pk"))
    )
    return {row["group__mentor_id"]: row["count"] for row in rows}


def check_composition(*, organisation: Organisation, mentor: Person, mentees: list[Person]) -> None:
    """The rules on who may be in a pair or group; raises with every problem found."""
    errors = {
        "mentor": _mentor_problems(organisation, mentor),
        "mentees": _mentee_problems(organisation, mentor, mentees),
    }
    errors = {key: value for key, value in errors.items() if value}
    if errors:
        raise ValidationError(errors)


def _mentor_problems(organisation: Organisation, mentor: Person) -> list[str]:
    """In the bank and active; of the organisation, or of another school of the municipality in open mentoring."""
    problems = []
    profile = MentorProfile.objects.filter(person=mentor).first()
    if profile is None:
        problems.append(_("%(name)s нет в банке наставников.") % {"name": mentor.full_name})
    elif profile.status != ProfileStatus.ACTIVE:
        problems.append(
            _("Наставник %(name)s сейчас не действующий (%(status)s).")
            % {"name": mentor.full_name, "status": profile.get_status_display().lower()}
        )
    if mentor.organisation_id != organisation.pk and not (profile and profile.open_mentoring):
        problems.append(
            _(
                "%(name)s работает в другой организации и не участвует в открытом наставничестве: "
                "выбрать его наставником нельзя."
            )
            % {"name": mentor.full_name}
        )
    if mentor.organisation.municipality_id != organisation.municipality_id:
        problems.append(_("Наставник должен работать в том же муниципалитете."))
    if not mentor.has_consent:
        problems.append(_("Нет согласия на обработку персональных данных: %(name)s.") % {"name": mentor.full_name})
    return problems


def _mentee_problems(organisation: Organisation, mentor: Person, mentees: list[Person]) -> list[str]:
    """At least one, not the mentor; each of the organisation, in the bank, with consent."""
    problems = []
    if not mentees:
        problems.append(_("Выберите хотя бы одного наставляемого."))
    if mentor in mentees:
        problems.append(_("Наставник не может быть наставником самому себе."))
    bank = set(MenteeProfile.objects.filter(person__in=mentees).values_list("person_id", flat=True))
    for mentee in mentees:
        if mentee.organisation_id != organisation.pk:
            problems.append(_("%(name)s работает в другой организации.") % {"name": mentee.full_name})
        if mentee.pk not in bank:
            problems.append(_("%(name)s нет в банке наставляемых.") % {"name": mentee.full_name})
        if not mentee.has_consent:
            problems.append(_("Нет согласия на обработку персональных данных: %(name)s.") % {"name": mentee.full_name})
    return problems


def check_dates(start: datetime.date, end: datetime.date) -> None:
    if end <= start:
        raise ValidationError({"planned_end_date": _("Дата окончания должна быть позже даты начала.")})


@transaction.atomic
def group_create(
    *,
    user,
    organisation: Organisation,
    mentor: Person,
    mentees: list[Person],
    form: str,
    kinds: list[str],
    start_date: datetime.date,
    planned_end_date: datetime.date,
) -> MentoringGroup:
    """Form a pair (one mentee) or a group (several) as a draft."""
    check_composition(organisation=organisation, mentor=mentor, mentees=mentees)
    check_dates(start_date, planned_end_date)
    group = MentoringGroup.objects.create(
        organisation=organisation,
        mentor=mentor,
        form=form,
        kinds=list(kinds),
        start_date=start_date,
        planned_end_date=planned_end_date,
    )
    participations = Participation.objects.bulk_create(
        [Participation(group=group, mentee=mentee) for mentee in mentees]
    )
    record_history(Participation, [participation.pk for participation in participations], "+", user)
    GroupEvent.objects.create(group=group, to_status=MentoringGroup.Status.DRAFT, user=user, note=_("Сформирована"))
    return group


@transaction.atomic
def group_record_consents(
    *,
    group: MentoringGroup,
    mentor_consent_date: datetime.date | None,
    mentee_consents: dict[int, datetime.date | None],
) -> None:
    """Record the written consents of the participants (dates; scans live in the banks)."""
    group = MentoringGroup.objects.select_for_update().get(pk=group.pk)
    if group.status != MentoringGroup.Status.DRAFT:
        raise ValidationError(_("Согласия вносят до приказа: у действующей пары их уже не меняют."))
    today = timezone.localdate()
    dates = [mentor_consent_date, *mentee_consents.values()]
    if any(date and date > today for date in dates):
        raise ValidationError(_("Дата согласия не может быть в будущем."))
    group.mentor_consent_date = mentor_consent_date
    group.save(update_fields=["mentor_consent_date"])
    participations = list(group.participations.all())
    for participation in participations:
        participation.consent_date = mentee_consents.get(participation.mentee_id)
    Participation.objects.bulk_update(participations, ["consent_date"])
    record_history(Participation, [participation.pk for participation in participations], "~")


def _transition(group: MentoringGroup, to_status: str, user, note: str = "") -> None:
    GroupEvent.objects.create(group=group, from_status=group.status, to_status=to_status, user=user, note=note)
    group.status = to_status


def check_activation(groups: list[MentoringGroup]) -> None:
    """Consents, capacity and one active pair per mentee, for every group an order would activate."""
    errors: list[str] = []
    groups = [
        MentoringGroup.objects.select_related("mentor__mentor_profile")
        .prefetch_related("participations__mentee")
        .get(pk=group.pk)
        for group in groups
    ]
    counts = active_mentee_counts({group.mentor_id for group in groups})
    adding: dict[int, int] = {}
    mentee_ids = [p.mentee_id for group in groups for p in group.participations.all()]
    busy = dict(
        Participation.objects.filter(mentee_id__in=mentee_ids, group__status__in=MentoringGroup.LIVE).values_list(
            "mentee_id", "group__mentor__last_name"
        )
    )
    for group in groups:
        participations = list(group.participations.all())
        errors += _readiness_problems(group, participations, busy)
        # The mentor's earlier pairs of this same order count too.
        adding[group.mentor_id] = adding.get(group.mentor_id, 0) + len(participations)
        capacity = group.mentor.mentor_profile.capacity
        if counts.get(group.mentor_id, 0) + adding[group.mentor_id] > capacity:
            errors.append(
                _(
                    "Наставник %(name)s может вести не больше %(capacity)s наставляемых одновременно, "
                    "а их будет %(total)s."
                )
                % {
                    "name": str(group.mentor.short_name),
                    "capacity": capacity,
                    "total": counts.get(group.mentor_id, 0) + adding[group.mentor_id],
                }
            )
    seen: set[int] = set()
    for mentee_id in mentee_ids:
        if mentee_id in seen:
            errors.append(_("Один наставляемый включён в две пары одного приказа."))
        seen.add(mentee_id)
    if errors:
        raise ValidationError(errors)


def _readiness_problems(group: MentoringGroup, participations: list[Participation], busy: dict) -> list[str]:
    """A draft with everyone's written consent, whose mentees are in no active pair (``busy``: mentee → mentor)."""
    label = str(group.mentor.short_name)
    problems = []
    if group.status != MentoringGroup.Status.DRAFT:
        problems.append(_("Пара уже не черновик (наставник: %(name)s).") % {"name": label})
    if group.mentor_consent_date is None:
        problems.append(_("Нет письменного согласия наставника: %(name)s.") % {"name": label})
    for participation in participations:
        if participation.consent_date is None:
            problems.append(
                _("Нет письменного согласия наставляемого: %(name)s.") % {"name": participation.mentee.short_name}
            )
        if participation.mentee_id in busy:
            problems.append(
                _("%(name)s уже в действующей паре с наставником %(mentor)s.")
                % {"name": participation.mentee.short_name, "mentor": busy[participation.mentee_id]}
            )
    return problems


def _check_order_groups(organisation: Organisation, groups: list[MentoringGroup]) -> None:
    if not groups:
        raise ValidationError({"groups": _("Выберите пары и группы, которые закрепляет приказ.")})
    if any(group.organisation_id != organisation.pk for group in groups):
        raise ValidationError({"groups": _("Приказ закрепляет только пары своей организации.")})


def _check_registration(organisation: Organisation, number: str, date: datetime.date) -> None:
    """The number and date the director registers the order under: not in the future, not taken."""
    if date > timezone.localdate():
        raise ValidationError({"date": _("Дата приказа не может быть в будущем.")})
    if MentoringOrder.objects.signed().filter(organisation=organisation, number=number, date=date).exists():
        raise ValidationError({"number": _("Приказ с таким номером и датой уже есть.")})


@transaction.atomic
def order_prepare(*, user, organisation: Organisation, groups: list[MentoringGroup]) -> MentoringOrder:
    """The curator's draft order (проект приказа): the chosen draft pairs are attached to it and stay
    drafts until the director signs it. A pair is in one draft at most: the pairs are locked, so two
    curators preparing at once cannot both take the same pair."""
    if not can_prepare_order(user, organisation):
        raise PermissionDenied
    _check_order_groups(organisation, groups)
    locked = list(
        MentoringGroup.objects.select_for_update()
        .filter(pk__in=[group.pk for group in groups])
        .select_related("mentor")
        .order_by("pk")
    )
    problems = []
    for group in locked:
        label = {"name": str(group.mentor.short_name)}
        if group.status != MentoringGroup.Status.DRAFT:
            problems.append(_("Пара уже не черновик (наставник: %(name)s).") % label)
        elif group.order_id is not None:
            problems.append(_("Пара с наставником %(name)s уже включена в другой проект приказа.") % label)
    if problems:
        raise ValidationError({"groups": problems})
    order = MentoringOrder.objects.create(
        organisation=organisation, status=MentoringOrder.Status.DRAFT, prepared_by=user
    )
    for group in locked:
        group.order = order
    bulk_update(MentoringGroup, locked, ["order"])
    record_history(MentoringGroup, [group.pk for group in locked], "~", user, _("Проект приказа"))
    return order


@transaction.atomic
def order_sign(*, user, order: MentoringOrder, number: str, date: datetime.date, signed_by: str) -> MentoringOrder:
    """The director signs the draft and registers it under ``number`` and ``date``: its pairs become
    active, all of them or none (``check_activation``'s messages otherwise).

    The draft is locked first: of two signatures at once (a double click, two tabs) the second
    finds it signed and is refused, and a withdrawal waits for the signature or finds it gone.
    """
    locked = MentoringOrder.objects.select_for_update().select_related("organisation").filter(pk=order.pk).first()
    if locked is None:
        raise ValidationError(_("Проект приказа отозван."))
    if not locked.is_draft:
        raise ValidationError(_("Приказ уже подписан: %(order)s.") % {"order": locked})
    if not can_sign_order(user, locked):
        raise PermissionDenied
    _check_registration(locked.organisation, number, date)
    groups = list(MentoringGroup.objects.select_for_update().filter(order=locked).order_by("pk"))
    changes = list(MentorPeriod.objects.filter(order=locked).order_by("pk"))
    if not groups and not changes:
        raise ValidationError(_("В проекте приказа не осталось пар: отзовите его и подготовьте новый."))
    check_activation(groups)
    locked.status = MentoringOrder.Status.SIGNED
    locked.number, locked.date, locked.signed_by = number, date, signed_by
    locked.issued_by, locked.signed_at = user, timezone.now()
    locked.save()
    note = _("Приказ %(order)s") % {"order": locked}
    for group in groups:
        _transition(group, MentoringGroup.Status.ACTIVE, user, note)
    bulk_update(MentoringGroup, groups, ["status"])
    record_history(MentoringGroup, [group.pk for group in groups], "~", user, note)
    for change in changes:
        _mentor_change_apply(change, user=user, note=note)
    from .tasks import order_signed  # the notices: by the worker, once the signature is committed

    defer_on_commit(order_signed, order_id=locked.pk)
    return locked


@transaction.atomic
def order_issue(
    *, user, organisation: Organisation, number: str, date: datetime.date, signed_by: str, groups: list[MentoringGroup]
) -> MentoringOrder:
    """The director's order in one step, prepared and signed at once: the listed draft pairs become
    active, all of them or none."""
    if not can_sign_for(user, organisation):
        raise PermissionDenied
    _check_order_groups(organisation, groups)
    _check_registration(organisation, number, date)
    order = order_prepare(user=user, organisation=organisation, groups=groups)
    return order_sign(user=user, order=order, number=number, date=date, signed_by=signed_by)


@transaction.atomic
def order_withdraw(*, user, order: MentoringOrder) -> None:
    """The draft is withdrawn and deleted; its pairs stay drafts, free for another order."""
    locked = MentoringOrder.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None:
        return  # withdrawn meanwhile: what was asked is done
    if not locked.is_draft:
        raise ValidationError(_("Подписанный приказ отозвать нельзя."))
    if not can_withdraw_order(user, locked):
        raise PermissionDenied
    groups = list(MentoringGroup.objects.select_for_update().filter(order=locked))
    for group in groups:
        group.order = None
    bulk_update(MentoringGroup, groups, ["order"])
    record_history(MentoringGroup, [group.pk for group in groups], "~", user, _("Проект приказа отозван"))
    MentorPeriod.objects.filter(order=locked).delete()  # a mentor change asked for in it is withdrawn too
    locked.delete()


@transaction.atomic
def group_complete(*, user, group: MentoringGroup, ended_on: datetime.date) -> None:
    group = MentoringGroup.objects.select_for_update().get(pk=group.pk)
    if group.status != MentoringGroup.Status.ACTIVE:
        raise ValidationError(_("Завершить можно только действующую пару."))
    _transition(group, MentoringGroup.Status.COMPLETED, user)
    group.ended_on = ended_on
    group.save(update_fields=["status", "ended_on"])


@transaction.atomic
def group_end_early(*, user, group: MentoringGroup, reason: str, note: str, ended_on: datetime.date) -> None:
    # A draft order is locked before its pairs, as ``order_sign`` locks them: no deadlock between the two.
    order_id = MentoringGroup.objects.filter(pk=group.pk).values_list("order_id", flat=True).first()
    if order_id is not None:
        MentoringOrder.objects.select_for_update().filter(pk=order_id).first()
    group = MentoringGroup.objects.select_for_update().get(pk=group.pk)
    if group.status not in (*MentoringGroup.LIVE, MentoringGroup.Status.DRAFT):
        raise ValidationError(_("Пара уже завершена."))
    if not reason:
        raise ValidationError({"reason": _("Укажите причину прекращения.")})
    _close_pause(group, ended_on)
    fields = ["status", "end_reason", "end_note", "ended_on"]
    if group.status == MentoringGroup.Status.DRAFT and group.order_id is not None:
        # A draft pair leaves its draft order; the order's version moves on, so a director who opened it
        # before signs only what is in it now.
        bump(MentoringOrder.objects.filter(pk=group.order_id))
        group.order = None
        fields.append("order")
    _transition(group, MentoringGroup.Status.ENDED_EARLY, user, note)
    group.end_reason, group.end_note, group.ended_on = reason, note, ended_on
    group.save(update_fields=fields)


# --- matching -------------------------------------------------------------------------------
WORD = re.compile(r"[а-яёa-z]{4,}")
STOP_WORDS = {"работа", "работы", "педагог", "педагога", "педагогов", "деятельности", "процесса", "других", "своей"}


def stems(text: str) -> set[str]:
    """Crude Russian stems (first five letters of meaningful words): enough to see that «уроков» fits «урока»."""
    return {word[:5] for word in WORD.findall(text.lower().replace("ё", "е")) if word not in STOP_WORDS}


@dataclass
class Proposal:
    mentor: Person
    score: int
    free: int
    reasons: list[str] = field(default_factory=list)


def propose_mentors(*, mentee: Person, limit: int = 10) -> list[Proposal]:
    """Mentors ranked by fit for one mentee, each with the reasons it fits.

    Candidates: active mentors with consent, of the mentee's school or in open mentoring in
    the same municipality, with a free place. Score: requests that meet competencies (3 each),
    shared subjects (3 each), same school (2), qualification category (highest 2, first 1),
    free places (1 each, up to 2). Loaded in a fixed number of queries.
    """
    mentee_profile = MenteeProfile.objects.filter(person=mentee).prefetch_related("requests").first()
    requests = [term.name for term in mentee_profile.requests.all()] if mentee_profile else []
    if mentee_profile and mentee_profile.requests_text:
        requests.append(mentee_profile.requests_text)
    mentee_subjects = set(mentee.subjects.values_list("pk", flat=True))
    candidates = list(
        MentorProfile.objects.filter(status=ProfileStatus.ACTIVE, person__consent_date__isnull=False)
        .filter(
            Q(person__organisation=mentee.organisation)
            | Q(open_mentoring=True, person__organisation__municipality_id=mentee.organisation.municipality_id)
        )
        .exclude(person=mentee)
        .select_related("person__organisation")
        .prefetch_related("competencies", "person__subjects")
    )
    counts = active_mentee_counts(profile.person_id for profile in candidates)
    proposals = []
    for profile in candidates:
        free = profile.capacity - counts.get(profile.person_id, 0)
        if free > 0:
            proposals.append(_proposal(profile, free, mentee, requests, mentee_subjects))
    proposals.sort(key=lambda p: (-p.score, p.mentor.last_name, p.mentor.pk))
    return proposals[:limit]


def _proposal(profile: MentorProfile, free: int, mentee: Person, requests: list[str], mentee_subjects: set) -> Proposal:
    """One candidate scored as ``propose_mentors`` says, with a reason for each point."""
    mentor = profile.person
    proposal = Proposal(mentor=mentor, score=0, free=free)
    _score_requests(proposal, profile, requests)
    shared = [subject for subject in mentor.subjects.all() if subject.pk in mentee_subjects]
    if shared:
        proposal.score += 3 * len(shared)
        proposal.reasons.append(_("тот же предмет: %(subjects)s") % {"subjects": ", ".join(s.name for s in shared)})
    if mentor.organisation_id == mentee.organisation_id:
        proposal.score += 2
        proposal.reasons.append(_("работает в той же организации"))
    else:
        proposal.reasons.append(_("открытое наставничество, %(org)s") % {"org": mentor.organisation.short_name})
    if mentor.qualification_category == Person.Category.HIGHEST:
        proposal.score += 2
        proposal.reasons.append(_("высшая категория"))
    elif mentor.qualification_category == Person.Category.FIRST:
        proposal.score += 1
        proposal.reasons.append(_("первая категория"))
    proposal.score += min(free, 2)
    proposal.reasons.append(_("свободных мест: %(free)s") % {"free": free})
    return proposal


def _score_requests(proposal: Proposal, profile: MentorProfile, requests: list[str]) -> None:
    """3 points for each of the mentee's requests that meets one of the mentor's competencies."""
    competencies = [term.name for term in profile.competencies.all()]
    if profile.competencies_text:
        competencies.append(profile.competencies_text)
    for request in requests:
        request_stems = stems(request)
        matched = [name for name in competencies if request_stems & stems(name)]
        if matched:
            proposal.score += 3
            proposal.reasons.append(
                _("запрос «%(request)s» — компетенция «%(competency)s»")
                % {"request": request, "competency": matched[0]}
            )


# --- programs -------------------------------------------------------------------------------
def add_months(date: datetime.date, months: int) -> datetime.date:
    """31 January + 1 month is 28 (29) February: the end of the shorter month, as people count."""
    return date + relativedelta(months=months)


def check_program_period(start: datetime.date | None, end: datetime.date | None) -> None:
    """A personalised program lasts from three months to one year (Положение о наставничестве)."""
    if start is None or end is None:
        raise ValidationError({"end_date": _("Укажите начало и окончание программы.")})
    if end < add_months(start, Program.MIN_MONTHS):
        raise ValidationError({"end_date": _("Программа длится не меньше трёх месяцев.")})
    if end > add_months(start, Program.MAX_MONTHS):
        raise ValidationError({"end_date": _("Программа длится не больше одного года.")})


@transaction.atomic
def program_save(*, form, activities) -> Program:
    """A program and its plan of activities, written together: added, changed and deleted rows, or nothing.

    ``form`` and ``activities`` are the validated program form and its activity formset; an
    activity without a position takes its place in the list.
    """
    program = form.save()
    activities.instance = program
    changed = activities.save(commit=False)
    for activity in activities.deleted_objects:
        activity.delete()
    for number, activity in enumerate(changed, start=1):
        activity.position = activity.position or number
        activity.save()
    return program


COPIED_TEXTS = ("title", "difficulties", "strengths", "goals", "expected_results")


def _copy_program(source: Program, *, shift: datetime.timedelta = datetime.timedelta(0), **fields) -> Program:
    """A new program with the texts and the activities of ``source`` (their dates moved by ``shift``)."""
    fields.setdefault("organisation", source.organisation)
    program = Program.objects.create(source=source, **{name: getattr(source, name) for name in COPIED_TEXTS}, **fields)
    activities = Activity.objects.bulk_create(
        [
            Activity(
                program=program,
                position=activity.position,
                title=activity.title,
                due_date=activity.due_date + shift if activity.due_date else None,
                form=activity.form,
                responsible=activity.responsible,
            )
            for activity in source.activities.all()
        ]
    )
    record_history(Activity, [activity.pk for activity in activities], "+")
    return program


@transaction.atomic
def program_copy_from_bank(*, template: Program, group: MentoringGroup, start_date: datetime.date) -> Program:
    """A new program for a pair from a bank program: texts copied, activity dates shifted to the new start."""
    group = MentoringGroup.objects.select_for_update().get(pk=group.pk)  # a double click waits, then sees it
    if Program.objects.filter(group=group).exists():
        raise ValidationError(_("У этой пары уже есть программа."))
    shift = start_date - (template.start_date or start_date)
    length = (template.end_date - template.start_date) if template.start_date and template.end_date else None
    end_date = start_date + length if length else add_months(start_date, 6)
    return _copy_program(
        template,
        shift=shift,
        organisation=group.organisation,
        group=group,
        start_date=start_date,
        end_date=end_date,
    )


@transaction.atomic
def program_put_in_bank(*, program: Program) -> Program:
    """Copy a completed program into the school's bank: a template with no pair and no marks."""
    if program.status != Program.Status.COMPLETED:
        raise ValidationError(_("В банк программ попадают только завершённые программы."))
    return _copy_program(program, start_date=program.start_date, end_date=program.end_date, in_bank=True)


# --- a pair over time: pauses and a new mentor ---------------------------------------------------
def _day(date: datetime.date) -> str:
    return f"{date:%d.%m.%Y}"


def _check_past_date(errors: dict, field_name: str, date: datetime.date, what: str) -> None:
    if date > timezone.localdate():
        errors.setdefault(field_name, _("%(what)s не может быть в будущем.") % {"what": what})


@transaction.atomic
def group_pause(*, user, group: MentoringGroup, starts_on: datetime.date, reason: str, note: str = "") -> GroupPause:
    """The pair pauses from ``starts_on`` (a long absence): it keeps its mentor, program and place, and
    is no longer counted as active. Its end moves when it resumes (``group_resume``)."""
    group = MentoringGroup.objects.select_for_update().get(pk=group.pk)
    if group.status != MentoringGroup.Status.ACTIVE:
        raise ValidationError(_("Поставить на паузу можно только действующую пару."))
    errors: dict[str, str] = {}
    last = group.pauses.exclude(ends_on=None).order_by("-ends_on").first()
    if starts_on < group.start_date:
        errors["starts_on"] = _("Пауза не может начаться раньше начала наставничества (%(date)s).") % {
            "date": _day(group.start_date)
        }
    elif last is not None and starts_on < last.ends_on:
        errors["starts_on"] = _("Пауза не может начаться раньше, чем пара вернулась с прошлой паузы (%(date)s).") % {
            "date": _day(last.ends_on)
        }
    _check_past_date(errors, "starts_on", starts_on, _("Начало паузы"))
    if not reason:
        errors["reason"] = _("Укажите причину паузы.")
    if errors:
        raise ValidationError(errors)
    pause = GroupPause.objects.create(group=group, starts_on=starts_on, reason=reason, note=note, created_by=user)
    event_note = _("Пауза с %(date)s: %(reason)s") % {"date": _day(starts_on), "reason": pause.get_reason_display()}
    _transition(group, MentoringGroup.Status.PAUSED, user, f"{event_note}. {note}".strip() if note else event_note)
    group.save(update_fields=["status"])
    return pause


def extended_end(end: datetime.date, shift: relativedelta, limit: datetime.date) -> tuple[datetime.date, bool]:
    """``end`` moved by ``shift``, but not past ``limit`` (never earlier than ``end`` itself); and whether
    the limit stopped it."""
    moved = end + shift
    if moved <= limit:
        return moved, False
    return max(end, limit), True


def program_limit(program: Program) -> datetime.date | None:
    """The latest end the Положение allows a program: one year from its start."""
    return add_months(program.start_date, Program.MAX_MONTHS) if program.start_date else None


@transaction.atomic
def group_resume(*, user, group: MentoringGroup, ends_on: datetime.date) -> GroupPause:
    """The pair resumes on ``ends_on``. The program's end, its activities not done yet and the pair's
    planned end move by the pause's length (months and days, as people count), each stopping at a year
    from its start (Положение: a program lasts up to one year); the pause records where the end came to
    and whether the limit stopped it."""
    group = MentoringGroup.objects.select_for_update().get(pk=group.pk)
    if group.status != MentoringGroup.Status.PAUSED:
        raise ValidationError(_("Возобновить можно только пару на паузе."))
    pause = group.pauses.get(ends_on=None)
    errors: dict[str, str] = {}
    if ends_on < pause.starts_on:
        errors["ends_on"] = _("Пару нельзя возобновить раньше начала паузы (%(date)s).") % {
            "date": _day(pause.starts_on)
        }
    _check_past_date(errors, "ends_on", ends_on, _("Дата возобновления"))
    if errors:
        raise ValidationError(errors)
    shift = relativedelta(ends_on, pause.starts_on)
    limit = add_months(group.start_date, Program.MAX_MONTHS)
    group.planned_end_date, pause.limit_reached = extended_end(group.planned_end_date, shift, limit)
    pause.new_end_date = group.planned_end_date
    program = Program.objects.select_for_update().filter(group=group).first()
    if program is not None and program.end_date and program.start_date:
        program.end_date, capped = extended_end(program.end_date, shift, program_limit(program))
        pause.limit_reached = pause.limit_reached or capped
        pause.new_end_date = program.end_date
        program.save(update_fields=["end_date"])
        _shift_activities(program, pause.starts_on, shift)
    pause.ends_on = ends_on
    pause.save()
    _transition(group, MentoringGroup.Status.ACTIVE, user, resumed_note(pause))
    group.save(update_fields=["status", "planned_end_date"])
    return pause


def resumed_note(pause: GroupPause) -> str:
    """What the page and the history say about a resumed pause, the limit included when it was reached."""
    note = _("Возобновлена с %(date)s, окончание перенесено на %(end)s") % {
        "date": _day(pause.ends_on),
        "end": _day(pause.new_end_date),
    }
    if pause.limit_reached:
        note += _(" — не на всю длину паузы: по Положению программа наставничества длится не больше одного года")
    return note + "."


def _shift_activities(program: Program, since: datetime.date, shift: relativedelta) -> None:
    """Activities not done, due from the pause on, move with the pause; none past the program's new end."""
    activities = list(program.activities.filter(done_on=None, due_date__gte=since))
    for activity in activities:
        activity.due_date = min(activity.due_date + shift, program.end_date)
    bulk_update(Activity, activities, ["due_date"])
    record_history(Activity, [activity.pk for activity in activities], "~", reason=_("Пауза"))


def _close_pause(group: MentoringGroup, on: datetime.date) -> None:
    """A pair ended while paused: its pause ends with it."""
    pause = group.pauses.filter(ends_on=None).first()
    if pause is not None:
        pause.ends_on = max(on, pause.starts_on)
        pause.save(update_fields=["ends_on"])


def current_mentor_since(group: MentoringGroup, *, change: MentorPeriod | None = None) -> datetime.date:
    """When the pair's present mentor took it: their signed period's start, else the pair's own start
    (``change``, being signed, is not theirs)."""
    periods = MentorPeriod.objects.signed().filter(group=group, ends_on=None)
    if change is not None:
        periods = periods.exclude(pk=change.pk)
    period = periods.order_by("-starts_on").first()
    return period.starts_on if period else group.start_date


def _new_mentor_problems(group: MentoringGroup, mentor: Person) -> list[str]:
    """The rules a pair's mentor answers (``_mentor_problems``), not the present one, not a mentee, and
    a free place for all the pair's mentees."""
    if mentor.pk == group.mentor_id:
        return [_("%(name)s уже наставник этой пары: выберите другого.") % {"name": mentor.full_name}]
    problems = _mentor_problems(group.organisation, mentor)
    if group.participations.filter(mentee=mentor).exists():
        problems.append(_("Наставляемый пары не может стать её наставником."))
    profile = MentorProfile.objects.filter(person=mentor).first()
    if profile is not None:
        busy = active_mentee_counts([mentor.pk]).get(mentor.pk, 0)
        size = group.participations.count()
        if busy + size > profile.capacity:
            problems.append(
                _(
                    "У наставника %(name)s нет свободного места: он ведёт %(busy)s из %(capacity)s "
                    "наставляемых, а пара добавит ещё %(size)s."
                )
                % {"name": mentor.full_name, "busy": busy, "capacity": profile.capacity, "size": size}
            )
    return problems


def _mentor_change_date_problems(
    group: MentoringGroup, starts_on: datetime.date, change: MentorPeriod | None = None
) -> list[str]:
    since = current_mentor_since(group, change=change)
    if starts_on < group.start_date:
        return [_("Смена не может быть раньше начала наставничества (%(date)s).") % {"date": _day(group.start_date)}]
    if starts_on <= since:
        return [_("Новый наставник принимает пару позже нынешнего: после %(date)s.") % {"date": _day(since)}]
    if starts_on >= group.planned_end_date:
        return [
            _("Смена должна быть раньше окончания наставничества (%(date)s).") % {"date": _day(group.planned_end_date)}
        ]
    if starts_on > timezone.localdate():
        return [_("Дата смены не может быть в будущем.")]
    return []


@transaction.atomic
def group_mentor_change(
    *, user, group: MentoringGroup, mentor: Person, starts_on: datetime.date, consent_date: datetime.date
) -> MentoringOrder:
    """Ask for a new mentor of a live pair from ``starts_on``: a draft order carrying the new mentor's
    period. Nothing about the pair changes until the director signs it (``order_sign``): then the new
    mentor takes the pair, its program with its activities and marks, and the old mentor's place is freed."""
    group = MentoringGroup.objects.select_for_update().select_related("organisation").get(pk=group.pk)
    if group.status not in MentoringGroup.LIVE:
        raise ValidationError(_("Сменить наставника можно только у действующей пары или пары на паузе."))
    pending = MentorPeriod.objects.pending().filter(group=group).select_related("order").first()
    if pending is not None:
        raise ValidationError(
            _("Смена наставника этой пары уже ждёт подписи руководителя: %(order)s.") % {"order": pending.order}
        )
    errors = {
        "mentor": _new_mentor_problems(group, mentor),
        "starts_on": _mentor_change_date_problems(group, starts_on),
        "consent_date": [_("Дата согласия не может быть в будущем.")] if consent_date > timezone.localdate() else [],
    }
    errors = {key: value for key, value in errors.items() if value}
    if errors:
        raise ValidationError(errors)
    order = MentoringOrder.objects.create(
        organisation=group.organisation, status=MentoringOrder.Status.DRAFT, prepared_by=user
    )
    MentorPeriod.objects.create(
        group=group, mentor=mentor, starts_on=starts_on, order=order, consent_date=consent_date, created_by=user
    )
    GroupEvent.objects.create(
        group=group,
        to_status=group.status,
        user=user,
        note=_("Проект приказа о смене наставника: %(old)s → %(new)s с %(date)s")
        % {"old": group.mentor.short_name, "new": mentor.short_name, "date": _day(starts_on)},
    )
    return order


def _mentor_change_apply(change: MentorPeriod, *, user, note: str) -> None:
    """The signed change: the old mentor's period closes the day before (the first change writes it, from
    the pair's start under its own order), the new one's opens, and the pair takes the new mentor."""
    group = MentoringGroup.objects.select_for_update().select_related("organisation", "mentor").get(pk=change.group_id)
    mentor = Person.objects.select_related("organisation").get(pk=change.mentor_id)
    if group.status not in MentoringGroup.LIVE:
        raise ValidationError(
            _("Пара с наставником %(name)s уже завершена: наставника не сменить.") % {"name": group.mentor.short_name}
        )
    problems = _new_mentor_problems(group, mentor) + _mentor_change_date_problems(group, change.starts_on, change)
    if problems:
        raise ValidationError(problems)
    day_before = change.starts_on - datetime.timedelta(days=1)
    periods = MentorPeriod.objects.signed().filter(group=group).exclude(pk=change.pk)
    if periods.exists():
        for period in periods.filter(ends_on=None):
            period.ends_on = day_before
            period.save(update_fields=["ends_on"])
    else:
        MentorPeriod.objects.create(
            group=group,
            mentor_id=group.mentor_id,
            starts_on=group.start_date,
            ends_on=day_before,
            order_id=group.order_id,
            consent_date=group.mentor_consent_date,
        )
    GroupEvent.objects.create(
        group=group,
        to_status=group.status,
        user=user,
        note=_("Смена наставника: %(old)s → %(new)s с %(date)s. %(order)s")
        % {"old": group.mentor.short_name, "new": mentor.short_name, "date": _day(change.starts_on), "order": note},
    )
    group.mentor, group.mentor_consent_date = mentor, change.consent_date
    group.save(update_fields=["mentor", "mentor_consent_date"])


def mentor_periods(group: MentoringGroup) -> list[MentorPeriod]:
    """Every mentor the pair had, with dates and orders; one unsaved period (the pair's own) if it never changed."""
    periods = list(MentorPeriod.objects.signed().filter(group=group).select_related("mentor__organisation", "order"))
    if periods:
        return periods
    end = group.ended_on if group.status not in (*MentoringGroup.LIVE, MentoringGroup.Status.DRAFT) else None
    return [MentorPeriod(group=group, mentor=group.mentor, starts_on=group.start_date, ends_on=end, order=group.order)]
