"""Organisations as people type them: «Котельниковская СОШ №2» is «МБОУ «СОШ № 2 г. Котельниково»».

A shared spreadsheet names each school the way its curator writes it: without «МБОУ», without
quotes, «№2» or «№ 2», the town's name before or after. Each name is reduced to its
significant words (the kind as an abbreviation, the number, the other words cut to their
first five letters so «Котельниковская» and «Котельниково» meet), and a typed name fits an
organisation when all of its words are found in the organisation's names or its
municipality's name. One fit is taken; several are offered to choose from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mentoring_portal.spreadsheets import normalise

# Legal forms that say the kind: a preschool's («МБДОУ № 2») is a kindergarten, never «СОШ № 2».
KIND_FORMS = {
    "мбдоу": "дс", "мкдоу": "дс", "мадоу": "дс", "мдоу": "дс", "гбдоу": "дс", "дошкольное": "дс", "доу": "дс",
    "мбудо": "удо", "мкудо": "удо", "мауд": "удо", "мбуд": "удо", "мбоудо": "удо", "моудо": "удо", "удо": "удо",
}  # fmt: skip
LEGAL_FORMS = {
    "мбоу", "мкоу", "моу", "маоу", "гбоу", "гоу", "гкоу",
    "мауд", "мбуд", "мбу", "мку", "мау", "мбоудо", "моудо", "чоу", "ано", "нчоу", "мобу", "мбнош",
    "муниципальное", "муниципальный", "бюджетное", "казенное", "автономное", "государственное", "частное",
    "общеобразовательное", "образовательное", "учреждение", "организация", "дошкольное", "дополнительного",
    "образования", "детей",
}  # fmt: skip
STOP_WORDS = {"г", "гор", "город", "города", "городского", "округа", "района", "муниципального", "им", "имени", "с",
              "п", "пос", "поселка", "ст", "х", "село", "и", "№", "рп", "район", "округ"}  # fmt: skip
KIND_PHRASES = (
    ("средняя общеобразовательная школа", "сош"),
    ("основная общеобразовательная школа", "оош"),
    ("начальная общеобразовательная школа", "нош"),
    ("общеобразовательная школа", "сош"),
    ("средняя школа", "сош"),
    ("основная школа", "оош"),
    ("детский сад", "дс"),
    ("д/с", "дс"),
    ("дом детского творчества", "ддт"),
    ("центр дополнительного образования", "цдо"),
    ("детско-юношеская спортивная школа", "дюсш"),
)
_NUMBER = re.compile(r"^\d{1,4}$")


def name_words(name: str) -> frozenset[str]:
    """The significant words of an organisation's name, as compared."""
    text = normalise(name)
    for phrase, short in KIND_PHRASES:
        text = text.replace(phrase, f" {short} ")
    text = re.sub(r"№\s*(\d)", r" \1", text)
    words = set()
    for word in re.split(r"[^\w]+", text):
        if word in KIND_FORMS:
            words.add(KIND_FORMS[word])
            continue
        if not word or word in LEGAL_FORMS or word in STOP_WORDS:
            continue
        words.add(f"#{int(word)}" if _NUMBER.match(word) else word[:5])
    return frozenset(words)


class OrganisationMatcher:
    """Finds the organisations a typed name fits, among those the uploader may load people into."""

    def __init__(self, organisations: Iterable, municipality_names: dict[int, str] | None = None):
        municipality_names = municipality_names or {}
        self.cache: dict[str, list] = {}
        self.exact: dict[str, list] = {}
        self.words: list[tuple[frozenset[str], object]] = []
        for organisation in organisations:
            # Two municipalities may both have «МБОУ СОШ № 1»: an exact name can fit several.
            for name in {normalise(organisation.short_name), normalise(organisation.full_name)}:
                self.exact.setdefault(name, []).append(organisation)
            place = name_words(municipality_names.get(organisation.municipality_id, ""))
            words = name_words(organisation.short_name) | name_words(organisation.full_name) | place
            self.words.append((words, organisation))

    def find(self, typed: str) -> list:
        """The organisations ``typed`` fits: one when it is clear, several to choose from, none when unknown."""
        # A school's file names its school on every row: each distinct spelling is looked up once.
        if typed not in self.cache:
            self.cache[typed] = self._find(typed)
        return self.cache[typed]

    def _find(self, typed: str) -> list:
        key = normalise(typed)
        if key in self.exact:
            return list(self.exact[key])
        wanted = name_words(typed)
        if not wanted or not any(word.startswith("#") or len(word) >= 3 for word in wanted):
            return []
        numbers = {word for word in wanted if word.startswith("#")}
        found = []
        for words, organisation in self.words:
            if not wanted <= words:
                continue
            # «СОШ №2» never fits «СОШ №12», nor a school with a number when the file gives another.
            if numbers and numbers != {word for word in words if word.startswith("#")}:
                continue
            found.append(organisation)
        return found
