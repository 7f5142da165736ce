"""The registry's change logs: a teacher's card, a pair or group, a program, with their parts.

Built on ``mentoring_portal.audit.change_log``.
"""

from __future__ import annotations

from mentoring_portal.audit import Entry, change_log

from .models import Activity, GroupPause, MenteeProfile, MentorPeriod, MentorProfile, Participation, Workplace


def person_log(person) -> list[Entry]:
    return change_log(
        [
            ("Карточка педагога", person.history.all()),
            ("Банк наставников", MentorProfile.history.filter(person_id=person.pk)),
            ("Банк наставляемых", MenteeProfile.history.filter(person_id=person.pk)),
            ("Место работы", Workplace.history.filter(person_id=person.pk)),
        ]
    )


def group_log(group) -> list[Entry]:
    return change_log(
        [
            ("Пара или группа", group.history.all()),
            ("Участник", Participation.history.filter(group_id=group.pk)),
            ("Пауза", GroupPause.history.filter(group_id=group.pk)),
            ("Период наставника", MentorPeriod.history.filter(group_id=group.pk)),
        ]
    )


def program_log(program) -> list[Entry]:
    return change_log(
        [
            ("Программа", program.history.all()),
            ("Мероприятие № {obj.position}", Activity.history.filter(program_id=program.pk)),
        ]
    )
