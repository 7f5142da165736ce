"""The home page's «what waits for me»: each app says what of its own waits for a role.

The home page is one page per person, but what waits for them lives in every app: a roadmap to
approve (roadmaps), pairs without a program (registry), a report due (monitoring). The toolbox
imports no app, so the apps contribute: each registers one function at start-up
(``AppConfig.ready``), and the page asks them all for the blocks the registry built from the
user's memberships, one block per role and place.

A contributor adds two kinds of things to a block:

- ``Waiting``: a kind of thing that needs the person («Без согласия на обработку ПДн»), with its
  count, where the whole list is, the first few lines newest first, and the menu entry whose
  badge counts it. The menu asks for counts only (``full=False``) on every page, so a
  contributor computes ``lines`` only when ``desk.full`` is true.
- ``Panel``: a template of the app with its context, for what is not a to-do list (the
  mentor's mentees with their progress, the coordinator's table of organisations).

Each contributor runs a fixed number of queries per block, whatever the number of rows: the
home page's query count is tested against growing data.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

# How many lines of one kind the home page lists; the rest are behind the link to the whole list.
LINES_SHOWN = 5


@dataclass
class Line:
    """One thing that waits, as a link to the page where it is done."""

    text: str
    url: str
    when: datetime.date | datetime.datetime | None = None
    note: str = ""
    late: bool = False
    # A template of the app to show under the line (the inline approval) and the object it acts on.
    include: str = ""
    obj: Any = None

    @property
    def sort_key(self) -> datetime.datetime:
        when = self.when
        if when is None:
            return datetime.datetime.min
        if isinstance(when, datetime.datetime):
            return when.replace(tzinfo=None)
        return datetime.datetime.combine(when, datetime.time())


@dataclass
class Waiting:
    key: str
    title: str
    count: int
    url: str
    menu: str
    lines: list[Line] = field(default_factory=list)
    action: str = ""

    def newest_first(self) -> Waiting:
        self.lines.sort(key=lambda line: line.sort_key, reverse=True)
        return self


@dataclass
class Panel:
    template: str
    context: dict[str, Any]
    order: int = 50


@dataclass
class Block:
    """One role of the user in one place: «Куратор ОО — МБОУ СШ № 1»."""

    role: str
    label: str
    place: str = ""
    municipality_id: int | None = None
    organisation_id: int | None = None
    person_id: int | None = None
    waiting: list[Waiting] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)

    def add(self, waiting: Waiting) -> None:
        """Keep a kind that waits only if something does: an empty kind is noise on a to-do list."""
        if waiting.count:
            self.waiting.append(waiting.newest_first())

    def add_panel(self, template: str, context: dict[str, Any], order: int = 50) -> None:
        self.panels.append(Panel(template, context, order))

    @property
    def waiting_count(self) -> int:
        return sum(waiting.count for waiting in self.waiting)


@dataclass
class Desk:
    user: Any
    blocks: list[Block]
    full: bool = True
    today: datetime.date | None = None
    # The organisation table's ordering, from the home page's ``?sort=``.
    sort: str = "name"

    def __post_init__(self):
        self.today = self.today or timezone.localdate()

    def of(self, *roles: str) -> list[Block]:
        return [block for block in self.blocks if block.role in roles]

    def menu_counts(self) -> Counter:
        counts: Counter = Counter()
        for block in self.blocks:
            for waiting in block.waiting:
                counts[waiting.menu] += waiting.count
                counts["total"] += waiting.count
        return counts


Contributor = Callable[[Desk], None]
_contributors: list[Contributor] = []


def contributor(function: Contributor) -> Contributor:
    """Register ``function(desk)``; apps call this from ``AppConfig.ready``, once each."""
    if function not in _contributors:
        _contributors.append(function)
    return function


def fill(desk: Desk) -> Desk:
    for function in _contributors:
        function(desk)
    for block in desk.blocks:
        block.panels.sort(key=lambda panel: panel.order)
    return desk


def lines_of(items: Iterable, make: Callable[[Any], Line], limit: int = LINES_SHOWN) -> list[Line]:
    return [make(item) for item in list(items)[:limit]]


# --- the municipal home page's table of organisations -----------------------------------------
@dataclass
class Cell:
    text: str
    sort: Any = None
    url: str = ""
    late: bool = False


@dataclass
class Column:
    """One column of the organisation table, contributed by the app that knows it."""

    key: str
    title: str
    cells: dict[int, Cell]


ColumnSource = Callable[[list, datetime.date], list[Column]]
_column_sources: list[ColumnSource] = []


def organisation_column(function: ColumnSource) -> ColumnSource:
    """Register ``function(organisations, today) -> [Column]``, a fixed number of queries for any number of them."""
    if function not in _column_sources:
        _column_sources.append(function)
    return function


def organisation_columns(organisations: list, today: datetime.date) -> list[Column]:
    return [column for function in _column_sources for column in function(organisations, today)]
