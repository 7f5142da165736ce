"""Organisations, people and the roles that scope what each user sees.

Scoping lives here, once per model: ``<Model>.objects.visible_to(user)`` is the only
place that decides which rows a user may read, ``manageable_by(user)`` which rows
they may change. Views never filter by role themselves.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Concat, Lower, Replace
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords

YOUNG_TEACHER_YEARS = 3


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Муниципальный координатор")
    HEAD = "head", _("Руководитель органа управления образованием")
    DIRECTOR = "director", _("Руководитель ОО")
    CURATOR = "curator", _("Куратор ОО")
    MENTOR = "mentor", _("Наставник")
    MENTEE = "mentee", _("Наставляемый")


MUNICIPAL_ROLES = (Role.COORDINATOR, Role.HEAD)
ORGANISATION_ROLES = (Role.DIRECTOR, Role.CURATOR)
PERSON_ROLES = (Role.MENTOR, Role.MENTEE)


@dataclass(frozen=True)
class Scope:
    """What one user's memberships reach; computed once per request."""

    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    managed_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    directed_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    headed_municipality_ids: frozenset[int] = field(default_factory=frozenset)
    curated_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    person_ids: frozenset[int] = field(default_factory=frozenset)
    member_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    is_superuser: bool = False


def scope_of(user) -> Scope:
    """Return the user's scope, loading the memberships with one query and caching it on the user."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    municipalities, managed, directed, persons, member_orgs, roles = set(), set(), set(), set(), set(), set()
    headed, curated = set(), set()
    rows = Membership.objects.filter(user=user).values_list(
        "role", "municipality_id", "organisation_id", "person_id", "person__organisation_id"
    )
    for role, municipality_id, organisation_id, person_id, person_org_id in rows:
        roles.add(role)
        if role in MUNICIPAL_ROLES:
            municipalities.add(municipality_id)
            if role == Role.HEAD:
                headed.add(municipality_id)
        elif role in ORGANISATION_ROLES:
            managed.add(organisation_id)
            member_orgs.add(organisation_id)
            if role == Role.DIRECTOR:
                directed.add(organisation_id)
            else:
                curated.add(organisation_id)
        else:
            persons.add(person_id)
            member_orgs.add(person_org_id)
    scope = Scope(
        municipality_ids=frozenset(municipalities),
        managed_organisation_ids=frozenset(managed),
        directed_organisation_ids=frozenset(directed),
        headed_municipality_ids=frozenset(headed),
        curated_organisation_ids=frozenset(curated),
        person_ids=frozenset(persons),
        member_organisation_ids=frozenset(member_orgs),
        roles=frozenset(roles),
        is_superuser=user.is_superuser,
    )
    user._portal_scope = scope
    return scope


class Municipality(models.Model):
    name = models.CharField(_("название"), max_length=255, unique=True)
    region = models.CharField(_("субъект РФ"), max_length=255, blank=True)
    department_name = models.CharField(
        _("орган управления образованием"),
        max_length=255,
        blank=True,
        help_text=_("Например: «Отдел образования администрации Котельниковского муниципального района»"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("муниципальное образование")
        verbose_name_plural = _("муниципальные образования")

    def __str__(self) -> str:
        return self.name


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user) -> OrganisationQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(Q(municipality_id__in=scope.municipality_ids) | Q(pk__in=scope.member_organisation_ids))

    def manageable_by(self, user) -> OrganisationQuerySet:
        """Organisations whose card the user may edit: the coordinator's and the director's own."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(Q(municipality_id__in=scope.municipality_ids) | Q(pk__in=scope.directed_organisation_ids))

    def staffed_by(self, user) -> OrganisationQuerySet:
        """Organisations whose staff the user may add and edit: coordinator, director, curator."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(Q(municipality_id__in=scope.municipality_ids) | Q(pk__in=scope.managed_organisation_ids))


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("Общеобразовательная организация")
        KINDERGARTEN = "kindergarten", _("Дошкольная образовательная организация")
        ADDITIONAL = "additional", _("Организация дополнительного образования")
        COLLEGE = "college", _("Профессиональная образовательная организация")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("муниципалитет")
    )
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices, default=Kind.SCHOOL)
    full_name = models.CharField(_("полное наименование"), max_length=500)
    short_name = models.CharField(_("краткое наименование"), max_length=150)
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    phone = models.CharField(_("телефон"), max_length=50, blank=True)
    email = models.EmailField(_("электронная почта"), blank=True)
    website = models.URLField(_("сайт"), blank=True)

    objects = OrganisationQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("образовательная организация")
        verbose_name_plural = _("образовательные организации")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "short_name"],
                name="organisation_unique_short_name",
                violation_error_message=_("В этом муниципалитете уже есть организация с таким кратким наименованием."),
            )
        ]

    def __str__(self) -> str:
        return self.short_name

    def get_absolute_url(self) -> str:
        return reverse("registry:organisation_detail", args=[self.pk])


class Subject(models.Model):
    name = models.CharField(_("предмет"), max_length=150, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("предмет")
        verbose_name_plural = _("предметы")

    def __str__(self) -> str:
        return self.name


def normalised_name_expression():
    """Full name lower-cased with ё folded into е, so search forgives both (no pg_trgm/unaccent needed)."""
    full = Concat("last_name", models.Value(" "), "first_name", models.Value(" "), "middle_name")
    return Replace(Lower(full), models.Value("ё"), models.Value("е"))


def normalise_query(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user) -> PersonQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(organisation__municipality_id__in=scope.municipality_ids)
            | Q(organisation_id__in=scope.managed_organisation_ids)
            | Q(pk__in=scope.person_ids)
        )

    def manageable_by(self, user) -> PersonQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(organisation__municipality_id__in=scope.municipality_ids)
            | Q(organisation_id__in=scope.managed_organisation_ids)
        )

    def search(self, text: str) -> PersonQuerySet:
        query = normalise_query(text)
        if not query:
            return self
        return self.filter(full_name_search__contains=query)

    def young(self, today: datetime.date | None = None) -> PersonQuerySet:
        return self.filter(teaching_since__gt=young_teacher_threshold(today))


def young_teacher_threshold(today: datetime.date | None = None) -> datetime.date:
    """People who started teaching after this date have under three years of experience."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - YOUNG_TEACHER_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - YOUNG_TEACHER_YEARS, day=28)


class Person(models.Model):
    """A pedagogical worker (педагогический работник): the person record behind every role."""

    class Category(models.TextChoices):
        HIGHEST = "highest", _("Высшая")
        FIRST = "first", _("Первая")
        COMPLIANCE = "compliance", _("Соответствие занимаемой должности")
        NONE = "none", _("Без категории")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="people", verbose_name=_("организация")
    )
    last_name = models.CharField(_("фамилия"), max_length=100)
    first_name = models.CharField(_("имя"), max_length=100)
    middle_name = models.CharField(_("отчество"), max_length=100, blank=True)
    position = models.CharField(_("должность"), max_length=255)
    subjects = models.ManyToManyField(Subject, blank=True, related_name="people", verbose_name=_("предметы"))
    qualification_category = models.CharField(
        _("квалификационная категория"), max_length=20, choices=Category.choices, default=Category.NONE
    )
    teaching_since = models.DateField(
        _("начало педагогического стажа"),
        null=True,
        blank=True,
        help_text=_("Стаж и признак «молодой педагог» считаются от этой даты."),
    )
    email = models.EmailField(_("электронная почта"), blank=True)
    phone = models.CharField(_("телефон"), max_length=50, blank=True)
    consent_date = models.DateField(_("дата согласия на обработку персональных данных"), null=True, blank=True)
    consent_document = models.CharField(_("документ о согласии"), max_length=255, blank=True)
    consent_withdrawn_on = models.DateField(_("дата отзыва согласия"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("обезличен"), null=True, blank=True, editable=False)
    full_name_search = models.GeneratedField(
        expression=normalised_name_expression(), output_field=models.TextField(), db_persist=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["full_name_search"], m2m_fields=["subjects"])

    class Meta:
        ordering = ["last_name", "first_name", "middle_name"]
        verbose_name = _("педагогический работник")
        verbose_name_plural = _("педагогические работники")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "last_name", "first_name", "middle_name"],
                name="person_unique_full_name_in_organisation",
                violation_error_message=_("В этой организации уже есть педагог с такими фамилией, именем и отчеством."),
            ),
        ]
        # The registry's default order: a page of 50 is read off this index instead of sorting everyone.
        indexes = [models.Index(fields=["last_name", "first_name", "middle_name", "id"], name="person_name_order")]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("registry:person_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)

    @property
    def short_name(self) -> str:
        """Иванова А. П.: how orders and reports name a person."""
        initials = " ".join(f"{part[0]}." for part in (self.first_name, self.middle_name) if part)
        return f"{self.last_name} {initials}".strip()

    @property
    def experience_years(self) -> int | None:
        return self.experience_years_from(self.teaching_since)

    @staticmethod
    def experience_years_from(since: datetime.date | None, today: datetime.date | None = None) -> int | None:
        """Full years of teaching experience since ``since``, as a personnel department counts them."""
        if since is None:
            return None
        today = today or timezone.localdate()
        years = today.year - since.year
        if (today.month, today.day) < (since.month, since.day):
            years -= 1
        return max(years, 0)

    @property
    def is_young_teacher(self) -> bool:
        return self.teaching_since is not None and self.teaching_since > young_teacher_threshold()

    @property
    def has_consent(self) -> bool:
        return self.consent_date is not None


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user) -> MembershipQuerySet:
        """Roles in the organisations the user sees, and the coordinators of their municipalities."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        organisations = Organisation.objects.visible_to(user)
        return self.filter(
            Q(organisation__in=organisations)
            | Q(municipality_id__in=organisations.values("municipality_id"))
            | Q(municipality_id__in=scope.municipality_ids)
            | Q(user=user)
        )


class Membership(models.Model):
    """A user's role in a municipality or an organisation; roles are data, a user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("пользователь")
    )
    role = models.CharField(_("роль"), max_length=20, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("муниципалитет")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("организация")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("педагог"),
    )
    phone = models.CharField(_("рабочий телефон"), max_length=50, blank=True)

    objects = MembershipQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("роль пользователя")
        verbose_name_plural = _("роли пользователей")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=MUNICIPAL_ROLES,
                        municipality__isnull=False,
                        organisation__isnull=True,
                        person__isnull=True,
                    )
                    | Q(role__in=ORGANISATION_ROLES, municipality__isnull=True, organisation__isnull=False)
                    | Q(
                        role__in=PERSON_ROLES,
                        municipality__isnull=True,
                        organisation__isnull=True,
                        person__isnull=False,
                    )
                ),
                name="membership_scope_matches_role",
                violation_error_message=_(
                    "Координатор и руководитель органа управления образованием закрепляются за муниципалитетом, "
                    "руководитель и куратор — за организацией, "
                    "наставник и наставляемый — за карточкой педагога."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "municipality", "organisation", "person"],
                name="membership_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        target = self.municipality or self.organisation or self.person
        return f"{self.user} — {self.get_role_display()} ({target})"


class Vocabulary(models.TextChoices):
    COMPETENCY = "competency", _("Компетенции наставников")
    ACHIEVEMENT = "achievement", _("Достижения наставников")
    REQUEST = "request", _("Запросы и затруднения наставляемых")


class VocabularyTermQuerySet(models.QuerySet):
    def visible_to(self, user) -> VocabularyTermQuerySet:
        """Shared terms from the seeds plus those the user's municipalities added."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        municipality_ids = set(scope.municipality_ids) | set(
            Organisation.objects.filter(pk__in=scope.member_organisation_ids).values_list("municipality_id", flat=True)
        )
        return self.filter(Q(municipality__isnull=True) | Q(municipality_id__in=municipality_ids))

    def of(self, vocabulary: str) -> VocabularyTermQuerySet:
        return self.filter(vocabulary=vocabulary, is_active=True)


class VocabularyTerm(models.Model):
    """An entry of a managed list: seeded from the Положение, extended by coordinators."""

    vocabulary = models.CharField(_("справочник"), max_length=20, choices=Vocabulary.choices)
    name = models.CharField(_("название"), max_length=255)
    code = models.SlugField(_("код"), max_length=50, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vocabulary_terms",
        verbose_name=_("муниципалитет"),
        help_text=_("Пусто — общий пункт из Положения о наставничестве."),
    )
    is_active = models.BooleanField(_("используется"), default=True)

    objects = VocabularyTermQuerySet.as_manager()

    class Meta:
        ordering = ["vocabulary", "name"]
        verbose_name = _("пункт справочника")
        verbose_name_plural = _("справочники")
        constraints = [
            models.UniqueConstraint(
                fields=["vocabulary", "municipality", "name"],
                name="vocabulary_term_unique_name",
                nulls_distinct=False,
                violation_error_message=_("Такой пункт в справочнике уже есть."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProfileStatus(models.TextChoices):
    ACTIVE = "active", _("Действующий")
    PAUSED = "paused", _("Приостановлен")
    LEFT = "left", _("Выбыл")


def consent_upload_path(instance, filename: str) -> str:
    """Scans live under MEDIA_ROOT with a generated name; only a rights-checking view serves them."""
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"consents/{uuid.uuid4().hex}{suffix}"


class MentorProfile(models.Model):
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


class MenteeProfile(models.Model):
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
            Q(organisation__municipality_id__in=scope.municipality_ids)
            | Q(organisation_id__in=scope.managed_organisation_ids)
        )


class MentoringOrder(models.Model):
    """The director's order fixing mentoring pairs and groups (приказ о закреплении)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="mentoring_orders", verbose_name=_("организация")
    )
    number = models.CharField(_("номер приказа"), max_length=50)
    date = models.DateField(_("дата приказа"))
    signed_by = models.CharField(_("руководитель, подписавший приказ"), max_length=255)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
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
                name="order_unique_number",
                violation_error_message=_("Приказ с таким номером и датой уже есть."),
            )
        ]

    def __str__(self) -> str:
        return f"№ {self.number} от {self.date:%d.%m.%Y}"

    def get_absolute_url(self) -> str:
        return reverse("registry:order_detail", args=[self.pk])


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
            Q(municipality_id__in=scope.municipality_ids) | Q(pk__in=scope.managed_organisation_ids)
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


class MentoringGroup(models.Model):
    """A mentoring pair (one mentee) or group (two or more) under one mentor."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Черновик")
        ACTIVE = "active", _("Действует")
        COMPLETED = "completed", _("Завершена")
        ENDED_EARLY = "ended_early", _("Прекращена досрочно")

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
                condition=~Q(status="active") | Q(order__isnull=False),
                name="active_group_has_order",
                violation_error_message=_("Пара становится действующей только по приказу."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor.short_name}: {self.get_status_display().lower()}"

    def get_absolute_url(self) -> str:
        return reverse("registry:group_detail", args=[self.pk])

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


class ProgramQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProgramQuerySet:
        """Programs follow their pair, except bank templates, which their school's staff read."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(group__in=MentoringGroup.objects.visible_to(user))
            | Q(group__isnull=True, organisation__municipality_id__in=scope.municipality_ids)
            | Q(group__isnull=True, organisation_id__in=scope.managed_organisation_ids)
        )

    def manageable_by(self, user) -> ProgramQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(organisation_id__in=scope.managed_organisation_ids)


class Program(models.Model):
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


class Activity(models.Model):
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


class CompactJSONEncoder(DjangoJSONEncoder):
    """Cyrillic as UTF-8, not as \\u escapes: a 20,000-row plan is a third of the size."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportBatchQuerySet:
        """An upload is seen only by the person who made it (and superusers)."""
        if user.is_superuser:
            return self.all()
        return self.filter(user=user)


class ImportBatch(models.Model):
    """An uploaded spreadsheet between its preview and its confirmation.

    The file is kept in the database, not in the process or on a local disk, so the
    confirm may land on any app server behind the balancer.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Проверен")
        APPLIED = "applied", _("Загружен")

    class Kind(models.TextChoices):
        REGISTRY = "registry", _("Реестр педагогов")
        ROADMAP = "roadmap", _("Дорожная карта")
        ORGANISATIONS = "organisations", _("Список организаций")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGISTRY)
    options = models.JSONField(default=dict, blank=True, help_text="What the upload form said besides the file.")
    file_name = models.CharField(_("файл"), max_length=255)
    content = models.BinaryField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(default=dict, blank=True)
    plan = models.JSONField(
        default=dict, blank=True, encoder=CompactJSONEncoder, help_text="The preview's plan, reused by the confirm."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("загрузка таблицы")
        verbose_name_plural = _("загрузки таблиц")

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("registry:import_preview", args=[self.pk])


def column_owner(user) -> str:
    """Whose files a remembered column choice belongs to: the municipality of a coordinator, else the organisation."""
    scope = scope_of(user)
    if scope.municipality_ids:
        return f"municipality:{min(scope.municipality_ids)}"
    if scope.managed_organisation_ids:
        return f"organisation:{min(scope.managed_organisation_ids)}"
    return f"user:{user.pk}"


class ColumnChoiceQuerySet(models.QuerySet):
    def remembered(self, user, kind: str) -> dict[str, str]:
        """Header → field, as the user's organisation (or municipality) last said for this kind of file."""
        return dict(self.filter(kind=kind, owner=column_owner(user)).values_list("header", "field"))

    def remember(self, user, kind: str, choices: dict[str, str]) -> None:
        owner = column_owner(user)
        self.bulk_create(
            [self.model(kind=kind, owner=owner, header=header[:255], field=field) for header, field in choices.items()],
            update_conflicts=True,
            unique_fields=["kind", "owner", "header"],
            update_fields=["field", "updated_at"],
        )


class ColumnChoice(models.Model):
    """What a column of an organisation's files holds, as a person chose it in a preview: the next upload reuses it."""

    kind = models.CharField(max_length=20, choices=ImportBatch.Kind.choices)
    owner = models.CharField(max_length=40, help_text="municipality:<id> or organisation:<id>")
    header = models.CharField(max_length=255, help_text="The header as compared (columns.header_key).")
    field = models.CharField(max_length=50, blank=True, help_text="Empty: the column is not read.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ColumnChoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("выбор столбца")
        verbose_name_plural = _("выбор столбцов")
        constraints = [models.UniqueConstraint(fields=["kind", "owner", "header"], name="column_choice_unique")]

    def __str__(self) -> str:
        return f"{self.header} → {self.field or '—'}"


# Accounts: who created, deactivated or renamed an account, and when (never the password hash).
register(
    get_user_model(),
    app="registry",
    table_name="registry_historicaluser",
    excluded_fields=["password", "last_login"],
)
