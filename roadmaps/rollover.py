"""«Новый учебный год»: a school's, or a whole municipality's, move into the next academic year.

For a school: the approved roadmap of the year is copied as the next year's draft, its years moved on
by one where they are written («сентябрь 2025» → «сентябрь 2026»), and the curator sees which programs
end with the year and which carry over. For the municipality: its own roadmap and every school's, then
the year becomes an archive (read only, still searchable and exportable). Running it again changes
nothing: a school that already has next year's roadmap keeps it, an archived year stays as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from registry.models import AcademicYear, Municipality, Organisation, Program
from registry.years import next_year

from .access import can_roll_over_municipality, can_roll_over_school
from .models import Revision, Roadmap
from .services import content_of, roadmap_create

YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def moved_on(text: str, year: AcademicYear) -> str:
    """The text with the year's own calendar years moved on by one: «2025–2026 учебный год» → «2026–2027 …»."""
    own = {year.starts_on.year, year.ends_on.year}
    return YEAR.sub(lambda m: str(int(m.group(1)) + 1) if int(m.group(1)) in own else m.group(1), text)


@dataclass
class SchoolPlan:
    """What the roll-over of one school will do, shown to the curator before they confirm."""

    organisation: Organisation
    year: AcademicYear
    next: AcademicYear
    roadmap: Roadmap | None = None  # this year's plan with an approved revision, to copy
    approved: Revision | None = None
    already: Roadmap | None = None  # next year's plan, when the roll-over was done before
    ending: list[Program] = field(default_factory=list)
    carrying: list[Program] = field(default_factory=list)


def in_year(roadmaps, year: AcademicYear):
    """The plans of ``year``, which may be unsaved (a GET shows a year it does not create)."""
    return roadmaps.filter(academic_year__municipality=year.municipality, academic_year__starts_on=year.starts_on)


def school_plan(organisation: Organisation, year: AcademicYear, *, create: bool = True) -> SchoolPlan:
    plan = SchoolPlan(organisation, year, next_year(year, create=create))
    plans = Roadmap.objects.filter(organisation=organisation, is_template=False).select_related("academic_year")
    plan.already = in_year(plans, plan.next).first()
    for roadmap in in_year(plans, year).order_by("-created_at"):
        approved = roadmap.revisions.filter(status=Revision.Status.APPROVED).first()
        if approved:
            plan.roadmap, plan.approved = roadmap, approved
            break
    programs = Program.objects.filter(organisation=organisation, status=Program.Status.ACTIVE, in_bank=False)
    for program in programs.select_related("group__mentor").order_by("end_date", "pk"):
        (plan.carrying if program.end_date and program.end_date > year.ends_on else plan.ending).append(program)
    return plan


def _copy(user, roadmap: Roadmap, approved: Revision, year: AcademicYear, target: AcademicYear) -> Roadmap:
    """Next year's draft of ``roadmap``; the callers have checked the user's right to roll the school over."""
    sections = content_of(approved)
    for section in sections:
        for item in section.items:
            item["deadline"] = moved_on(item["deadline"], year)
    return roadmap_create(
        user=user,
        level=roadmap.level,
        title=moved_on(roadmap.title, year),
        period=moved_on(roadmap.period, year),
        basis="",
        organisation=roadmap.organisation,
        municipality=roadmap.municipality,
        sections=sections,
        academic_year=target,
        trusted=True,
    )


@transaction.atomic
def school_roll_over(*, user, organisation: Organisation, year: AcademicYear) -> Roadmap | None:
    """Next year's draft roadmap of the school, copied from this year's approved one; the existing one if done."""
    if not can_roll_over_school(user, organisation):
        raise PermissionDenied
    plan = school_plan(organisation, year)
    if plan.already is not None or plan.roadmap is None:
        return plan.already
    return _copy(user, plan.roadmap, plan.approved, year, plan.next)


@dataclass
class MunicipalResult:
    copied: int = 0
    kept: int = 0
    without_plan: int = 0
    archived: bool = False


@transaction.atomic
def municipality_roll_over(*, user, municipality: Municipality, year: AcademicYear) -> MunicipalResult:
    """The municipal roadmap and every school's copied into the next year, then the year archived."""
    if not can_roll_over_municipality(user, municipality):
        raise PermissionDenied
    year = AcademicYear.objects.select_for_update().get(pk=year.pk)
    result = MunicipalResult()
    target = next_year(year)
    owners = [None, *Organisation.objects.filter(municipality=municipality).order_by("short_name")]
    for organisation in owners:
        plans = Roadmap.objects.filter(municipality=municipality, is_template=False, organisation=organisation)
        if organisation is None:
            plans = plans.filter(level=Roadmap.Level.MUNICIPAL)
        if in_year(plans, target).exists():
            result.kept += 1
            continue
        source = next(
            (
                (roadmap, approved)
                for roadmap in in_year(plans, year).order_by("-created_at")
                if (approved := roadmap.revisions.filter(status=Revision.Status.APPROVED).first())
            ),
            None,
        )
        if source is None:
            result.without_plan += 1
            continue
        _copy(user, *source, year, target)
        result.copied += 1
    if year.archived_at is None:
        year.archived_at = timezone.now()
        year.save(update_fields=["archived_at"])
        result.archived = True
    return result
