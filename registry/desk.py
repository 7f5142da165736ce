"""What of the registry waits on the home page: people, pairs, programs and orders.

The blocks themselves come from here too (``blocks_for``): the registry owns the memberships,
so it says which roles the user holds and where. Each kind that waits is counted with the same
filter the linked list applies, so «без согласия: 12» on the home page is the 12 rows the
registry shows behind the link.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from mentoring_portal.desk import (
    LINES_SHOWN,
    Block,
    Cell,
    Column,
    Desk,
    Line,
    Waiting,
    contributor,
    organisation_columns,
)
from mentoring_portal.templatetags.portal import ru_plural as russian_plural_phrase

from .access import orders_to_sign
from .models import (
    Activity,
    Membership,
    MentoringGroup,
    Organisation,
    Participation,
    Person,
    PersonQuerySet,
    Program,
    Role,
)
from .models.people import young_teacher_threshold

# Programs ending within this many days are listed for the curator to close or prolong.
ENDING_WITHIN_DAYS = 31
# The mentor's home lists this many next activities of all their programs.
NEXT_ACTIVITIES = 6


def blocks_for(user) -> list[Block]:
    """One block per membership: a person who curates two schools and mentors in one sees three."""
    blocks = []
    memberships = Membership.objects.filter(user=user).select_related(
        "municipality", "organisation", "person__organisation"
    )
    for membership in memberships.order_by("role", "pk"):
        person = membership.person
        organisation = membership.organisation or (person.organisation if person else None)
        blocks.append(
            Block(
                role=membership.role,
                label=str(Role(membership.role).label),
                place=str(membership.municipality or organisation),
                municipality_id=membership.municipality_id,
                organisation_id=organisation.pk if organisation else None,
                person_id=membership.person_id,
            )
        )
    return sorted(blocks, key=lambda block: list(Role.values).index(block.role))


def registry_url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def without_consent(organisation_id: int):
    """The registry's filter «Согласие на обработку ПДн: нет» for one organisation."""
    return Person.objects.filter(organisation_id=organisation_id).without_consent()


def without_mentor(organisation_id: int):
    """The registry's filter «Наставляемые без наставника» for one organisation."""
    return Person.objects.filter(organisation_id=organisation_id).without_mentor()


def without_program(organisation_id: int):
    """The pair list's filter «Без программы»: pairs not ended that have no program yet."""
    return MentoringGroup.objects.filter(organisation_id=organisation_id).without_program()


def _people_lines(desk: Desk, people) -> list[Line]:
    if not desk.full:
        return []
    return [
        Line(person.full_name, person.get_absolute_url(), person.created_at, person.position)
        for person in people.order_by("-created_at", "-pk")[:LINES_SHOWN]
    ]


def _pair_lines(desk: Desk, groups) -> list[Line]:
    if not desk.full:
        return []
    rows = groups.select_related("mentor").prefetch_related(
        Prefetch("participations", queryset=Participation.objects.select_related("mentee"))
    )
    lines = []
    for group in rows.order_by("-created_at", "-pk")[:LINES_SHOWN]:
        mentees = ", ".join(p.mentee.short_name for p in group.participations.all())
        text = _("Наставник %(mentor)s — %(mentees)s") % {"mentor": group.mentor.short_name, "mentees": mentees}
        lines.append(Line(text, reverse("registry:program_create", args=[group.pk]), group.created_at))
    return lines


def curator_people(desk: Desk, block: Block) -> None:
    organisation = block.organisation_id
    missing = without_consent(organisation)
    block.add(
        Waiting(
            key="without_consent",
            title=_("Без согласия на обработку ПДн"),
            count=missing.count(),
            url=registry_url("registry:person_list", organisation=organisation, consent="false"),
            menu="people",
            lines=_people_lines(desk, missing),
        )
    )
    alone = without_mentor(organisation)
    block.add(
        Waiting(
            key="without_mentor",
            title=_("Наставляемые без наставника"),
            count=alone.count(),
            url=registry_url("registry:person_list", organisation=organisation, without_mentor="true"),
            menu="people",
            lines=_people_lines(desk, alone),
            action=_("Подобрать наставника"),
        )
    )
    bare = without_program(organisation)
    block.add(
        Waiting(
            key="without_program",
            title=_("Пары и группы без программы"),
            count=bare.count(),
            url=registry_url("registry:group_list", organisation=organisation, without_program="1"),
            menu="pairs",
            lines=_pair_lines(desk, bare),
        )
    )


def curator_programs(desk: Desk, block: Block) -> None:
    today = desk.today
    ending = Program.objects.filter(
        organisation_id=block.organisation_id,
        status=Program.Status.ACTIVE,
        end_date__gte=today,
        end_date__lte=today + datetime.timedelta(days=ENDING_WITHIN_DAYS),
    )
    block.add(
        Waiting(
            key="programs_ending",
            title=_("Программы, которые заканчиваются в течение месяца"),
            count=ending.count(),
            url=reverse("registry:group_list") + f"?organisation={block.organisation_id}",
            menu="pairs",
            lines=[
                Line(program.title, program.get_absolute_url(), program.end_date, f"{program.end_date:%d.%m.%Y}")
                for program in ending.order_by("end_date")[:LINES_SHOWN]
            ]
            if desk.full
            else [],
        )
    )
    overdue = Activity.objects.filter(
        program__organisation_id=block.organisation_id,
        program__status=Program.Status.ACTIVE,
        done_on__isnull=True,
        due_date__lt=today,
    )
    block.add(
        Waiting(
            key="activities_overdue",
            title=_("Просроченные мероприятия программ"),
            count=overdue.count(),
            url=reverse("registry:group_list") + f"?organisation={block.organisation_id}&status=active",
            menu="pairs",
            lines=_activity_lines(desk, overdue),
        )
    )


def _activity_lines(desk: Desk, activities) -> list[Line]:
    if not desk.full:
        return []
    rows = activities.select_related("program__group__mentor").order_by("-due_date", "-pk")[:LINES_SHOWN]
    lines = []
    for activity in rows:
        mentor = activity.program.group.mentor.short_name if activity.program.group else ""
        lines.append(
            Line(
                activity.title,
                activity.program.get_absolute_url(),
                activity.due_date,
                _("срок %(date)s, наставник %(mentor)s") % {"date": f"{activity.due_date:%d.%m.%Y}", "mentor": mentor},
                late=True,
            )
        )
    return lines


def director_orders(desk: Desk, block: Block) -> None:
    drafts = orders_to_sign(desk.user).filter(organisation_id=block.organisation_id)
    lines = []
    if desk.full:
        for order in drafts[:LINES_SHOWN]:
            prepared = order.prepared_by.get_full_name() if order.prepared_by else ""
            text = _("Проект приказа о закреплении наставнических пар: %(pairs)s") % {
                "pairs": russian_plural_phrase(order.group_count, "пара или группа,пары или группы,пар и групп")
            }
            note = _("подготовил(а) %(name)s") % {"name": prepared} if prepared else ""
            lines.append(Line(text, order.get_absolute_url(), order.created_at, note))
    block.add(
        Waiting(
            key="orders_to_sign",
            title=_("Проекты приказов на подпись"),
            count=drafts.count(),
            url=reverse("registry:order_list"),
            menu="pairs",
            lines=lines,
            action=_("Подписать"),
        )
    )


def director_pairs(desk: Desk, block: Block) -> None:
    waiting = MentoringGroup.objects.filter(
        organisation_id=block.organisation_id, status=MentoringGroup.Status.DRAFT, order__isnull=True
    )
    block.add(
        Waiting(
            key="pairs_without_order",
            title=_("Пары и группы ждут приказа о закреплении"),
            count=waiting.count(),
            url=registry_url("registry:group_list", organisation=block.organisation_id, status="draft"),
            menu="pairs",
            lines=_pair_lines(desk, waiting),
        )
    )


@contributor
def registry_desk(desk: Desk) -> None:
    for block in desk.of(Role.CURATOR):
        curator_people(desk, block)
        curator_programs(desk, block)
    for block in desk.of(Role.DIRECTOR):
        director_orders(desk, block)
        director_pairs(desk, block)
    if not desk.full:
        return
    for block in desk.of(Role.MENTOR):
        mentor_panel(desk, block)
    for block in desk.of(Role.MENTEE):
        mentee_panel(desk, block)
    for block in desk.of(Role.COORDINATOR, Role.HEAD):
        municipal_panels(desk, block)
    for block in desk.of(Role.CURATOR, Role.DIRECTOR):
        school_totals(desk, block)


def mentor_panel(desk: Desk, block: Block) -> None:
    """Each mentee with their program's progress, and the next activities to mark as done right here."""
    groups = list(
        MentoringGroup.objects.filter(
            mentor_id=block.person_id, status__in=[MentoringGroup.Status.ACTIVE, MentoringGroup.Status.PAUSED]
        )
        .select_related("program", "organisation")
        .prefetch_related(Prefetch("participations", queryset=Participation.objects.select_related("mentee")))
        .annotate(
            activities_total=Count("program__activities", distinct=True),
            activities_done=Count(
                "program__activities", filter=Q(program__activities__done_on__isnull=False), distinct=True
            ),
        )
        .order_by("start_date", "pk")
    )
    upcoming = list(
        Activity.objects.filter(
            program__group__mentor_id=block.person_id,
            program__group__status=MentoringGroup.Status.ACTIVE,
            done_on__isnull=True,
        )
        .select_related("program")
        .order_by("due_date", "position", "pk")[:NEXT_ACTIVITIES]
    )
    block.add_panel("registry/desk_mentor.html", {"groups": groups, "upcoming": upcoming, "today": desk.today}, 10)


def mentee_panel(desk: Desk, block: Block) -> None:
    """The mentee's own program with its plan, and who their mentor is and how to reach them."""
    participations = list(
        Participation.objects.filter(
            mentee_id=block.person_id,
            group__status__in=[MentoringGroup.Status.ACTIVE, MentoringGroup.Status.PAUSED, MentoringGroup.Status.DRAFT],
        )
        .select_related("group__mentor", "group__program", "group__organisation")
        .prefetch_related("group__program__activities")
        .order_by("-group__start_date")
    )
    block.add_panel("registry/desk_mentee.html", {"participations": participations, "today": desk.today}, 10)


# --- the municipal home page --------------------------------------------------------------------
TABLE_SORTS = ("name", "pairs", "without_consent", "roadmap", "roadmap_done", "report", "readiness")


def organisation_table(organisations: list, today: datetime.date, sort: str = "name") -> dict:
    """The municipality's organisations × pairs, consents missing and every app's columns, sorted by ``sort``.

    Used by the home page and its xlsx export alike, so the file has the rows the page shows.
    """
    ids = [organisation.pk for organisation in organisations]
    pairs = dict(
        MentoringGroup.objects.filter(organisation_id__in=ids, status=MentoringGroup.Status.ACTIVE)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    missing = dict(
        Person.objects.filter(organisation_id__in=ids)
        .without_consent()
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    columns = [
        Column(
            "pairs", _("Действующих пар и групп"), {pk: Cell(str(pairs.get(pk, 0)), pairs.get(pk, 0)) for pk in ids}
        ),
        Column(
            "without_consent",
            _("Без согласия на обработку ПДн"),
            {
                pk: Cell(
                    str(missing.get(pk, 0)),
                    missing.get(pk, 0),
                    registry_url("registry:person_list", organisation=pk, consent="false") if missing.get(pk) else "",
                )
                for pk in ids
            },
        ),
        *organisation_columns(organisations, today),
    ]
    key = sort.lstrip("-")
    rows = [
        {"organisation": organisation, "cells": [c.cells[organisation.pk] for c in columns]}
        for organisation in organisations
    ]
    keys = [column.key for column in columns]
    if key in keys:
        index = keys.index(key)
        rows.sort(key=lambda row: (row["cells"][index].sort is None, row["cells"][index].sort or 0))
    else:
        rows.sort(key=lambda row: row["organisation"].short_name)
    if sort.startswith("-"):
        rows.reverse()
    return {"columns": columns, "rows": rows, "sort": sort}


def people_totals(people, today: datetime.date) -> dict:
    """The summary cards' figures in one scan: people, mentors, mentees, without consent, young teachers."""
    return people.aggregate(
        people=Count("pk"),
        mentors=Count("mentor_profile"),
        mentees=Count("mentee_profile"),
        without_consent=Count("pk", filter=PersonQuerySet.WITHOUT_CONSENT),
        young=Count("pk", filter=Q(teaching_since__gt=young_teacher_threshold(today))),
    )


def municipal_panels(desk: Desk, block: Block) -> None:
    organisations = list(
        Organisation.objects.filter(municipality_id=block.municipality_id).only("short_name", "kind", "municipality_id")
    )
    people = Person.objects.filter(organisation__municipality_id=block.municipality_id)
    totals = people_totals(people, desk.today)
    block.add_panel("registry/desk_totals.html", {"totals": totals, "organisation_count": len(organisations)}, 20)
    table = organisation_table(organisations, desk.today, desk.sort)
    table["export_url"] = reverse("registry:organisation_summary_export", args=[block.municipality_id])
    block.add_panel("registry/desk_organisations.html", table, 40)


def school_totals(desk: Desk, block: Block) -> None:
    people = Person.objects.filter(organisation_id=block.organisation_id)
    totals = people_totals(people, desk.today)
    pairs = MentoringGroup.objects.filter(organisation_id=block.organisation_id).count()
    context = {"totals": totals, "organisation_id": block.organisation_id, "pairs": pairs}
    block.add_panel("registry/desk_totals.html", context, 20)
