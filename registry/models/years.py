"""The academic year: 1 September – 31 August by default, data per municipality (its dates can be changed)."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .people import Municipality

# The default year starts on 1 September; a municipality whose year starts otherwise edits the year's dates.
DEFAULT_START = (9, 1)


class AcademicYearQuerySet(models.QuerySet):
    def containing(self, day: datetime.date) -> AcademicYearQuerySet:
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class AcademicYear(models.Model):
    """«2025/2026»: pairs, programs, orders, roadmaps, periods and questionnaires belong to one.

    A roadmap names its year; the others belong to the year their date falls in (a pair by the days it
    ran, a program by its start, an order by its date, a period by its end), so no row can disagree with
    its own dates. An archived year is read only: its roadmaps are no longer edited or tracked.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="academic_years", verbose_name=_("муниципалитет")
    )
    title = models.CharField(_("учебный год"), max_length=20)
    starts_on = models.DateField(_("начало"))
    ends_on = models.DateField(_("окончание"))
    archived_at = models.DateTimeField(_("переведён в архив"), null=True, blank=True)

    objects = AcademicYearQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("учебный год")
        verbose_name_plural = _("учебные годы")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "starts_on"],
                name="academic_year_unique_start",
                violation_error_message=_("Учебный год с такой датой начала уже есть."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="academic_year_ends_after_start",
                violation_error_message=_("Учебный год заканчивается раньше, чем начинается."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def contains(self, day: datetime.date | None) -> bool:
        return day is not None and self.starts_on <= day <= self.ends_on

    def overlaps(self, prefix: str, end_field: str | None = None) -> Q:
        """Rows of ``prefix`` (a start date field) running at some time during this year."""
        started = Q(**{f"{prefix}__lte": self.ends_on})
        if end_field is None:
            return started & Q(**{f"{prefix}__gte": self.starts_on})
        return started & (Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": self.starts_on}))
