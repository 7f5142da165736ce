"""The monitoring indicators: each defined once (name, formula, unit, target), computed from the data.

``organisation_figures`` counts, per organisation, everything the indicators need, in a
fixed number of queries whatever the number of organisations (a region of 3,000 schools
costs the same dozen queries as one school). ``aggregate`` sums those figures; every
indicator's value is then a function of the sums, so the dashboard, the reports and a
period's frozen figures all read the same definitions.

A person counts in every organisation where they work now (their main place and any additional
one) and once in a municipality: an organisation's figures list, under ``shared``, the people it
counted who also count elsewhere, and ``aggregate`` counts each of them once.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from registry.models import (
    MentoringForm,
    MentoringGroup,
    MentoringKind,
    Organisation,
    Participation,
    Person,
    ProfileStatus,
    Program,
    Workplace,
    young_teacher_threshold,
)
from roadmaps.models import Item, Revision

COUNT_KEYS = (
    "workers",
    "mentors",
    "mentees",
    "involved",
    "pairs",
    "groups",
    "paused",
    "young",
    "young_with_mentor",
    "programs_started",
    "programs_completed",
    "ended_early",
    "items_on_time",
    "items_overdue",
    "runs_mentoring",
)


# Counts of people, not of pairs or programs: a person with two places of work is one person in a municipality.
PERSON_KEYS = ("workers", "mentors", "mentees", "young", "involved", "young_with_mentor")


def share(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    formula: str
    value: Callable[[dict], float | None]
    target: float | None = None
    target_text: str = ""
    per_organisation: bool = True

    def meets_target(self, value) -> bool | None:
        if self.target is None or value is None:
            return None
        return value >= self.target


INDICATORS: tuple[Indicator, ...] = (
    Indicator("workers", "Педагогических работников", "чел.", "число педагогов в реестре", lambda f: f["workers"]),
    Indicator("mentors", "Наставников", "чел.", "действующие наставники банка наставников", lambda f: f["mentors"]),
    Indicator("mentees", "Наставляемых", "чел.", "действующие наставляемые базы наставляемых", lambda f: f["mentees"]),
    Indicator("pairs", "Наставнических пар", "ед.", "действующие пары (один наставляемый)", lambda f: f["pairs"]),
    Indicator(
        "groups", "Наставнических групп", "ед.", "действующие группы (два наставляемых и больше)", lambda f: f["groups"]
    ),
    # A paused pair is counted here and not as «действующая»: not in the pairs and groups above, the involved
    # and young teachers' shares, or the organisations that run mentoring. Figures frozen before pauses
    # existed have no key: none were paused then.
    Indicator(
        "paused",
        "Пар и групп на паузе",
        "ед.",
        "пары и группы, приостановленные на время длительного отсутствия участника",
        lambda f: f.get("paused", 0),
    ),
    Indicator(
        "involved_share",
        "Доля педагогов, вовлечённых в наставничество",
        "%",
        "участники действующих пар и групп / педагогические работники × 100",
        lambda f: share(f["involved"], f["workers"]),
        target_text="растёт из года в год",
    ),
    Indicator(
        "young_with_mentor",
        "Молодых педагогов с наставником",
        "чел.",
        "педагоги со стажем до 3 лет в действующих парах и группах",
        lambda f: f["young_with_mentor"],
    ),
    Indicator(
        "young_with_mentor_share",
        "Доля молодых педагогов с наставником",
        "%",
        "молодые педагоги с наставником / все молодые педагоги × 100",
        lambda f: share(f["young_with_mentor"], f["young"]),
        target=100,
        target_text="100 %",
    ),
    Indicator(
        "organisations_share",
        "Доля организаций, реализующих наставничество",
        "%",
        "организации, где есть действующие пары или группы / все организации × 100",
        lambda f: share(f["runs_mentoring"], f["organisations"]),
        target=100,
        target_text="100 % ежегодно (Положение, п. 7.1.2)",
        per_organisation=False,
    ),
    Indicator(
        "programs_started",
        "Программ наставничества начато",
        "ед.",
        "персонализированные программы с началом в отчётном периоде",
        lambda f: f["programs_started"],
    ),
    Indicator(
        "programs_completed",
        "Программ завершено",
        "ед.",
        "программы, завершённые в отчётном периоде",
        lambda f: f["programs_completed"],
    ),
    Indicator(
        "ended_early",
        "Пар и групп прекращено досрочно",
        "ед.",
        "пары и группы, прекращённые досрочно в отчётном периоде",
        lambda f: f["ended_early"],
    ),
    Indicator(
        "items_on_time",
        "Мероприятий дорожных карт выполнено в срок",
        "ед.",
        "пункты утверждённых дорожных карт, выполненные не позже срока",
        lambda f: f["items_on_time"],
    ),
    Indicator(
        "items_overdue",
        "Мероприятий дорожных карт просрочено",
        "ед.",
        "пункты утверждённых дорожных карт с прошедшим сроком, не выполненные",
        lambda f: f["items_overdue"],
    ),
)
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}


def empty_figures() -> dict:
    return {key: 0 for key in COUNT_KEYS} | {"forms": {}, "kinds": {}}


def organisation_figures(
    organisations: list[Organisation],
    *,
    starts_on: datetime.date,
    ends_on: datetime.date,
    today=None,
    among: QuerySet | None = None,
) -> dict[int, dict]:
    """Counts per organisation; a fixed number of queries.

    ``among``: the same organisations' keys as a query (``values("pk")``), for thousands of them: the
    statements then carry a subquery instead of thousands of parameters (a region's 3,000 made every
    statement cost more to build and to plan than to run)."""
    today = today or timezone.localdate()
    ids = [organisation.pk for organisation in organisations]
    figures = {pk: empty_figures() for pk in ids}
    wanted = ids if among is None else among

    def put(key: str, rows, field: str = "organisation_id") -> None:
        for row in rows:
            figures[row[field]][key] = row["n"]

    _count_people(figures, ids, wanted, today)

    active = MentoringGroup.objects.filter(status=MentoringGroup.Status.ACTIVE)
    for row in (
        active.filter(organisation_id__in=wanted)
        # One row per group ("pk" in values), or groups alike in form and kinds would be merged.
        .values("pk", "organisation_id", "form", "kinds")
        .annotate(size=Count("participations"))
    ):
        target = figures[row["organisation_id"]]
        target["pairs" if row["size"] == 1 else "groups"] += 1
        target["runs_mentoring"] = 1
        target["forms"][row["form"]] = target["forms"].get(row["form"], 0) + 1
        for kind in row["kinds"]:
            target["kinds"][kind] = target["kinds"].get(kind, 0) + 1

    put(
        "paused",
        MentoringGroup.objects.filter(organisation_id__in=wanted, status=MentoringGroup.Status.PAUSED)
        .values("organisation_id")
        .annotate(n=Count("pk")),
    )

    in_period = {"start_date__gte": starts_on, "start_date__lte": ends_on}
    programs = Program.objects.filter(organisation_id__in=wanted, group__isnull=False)
    put("programs_started", programs.filter(**in_period).values("organisation_id").annotate(n=Count("pk")))
    put(
        "programs_completed",
        programs.filter(status=Program.Status.COMPLETED, end_date__gte=starts_on, end_date__lte=ends_on)
        .values("organisation_id")
        .annotate(n=Count("pk")),
    )
    put(
        "ended_early",
        MentoringGroup.objects.filter(
            organisation_id__in=wanted,
            status=MentoringGroup.Status.ENDED_EARLY,
            ended_on__gte=starts_on,
            ended_on__lte=ends_on,
        )
        .values("organisation_id")
        .annotate(n=Count("pk")),
    )
    for row in (
        Item.objects.filter(revision__status=Revision.Status.APPROVED, revision__roadmap__organisation_id__in=wanted)
        .values(organisation_id=F("revision__roadmap__organisation_id"))
        .annotate(
            on_time=Count("pk", filter=Q(status=Item.Status.DONE, done_on__lte=F("due_date"))),
            overdue=Count(
                "pk", filter=Q(due_date__lt=today) & ~Q(status__in=[Item.Status.DONE, Item.Status.CANCELLED])
            ),
        )
    ):
        figures[row["organisation_id"]]["items_on_time"] = row["on_time"]
        figures[row["organisation_id"]]["items_overdue"] = row["overdue"]
    return figures


def _count_people(figures: dict, ids: list[int], wanted, today: datetime.date) -> None:
    """The counts of people: at their main place (those who left the municipality work nowhere) and at the
    additional places they hold today; a fixed number of queries."""
    people = Person.objects.filter(organisation_id__in=wanted, left_municipality_on__isnull=True)
    additional = Workplace.objects.current(today).additional()
    extra = additional.filter(organisation_id__in=wanted)
    threshold = young_teacher_threshold(today)
    conditions = {
        "workers": Q(),
        "mentors": Q(mentor_profile__status=ProfileStatus.ACTIVE),
        "mentees": Q(mentee_profile__status=ProfileStatus.ACTIVE),
        "young": Q(teaching_since__gt=threshold),
    }
    # One pass over the people and one over the additional places, each counting the four at once.
    for row in people.values("organisation_id").annotate(
        **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    ):
        for key in conditions:
            figures[row["organisation_id"]][key] = row[key]
    for row in extra.values("organisation_id").annotate(
        **{key: Count("pk", filter=_through_person(condition)) for key, condition in conditions.items()}
    ):
        for key in conditions:
            figures[row["organisation_id"]][key] += row[key]

    # Who works where besides their main place: few people, read once.
    elsewhere: dict[int, set[int]] = {}
    for person_id, organisation_id in additional.filter(
        Q(organisation_id__in=wanted) | Q(person__organisation_id__in=wanted)
    ).values_list("person_id", "organisation_id"):
        elsewhere.setdefault(person_id, set()).add(organisation_id)
    known = set(ids)

    def places(person_id: int, main: int) -> set[int]:
        return ({main} | elsewhere.get(person_id, set())) & known

    _involvement(figures, wanted, elsewhere, places, threshold)


def _through_person(condition: Q) -> Q:
    """A condition on people, asked of the rows that point at them (``person__…``)."""
    return Q(*[(f"person__{lookup}", value) for lookup, value in condition.children])


def _involvement(figures: dict, wanted, elsewhere: dict, places, threshold) -> None:
    """Per organisation, the people in active pairs and groups, and the young teachers among the mentees.

    Counted by the database at each person's main place; the few who also work elsewhere are read one by
    one and added to their other places, and listed for ``aggregate`` to count once."""
    in_pair = Exists(MentoringGroup.objects.filter(status=MentoringGroup.Status.ACTIVE, mentor=OuterRef("pk")))
    paired = Exists(Participation.objects.filter(group__status=MentoringGroup.Status.ACTIVE, mentee=OuterRef("pk")))
    young = Q(paired, teaching_since__gt=threshold)
    for row in (
        Person.objects.filter(Q(in_pair) | Q(paired), organisation_id__in=wanted)
        .values("organisation_id")
        .annotate(involved=Count("pk"), young_with_mentor=Count("pk", filter=young))
    ):
        figures[row["organisation_id"]]["involved"] = row["involved"]
        figures[row["organisation_id"]]["young_with_mentor"] = row["young_with_mentor"]
    if not elsewhere:
        return
    involved, young_paired = set(), set()
    for person_id, main, is_involved, is_young in (
        Person.objects.filter(pk__in=list(elsewhere))
        .annotate(is_involved=Q(in_pair) | Q(paired), is_young=young)
        .values_list("pk", "organisation_id", "is_involved", "is_young")
    ):
        is_involved, is_young = bool(is_involved), bool(is_young)  # NULL: no start of teaching
        for place in places(person_id, main) - {main}:
            figures[place]["involved"] += is_involved
            figures[place]["young_with_mentor"] += is_young
        if is_involved:
            involved.add(person_id)
        if is_young:
            young_paired.add(person_id)
    _mark_shared(figures, elsewhere, places, involved, young_paired, threshold)


def _mark_shared(figures: dict, elsewhere: dict, places, involved: set, young_paired: set, threshold) -> None:
    """List, per organisation and count of people, those it counted who work in another place too, so that
    ``aggregate`` counts them once. Only they are listed: the frozen figures stay small."""
    rows = Person.objects.filter(pk__in=list(elsewhere), left_municipality_on__isnull=True).values_list(
        "pk", "organisation_id", "mentor_profile__status", "mentee_profile__status", "teaching_since"
    )
    for person_id, main, mentor_status, mentee_status, since in rows:
        for place in places(person_id, main):
            flags = {
                "workers": True,
                "mentors": mentor_status == ProfileStatus.ACTIVE,
                "mentees": mentee_status == ProfileStatus.ACTIVE,
                "young": since is not None and since > threshold,
                "involved": person_id in involved,
                "young_with_mentor": person_id in young_paired,
            }
            shared = figures[place].setdefault("shared", {})
            for key, counted in flags.items():
                if counted:
                    shared.setdefault(key, []).append(person_id)


def aggregate(figures: list[dict]) -> dict:
    """Sum organisations' figures; ``organisations`` counts them (for the share that runs mentoring).

    A person counted by two organisations (an additional place of work) is one person in the total:
    figures frozen before places of work have no ``shared`` list, and need none."""
    total = empty_figures() | {"organisations": len(figures)}
    seen = {key: Counter() for key in PERSON_KEYS}
    for row in figures:
        for key in COUNT_KEYS:
            total[key] += row.get(key, 0)
        for bucket in ("forms", "kinds"):
            for name, count in row.get(bucket, {}).items():
                total[bucket][name] = total[bucket].get(name, 0) + count
        for key, person_ids in row.get("shared", {}).items():
            seen[key].update(person_ids)
    for key, counter in seen.items():
        total[key] -= sum(times - 1 for times in counter.values())
    return total


def values_of(figures: dict, *, per_organisation: bool = False) -> list[dict]:
    """Each indicator's value for these figures, with its target and whether it is met."""
    rows = []
    for indicator in INDICATORS:
        if per_organisation and not indicator.per_organisation:
            continue
        value = indicator.value(figures | {"organisations": figures.get("organisations", 1)})
        rows.append({"indicator": indicator, "value": value, "met": indicator.meets_target(value)})
    return rows


def breakdowns(figures: dict) -> dict[str, list[tuple[str, int]]]:
    forms = dict(MentoringForm.choices)
    kinds = dict(MentoringKind.choices)
    return {
        "forms": [(str(forms.get(code, code)), count) for code, count in sorted(figures["forms"].items())],
        "kinds": [(str(kinds.get(code, code)), count) for code, count in sorted(figures["kinds"].items())],
    }


def format_value(value, unit: str) -> str:
    if value is None:
        return "нет данных"
    if unit == "%":
        return f"{value:.1f}".replace(".", ",") + " %"
    return f"{value:g}"
