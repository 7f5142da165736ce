"""Russian personal names in documents: gender, the six cases, initials, and every form for scrubbing.

Declension is pytrovich's (the Python port of the petrovich rules, which know the indeclinable
surnames: Сидоренко, Дюма, Черных, a woman's Шевчук). This module adds what documents need
around it: the gender read from the patronymic, a full name in one call, initials as
ГОСТ Р 7.0.97-2016 writes them, and the forms a free text may name a person by.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

Sex = Literal["male", "female"]
CaseName = Literal["nominative", "genitive", "dative", "accusative", "instrumental", "prepositional"]

CASES: dict[str, Case] = {
    "nominative": Case.NOMINATIVE,
    "genitive": Case.GENITIVE,
    "dative": Case.DATIVE,
    "accusative": Case.ACCUSATIVE,
    "instrumental": Case.INSTRUMENTAL,
    "prepositional": Case.PREPOSITIONAL,
}

# Turkic patronymics are two words: «Гасан оглы» (son of), «Эльдар кызы» (daughter of).
MALE_PARTICLES = {"оглы", "оглу", "улы", "уулу"}
FEMALE_PARTICLES = {"кызы", "гызы", "qizi"}
PARTICLES = MALE_PARTICLES | FEMALE_PARTICLES

INITIALS = re.compile(r"(?:[А-ЯЁA-Z]\.)+")
INITIALS_LETTER = re.compile(r"[А-ЯЁA-Z](?=\.)")

# Between the initials and the surname: a line never breaks inside «В.И. Зайцев».
NBSP = "\u00a0"


@cache
def _maker() -> PetrovichDeclinationMaker:
    return PetrovichDeclinationMaker()


@cache
def _detector() -> PetrovichGenderDetector:
    return PetrovichGenderDetector()


def _from_patronymic(middle_name: str) -> Sex | None:
    words = middle_name.lower().split()
    if not words:
        return None
    last = words[-1]
    if last in MALE_PARTICLES or last.endswith("ич"):  # Иванович, Ильич, Никитич
        return "male"
    if last in FEMALE_PARTICLES or last.endswith(("вна", "чна")):  # Ивановна, Никитична, Ильинична
        return "female"
    return None


def _from_card(given: str | None) -> Sex | None:
    value = (given or "").strip().lower()
    if value.startswith(("m", "м")):
        return "male"
    if value.startswith(("f", "ж")):
        return "female"
    return None


def gender_of(middle_name: str, first_name: str = "", given: str | None = None) -> Sex | None:
    """The person's gender: from the patronymic, else from the card (``given``), else from the first name.

    ``given`` is what a card records («male»/«female», or «м»/«ж»). A first name decides only when
    the rules are sure (Анна, Павел); «Саша» or «Женя» without a patronymic stays ``None``.
    """
    found = _from_patronymic(middle_name or "") or _from_card(given)
    if found or not first_name:
        return found
    detected = _detector().detect(firstname=first_name)
    return {Gender.MALE: "male", Gender.FEMALE: "female"}.get(detected)


def _inflect(part: NamePart, sex: Sex | None, case: Case, value: str) -> str:
    """One name part in ``case``, each word apart («Гасан оглы» keeps its particle), capitals kept."""
    if not value or case == Case.NOMINATIVE:
        return value
    gender = {"male": Gender.MALE, "female": Gender.FEMALE}.get(sex, Gender.ANDROGYNOUS)
    words = []
    for word in value.split(" "):
        if not word or word.lower() in PARTICLES:
            words.append(word)
            continue
        # The rules append lower-case endings: «ИВАНОВ» is declined as «иванов» and raised again.
        shout = word.isupper() and len(word) > 1
        inflected = _maker().make(part, gender, case, word.lower() if shout else word, known_gender=sex is not None)
        words.append(inflected.upper() if shout else inflected)
    return " ".join(words)


def decline(last: str, first: str, middle: str, case: CaseName | str, gender: Sex | None = None) -> str:
    """The full name in ``case``: «Галкину Марину Михайловну», «Пановым Николаем Ивановичем».

    ``gender`` when the caller knows it (a card's field); otherwise it is read by ``gender_of``.
    Empty parts are left out, so a name without a patronymic declines too.
    """
    try:
        target = CASES[case]
    except KeyError:
        raise ValueError(f"unknown case {case!r}; one of {', '.join(CASES)}") from None
    sex = gender or gender_of(middle, first)
    parts = (
        _inflect(NamePart.LASTNAME, sex, target, last.strip()),
        _inflect(NamePart.FIRSTNAME, sex, target, first.strip()),
        _inflect(NamePart.MIDDLENAME, sex, target, middle.strip()),
    )
    return " ".join(part for part in parts if part)


def _initials(first: str, middle: str) -> str:
    """«В.И.»: no space between initials (ГОСТ Р 7.0.97-2016); «Анна-Мария» gives «А.-М.»."""
    letters = []
    for part in (first.strip(), middle.strip()):
        if part:
            letters.append("-".join(f"{piece[0].upper()}." for piece in part.split()[0].split("-") if piece))
    return "".join(letters)


def initials(last: str, first: str, middle: str) -> str:
    """«В.И.\u00a0Зайцев», as a signature or an approval block writes it.

    A non-breaking space joins the initials to the surname so that a line never ends between them.
    """
    letters = _initials(first, middle)
    return f"{letters}{NBSP}{last.strip()}" if letters else last.strip()


def initials_after(last: str, first: str, middle: str) -> str:
    """«Зайцев\u00a0В.И.», the order of lists and tables (the same non-breaking space)."""
    letters = _initials(first, middle)
    return f"{last.strip()}{NBSP}{letters}" if letters else last.strip()


def name_forms(last: str, first: str, middle: str, gender: Sex | None = None) -> set[str]:
    """Every case form of each part of the name, for finding the person in free text.

    Double surnames give their halves too («Петрова-Водкина» → «Петровой», «Водкиной», …);
    a Turkic patronymic gives the father's name without «оглы». When the gender is unknown,
    the forms of both are taken: a text about the person may use either.
    """
    sex = gender or gender_of(middle, first)
    sexes: tuple[Sex | None, ...] = (sex,) if sex else ("male", "female")
    forms: set[str] = set()
    for part, value in ((NamePart.LASTNAME, last), (NamePart.FIRSTNAME, first), (NamePart.MIDDLENAME, middle)):
        words = [word for word in re.split(r"[\s-]+", value.strip()) if word and word.lower() not in PARTICLES]
        for word in {value.strip(), *words} - {""}:
            forms.update(_inflect(part, one, case, word) for one in sexes for case in Case)
    return forms


def split_full_name(text: str) -> tuple[str, str, str]:
    """(last, first, middle) out of a name written in either order: «Зайцев Виктор Иванович» as a card
    or a register writes it, «Виктор Иванович Зайцев» as an account's full name reads.

    The patronymic tells the order: third of three words, the surname comes first; second, last.
    A name without a patronymic is read surname first; initials («Зайцев В.И.») give their letters.
    """
    words = text.split()
    letters = [letter for word in words if INITIALS.fullmatch(word) for letter in INITIALS_LETTER.findall(word)]
    if letters:  # «Зайцев В.И.», «В. И. Зайцев»: the surname is the word that is not initials
        last = " ".join(word for word in words if not INITIALS.fullmatch(word))
        return last, letters[0], " ".join(letters[1:2])
    if len(words) == 3 and _from_patronymic(words[1]) and not _from_patronymic(words[2]):
        return words[2], words[0], words[1]
    if len(words) >= 4 and words[-1].lower() in PARTICLES:  # «Алиев Гасан Эльдар оглы»
        return words[0], words[1], " ".join(words[2:])
    if len(words) >= 4 and words[2].lower() in PARTICLES:  # «Гасан Эльдар оглы Алиев»
        return " ".join(words[3:]), words[0], " ".join(words[1:3])
    last, first, middle = [*words, "", "", ""][:3]
    return last, first, " ".join([middle, *words[3:]]).strip()


def declined_initials(last: str, first: str, middle: str, case: CaseName | str, gender: Sex | None = None) -> str:
    """«В.И.\u00a0Зайцеву»: the initials and the surname in ``case``, as an addressee («Директору … В.И. Зайцеву»)."""
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}; one of {', '.join(CASES)}")
    sex = gender or gender_of(middle, first)
    return initials(_inflect(NamePart.LASTNAME, sex, CASES[case], last.strip()), first, middle)
