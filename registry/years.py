"""Which academic year a day belongs to, made on first use from the year before (or 1 September)."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import AcademicYear, Municipality
from .models.years import DEFAULT_START


def _bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(day.year, *DEFAULT_START)
    if day < start:
        start = start.replace(year=day.year - 1)
    return start, start + relativedelta(years=1) - datetime.timedelta(days=1)


def title_of(starts_on: datetime.date, ends_on: datetime.date) -> str:
    return f"{starts_on.year}/{ends_on.year}"


def year_of(municipality: Municipality, day: datetime.date | None = None, *, create: bool = True) -> AcademicYear:
    """The municipality's year containing ``day`` (today by default), created if it is not there yet.

    A new year follows the municipality's latest year before it (so changed dates carry on), or
    runs 1 September – 31 August. ``create=False`` (a GET, which never writes) gives it unsaved.
    """
    day = day or timezone.localdate()
    found = AcademicYear.objects.filter(municipality=municipality).containing(day).first()
    if found:
        return found
    before = AcademicYear.objects.filter(municipality=municipality, ends_on__lt=day).order_by("-ends_on").first()
    if before is not None:
        starts_on = before.ends_on + datetime.timedelta(days=1)
        while starts_on + relativedelta(years=1) <= day:
            starts_on += relativedelta(years=1)
        ends_on = starts_on + relativedelta(years=1) - datetime.timedelta(days=1)
    else:
        starts_on, ends_on = _bounds(day)
    if not create:
        return AcademicYear(
            municipality=municipality, title=title_of(starts_on, ends_on), starts_on=starts_on, ends_on=ends_on
        )
    try:
        with transaction.atomic():
            return AcademicYear.objects.create(
                municipality=municipality, title=title_of(starts_on, ends_on), starts_on=starts_on, ends_on=ends_on
            )
    except IntegrityError:  # made meanwhile by another request
        return AcademicYear.objects.get(municipality=municipality, starts_on=starts_on)


def next_year(year: AcademicYear, *, create: bool = True) -> AcademicYear:
    return year_of(year.municipality, year.ends_on + datetime.timedelta(days=1), create=create)


def previous_year(year: AcademicYear, *, create: bool = True) -> AcademicYear:
    return year_of(year.municipality, year.starts_on - datetime.timedelta(days=1), create=create)


def chosen_year(municipality: Municipality, value: str | None) -> AcademicYear:
    """The year a list asks for with ``?year=<pk>``, or the current one."""
    if value and str(value).isdecimal():
        found = AcademicYear.objects.filter(municipality=municipality, pk=int(value)).first()
        if found:
            return found
    return year_of(municipality)


def current_title(day: datetime.date | None = None) -> str:
    """«2026/2027»: the default year of the lists, by the 1 September calendar."""
    return title_of(*_bounds(day or timezone.localdate()))


def list_years(roadmaps) -> list[str]:
    """The titles of the years the given plans belong to, newest first, with the current one always there."""
    titles = {roadmap.academic_year.title for roadmap in roadmaps if roadmap.academic_year_id}
    return sorted(titles | {current_title()}, reverse=True)


def bounds_of(title: str) -> tuple[datetime.date, datetime.date]:
    """«2025/2026» → 1 September 2025 – 31 August 2026."""
    first = int(title.split("/", 1)[0])
    return _bounds(datetime.date(first, *DEFAULT_START))


def recent_titles(count: int = 5) -> list[str]:
    """The current year and the ones before it, newest first: the choices of a list's year filter."""
    start, _end = _bounds(timezone.localdate())
    return [title_of(start.replace(year=start.year - n), start.replace(year=start.year - n + 1)) for n in range(count)]
