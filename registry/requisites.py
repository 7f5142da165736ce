"""What every printed document takes from the organisation: its requisites and the people who sign.

The organisation's card keeps the requisites (ГОСТ Р 7.0.97-2016: the full name, the address and
contacts, ИНН/ОГРН, the emblem, the place of the document) and the head's position; the head's name
is the card's, else the director's account in the portal. A document never carries a layout text of
its own: a missing requisite is left out, never replaced by a word like «Руководитель».
"""

from __future__ import annotations

from dataclasses import dataclass

from mentoring_portal import names

from .models import Membership, Organisation, Role


@dataclass(frozen=True)
class Signatory:
    """A person as documents name them: a position, the name in its cases, «И.О. Фамилия»."""

    position: str
    last: str
    first: str
    middle: str

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last, self.first, self.middle) if part)

    @property
    def initials(self) -> str:
        """«В.И. Зайцев»: the signature and the approval block."""
        return names.initials(self.last, self.first, self.middle)

    @property
    def initials_after(self) -> str:
        """«Зайцев В.И.»: a list («С приказом ознакомлены»)."""
        return names.initials_after(self.last, self.first, self.middle)

    def declined(self, case: str) -> str:
        """«Соколову Ольгу Николаевну»: the full name in ``case``."""
        return names.decline(self.last, self.first, self.middle, case)

    def initials_in(self, case: str) -> str:
        """«В.И. Зайцеву»: the addressee of a statement."""
        return names.declined_initials(self.last, self.first, self.middle, case)


def signatory_named(full_name: str, position: str = "") -> Signatory | None:
    """A signatory out of a name written in either order («Зайцев Виктор Иванович», «Виктор Иванович Зайцев»)."""
    last, first, middle = names.split_full_name(full_name or "")
    return Signatory(position, last, first, middle) if last else None


def signatory_of_user(user, position: str = "") -> Signatory | None:
    """An account's name: its surname, and its first name field, which the portal fills «Имя Отчество»."""
    if user is None:
        return None
    given = user.first_name.split()
    if not user.last_name:
        return signatory_named(user.first_name, position)
    return Signatory(position, user.last_name, given[0] if given else "", " ".join(given[1:]))


def signatory_of_membership(membership: Membership | None, position: str = "") -> Signatory | None:
    """The person a role belongs to: the card it is tied to, else the account."""
    if membership is None:
        return None
    person = membership.person
    if person is not None:
        return Signatory(position, person.last_name, person.first_name, person.middle_name)
    return signatory_of_user(membership.user, position)


def _first_membership(organisation: Organisation, role: str) -> Membership | None:
    return (
        Membership.objects.filter(organisation=organisation, role=role)
        .select_related("user", "person")
        .order_by("pk")
        .first()
    )


def head_of(organisation: Organisation) -> Signatory | None:
    """Who signs the organisation's documents: the name on its card, else its first director in the portal."""
    if organisation.head_name.strip():
        return signatory_named(organisation.head_name, organisation.head_title)
    return signatory_of_membership(_first_membership(organisation, Role.DIRECTOR), organisation.head_title)


def curator_of(organisation: Organisation) -> Signatory | None:
    """The organisation's curator of mentoring (its first one in the portal), or None."""
    return signatory_of_membership(_first_membership(organisation, Role.CURATOR), "Куратор наставничества")


@dataclass(frozen=True)
class Requisites:
    """The organisation's block at the top of a document, and the document's place."""

    full_name: str
    short_name: str
    lines: list[str]
    locality: str
    emblem: bytes | None


def requisites_of(organisation: Organisation) -> Requisites:
    contacts = []
    if organisation.phone:
        contacts.append(f"тел. {organisation.phone}")
    if organisation.email:
        contacts.append(f"e-mail: {organisation.email}")
    codes = [f"{label} {value}" for label, value in (("ИНН", organisation.inn), ("ОГРН", organisation.ogrn)) if value]
    lines = [line for line in (organisation.address, ", ".join(contacts), ", ".join(codes)) if line]
    return Requisites(
        full_name=organisation.full_name,
        short_name=organisation.short_name,
        lines=lines,
        locality=organisation.locality,
        emblem=emblem_of(organisation),
    )


def emblem_of(organisation: Organisation) -> bytes | None:
    """The emblem's bytes, or None when there is none or its file is gone from the storage."""
    emblem = organisation.emblem
    if not emblem or not emblem.storage.exists(emblem.name):
        return None
    with emblem.open("rb") as stream:
        return stream.read()
