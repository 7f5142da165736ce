"""Municipalities, organisations, people, subjects and the managed vocabularies."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Concat, Lower, Replace
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mentoring_portal import names
from mentoring_portal.concurrency import Versioned
from mentoring_portal.exporters import generated_name

from .scope import scope_of

YOUNG_TEACHER_YEARS = 3


class Municipality(models.Model):
    name = models.CharField(_("название"), max_length=255, unique=True)
    region = models.ForeignKey(
        "Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="municipalities",
        verbose_name=_("субъект РФ"),
    )
    district = models.ForeignKey(
        "EducationalDistrict",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="municipalities",
        verbose_name=_("образовательный округ"),
    )
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


def emblem_upload_path(instance, filename: str) -> str:
    return generated_name("emblems", filename)


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user) -> OrganisationQuerySet:
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(Q(municipality_id__in=scope.read_municipality_ids) | Q(pk__in=scope.member_organisation_ids))

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


class Organisation(Versioned):
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
    # Requisites of the documents the portal prints (ГОСТ Р 7.0.97-2016): the head of the organisation
    # signs them, the locality is their place, the emblem stands above the organisation's name.
    head_position = models.CharField(
        _("должность руководителя"),
        max_length=100,
        blank=True,
        help_text=_("Как в подписи приказа: «Директор», «Заведующий». Пусто — по типу организации."),
    )
    head_name = models.CharField(
        _("ФИО руководителя"),
        max_length=255,
        blank=True,
        help_text=_("Фамилия, имя, отчество. Пусто — из учётной записи руководителя в портале."),
    )
    locality = models.CharField(
        _("место составления документов"),
        max_length=100,
        blank=True,
        help_text=_("Населённый пункт под датой и номером приказа, например: «г. Котельниково»."),
    )
    inn = models.CharField(
        _("ИНН"),
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^(\d{10}|\d{12})$", _("ИНН организации — 10 цифр (12 — у предпринимателя)."))],
    )
    ogrn = models.CharField(
        _("ОГРН"),
        max_length=15,
        blank=True,
        validators=[RegexValidator(r"^(\d{13}|\d{15})$", _("ОГРН — 13 цифр (ОГРНИП — 15)."))],
    )
    emblem = models.FileField(
        _("эмблема для документов"),
        upload_to=emblem_upload_path,
        blank=True,
        help_text=_("Герб или логотип над наименованием организации: PNG или JPG, не больше 1 МБ."),
    )

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

    @property
    def head_title(self) -> str:
        """The head's position as a signature writes it: the card's, else the usual one for the kind."""
        if self.head_position:
            return self.head_position
        return str(_("Заведующий") if self.kind == self.Kind.KINDERGARTEN else _("Директор"))


def shared_or_own(queryset, user):
    """A managed list's entries the user sees: the shared ones (no municipality) and their municipalities' own."""
    scope = scope_of(user)
    if scope.is_superuser:
        return queryset.all()
    municipality_ids = set(scope.read_municipality_ids) | set(
        Organisation.objects.filter(pk__in=scope.member_organisation_ids).values_list("municipality_id", flat=True)
    )
    return queryset.filter(Q(municipality__isnull=True) | Q(municipality_id__in=municipality_ids))


class SubjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> SubjectQuerySet:
        """The shared subjects plus those the user's municipalities added: another municipality's never show."""
        return shared_or_own(self, user)

    def for_municipalities(self, municipality_ids) -> SubjectQuerySet:
        return self.filter(Q(municipality__isnull=True) | Q(municipality_id__in=municipality_ids))


class Subject(models.Model):
    """A subject taught. The seeded ones are shared and read-only; an import adds its municipality's own."""

    name = models.CharField(_("предмет"), max_length=150)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subjects",
        verbose_name=_("муниципалитет"),
        help_text=_("Пусто — общий предмет, его видят все муниципалитеты."),
    )

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("предмет")
        verbose_name_plural = _("предметы")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"],
                nulls_distinct=False,
                name="subject_unique_name_per_municipality",
                violation_error_message=_("Такой предмет уже есть."),
            )
        ]

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
        """The municipality reads every card of its people, those who left it too (until the retention rule
        removes them); a school reads those who work there now, as their main or an additional place."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(organisation__municipality_id__in=scope.read_municipality_ids)
            | _working_at(scope.managed_organisation_ids)
            | Q(pk__in=scope.person_ids)
        )

    def manageable_by(self, user) -> PersonQuerySet:
        """The card is kept by the municipality and by the school of the person's main place; a school where
        they work besides reads it."""
        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(organisation__municipality_id__in=scope.municipality_ids)
            | Q(organisation_id__in=scope.managed_organisation_ids, left_municipality_on__isnull=True)
        )

    def working_at(self, organisation_ids, on: datetime.date | None = None) -> PersonQuerySet:
        """People who work in these organisations now: there as their main place, or as an additional one."""
        return self.filter(_working_at(organisation_ids, on))

    def search(self, text: str) -> PersonQuerySet:
        query = normalise_query(text)
        if not query:
            return self
        return self.filter(full_name_search__contains=query)

    def young(self, today: datetime.date | None = None) -> PersonQuerySet:
        return self.filter(teaching_since__gt=young_teacher_threshold(today))

    # No consent to the processing of personal data yet; a withdrawn (anonymised) card is not chased.
    WITHOUT_CONSENT = Q(consent_date__isnull=True, anonymised_at__isnull=True)

    def without_consent(self) -> PersonQuerySet:
        return self.filter(self.WITHOUT_CONSENT)

    def with_consent(self) -> PersonQuerySet:
        return self.filter(consent_date__isnull=False)

    def without_mentor(self) -> PersonQuerySet:
        """Active mentees who are in no active pair or group; a paused pair keeps its mentee's mentor."""
        from .banks import ProfileStatus
        from .mentoring import MentoringGroup, Participation

        in_pair = Participation.objects.filter(mentee=OuterRef("pk"), group__status__in=MentoringGroup.LIVE)
        return self.filter(mentee_profile__status=ProfileStatus.ACTIVE).filter(~Exists(in_pair))


def _working_at(organisation_ids, on: datetime.date | None = None) -> Q:
    """The main place (unless the person left the municipality), or a current additional place of work.
    A subquery, not a join: each branch keeps to its index."""
    from .workplaces import Workplace

    places = Workplace.objects.current(on).filter(organisation_id__in=organisation_ids).values("person_id")
    return Q(organisation_id__in=organisation_ids, left_municipality_on__isnull=True) | Q(pk__in=places)


def young_teacher_threshold(today: datetime.date | None = None) -> datetime.date:
    """People who started teaching after this date have under three years of experience."""
    return (today or timezone.localdate()) - relativedelta(years=YOUNG_TEACHER_YEARS)


class Person(Versioned):
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
    # The card stays with the municipality after the person leaves it: the coordinator reads it, the
    # school no longer does, until the personal-data retention rule removes it.
    left_municipality_on = models.DateField(_("выбыл из муниципалитета"), null=True, blank=True, editable=False)
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
    def initials(self) -> str:
        """«В.И. Зайцев» (a non-breaking space before the surname): signatures and approval blocks."""
        return names.initials(self.last_name, self.first_name, self.middle_name)

    def declined(self, case: str) -> str:
        """The full name in ``case`` («accusative»: «Галкину Марину Михайловну»), gender from the patronymic."""
        return names.decline(self.last_name, self.first_name, self.middle_name, case)

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


class Vocabulary(models.TextChoices):
    COMPETENCY = "competency", _("Компетенции наставников")
    ACHIEVEMENT = "achievement", _("Достижения наставников")
    REQUEST = "request", _("Запросы и затруднения наставляемых")


class VocabularyTermQuerySet(models.QuerySet):
    def visible_to(self, user) -> VocabularyTermQuerySet:
        """Shared terms from the seeds plus those the user's municipalities added."""
        return shared_or_own(self, user)

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
