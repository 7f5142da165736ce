"""Uploaded spreadsheets between preview and confirmation, and the column choices remembered for the next upload."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .scope import scope_of


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


def column_owner(user, options: dict | None = None) -> str:
    """Whose files a remembered column choice belongs to.

    The municipality or organisation the upload was for (``ImportBatch.options``), else the
    user's only municipality, else their only organisation. Someone who holds several and
    did not say which keeps their choices as their own: never silently the first one's.
    """
    options = options or {}
    if options.get("municipality"):
        return f"municipality:{options['municipality']}"
    if options.get("organisation"):
        return f"organisation:{options['organisation']}"
    scope = scope_of(user)
    if len(scope.municipality_ids) == 1:
        return f"municipality:{next(iter(scope.municipality_ids))}"
    if not scope.municipality_ids and len(scope.managed_organisation_ids) == 1:
        return f"organisation:{next(iter(scope.managed_organisation_ids))}"
    return f"user:{user.pk}"


class ColumnChoiceQuerySet(models.QuerySet):
    def remembered(self, user, kind: str, *, options: dict | None = None) -> dict[str, str]:
        """Header → field, as the user's organisation (or municipality) last said for this kind of file."""
        return dict(self.filter(kind=kind, owner=column_owner(user, options)).values_list("header", "field"))

    def remember(self, user, kind: str, choices: dict[str, str], *, options: dict | None = None) -> None:
        owner = column_owner(user, options)
        self.bulk_create(
            [self.model(kind=kind, owner=owner, header=header[:255], field=field) for header, field in choices.items()],
            update_conflicts=True,
            unique_fields=["kind", "owner", "header"],
            update_fields=["field", "updated_at"],
        )

    def remember_columns(self, user, kind: str, headers, chosen: dict[int, str], *, options=None) -> None:
        """What the preview's mapping step said of each titled column, keyed by the header as compared."""
        from mentoring_portal.columns import header_key

        choices = {header_key(title): chosen.get(index, "") for index, title in enumerate(headers) if title}
        self.remember(user, kind, choices, options=options)


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
