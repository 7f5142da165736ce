"""Monitoring: periods with the schools' frozen reports, the readiness checklist, questionnaires."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mentoring_portal.concurrency import Versioned
from registry.models import Municipality, Organisation, Person, scope_of


class MonitoringPeriodQuerySet(models.QuerySet):
    def visible_to(self, user) -> MonitoringPeriodQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        school_municipalities = Organisation.objects.filter(pk__in=scope.managed_organisation_ids).values(
            "municipality_id"
        )
        return self.filter(
            Q(municipality_id__in=scope.read_municipality_ids) | Q(municipality_id__in=school_municipalities)
        )


class MonitoringPeriod(Versioned):
    """«Муниципальный мониторинг, апрель 2026»: opened by the coordinator, each school reports by the deadline."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="monitoring_periods")
    title = models.CharField(_("название"), max_length=255)
    starts_on = models.DateField(_("начало отчётного периода"))
    ends_on = models.DateField(_("конец отчётного периода"))
    deadline = models.DateField(_("срок сдачи отчётов"))
    conclusions = models.TextField(_("выводы"), blank=True)
    proposals = models.TextField(_("предложения"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MonitoringPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-ends_on", "-pk"]
        verbose_name = _("период мониторинга")
        verbose_name_plural = _("периоды мониторинга")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="period_ends_after_start",
                violation_error_message=_("Конец периода раньше его начала."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("monitoring:period_detail", args=[self.pk])


class SchoolReport(models.Model):
    """A school's report for a period; on submission its figures are frozen as they were."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Не сдан")
        SUBMITTED = "submitted", _("Сдан")

    period = models.ForeignKey(MonitoringPeriod, on_delete=models.CASCADE, related_name="reports")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="monitoring_reports")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    figures = models.JSONField(default=dict, blank=True)
    narrative = models.TextField(_("как идёт наставничество"), blank=True)
    difficulties = models.TextField(_("трудности"), blank=True)
    best_practice = models.TextField(_("лучшая практика, которой готовы поделиться"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "organisation"], name="one_report_per_school")]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.period}"


class Readiness(Versioned):
    """The parts of the readiness checklist (чек-лист готовности ОО) that only the school knows."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="readiness")
    regulation_approved_on = models.DateField(_("дата утверждения положения о наставничестве"), null=True, blank=True)
    regulation_evidence = models.CharField(_("реквизиты приказа об утверждении положения"), max_length=255, blank=True)
    website_section_url = models.URLField(_("ссылка на раздел «НАСТАВНИЧЕСТВО» на сайте"), blank=True)

    def __str__(self) -> str:
        return str(self.organisation)


class Questionnaire(Versioned):
    class Audience(models.TextChoices):
        MENTOR = "mentor", _("Наставники")
        MENTEE = "mentee", _("Наставляемые")
        ALL = "all", _("Наставники и наставляемые")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="questionnaires")
    title = models.CharField(_("название"), max_length=255)
    audience = models.CharField(_("кто отвечает"), max_length=20, choices=Audience.choices, default=Audience.ALL)
    is_active = models.BooleanField(_("открыта для ответов"), default=True)
    period = models.ForeignKey(
        MonitoringPeriod,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questionnaires",
        verbose_name=_("период мониторинга"),
    )

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("анкета")
        verbose_name_plural = _("анкеты")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("monitoring:questionnaire_results", args=[self.pk])


class Question(Versioned):
    class Kind(models.TextChoices):
        SCALE = "scale", _("Оценка от 1 до 5")
        YES_NO = "yes_no", _("Да или нет")
        TEXT = "text", _("Свободный ответ")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("вопрос"), max_length=500)
    kind = models.CharField(_("тип ответа"), max_length=20, choices=Kind.choices, default=Kind.SCALE)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="questionnaire_responses")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["questionnaire", "person"], name="one_response_per_person")]

    def __str__(self) -> str:
        return f"{self.questionnaire}: {self.person}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.text or str(self.number)
