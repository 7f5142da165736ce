"""Roadmaps (дорожные карты): municipal and school plans, their revisions and the approval round.

A ``Roadmap`` is the plan's identity (whose, for which period); its content lives in
``Revision``s. The curator edits a draft revision; the director approves it (or returns
it); an approved revision is fixed, and changing the plan opens the next revision, which
goes through the round again. Every earlier revision stays readable.

Scoping lives here, once: ``Roadmap.objects.visible_to(user)``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mentoring_portal.concurrency import Versioned
from mentoring_portal.exporters import generated_name
from registry.models import AcademicYear, Municipality, Organisation, Role, scope_of


class RoadmapQuerySet(models.QuerySet):
    def visible_to(self, user) -> RoadmapQuerySet:
        """Municipal staff see the municipality's plans; a school sees its own plans, the municipal
        plan and the published samples; mentors and mentees see their school's approved plan."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        staff_municipalities = Organisation.objects.filter(pk__in=scope.managed_organisation_ids).values(
            "municipality_id"
        )
        approved = Q(revisions__status=Revision.Status.APPROVED)
        return self.filter(
            Q(municipality_id__in=scope.read_municipality_ids)
            | Q(organisation_id__in=scope.managed_organisation_ids)
            | Q(is_template=True, municipality__isnull=True, organisation__isnull=True)
            | (
                Q(municipality_id__in=staff_municipalities, organisation__isnull=True)
                & (Q(is_template=True) | approved)
            )
            | (Q(organisation_id__in=scope.member_organisation_ids, is_template=False) & approved)
        ).distinct()

    def templates(self) -> RoadmapQuerySet:
        return self.filter(is_template=True)

    def plans(self) -> RoadmapQuerySet:
        return self.filter(is_template=False)


class Roadmap(models.Model):
    class Level(models.TextChoices):
        MUNICIPAL = "municipal", _("Муниципальная")
        SCHOOL = "school", _("Образовательной организации")

    level = models.CharField(_("уровень"), max_length=20, choices=Level.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roadmaps",
        verbose_name=_("муниципалитет"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roadmaps",
        verbose_name=_("организация"),
    )
    is_template = models.BooleanField(
        _("образец"), default=False, help_text=_("Образец, с которого организации начинают свои дорожные карты.")
    )
    title = models.CharField(_("название"), max_length=500)
    period = models.CharField(_("период"), max_length=100, help_text=_("Например: 2022 или 2022–2023 учебный год"))
    basis = models.CharField(_("основание"), max_length=500, blank=True, help_text=_("Приказ, который реализует план"))
    academic_year = models.ForeignKey(
        AcademicYear,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmaps",
        verbose_name=_("учебный год"),
        help_text=_("Пусто у образцов."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoadmapQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("дорожная карта")
        verbose_name_plural = _("дорожные карты")
        constraints = [
            models.CheckConstraint(
                condition=Q(level="school", is_template=True, organisation__isnull=True)
                | Q(level="school", organisation__isnull=False)
                | Q(level="municipal", organisation__isnull=True),
                name="roadmap_owner_matches_level",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:roadmap_detail", args=[self.pk])

    @property
    def owner_name(self) -> str:
        if self.organisation_id:
            return self.organisation.short_name
        if self.municipality_id:
            return self.municipality.name
        return str(_("общий образец"))


# A revision in the round (editable or waiting for a decision); a roadmap has at most one.
OPEN_STATUSES = ["draft", "submitted", "returned"]


class Revision(Versioned):
    """One version of a roadmap's content and its place in the approval round."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        SUBMITTED = "submitted", _("На утверждении")
        RETURNED = "returned", _("Возвращена на доработку")
        APPROVED = "approved", _("Утверждена")
        SUPERSEDED = "superseded", _("Заменена новой редакцией")

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("редакция"))
    status = models.CharField(_("состояние"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by_name = models.CharField(_("утвердил"), max_length=255, blank=True)
    approved_at = models.DateTimeField(_("дата утверждения"), null=True, blank=True)
    approval_order = models.CharField(_("приказ об утверждении"), max_length=100, blank=True)
    # «СОГЛАСОВАНО» of the printed roadmap: the body that agreed the plan before the approval.
    agreed_with = models.CharField(_("согласовано"), max_length=255, blank=True)
    return_comment = models.TextField(_("замечания"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["roadmap", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "number"], name="revision_unique_number"),
            # At most one revision of a roadmap is open for editing or approval at a time.
            models.UniqueConstraint(
                fields=["roadmap"],
                condition=Q(status__in=OPEN_STATUSES),
                name="revision_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.roadmap} — редакция {self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class Section(models.Model):
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(_("№ раздела"), max_length=20)
    title = models.CharField(_("раздел"), max_length=500)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


def evidence_upload_path(instance, filename: str) -> str:
    return generated_name("evidence", filename)


class Item(Versioned):
    """A measure of the plan: number, content, deadline as written (and as read), responsible, result."""

    class DeadlineKind(models.TextChoices):
        DATE = "date", _("Дата")
        RECURRING = "recurring", _("Ежегодно / регулярно")
        OPEN = "open", _("Без фиксированной даты")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Запланировано")
        IN_PROGRESS = "in_progress", _("Выполняется")
        DONE = "done", _("Выполнено")
        CANCELLED = "cancelled", _("Отменено")

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items", verbose_name=_("раздел"))
    number = models.CharField(_("№"), max_length=20)
    content = models.TextField(_("мероприятие"))
    deadline = models.CharField(_("срок"), max_length=255, blank=True)
    deadline_kind = models.CharField(max_length=20, choices=DeadlineKind.choices, default=DeadlineKind.OPEN)
    due_date = models.DateField(_("контрольная дата"), null=True, blank=True)
    responsible = models.CharField(_("ответственный"), max_length=500, blank=True)
    result = models.CharField(_("результат / вид документа"), max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(_("выполнение"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField(_("дата выполнения"), null=True, blank=True)
    evidence_note = models.TextField(_("подтверждение"), blank=True)
    evidence_link = models.URLField(_("ссылка на подтверждение"), blank=True, max_length=500)
    evidence_file = models.FileField(_("файл-подтверждение"), upload_to=evidence_upload_path, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.content[:60]}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return (
            self.due_date is not None
            and self.due_date < today
            and self.status not in (self.Status.DONE, self.Status.CANCELLED)
        )


APPROVER_ROLE = {Roadmap.Level.SCHOOL: Role.DIRECTOR, Roadmap.Level.MUNICIPAL: Role.HEAD}
