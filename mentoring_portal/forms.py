"""Form helpers every app uses: the date picker, upload checks, errors as one flash message."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """The browser's date picker; it shows dd.mm.yyyy to a Russian user and sends ISO."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def check_upload(upload, *, types: dict[str, bytes], max_bytes: int, wrong_type: str, too_big: str) -> None:
    """An uploaded file, checked by its name's suffix, its size and its first bytes (not only by its name).

    ``types`` maps a suffix to the bytes such a file starts with. Files already stored pass.
    """
    if not upload or not hasattr(upload, "content_type"):
        return
    suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if suffix not in types:
        raise forms.ValidationError(wrong_type)
    if upload.size > max_bytes:
        raise forms.ValidationError(too_big)
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(types[suffix]):
        raise forms.ValidationError(_("Содержимое файла не похоже на %(kind)s.") % {"kind": suffix[1:].upper()})


PDF_AND_IMAGES = {".pdf": b"%PDF", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG\r\n\x1a\n"}


def form_errors(form) -> str:
    """A bound form's messages in one line, for views that answer with a redirect and a message."""
    return " ".join(message for errors in form.errors.values() for message in errors)


def error_text(error: ValidationError) -> str:
    """Every message of a ``ValidationError`` (with or without fields) as one line for a flash message."""
    if hasattr(error, "error_dict"):
        return " ".join(message for messages in error.message_dict.values() for message in messages)
    return " ".join(error.messages)


class OnlyChoiceMixin:
    """Model choice fields limited to what the user may act for: asked when there are several, silent when one.

    A methodist who curates two kindergartens says which one a new roadmap is for; a curator
    of one school is not asked, and their school is in ``cleaned_data`` all the same.
    """

    def limit_choice(self, name: str, queryset) -> None:
        only = list(queryset[:2])
        if len(only) == 1:
            self.only_choices = getattr(self, "only_choices", {}) | {name: only[0]}
            del self.fields[name]
        else:
            self.fields[name].queryset = queryset

    def only_choice(self, name: str):
        """The one object the field would have offered, or None when the form asks."""
        return getattr(self, "only_choices", {}).get(name)

    def clean(self):
        cleaned = super().clean()
        cleaned.update(getattr(self, "only_choices", {}))
        return cleaned
