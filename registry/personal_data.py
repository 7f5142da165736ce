"""A teacher's personal data under 152-ФЗ: everything the portal holds on them, and its removal.

``PersonalDataExport`` answers a subject access request (art. 14): one workbook with the card,
the bank entries, every pair and program they took part in, their accounts and the history
of changes.

``withdraw_consent`` carries out a withdrawal of consent (art. 9 §2, art. 21 §5): the person
stays as a row, so pairs, programs and the counts of past and present reports keep adding up,
but everything that names or reaches them is replaced or erased: names, contacts, free text
about them, consent scans, their accounts, the history that still holds the old values, and
uploaded import files not yet confirmed.
"""

from __future__ import annotations

import logging
import re

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from mentoring_portal.audit import purge_history, record_history
from mentoring_portal.concurrency import bulk_update, bump
from mentoring_portal.exporters import XLSX, Exporter, XlsxSheet, save
from mentoring_portal.names import name_forms

from .accounts import ANONYMISED_ACCOUNT_PREFIX
from .audit import person_log
from .exporters import terms_text
from .models import (
    Activity,
    GroupEvent,
    GroupPause,
    ImportBatch,
    Membership,
    MenteeProfile,
    MentoringGroup,
    MentorProfile,
    Person,
    ProfileStatus,
    Program,
)

logger = logging.getLogger("portal.personal_data")

ANONYMISED_LAST_NAME = "Обезличено"


def _yes(value: bool) -> str:
    return "да" if value else "нет"


def _local(moment):
    """A stored moment as the local wall-clock time Excel shows (it keeps no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else ""


def _facts(workbook, title: str, rows, *, empty: str = "") -> None:
    """A two-column sheet of label and value; ``empty`` stands alone when there is nothing to list."""
    sheet = XlsxSheet(workbook, title, [40, 70])
    sheet.append(["Сведение", "Значение"], bold=True)
    for label, value in rows or [(empty, "")]:
        sheet.append([label, value])


class PersonalDataExport(Exporter):
    """All the portal holds on one person, as a workbook of labelled sheets."""

    name = "personal-data"
    private = True

    def render(self, person: Person) -> tuple[str, str, bytes]:
        workbook = Workbook(write_only=True)
        _facts(
            workbook,
            "Сведения",
            [
                ("Фамилия", person.last_name),
                ("Имя", person.first_name),
                ("Отчество", person.middle_name),
                ("Организация", person.organisation.full_name),
                ("Должность", person.position),
                ("Предметы", ", ".join(subject.name for subject in person.subjects.all())),
                ("Квалификационная категория", person.get_qualification_category_display()),
                ("Педагогический стаж с", person.teaching_since),
                ("Электронная почта", person.email),
                ("Телефон", person.phone),
                ("Согласие на обработку персональных данных", person.consent_date),
                ("Документ о согласии", person.consent_document),
                ("Согласие отозвано", person.consent_withdrawn_on),
                ("Карточка создана", _local(person.created_at)),
                ("Карточка изменена", _local(person.updated_at)),
            ],
        )
        mentor = MentorProfile.objects.filter(person=person).prefetch_related("competencies", "achievements").first()
        _facts(
            workbook,
            "Банк наставников",
            mentor
            and [
                ("Компетенции", terms_text(mentor.competencies.all(), mentor.competencies_text)),
                ("Достижения", terms_text(mentor.achievements.all(), mentor.achievements_text)),
                ("Наставляемых одновременно", mentor.capacity),
                ("Открытое наставничество", _yes(mentor.open_mentoring)),
                ("Согласие быть наставником", mentor.consent_date),
                ("Скан согласия", _yes(bool(mentor.consent_scan))),
                ("Статус", mentor.get_status_display()),
            ],
            empty="В банке наставников не состоит",
        )
        mentee = MenteeProfile.objects.filter(person=person).prefetch_related("requests").first()
        _facts(
            workbook,
            "Банк наставляемых",
            mentee
            and [
                ("Категория", mentee.get_category_display()),
                ("Запросы", terms_text(mentee.requests.all(), mentee.requests_text)),
                ("Согласие на участие", mentee.consent_date),
                ("Скан согласия", _yes(bool(mentee.consent_scan))),
                ("Статус", mentee.get_status_display()),
            ],
            empty="В банке наставляемых не состоит",
        )

        sheet = XlsxSheet(workbook, "Наставничество", [16, 36, 30, 30, 16, 14, 14, 14, 20, 40, 20])
        sheet.append(
            [
                "Роль",
                "Организация",
                "Наставник",
                "Форма",
                "Статус",
                "Начало",
                "Окончание (план)",
                "Окончание",
                "Приказ",
                "Программа",
                "Статус программы",
            ],
            bold=True,
        )
        groups = (
            MentoringGroup.objects.filter(Q(mentor=person) | Q(participations__mentee=person))
            .select_related("organisation", "mentor", "order", "program")
            .distinct()
            .order_by("start_date", "pk")
        )
        for group in groups:
            program = getattr(group, "program", None)
            sheet.append(
                [
                    "наставник" if group.mentor_id == person.pk else "наставляемый",
                    group.organisation.short_name,
                    group.mentor.full_name,
                    group.get_form_display(),
                    group.get_status_display(),
                    group.start_date,
                    group.planned_end_date,
                    group.ended_on,
                    str(group.order) if group.order_id else "",
                    program.title if program else "",
                    program.get_status_display() if program else "",
                ]
            )

        sheet = XlsxSheet(workbook, "Учётные записи", [24, 60, 12, 18, 18])
        sheet.append(["Имя пользователя", "Роли", "Действует", "Последний вход", "Создана"], bold=True)
        users = get_user_model().objects.filter(memberships__person=person).distinct().prefetch_related("memberships")
        for user in users:
            sheet.append(
                [
                    user.username,
                    "; ".join(m.get_role_display() for m in user.memberships.all()),
                    _yes(user.is_active),
                    _local(user.last_login),
                    _local(user.date_joined),
                ]
            )

        sheet = XlsxSheet(workbook, "История изменений", [18, 28, 36, 90])
        sheet.append(["Когда", "Кто", "Что", "Изменения"], bold=True)
        for entry in person_log(person):
            sheet.append(
                [
                    _local(entry.at),
                    entry.user,
                    f"{entry.subject}: {entry.action}",
                    "; ".join(
                        f"{change.label}: {change.old + ' → ' if change.old else ''}{change.new}"
                        for change in entry.changes
                    ),
                ]
            )
        return f"Персональные данные {person.short_name}.xlsx", XLSX, save(workbook)


# A name form this short may be an ordinary word when written in lower case («лев», «ян»).
SHORT_NAME_FORM = 4


def _name_pattern(form: str) -> str:
    """``form`` as a whole word, ё and е alike."""
    letters = "".join("[её]" if char in "её" else re.escape(char) for char in form)
    return rf"(?<!\w){letters}(?!\w)"


def _scrub(text: str, forms: set[str]) -> str:
    """The text with the person's names replaced: notes typed about them stay readable, without them.

    ``forms`` are every case form of each part of the name (``mentoring_portal.names.name_forms``:
    «Павел», «Павла», «Павлом»; «Петров-Водкин» gives its halves too), each matched as a whole word.
    Short forms («Ли», «Ян», «Льва») are matched only as written, capitalised, so «лидерские» and
    «льва» stay; longer ones in any letter case.
    """
    for form in sorted((form for form in forms if len(form) > 1), key=len, reverse=True):
        flags = 0 if len(form) <= SHORT_NAME_FORM else re.IGNORECASE
        text = re.sub(_name_pattern(form), ANONYMISED_LAST_NAME, text, flags=flags)
    return text


def _live_and_past(model, ids=None, **lookup):
    """The rows and their history records: by ``ids`` (the history keeps them as ``id``), or by ``lookup``."""
    if ids is not None:
        return model.objects.filter(pk__in=ids), model.history.filter(id__in=ids)
    return model.objects.filter(**lookup), model.history.filter(**lookup)


def _scrub_rows(queryset, fields: tuple[str, ...], names: set[str]) -> None:
    """Scrub text fields in place, history tables included, without writing new history."""
    changed = []
    for row in queryset.only("pk", *fields):
        before = [getattr(row, name) for name in fields]
        for name in fields:
            setattr(row, name, _scrub(getattr(row, name) or "", names))
        if before != [getattr(row, name) for name in fields]:
            changed.append(row)
    if changed:
        bulk_update(queryset.model, changed, fields)


@transaction.atomic
def withdraw_consent(*, user, person: Person, withdrawn_on) -> Person:
    """Record the withdrawal and anonymise the person; refused while they are in a live pair."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _check_withdrawal(person, withdrawn_on)
    names = name_forms(person.last_name, person.first_name, person.middle_name)
    _anonymise_card(person, withdrawn_on)
    scans = _clear_profiles(person)
    transaction.on_commit(lambda: _delete_files(scans), robust=True)
    _scrub_pairs(person, names)
    _release_accounts(user, person)
    _drop_uploads(person)
    _restart_history(user, person)
    logger.info("person %s anonymised by %s", person.pk, user)
    return person


def _check_withdrawal(person: Person, withdrawn_on) -> None:
    if person.anonymised_at:
        raise ValidationError(_("Данные этого педагога уже обезличены."))
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("Дата отзыва согласия не может быть в будущем.")})
    live = MentoringGroup.objects.filter(
        Q(mentor=person) | Q(participations__mentee=person),
        status__in=[MentoringGroup.Status.DRAFT, *MentoringGroup.LIVE],
    )
    if live.exists():
        raise ValidationError(
            _(
                "Педагог участвует в действующей паре или в паре, которая готовится к приказу. "
                "Сначала прекратите её досрочно с причиной «Отзыв согласия на обработку персональных данных», "
                "затем обезличьте данные."
            )
        )


def _anonymise_card(person: Person, withdrawn_on) -> None:
    person.last_name = ANONYMISED_LAST_NAME
    person.first_name = f"№ {person.pk}"
    person.middle_name = ""
    person.email = ""
    person.phone = ""
    person.consent_date = None
    person.consent_document = ""
    person.consent_withdrawn_on = withdrawn_on
    person.anonymised_at = timezone.now()
    person.save()


def _clear_profiles(person: Person) -> set[str]:
    """Empty the person's mentor and mentee profiles; the names of their consent scans, to delete.

    The scans are the current ones and every earlier one the history remembers: all go, once this commits.
    """
    scans = set()
    for model in (MentorProfile, MenteeProfile):
        scans.update(
            name for name in model.history.filter(person_id=person.pk).values_list("consent_scan", flat=True) if name
        )
        profile = model.objects.filter(person=person).first()
        if profile is None:
            continue
        if profile.consent_scan:
            scans.add(profile.consent_scan.name)
        profile.consent_scan = ""
        profile.consent_date = None
        profile.status = ProfileStatus.LEFT
        if model is MentorProfile:
            profile.competencies_text = profile.achievements_text = ""
        else:
            profile.requests_text = ""
        profile.save()
    return scans


def _scrub_pairs(person: Person, names: set[str]) -> None:
    """Pairs and programs stay; what was typed about the person in them is scrubbed of their names,
    and the mentee's own words about themselves are removed."""
    # A former mentor (a period before a change) is named in the pair's events too.
    groups = MentoringGroup.objects.filter(
        Q(mentor=person) | Q(participations__mentee=person) | Q(mentor_periods__mentor=person)
    ).distinct()
    group_ids = list(groups.values_list("pk", flat=True))
    for queryset in _live_and_past(MentoringGroup, group_ids):
        _scrub_rows(queryset, ("end_note",), names)
    _scrub_rows(GroupEvent.objects.filter(group_id__in=group_ids), ("note",), names)
    for queryset in _live_and_past(GroupPause, group_id__in=group_ids):
        _scrub_rows(queryset, ("note",), names)
    program_ids = _programs_and_copies(group_ids)
    for queryset in _live_and_past(Program, program_ids):
        _scrub_rows(queryset, PROGRAM_TEXTS, names)
    for queryset in _live_and_past(Activity, program_id__in=program_ids):
        _scrub_rows(queryset, ("title", "responsible", "note"), names)
    # The mentee's own words about themselves: removed when the pair was theirs alone; in a group,
    # where the other mentees wrote too, only their names are taken out.
    own = Program.objects.filter(group__participations__mentee=person).annotate(size=Count("group__participations"))
    alone = [program.pk for program in own if program.size == 1]
    shared = [program.pk for program in own if program.size > 1]
    for queryset in _live_and_past(Program, alone):
        bump(queryset, mentee_self_assessment="")
    for queryset in _live_and_past(Program, shared):
        _scrub_rows(queryset, ("mentee_self_assessment",), names)


def _programs_and_copies(group_ids: list[int]) -> set[int]:
    """The groups' programs, with the copies put in the bank and the programs made from those copies,
    to any depth: they carry the same texts."""
    program_ids = set(Program.objects.filter(group_id__in=group_ids).values_list("pk", flat=True))
    frontier = set(program_ids)
    while frontier:
        frontier = set(Program.objects.filter(source_id__in=frontier).values_list("pk", flat=True)) - program_ids
        program_ids |= frontier
    return program_ids


def _drop_uploads(person: Person) -> None:
    """Uploads not confirmed may hold the person's row: those of the people who could have imported
    into their school (its staff and the municipality's coordinators) are dropped; they upload again."""
    organisation = person.organisation
    uploaders = Membership.objects.filter(
        Q(organisation=organisation) | Q(municipality_id=organisation.municipality_id)
    ).values("user_id")
    ImportBatch.objects.filter(status=ImportBatch.Status.PREVIEWED, user_id__in=uploaders).delete()


def _restart_history(user, person: Person) -> None:
    """History still holds the old values: drop it, and start again from the anonymised state."""
    purge_history(Person, [person.pk])
    profile_ids = {
        model: list(model.objects.filter(person=person).values_list("pk", flat=True))
        for model in (MentorProfile, MenteeProfile)
    }
    for model, ids in profile_ids.items():
        purge_history(model, ids)
    reason = _("Согласие отозвано, данные обезличены")
    record_history(Person, [person.pk], "~", user, reason)
    for model, ids in profile_ids.items():
        record_history(model, ids, "~", user, reason)


def _delete_files(names) -> None:
    """Delete stored files after the commit; a failure is logged, never turned into an error page."""
    storage = MentorProfile._meta.get_field("consent_scan").storage
    for name in names:
        try:
            if storage.exists(name):
                storage.delete(name)
        except OSError:
            logger.exception("could not delete %s after an anonymisation", name)


PROGRAM_TEXTS = ("difficulties", "strengths", "goals", "expected_results", "result", "mentor_assessment")


def _release_accounts(actor, person: Person) -> None:
    """Roles tied to the card go. An account left with no other role is closed and anonymised,
    unless it belongs to staff or to the actor; an account with other roles keeps them."""
    memberships = Membership.objects.filter(person=person)
    accounts = list(get_user_model().objects.filter(memberships__in=memberships).distinct())
    membership_ids = list(memberships.values_list("pk", flat=True))
    memberships.delete()  # its signal writes a "deleted" history row with the phone: purged next
    purge_history(Membership, membership_ids)
    for account in accounts:
        if account.is_staff or account.is_superuser or account.pk == actor.pk or account.memberships.exists():
            continue
        usernames = [account.username]
        account.username = f"{ANONYMISED_ACCOUNT_PREFIX}{account.pk}"
        account.first_name = account.last_name = account.email = ""
        account.is_active = False
        account.set_unusable_password()
        account.save()
        purge_history(get_user_model(), [account.pk])
        for log in (AccessAttempt, AccessLog, AccessFailureLog):
            log.objects.filter(username__in=usernames).delete()
