"""The mentor bank and the mentee bank: who may mentor, who asks for mentoring, and with what consent."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mentoring_portal.concurrency import Versioned
from mentoring_portal.exporters import generated_name

from .people import Person, Vocabulary, VocabularyTerm


class ProfileStatus(models.TextChoices):
    ACTIVE = "active", _("Действующий")
    PAUSED = "paused", _("Приостановлен")
    LEFT = "left", _("Выбыл")


def consent_upload_path(instance, filename: str) -> str:
    return generated_name("consents", filename)


class MentorProfile(Versioned):
    """A person in the mentor bank (банк наставников)."""

    Status = ProfileStatus

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="mentor_profile", verbose_name=_("педагог")
    )
    competencies = models.ManyToManyField(
        VocabularyTerm,
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.COMPETENCY},
        verbose_name=_("компетенции"),
    )
    competencies_text = models.TextField(_("другие компетенции"), blank=True)
    achievements = models.ManyToManyField(
        VocabularyTerm,
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.ACHIEVEMENT},
        verbose_name=_("достижения"),
    )
    achievements_text = models.TextField(_("достижения: подробности"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("сколько наставляемых может вести одновременно"), default=2)
    open_mentoring = models.BooleanField(
        _("открытое наставничество"),
        default=False,
        help_text=_("Готов быть наставником педагогов других организаций."),
    )
    consent_date = models.DateField(_("дата письменного согласия быть наставником"), null=True, blank=True)
    consent_scan = models.FileField(_("скан согласия"), upload_to=consent_upload_path, blank=True)
    status = models.CharField(_("статус"), max_length=20, choices=ProfileStatus.choices, default=ProfileStatus.ACTIVE)

    history = HistoricalRecords(m2m_fields=["competencies", "achievements"])

    class Meta:
        verbose_name = _("наставник")
        verbose_name_plural = _("наставники")
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=20),
                name="mentor_capacity_range",
                violation_error_message=_("Число наставляемых — от 1 до 20."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)


class MenteeProfile(Versioned):
    """A person in the mentee bank with their requests (база наставляемых с перечнем запросов)."""

    class Category(models.TextChoices):
        YOUNG = "young", _("Молодой педагог")
        RETURNING = "returning", _("Приступил к работе после длительного перерыва")
        NEW_PLACE = "new_place", _("Адаптируется на новом месте работы")
        DIRECTION = "direction", _("Повышает профессиональный уровень в определённом направлении")
        DIGITAL = "digital", _("Осваивает цифровые навыки и ИКТ-компетенции")
        BURNOUT = "burnout", _("В состоянии профессионального выгорания")
        DIFFICULTIES = "difficulties", _("Испытывает другие профессиональные затруднения")
        TRAINEE = "trainee", _("Стажёр или студент по договору")

    Status = ProfileStatus

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="mentee_profile", verbose_name=_("педагог")
    )
    category = models.CharField(_("категория наставляемого"), max_length=20, choices=Category.choices)
    requests = models.ManyToManyField(
        VocabularyTerm,
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.REQUEST},
        verbose_name=_("запросы и затруднения"),
    )
    requests_text = models.TextField(_("запрос своими словами"), blank=True)
    consent_date = models.DateField(_("дата согласия на участие в наставничестве"), null=True, blank=True)
    consent_scan = models.FileField(_("скан согласия"), upload_to=consent_upload_path, blank=True)
    status = models.CharField(_("статус"), max_length=20, choices=ProfileStatus.choices, default=ProfileStatus.ACTIVE)

    history = HistoricalRecords(m2m_fields=["requests"])

    class Meta:
        verbose_name = _("наставляемый")
        verbose_name_plural = _("наставляемые")

    def __str__(self) -> str:
        return str(self.person)
