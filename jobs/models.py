"""Long work done by the worker for a person: who asked, what, how far it got, the finished file or the error."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("выполняется")
        DONE = "done", _("готово")
        FAILED = "failed", _("не удалось")

    class Kind(models.TextChoices):
        ANALYTICAL_REPORT = "analytical_report", _("Аналитическая справка (PDF)")
        FIGURES = "figures", _("Показатели организаций (Excel)")
        IMPORT_PLAN = "import_plan", _("Проверка файла с педагогами")
        IMPORT_CONFIRM = "import_confirm", _("Загрузка педагогов в реестр")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(_("что"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("название"), max_length=300)
    # What the job works on, e.g. {"period": 12}; the download asks the same rights again.
    params = models.JSONField(default=dict)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("готово, %"), default=0)
    parts_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="jobs/", blank=True)
    filename = models.CharField(max_length=300, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    error = models.TextField(_("ошибка"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("фоновое задание")
        verbose_name_plural = _("фоновые задания")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("jobs:job_detail", args=[self.pk])

    @property
    def is_import(self) -> bool:
        """A registry import's planning or confirm: its page is the upload's own (``params["batch"]``)."""
        return self.kind in (self.Kind.IMPORT_PLAN, self.Kind.IMPORT_CONFIRM)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class JobPart(models.Model):
    """One part of a long document, rendered by whichever worker takes it; the last one done joins them."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveIntegerField()
    html = models.FileField(upload_to="jobs/parts/")
    pdf = models.FileField(upload_to="jobs/parts/", blank=True)
    done = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="job_part_once")]
        ordering = ["job", "index"]

    def __str__(self) -> str:
        return f"{self.job} — часть {self.index + 1}"
