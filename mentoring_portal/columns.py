"""Which field each column of an uploaded table holds: recognised by the header's words, corrected by the user.

Schools title their columns in many ways («Ф.И.О. педагога», «Квалиф. категория»,
«Ответственный исполнитель»). A ``Field`` knows its exact titles and, beyond them, the
word stems that name it: «категор» + «квалиф» is the qualification category, «ответствен»
is the responsible person, whatever else the header says. What the guess gets wrong the
user reassigns in the preview (``mapping_form``), and the choice is remembered for the
next file with the same header.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .spreadsheets import normalise

SKIP = ""


@functools.lru_cache(maxsize=4096)
def header_key(text: str) -> str:
    """A header as compared: lower case, ё→е, punctuation as spaces («Ф.И.О.» → «ф и о»)."""
    text = normalise(text)
    text = re.sub(r"[()/\\.,:;_\-«»\"'*]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Field:
    key: str
    title: str
    synonyms: tuple[str, ...] = ()
    # Each tuple is one rule: every stem in it starts some word of the header.
    words: tuple[tuple[str, ...], ...] = ()

    def matches_words(self, words: list[str]) -> bool:
        return any(all(any(word.startswith(stem) for word in words) for stem in rule) for rule in self.words)


class ColumnSet:
    """The fields of one kind of import, in the order a template lists them."""

    def __init__(self, fields: Sequence[Field], *, word_order: Sequence[str] = ()):
        """``word_order`` lists the keys whose words are tried first (the more specific); the rest follow."""
        self.fields = list(fields)
        self.by_key = {field.key: field for field in self.fields}
        self.word_order = [self.by_key[key] for key in word_order] + [
            field for field in self.fields if field.key not in word_order
        ]
        self.exact = {}
        for field in self.fields:
            for name in (field.title, *field.synonyms, field.key):
                self.exact.setdefault(header_key(name), field.key)

    def guess(self, title: str) -> str | None:
        key = header_key(title)
        if not key:
            return None
        if key in self.exact:
            return self.exact[key]
        words = key.split()
        if "ф" in words and "и" in words and "о" in words:
            words = [*words, "фио"]
        for field in self.word_order:
            if field.matches_words(words):
                return field.key
        return None

    def assign(
        self,
        headers: Sequence[str],
        *,
        remembered: Mapping[str, str] | None = None,
        chosen: Mapping[int, str] | None = None,
    ) -> list[str | None]:
        """The field of each column: the user's choice, else what was remembered for this header, else the guess.

        A field goes to one column only, the first that claims it; ``SKIP`` leaves a column unread.
        """
        remembered = remembered or {}
        chosen = chosen or {}
        result: list[str | None] = []
        taken: set[str] = set()
        for index, title in enumerate(headers):
            if index in chosen:
                key = chosen[index] or None
            elif title and header_key(title) in remembered:
                key = remembered[header_key(title)] or None
            else:
                key = self.guess(title) if title else None
            if key is not None and (key in taken or key not in self.by_key):
                key = None
            if key is not None:
                taken.add(key)
            result.append(key)
        return result

    def choices(self) -> list[tuple[str, str]]:
        return [(SKIP, _("— не загружать —")), *((field.key, field.title) for field in self.fields)]

    def title(self, key: str) -> str:
        return self.by_key[key].title


def mapping_form(column_set: ColumnSet, headers: Sequence[str], columns: Sequence[str | None], data=None):
    """A form with one choice per column of the file: which field it is read as, or none."""
    from django import forms
    from openpyxl.utils import get_column_letter

    class MappingForm(forms.Form):
        def clean(self):
            cleaned = super().clean()
            seen: dict[str, str] = {}
            for name, value in list(cleaned.items()):
                if not value:
                    continue
                if value in seen:
                    self.add_error(
                        name,
                        _("«%(field)s» уже выбрано для столбца «%(other)s».")
                        % {"field": column_set.title(value), "other": self.fields[seen[value]].label},
                    )
                seen[value] = name
            return cleaned

        def chosen(self) -> dict[int, str]:
            return {int(name.removeprefix("column_")): value for name, value in self.cleaned_data.items()}

    fields = {}
    for index, title in enumerate(headers):
        letter = get_column_letter(index + 1)
        fields[f"column_{index}"] = forms.ChoiceField(
            label=f"{letter}: {title}" if title else _("%(letter)s: без названия") % {"letter": letter},
            choices=column_set.choices(),
            required=False,
            initial=columns[index] if index < len(columns) and columns[index] else SKIP,
        )
    form_class = type("MappingForm", (MappingForm,), fields)
    return form_class(data=data, prefix="map")
