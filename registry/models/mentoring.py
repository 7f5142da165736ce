"""Mentoring itself: orders, pairs and groups with their participants and events, programs and activities."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mentoring_portal.concurrency import Versioned

from .people import Organisation, Person
from .scope import Role, scope_of


class MentoringForm(models.TextChoices):
    """Forms of mentoring by the roles of the participants (Положение, §3)."""

    TEACHER_TEACHER = "teacher_teacher", _("Педагог – педагог (учитель – учитель)")
    HEAD_TEACHER = "head_teacher", _("Руководитель образовательной организации – педагог")
    PARTNER_TEACHER = "social_partner_teacher", _("Социальный партнёр – педагог")


class MentoringKind(models.TextChoices):
    """Kinds of mentoring (Положение, §3); a pair or group may combine several."""

    VIRTUAL = "virtual", _("Виртуальное (дистанционное)")
    GROUP = "group", _("В группе")
    SHORT_TERM = "short_term", _("Краткосрочное (целеполагающее)")
    REVERSE = "reverse", _("Реверсивное")
    SITUATIONAL = "situational", _("Ситуационное")
    SPEED = "speed", _("Скоростное")
    TRADITIONAL = "traditional", _("Традиционное")


class EndReason(models.TextChoices):
    BY_AGREEMENT = "by_agreement", _("По соглашению сторон")
    MENTOR_REFUSED = "mentor_refused", _("Отказ наставника")
    MENTEE_REQUEST = "mentee_request", _("По просьбе наставляемого")
    MENTOR_DISMISSED = "mentor_dismissed", _("Увольнение или перевод наставника")
    MENTEE_DISMISSED = "mentee_dismissed", _("Увольнение или перевод наставляемого")
    LONG_ABSENCE = "long_absence", _("Длительное отсутствие участника")
    MENTOR_FAILED_DUTIES = "mentor_failed_duties", _("Неисполнение наставником своих обязанностей")
    INCOMPATIBILITY = "incompatibility", _("Психологическая несовместимость")
    ORGANISATIONAL = "organisational", _("Организационные причины")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Отзыв согласия на обработку персональных данных")
    OTHER = "other", _("Другая причина")


class MentoringOrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> MentoringOrderQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(organisation__municipality_id__in=scope.read_municipality_ids)
            | Q(organisation_id__in=scope.managed_organisation_ids)
        )

    def drafts(self) -> MentoringOrderQuerySet:
        return self.filter(status=MentoringOrder.Status.DRAFT)

    def signed(self) -> MentoringOrderQuerySet:
        return self.filter(status=MentoringOrder.Status.SIGNED)

    def awaiting_signature_by(self, user) -> MentoringOrderQuerySet:
        """The drafts ``user`` may sign: of the organisations they direct; every draft for a superuser.

        The same rule as ``access.can_sign_order``, as one filter: no query of its own beyond the
        user's memberships, which ``scope_of`` reads once per request.
        """
        scope = scope_of(user)
        drafts = self.visible_to(user).drafts()
        if scope.is_superuser:
            return drafts
        return drafts.filter(organisation_id__in=scope.directed_organisation_ids)

    def with_signature_rights(self, user) -> MentoringOrderQuerySet:
        """Each order with ``can_sign``: whether it is a draft ``user`` may sign, in the same query."""
        awaiting = MentoringOrder.objects.awaiting_signature_by(user).values("pk")
        return self.annotate(can_sign=ExpressionWrapper(Q(pk__in=awaiting), output_field=models.BooleanField()))

    def drafts_first(self) -> MentoringOrderQuerySet:
        """Drafts (newest first), then signed orders by their date; a draft has no date yet (a constraint)."""
        return self.order_by("status", F("date").desc(nulls_first=True), "-pk")


class MentoringOrder(Versioned):
    """The director's order fixing mentoring pairs and groups (приказ о закреплении).

    The curator prepares it as a draft (проект приказа): the chosen draft pairs are attached to it
    and stay drafts, and it has no number or date yet. The director signs it, entering the
    registration number, the date and the signer, and all its pairs become active at once.
    """

    class Status(models.TextChoices):
        # Values sort drafts before signed orders (``drafts_first``).
        DRAFT = "draft", _("Проект")
        SIGNED = "signed", _("Подписан")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="mentoring_orders", verbose_name=_("организация")
    )
    # An order written with its number and date is a signed one; ``order_prepare`` writes drafts explicitly.
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.SIGNED)
    number = models.CharField(_("номер приказа"), max_length=50, blank=True)
    date = models.DateField(_("дата приказа"), null=True, blank=True)
    signed_by = models.CharField(_("руководитель, подписавший приказ"), max_length=255, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("подготовил проект"),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("подписал в портале"),
    )
    signed_at = models.DateTimeField(_("подписан в портале"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MentoringOrderQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("приказ о закреплении наставнических пар")
        verbose_name_plural = _("приказы о закреплении наставнических пар")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number", "date"],
                condition=Q(status="signed"),
                name="order_unique_number",
                violation_error_message=_("Приказ с таким номером и датой уже есть."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="draft", number="", date__isnull=True)
                    | (Q(status="signed", date__isnull=False) & ~Q(number=""))
                ),
                name="order_number_when_signed",
                violation_error_message=_("У подписанного приказа есть номер и дата, у проекта приказа их ещё нет."),
            ),
        ]

    def __str__(self) -> str:
        if self.is_draft:
            if self.created_at is None:
                return str(_("Проект приказа"))
            return str(_("Проект приказа от %(date)s")) % {"date": f"{timezone.localtime(self.created_at):%d.%m.%Y}"}
        return f"№ {self.number} от {self.date:%d.%m.%Y}"

    def get_absolute_url(self) -> str:
        return reverse("registry:order_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


def director_name(organisation: Organisation, user=None) -> str:
    """The name an order of ``organisation`` is signed with: the signing director's own (``user``),
    else the organisation's first director's in the portal, else nothing."""
    directors = list(organisation.membership_set.filter(role=Role.DIRECTOR).select_related("user").order_by("pk"))
    own = [membership for membership in directors if user is not None and membership.user_id == user.pk]
    chosen = (own or directors or [None])[0]
    return chosen.user.get_full_name() if chosen else ""


class MentoringGroupQuerySet(models.QuerySet):
    def visible_to(self, user) -> MentoringGroupQuerySet:
        """The school's own pairs, and pairs where its open-mentoring mentor works (both schools see them)."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        as_mentee = Participation.objects.filter(mentee_id__in=scope.person_ids).values("group_id")
        # Subqueries, not joins: an OR across a join to people makes PostgreSQL scan them all
        # (40–80 ms at region scale); as IN (SELECT …) each branch uses its index (2–7 ms).
        organisations = Organisation.objects.filter(
            Q(municipality_id__in=scope.read_municipality_ids) | Q(pk__in=scope.managed_organisation_ids)
        ).values("pk")
        mentors = Person.objects.filter(organisation_id__in=organisations).values("pk")
        return self.filter(
            Q(organisation_id__in=organisations)
            | Q(mentor_id__in=mentors)
            | Q(mentor_id__in=scope.person_ids)
            | Q(pk__in=as_mentee)
        )

    def manageable_by(self, user) -> MentoringGroupQuerySet:
        """Only the owning school's curator (and director) change a pair; the mentor's school reads it."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(organisation_id__in=scope.managed_organisation_ids)

    def active(self) -> MentoringGroupQuerySet:
        return self.filter(status=MentoringGroup.Status.ACTIVE)

    def live(self) -> MentoringGroupQuerySet:
        """Fixed by an order and not ended: active or paused."""
        return self.filter(status__in=MentoringGroup.LIVE)

    def without_program(self) -> MentoringGroupQuerySet:
        """Pairs and groups not ended that have no personalised program yet."""
        return self.filter(status__in=[MentoringGroup.Status.DRAFT, *MentoringGroup.LIVE], program__isnull=True)


class MentoringGroup(Versioned):
    """A mentoring pair (one mentee) or group (two or more) under one mentor."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        ACTIVE = "active", _("Действует")
        PAUSED = "paused", _("На паузе")
        COMPLETED = "completed", _("Завершена")
        ENDED_EARLY = "ended_early", _("Прекращена досрочно")

    # Fixed by an order and not ended. A paused pair keeps its mentor's place and its mentees (they come
    # back to it), but is not «действующая» in the indicators.
    LIVE = (Status.ACTIVE, Status.PAUSED)

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="mentoring_groups", verbose_name=_("организация")
    )
    mentor = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="mentored_groups", verbose_name=_("наставник")
    )
    mentees = models.ManyToManyField(
        Person, through="Participation", related_name="mentee_groups", verbose_name=_("наставляемые")
    )
    form = models.CharField(
        _("форма наставничества"), max_length=30, choices=MentoringForm.choices, default=MentoringForm.TEACHER_TEACHER
    )
    kinds = ArrayField(
        models.CharField(max_length=20, choices=MentoringKind.choices), default=list, verbose_name=_("виды")
    )
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    start_date = models.DateField(_("дата начала"))
    planned_end_date = models.DateField(_("плановая дата окончания"))
    mentor_consent_date = models.DateField(_("дата согласия наставника"), null=True, blank=True)
    order = models.ForeignKey(
        MentoringOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups",
        verbose_name=_("приказ"),
    )
    end_reason = models.CharField(_("причина прекращения"), max_length=30, choices=EndReason.choices, blank=True)
    end_note = models.TextField(_("пояснение"), blank=True)
    ended_on = models.DateField(_("дата окончания"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MentoringGroupQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("наставническая пара или группа")
        verbose_name_plural = _("наставнические пары и группы")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__gt=F("start_date")),
                name="group_end_after_start",
                violation_error_message=_("Дата окончания должна быть позже даты начала."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["active", "paused"]) | Q(order__isnull=False),
                name="active_group_has_order",
                violation_error_message=_("Пара становится действующей только по приказу."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor.short_name}: {self.get_status_display().lower()}"

    def get_absolute_url(self) -> str:
        return reverse("registry:group_detail", args=[self.pk])

    @property
    def consents_missing(self) -> list[str]:
        """Who in the pair has given no written consent yet (reads the prefetched participations)."""
        missing = [] if self.mentor_consent_date else [str(self.mentor.short_name)]
        return missing + [str(p.mentee.short_name) for p in self.participations.all() if p.consent_date is None]

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(MentoringKind.choices)
        return [str(labels[kind]) for kind in self.kinds if kind in labels]


class Participation(models.Model):
    """A mentee in a pair or group, with their written consent."""

    group = models.ForeignKey(MentoringGroup, on_delete=models.CASCADE, related_name="participations")
    mentee = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="participations", verbose_name=_("наставляемый")
    )
    consent_date = models.DateField(_("дата согласия наставляемого"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("участие наставляемого")
        verbose_name_plural = _("участие наставляемых")
        constraints = [models.UniqueConstraint(fields=["group", "mentee"], name="participation_unique")]

    def __str__(self) -> str:
        return str(self.mentee)


class GroupEvent(models.Model):
    """Every change of a pair's state: who, when, from what to what, and why."""

    group = models.ForeignKey(MentoringGroup, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=MentoringGroup.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=MentoringGroup.Status.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class PauseReason(models.TextChoices):
    """Long absences a pair waits out instead of ending (Положение: «длительное отсутствие»)."""

    MATERNITY = "maternity", _("Отпуск по беременности и родам, по уходу за ребёнком")
    SICK_LEAVE = "sick_leave", _("Длительная болезнь")
    LONG_COURSE = "long_course", _("Длительные курсы или обучение")
    OTHER = "other", _("Другая причина")


class GroupPause(models.Model):
    """A pause of a pair or group: from a date, with a reason, until it resumes.

    On resuming, the program's end and the pair's planned end move by the pause's length, as far as the
    Положение's year allows; ``new_end_date`` and ``limit_reached`` keep what happened, for the page.
    """

    group = models.ForeignKey(MentoringGroup, on_delete=models.CASCADE, related_name="pauses")
    starts_on = models.DateField(_("на паузе с"))
    ends_on = models.DateField(_("возобновлена"), null=True, blank=True)
    reason = models.CharField(_("причина паузы"), max_length=20, choices=PauseReason.choices)
    note = models.TextField(_("пояснение"), blank=True)
    new_end_date = models.DateField(_("окончание перенесено на"), null=True, blank=True)
    limit_reached = models.BooleanField(_("упёрлось в предел года"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("пауза пары или группы")
        verbose_name_plural = _("паузы пар и групп")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="pause_resumes_after_start",
                violation_error_message=_("Возобновить можно не раньше начала паузы."),
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(ends_on__isnull=True),
                name="one_open_pause_per_group",
                violation_error_message=_("Пара уже на паузе."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.starts_on:%d.%m.%Y}"


class MentorPeriodQuerySet(models.QuerySet):
    def signed(self) -> MentorPeriodQuerySet:
        return self.filter(order__status=MentoringOrder.Status.SIGNED)

    def pending(self) -> MentorPeriodQuerySet:
        """Mentor changes in a draft order, waiting for the director's signature."""
        return self.filter(order__status=MentoringOrder.Status.DRAFT)


class MentorPeriod(models.Model):
    """Who mentored a pair or group, from when to when, by which order.

    A new mentor is asked for as a period in a draft order (``group_mentor_change``); the director's
    signature makes it the pair's mentor (``order_sign``). The first change also writes the first
    mentor's period, from the pair's start under its own order, so a pair whose mentor never changed has
    no periods at all: its mentor and dates are the pair's own.
    """

    group = models.ForeignKey(MentoringGroup, on_delete=models.CASCADE, related_name="mentor_periods")
    mentor = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="mentor_periods", verbose_name=_("наставник")
    )
    starts_on = models.DateField(_("с"))
    ends_on = models.DateField(_("по"), null=True, blank=True)
    order = models.ForeignKey(
        MentoringOrder, on_delete=models.PROTECT, related_name="mentor_periods", verbose_name=_("приказ")
    )
    consent_date = models.DateField(_("дата согласия наставника"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MentorPeriodQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("период работы наставника")
        verbose_name_plural = _("периоды работы наставников")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="mentor_period_ends_after_start",
                violation_error_message=_("Период наставника не может закончиться раньше, чем начался."),
            ),
        ]

    def __str__(self) -> str:
        until = f" по {self.ends_on:%d.%m.%Y}" if self.ends_on else ""
        return f"{self.mentor.short_name}: с {self.starts_on:%d.%m.%Y}{until}"


class ProgramQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProgramQuerySet:
        """Programs follow their pair, except bank templates, which their school's staff read."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(group__in=MentoringGroup.objects.visible_to(user))
            | Q(group__isnull=True, organisation__municipality_id__in=scope.read_municipality_ids)
            | Q(group__isnull=True, organisation_id__in=scope.managed_organisation_ids)
        )

    def manageable_by(self, user) -> ProgramQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(organisation_id__in=scope.managed_organisation_ids)


class Program(Versioned):
    """A personalised mentoring program (персонализированная программа наставничества), 3 months to a year.

    A program with no pair is a template in the school's bank of programs.
    """

    MIN_MONTHS = 3
    MAX_MONTHS = 12

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        ACTIVE = "active", _("Выполняется")
        COMPLETED = "completed", _("Завершена")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programs", verbose_name=_("организация")
    )
    group = models.OneToOneField(
        MentoringGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="program",
        verbose_name=_("пара или группа"),
    )
    title = models.CharField(_("название программы"), max_length=255)
    start_date = models.DateField(_("начало"), null=True, blank=True)
    end_date = models.DateField(_("окончание"), null=True, blank=True)
    difficulties = models.TextField(_("затруднения, на которые направлена программа"), blank=True)
    strengths = models.TextField(_("сильные стороны, на которые опирается программа"), blank=True)
    goals = models.TextField(_("цели и задачи"))
    expected_results = models.TextField(_("ожидаемые результаты"), blank=True)
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    result = models.TextField(_("достигнутый результат"), blank=True)
    mentor_assessment = models.TextField(_("оценка наставника"), blank=True)
    mentee_self_assessment = models.TextField(_("самооценка наставляемого"), blank=True)
    in_bank = models.BooleanField(_("в банке программ"), default=False)
    source = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies", verbose_name=_("образец")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgramQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("персонализированная программа наставничества")
        verbose_name_plural = _("персонализированные программы наставничества")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("registry:program_detail", args=[self.pk])


class Activity(Versioned):
    """A line of the program's plan: what, when, in what form, who is responsible; marked done by the mentor."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveSmallIntegerField(_("№"), default=0)
    title = models.CharField(_("мероприятие"), max_length=500)
    due_date = models.DateField(_("срок"), null=True, blank=True)
    form = models.CharField(_("форма"), max_length=255, blank=True)
    responsible = models.CharField(_("ответственный"), max_length=255, blank=True)
    done_on = models.DateField(_("выполнено"), null=True, blank=True)
    note = models.TextField(_("отметка о выполнении"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "due_date", "pk"]
        verbose_name = _("мероприятие программы")
        verbose_name_plural = _("мероприятия программы")

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.done_on is None and self.due_date is not None and self.due_date < (today or timezone.localdate())
