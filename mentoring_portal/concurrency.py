"""No lost updates: a form that edits a stored record carries the state it was opened on.

Two curators open the same card; the first saves. When the second saves, the record's
fields no longer match what their form showed, so the save is refused with a message
instead of silently writing over the first curator's change.

The state is a digest of the fields the form writes, as stored, so an edit of another
part of the record (a mentor's mark on an activity while the curator edits its title)
does not get in the way. The check reads the row with ``SELECT … FOR UPDATE`` inside the
request's transaction, so nobody can write between the check and the save.

Roadmap revisions keep an explicit version number instead (``roadmaps.services.lock``):
their content is many rows, edited and approved as one.
"""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

STATE_FIELD = "state"
STALE_MESSAGE = _(
    "Пока вы редактировали, эту запись изменил другой пользователь. Ваши правки не сохранены: "
    "откройте страницу заново, чтобы увидеть новые данные, и внесите правки ещё раз."
)


def digest(obj, names, extra=()) -> str:
    """A short digest of the stored values of ``names`` on ``obj`` (many-to-many included)."""
    values = []
    for name in sorted(names):
        field = obj._meta.get_field(name)
        if field.many_to_many:
            value = sorted(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else []
        else:
            value = field.value_to_string(obj)
        values.append([name, value])
    values.extend(extra)
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:32]


def model_field_names(form_class) -> list[str]:
    """The model fields a ModelForm class writes."""
    model = form_class._meta.model
    stored = {field.name for field in model._meta.get_fields() if field.concrete or field.many_to_many}
    return [name for name in form_class._meta.fields or () if name in stored]


def state_of(obj, form_class) -> str:
    """What an edit form for ``obj`` carries, for templates that write the form by hand."""
    return digest(obj, model_field_names(form_class))


class GuardedForm:
    """Mixin for forms that edit a stored record; put it first among the bases.

    A ModelForm guards its instance and the fields it writes. A plain form passes the record
    as ``guard=`` and names the fields in ``guard_fields``.
    """

    guard_fields: tuple[str, ...] = ()

    def __init__(self, *args, guard=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.guarded = guard if guard is not None else getattr(self, "instance", None)
        self.fields[STATE_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)
        if self.is_guarding:
            self.fields[STATE_FIELD].initial = self.state(self.guarded)

    @property
    def is_guarding(self) -> bool:
        return self.guarded is not None and self.guarded.pk is not None

    def guarded_names(self) -> list[str]:
        if self.guard_fields:
            return list(self.guard_fields)
        return model_field_names(type(self))

    def extra_state(self, obj) -> list:
        """Values beyond the record's own fields that this form writes (rows of a related table)."""
        return []

    def state(self, obj) -> str:
        return digest(obj, self.guarded_names(), self.extra_state(obj))

    def clean(self):
        cleaned = super().clean()
        if self.is_guarding:
            current = type(self.guarded)._base_manager.select_for_update().get(pk=self.guarded.pk)
            if self.state(current) != cleaned.get(STATE_FIELD):
                raise ValidationError(STALE_MESSAGE, code="stale")
        return cleaned


def save_or_stale(form) -> bool:
    """Save a new record that may be created twice at once (a bank entry, a checklist): the
    second creation breaks a unique constraint and is answered like a stale edit."""
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError:
        # The file fields wrote their uploads before the refused INSERT: nothing may point at them now.
        for name in form.files:
            stored = getattr(form.instance, name, None)
            if stored and getattr(stored, "name", None):
                stored.storage.delete(stored.name)
        form.add_error(None, STALE_MESSAGE)
        return False
    return True
