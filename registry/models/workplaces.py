"""A person's places of work over time: several at once (совместительство), each with its dates.

``Person.organisation`` stays the person's main (home) place, which the rest of the portal reads;
a ``Workplace`` records every place with its position, start and end. A place counts from
``starts_on`` and until ``ends_on``: on ``ends_on`` the person no longer works there (a transfer
ends the old place and starts the new one on the same day).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .people import Organisation, Person


class WorkplaceEnd(models.TextChoices):
    ENDED = "ended", _("Окончание работы")
    TRANSFER = "transfer", _("Перевод в другую организацию")
    LEFT = "left", _("Выбыл из муниципалитета")
    MERGED = "merged", _("Объединение карточек")


class WorkplaceQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> WorkplaceQuerySet:
        """The places of work held on ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on), starts_on__lte=on)

    def additional(self) -> WorkplaceQuerySet:
        """Places other than the person's main one: a second school counts the person too."""
        return self.exclude(organisation_id=F("person__organisation_id"))


class Workplace(models.Model):
    """One place of work of a person: organisation, position, from when, until when."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="workplaces", verbose_name=_("педагог"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="workplaces", verbose_name=_("организация")
    )
    position = models.CharField(_("должность"), max_length=255)
    starts_on = models.DateField(_("начало работы"))
    ends_on = models.DateField(
        _("окончание работы"),
        null=True,
        blank=True,
        help_text=_("С этого дня педагог здесь уже не работает; при переводе — дата перевода."),
    )
    end_reason = models.CharField(_("основание окончания"), max_length=20, choices=WorkplaceEnd.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = WorkplaceQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("место работы")
        verbose_name_plural = _("места работы")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="workplace_ends_after_start",
                violation_error_message=_("Работа не может закончиться раньше, чем началась."),
            ),
            models.UniqueConstraint(
                fields=["person", "organisation"],
                condition=Q(ends_on__isnull=True),
                name="workplace_one_open_per_organisation",
                violation_error_message=_("У педагога уже есть действующее место работы в этой организации."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True, end_reason="") | Q(ends_on__isnull=False),
                name="workplace_reason_only_when_ended",
                violation_error_message=_("Основание окончания указывается только у завершённого места работы."),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "person"], name="workplace_organisation_person")]

    def __str__(self) -> str:
        until = f" по {self.ends_on:%d.%m.%Y}" if self.ends_on else ""
        return f"{self.organisation}, {self.position}: с {self.starts_on:%d.%m.%Y}{until}"

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on > on)
