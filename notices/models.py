"""Notices: what the portal told a person, shown on «Уведомления» and mailed once; each account's mail options."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    class Kind(models.TextChoices):
        ROADMAP_SUBMITTED = "roadmap_submitted", _("Дорожная карта ждёт утверждения")
        ROADMAP_RETURNED = "roadmap_returned", _("Дорожная карта возвращена")
        ROADMAP_APPROVED = "roadmap_approved", _("Дорожная карта утверждена")
        ORDER_SIGNED = "order_signed", _("Приказ подписан")
        PERIOD_OPENED = "period_opened", _("Открыт период мониторинга")
        PERIOD_DEADLINE = "period_deadline", _("Скоро срок сдачи отчёта")
        REPORT_MISSING = "report_missing", _("Отчёт не сдан")
        QUESTIONNAIRE_OPENED = "questionnaire_opened", _("Открыта анкета")
        DIGEST = "digest", _("Мероприятия недели")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("вид"), max_length=30, choices=Kind.choices)
    text = models.TextField(_("текст"))
    link = models.CharField(_("ссылка"), max_length=500, blank=True)
    # What the notice is about, e.g. «roadmap_submitted:12:2026-12-01T10:00»: a retried job finds its
    # notice and does not tell twice.
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("отправлено письмом"), null=True, blank=True)

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notice_once_per_user")]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_unread")]

    def __str__(self) -> str:
        return self.text


class AccountSettings(models.Model):
    """Per-account switches: the weekly digest, and a temporary password that must be changed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notice_settings"
    )
    weekly_digest = models.BooleanField(_("присылать еженедельную сводку мероприятий"), default=True)
    must_change_password = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("настройки учётной записи")
        verbose_name_plural = _("настройки учётных записей")

    def __str__(self) -> str:
        return str(self.user)
