"""The levels above a municipality: the region (субъект РФ) and the educational district.

An educational district (образовательный округ, seed 004) is a named group of a region's
municipalities with an office of its own; a municipality belongs to one district at most.
Both are data: the regional and district coordinators' roles (``Membership``) point at them,
and what they read is the municipalities below (``scope_of``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    name = models.CharField(_("субъект РФ"), max_length=255, unique=True)
    office_name = models.CharField(
        _("региональный орган управления образованием"),
        max_length=255,
        blank=True,
        help_text=_("Например: «Комитет образования, науки и молодёжной политики Волгоградской области»"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("субъект РФ")
        verbose_name_plural = _("субъекты РФ")

    def __str__(self) -> str:
        return self.name


class EducationalDistrict(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="districts", verbose_name=_("субъект РФ"))
    name = models.CharField(_("название"), max_length=255)
    office_name = models.CharField(
        _("управление округа"),
        max_length=255,
        blank=True,
        help_text=_("Например: «Юго-Восточное управление министерства образования»"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("образовательный округ")
        verbose_name_plural = _("образовательные округа")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="district_unique_in_region",
                violation_error_message=_("В этом субъекте РФ уже есть округ с таким названием."),
            )
        ]

    def __str__(self) -> str:
        return self.name
