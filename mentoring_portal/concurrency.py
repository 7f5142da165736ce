"""No lost updates: one version number on every record people edit.

Two curators open the same card; the first saves. When the second saves, the record's
version is no longer the one their form was opened on, so the save is refused with a
message instead of silently writing over the first curator's change.

- ``Versioned`` gives a model its ``version``: every write of the row moves it on by one.
  ``save()`` does it in its own ``UPDATE`` (``SET …, version = version + 1``); writes that
  bypass ``save()`` go through ``bump`` and ``bulk_update`` here, which do the same; rows
  written with ``COPY`` are new and start at the column's default, 1.
- ``GuardedForm`` carries the version it was opened on in a hidden input. Its ``clean()``
  reads the row with ``SELECT … FOR UPDATE`` inside the request's transaction (``lock``)
  and refuses a stale form; the save then writes ``UPDATE … WHERE pk = … AND version = <the
  form's>``, and refuses with the same message if that matched no row.
- Roadmap revisions go through the same ``lock``; their content is many rows, edited and
  approved as one, so ``roadmaps.services`` ends every transition by saving the revision.
- The imports ask "did anything change since the preview" with ``versions_of``.

The version is per record, not per field: a mentor's mark on an activity makes a stale
copy of that activity's form stale too. A formset saves only the forms that changed, and
only those are checked (``GuardedInlineFormSet``), so the curator's edit of a program's
title is not refused because a mentor marked one of its activities meanwhile.
"""

from __future__ import annotations

from django import forms
from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import MD5, Cast, Concat
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

VERSION_FIELD = "version"
STALE_MESSAGE = _(
    "Пока вы редактировали, эту запись изменил другой пользователь. Ваши правки не сохранены: "
    "откройте страницу заново, чтобы увидеть новые данные, и внесите правки ещё раз."
)


class Stale(ValidationError):
    """The record was written after the form that edits it was opened."""

    def __init__(self, message=STALE_MESSAGE):
        super().__init__(message, code="stale")


class Versioned(models.Model):
    """A record people edit: ``version`` counts its writes (see the module's notes)."""

    version = models.PositiveIntegerField(
        default=1, db_default=1, editable=False, help_text="Moved on by every write; stale forms are refused."
    )
    # Set by ``lock``: the next save writes only over this version, or raises ``Stale``.
    expected_version: int | None = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], VERSION_FIELD}
        super().save(*args, **kwargs)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        field = self._meta.get_field(VERSION_FIELD)
        values = [value for value in values if value[0] is not field] + [(field, None, F(VERSION_FIELD) + 1)]
        expected = self.expected_version
        if expected is not None:
            base_qs = base_qs.filter(version=expected)
        updated = super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        if not updated:
            if expected is not None:
                raise Stale
            return updated
        self.expected_version = None
        if expected is not None:
            self.version = expected + 1
        else:
            # Somebody else may have written in between: the database's number is read back when asked for
            # (the history's post-save copy asks at once).
            self.__dict__.pop(VERSION_FIELD, None)
        return updated


def lock(source, pk, version: int | None, *, stale: type[ValidationError] = Stale):
    """The record ``pk`` of ``source`` (a model or a queryset), locked for this transaction with
    ``SELECT … FOR UPDATE``, if it is still at ``version``; its next save writes only over that version.
    A record deleted meanwhile is as stale as one written."""
    queryset = source._base_manager.all() if isinstance(source, type) else source
    record = queryset.select_for_update().filter(pk=pk).first()
    if record is None or record.version != version:
        raise stale()
    record.expected_version = version
    return record


def bump(queryset, **changes) -> int:
    """``queryset.update(**changes)`` that also moves the version of every row it writes on."""
    if issubclass(queryset.model, Versioned):
        changes[VERSION_FIELD] = F(VERSION_FIELD) + 1
    return queryset.update(**changes)


def bulk_update(model, objs, fields, **options) -> None:
    """``model.objects.bulk_update(objs, fields)`` that also moves the version of every row on.

    A history model (which copies ``version`` but is no ``Versioned``) is written as given.
    """
    objs, fields = list(objs), list(fields)
    if not objs:
        return
    versioned = issubclass(model, Versioned)
    if versioned:
        for obj in objs:
            obj.version = F(VERSION_FIELD) + 1
        fields.append(VERSION_FIELD)
    model._base_manager.bulk_update(objs, fields, **options)
    if versioned:
        for obj in objs:
            obj.__dict__.pop(VERSION_FIELD, None)  # read back from the database when asked for


def versions_of(queryset) -> str:
    """What a plan read from ``queryset`` depends on: a digest of its rows' (pk, version) pairs.

    The digest changes when a row of the set is written (its version moves on), created or
    deleted, or joins or leaves the set (a person moved to another school). A count with the
    sum or the maximum of the versions would not do: a row that leaves the set while another
    is written can leave the count and the sum as they were, and a delete does not move the
    maximum. One string of the pairs, hashed in PostgreSQL, is exact and costs one query.
    """
    pair = Concat(Cast("pk", TextField()), Value(":"), Cast(VERSION_FIELD, TextField()), output_field=TextField())
    return queryset.order_by().aggregate(digest=MD5(StringAgg(pair, ",", order_by="pk")))["digest"] or ""


class VersionInput(forms.IntegerField):
    """The version the form was opened on. It says which record was shown, not what was edited,
    so it never makes a form "changed"."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data) -> bool:
        return False


class GuardedForm:
    """Mixin for forms that edit a stored record; put it first among the bases.

    A ModelForm guards its instance; a plain form passes the record as ``guard=`` (its service
    saves the record, which moves the version on). In a formset (``GuardedInlineFormSet``) a
    form that did not change is not saved, so it is not checked either.
    """

    def __init__(self, *args, guard=None, guard_unchanged: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.guarded = guard if guard is not None else getattr(self, "instance", None)
        self.guard_unchanged = guard_unchanged
        self.fields[VERSION_FIELD] = VersionInput(required=False)
        if self.is_guarding:
            if not isinstance(self.guarded, Versioned):
                raise TypeError(f"{type(self.guarded).__name__} is edited through a guarded form but has no version")
            self.fields[VERSION_FIELD].initial = self.guarded.version

    @property
    def is_guarding(self) -> bool:
        return self.guarded is not None and self.guarded.pk is not None

    def clean(self):
        cleaned = super().clean()
        if self.is_guarding and (self.guard_unchanged or self.has_changed()):
            version = cleaned.get(VERSION_FIELD)
            lock(type(self.guarded), self.guarded.pk, version)  # raises Stale: the form's error
            if self.guarded is getattr(self, "instance", None):
                self.guarded.expected_version = version
        return cleaned


class GuardedInlineFormSet(BaseInlineFormSet):
    """The rows of a record (a program's activities) edited with it: Django saves only the forms
    that changed, so only those are checked against their rows' versions."""

    def get_form_kwargs(self, index):
        return super().get_form_kwargs(index) | {"guard_unchanged": False}


def save_or_stale(form) -> bool:
    """Save a form whose save may be refused: a new record created twice at once (a bank entry,
    a checklist) breaks a unique constraint, an edit outside a locking transaction may find its
    version gone. Both are answered with the stale message."""
    try:
        with transaction.atomic():
            form.save()
    except (IntegrityError, Stale):
        # The file fields wrote their uploads before the refused write: nothing may point at them now.
        for name in form.files:
            stored = getattr(form.instance, name, None)
            if stored and getattr(stored, "name", None):
                stored.storage.delete(stored.name)
        form.add_error(None, STALE_MESSAGE)
        return False
    return True
