"""Roadmaps from the files departments already have: Word and Excel tables in every shape the seeds use.

A roadmap arrives as a table, but each office types it its own way:
- numbered sections and items (1, 1.1), roman sections (I., II.), deeper numbers (2.1.1.);
- sections with no number, numbering that starts from 1 again in each section;
- a stage column filled once and empty below it, with the activities numbered «1.», «2.» inside
  the content cell, sometimes two in one cell;
- unnumbered «- » activities under a numbered heading;
- rows split over two at a page break, empty «-» rows, a row of column numbers, a note in italics.

``plan_roadmap`` reads all of these. **Every row of the file is accounted for**: it becomes a
section, an item (or several), is joined to the row above, or is skipped with the reason; the
preview shows that ledger row by row, so nothing disappears silently. Items without a number get
one («2.3»), and a number already taken is replaced, both with a note on the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring_portal.columns import ColumnSet, Field
from mentoring_portal.spreadsheets import SpreadsheetError, Table, clean_text, read_table

from .models import Item, Roadmap, Section
from .services import SectionData

COLUMNS = ColumnSet(
    [
        Field("number", gettext_lazy("№"), ("№ п/п", "номер", "n", "no", "п/п", "№ пп", "пп"), (("№",), ("номер",))),
        Field(
            "stage",
            gettext_lazy("Этап (раздел)"),
            ("наименование этапа", "этап", "этапы", "раздел", "направление деятельности"),
            (("этап",), ("раздел",), ("направлен",)),
        ),
        Field(
            "responsible",
            gettext_lazy("Ответственный"),
            ("ответственные", "ответственные исполнители", "исполнитель", "исполнители"),
            (("ответствен",), ("исполнител",)),
        ),
        Field(
            "deadline",
            gettext_lazy("Срок"),
            ("сроки", "срок исполнения", "сроки исполнения", "сроки реализации", "срок выполнения"),
            (("срок",), ("дата",), ("период",)),
        ),
        Field(
            "result",
            gettext_lazy("Результат / вид документа"),
            ("результат", "вид документа", "ожидаемый результат", "итоговый документ"),
            (("результат",), ("документ",), ("итог",), ("показател",), ("продукт",)),
        ),
        Field(
            "content",
            gettext_lazy("Мероприятие"),
            ("мероприятия", "содержание деятельности", "наименование мероприятия", "содержание"),
            (("содержан",), ("мероприят",), ("наименован",), ("деятельност",), ("действи",)),
        ),
    ]
)
DETAIL_KEYS = ("deadline", "responsible", "result")
# How a detail typed on a section row is named in that row's ledger note.
SECTION_DETAILS = {
    "deadline": gettext_lazy("срок раздела"),
    "responsible": gettext_lazy("ответственный раздела"),
    "result": gettext_lazy("результат раздела"),
}
LIMITS = {
    "number": Item._meta.get_field("number").max_length,
    "deadline": Item._meta.get_field("deadline").max_length,
    "responsible": Item._meta.get_field("responsible").max_length,
    "result": Item._meta.get_field("result").max_length,
    "title": Section._meta.get_field("title").max_length,
}

NUMBER = re.compile(r"^(?:[IVXLC]{1,6}|\d{1,3}(?:\.\d{1,3}){0,4})\.?$")
ROMAN = re.compile(r"^[IVXLC]{1,6}$")
BULLET = re.compile(r"^[-–—•·]\s*")
DASHES = {"-", "–", "—", "--", "- -"}
# «1. Разработка …», «2.Формирование …» inside a cell: a number, a dot, a capital letter. Not «№ 4. …».
ACTIVITY = re.compile(r"(?:^|(?<=[\s.;:!?»)]))(?<!№ )(?<!№)(\d{1,2})\.(?!\d)\s*(?=[А-ЯЁA-Z«\"(])", re.MULTILINE)


def header_ok(cells: list[str]) -> bool:
    keys = {COLUMNS.guess(cell) for cell in cells if cell}
    return "content" in keys and bool(keys & {"number", "deadline", "responsible", "stage"})


def default_columns(headers: list[str], remembered=None, chosen=None) -> list[str | None]:
    """Columns by their words; of two content-like columns with no stage column, the first is the stage (seed 001)."""
    chosen = dict(chosen or {})
    guesses = [COLUMNS.guess(title) if title else None for title in headers]
    if guesses.count("content") >= 2 and "stage" not in guesses:
        first = guesses.index("content")
        chosen.setdefault(first, "stage")
    return COLUMNS.assign(headers, remembered=remembered, chosen=chosen)


@dataclass
class Line:
    """What became of one row of the file."""

    row: int
    kind: str  # section, item, joined, skipped
    note: str = ""
    numbers: list[str] = field(default_factory=list)

    KINDS = {
        "section": gettext_lazy("раздел"),
        "item": gettext_lazy("пункт"),
        "joined": gettext_lazy("продолжение строки выше"),
        "skipped": gettext_lazy("пропущена"),
    }

    @property
    def label(self) -> str:
        if self.kind == "section" and len(self.numbers) > 1:
            return str(_("раздел и пункты"))
        return str(self.KINDS[self.kind])


@dataclass
class RoadmapPlan:
    sections: list[SectionData] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error: str = ""
    headers: list[str] = field(default_factory=list)
    columns: list[str | None] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    title: str = ""
    basis: str = ""
    period: str = ""

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def can_apply(self) -> bool:
        return not self.error and not self.errors and self.item_count > 0

    def counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in Line.KINDS}
        for line in self.lines:
            counts[line.kind] += 1
        counts["rows"] = len(self.lines)
        counts["sections"] = len(self.sections)
        counts["items"] = self.item_count
        return counts

    def to_json(self) -> dict:
        return {
            "sections": [
                {"number": section.number, "title": section.title, "items": section.items} for section in self.sections
            ],
            "lines": [[line.row, line.kind, line.note, line.numbers] for line in self.lines],
            "errors": self.errors,
            "error": self.error,
            "headers": self.headers,
            "columns": self.columns,
            "samples": self.samples,
            "title": self.title,
            "basis": self.basis,
            "period": self.period,
        }

    @classmethod
    def from_json(cls, data: dict) -> RoadmapPlan:
        plan = cls(**{key: data.get(key, default) for key, default in (("errors", []), ("error", ""))})
        plan.sections = [SectionData(s["number"], s["title"], s["items"]) for s in data.get("sections", [])]
        plan.lines = [Line(*line) for line in data.get("lines", [])]
        for key in ("headers", "columns", "samples", "title", "basis", "period"):
            setattr(plan, key, data.get(key, getattr(plan, key)))
        return plan


def plan_roadmap(file_name: str, content: bytes, *, remembered=None, chosen=None) -> RoadmapPlan:
    """Read the file into sections and items, every row accounted for; nothing is written."""
    plan = RoadmapPlan()
    try:
        table = read_table(
            file_name,
            content,
            is_header=header_ok,
            header_hint=_("например «№», «Мероприятие», «Срок», «Ответственный»"),
            italics=True,
        )
    except SpreadsheetError as error:
        plan.error = str(error)
        return plan
    plan.headers = table.headers
    plan.columns = default_columns(table.headers, remembered, chosen)
    first = table.rows[0][1] if table.rows else []
    plan.samples = [clean_text(first[index]) if index < len(first) else "" for index in range(len(table.headers))]
    plan.title, plan.basis, plan.period = read_heading(table.above)
    if "content" not in plan.columns:
        plan.error = _("Не указан столбец с мероприятиями: выберите его ниже, в строке «Мероприятие».")
        return plan
    Reader(plan, table).read()
    if not plan.errors and plan.item_count == 0:
        plan.error = _("В таблице нет ни одного мероприятия.")
    return plan


class Reader:
    """One pass over the rows; ``current`` is the section, ``last`` the item a continuation joins."""

    def __init__(self, plan: RoadmapPlan, table: Table):
        self.plan = plan
        self.table = table
        self.index = {key: position for position, key in enumerate(plan.columns) if key}
        self.staged = "stage" in self.index
        self.current: SectionData | None = None
        self.last: dict | None = None
        self.last_is_section = False
        self.parent: str | None = None  # the numbered item that «- » bullets belong to
        self.bullets = 0
        self.plain_numbering = False  # the current section numbers its items 1, 2, 3 (seed 004)
        self.taken: set[str] = set()
        self.implicit: SectionData | None = None  # the section made up for items before any section row
        # Found by ``scan`` before the pass: does the table number anything «1.1», and which «1» have such children.
        self.deep = False
        self.parents: set[str] = set()

    # --- reading ----------------------------------------------------------------------------------
    def values(self, cells: list) -> tuple[dict[str, str], dict[str, str]]:
        raw = {key: cells[position] if position < len(cells) else "" for key, position in self.index.items()}
        texts = {key: clean_text(value) for key, value in raw.items()}
        number = texts.get("number", "")
        # A row typed one cell to the left (seed 002 under «2.3.», seed 004's second section): text in the «№».
        if number and not NUMBER.match(number) and "number" in self.index:
            content_key = "stage" if self.staged else "content"
            last_empty = not clean_text(cells[-1]) if cells else True
            if len(number) <= 3 and number.isalpha() and texts.get(content_key, "")[:1].islower():
                # A word broken across two cells on the way from PDF to Word: «Но» | «рмативное обеспечение».
                raw[content_key] = number + raw[content_key]
                texts[content_key] = number + texts[content_key]
                texts["number"] = raw["number"] = ""
            elif last_empty:
                # The whole row sits one cell to the left: move every cell one column to the right.
                return self.values(["", *cells[:-1]])
            else:
                texts[content_key] = f"{number} {texts.get(content_key, '')}".strip()
                raw[content_key] = f"{number} {raw.get(content_key, '')}".strip()
                texts["number"] = raw["number"] = ""
        return raw, texts

    def scan(self) -> None:
        """Look at the whole number column once, before the pass, so a row is read by what the table is.

        A table with no number «1.1» anywhere is a list: its «1», «2» are items, whatever their other columns
        hold (the sections, if any, come from rows without a number, as in seed 004). In a table that has
        «1.1», a «1» with children «1.…» is a section.
        """
        for _row, cells in self.table.rows:
            label = self.values(cells)[1].get("number", "").rstrip(".")
            if "." in label:
                self.deep = True
                self.parents.add(label.split(".", 1)[0])

    def read(self) -> None:
        if not self.staged:
            self.scan()
        for number, cells in self.table.rows:
            line = Line(row=number, kind="skipped")
            self.plan.lines.append(line)
            self.read_row(line, number, cells)
            for note in self.table.notes.get(number, []):
                line.note = f"{line.note}; {note}" if line.note else note

    def read_row(self, line: Line, number: int, cells: list) -> None:
        all_texts = [clean_text(cell) for cell in cells]
        filled = [text for text in all_texts if text]
        if not filled:
            line.note = _("пустая строка")
            return
        if all(text in DASHES for text in filled):
            line.note = _("строка с прочерком")
            return
        if len(filled) >= 3 and filled == [str(n) for n in range(1, len(filled) + 1)]:
            line.note = _("строка с номерами столбцов")
            return
        raw, texts = self.values(cells)
        label = texts.get("number", "").rstrip(".")
        details = {key: texts.get(key, "") for key in DETAIL_KEYS}
        if number in self.table.italic and not label and not any(details.values()):
            line.note = _("пояснение курсивом, не мероприятие")
            return
        if self.staged:
            self.read_staged(line, label, raw, texts, details)
        else:
            self.read_flat(line, label, texts, details)

    # --- a table with a stage column (seeds 001, 003) -----------------------------------------------
    def read_staged(self, line: Line, label: str, raw: dict, texts: dict, details: dict) -> None:
        joined = self.read_stage(line, label, texts)
        activities = split_activities(raw.get("content", ""))
        if activities and activities[0][0] is None and is_continuation(activities[0][1]) and self.last is not None:
            # The first activity goes on from the item above: a page break cut the cell in two.
            self.join(self.last, "content", activities.pop(0)[1])
            joined = True
        for own_number, text in activities:
            self.add_item(line, text, index=int(own_number) if own_number else None, details=details)
        if activities:
            if line.kind != "section":
                line.kind = "item"
            return
        if self.join_details(details):
            joined = True
        if line.kind == "section":
            return
        if joined:
            line.kind = "joined"
            line.note = line.note or _("продолжает строку выше (разрыв страницы)")
        else:
            line.note = _("нет мероприятия")

    def read_stage(self, line: Line, label: str, texts: dict) -> bool:
        """The stage cell opens a section, or goes on with the one above (``True`` then: the row joined it).

        A number with no stage and no content is a section too, untitled in the file.
        """
        stage = texts.get("stage", "")
        if stage:
            if is_continuation(stage) and self.current is not None and not label:
                self.current.title = f"{self.current.title} {stage}"
                return True
            self.open_section(line, label, stage)
        elif label and not texts.get("content"):
            self.open_section(line, label, texts.get("content", "") or _("Раздел %(n)s") % {"n": label})
        return False

    def join_details(self, details: dict) -> bool:
        """The filled detail cells of a row without an activity go to the item above; ``True`` if there were any."""
        if not any(details.values()) or self.last is None:
            return False
        for key, value in details.items():
            if value:
                self.join(self.last, key, value)
        return True

    # --- a table of numbered or bulleted rows (seeds 000, 002, 004) ----------------------------------
    def read_flat(self, line: Line, label: str, texts: dict, details: dict) -> None:
        content = texts.get("content", "")
        rest = any(details.values())
        if label:
            self.read_numbered(line, label, content, rest, details)
        elif not content:
            if self.join_details(details):
                line.kind = "joined"
                line.note = _("продолжает строку выше (разрыв страницы)")
            else:
                line.note = _("нет мероприятия")
        elif BULLET.match(content) and BULLET.sub("", content):
            self.read_bullet(line, BULLET.sub("", content), details)
        elif is_continuation(content) and (self.last is not None or self.current is not None):
            if self.last_is_section or self.last is None:
                self.current.title = f"{self.current.title} {content}"
            else:
                self.join(self.last, "content", content)
                self.join_details(details)
            line.kind = "joined"
            line.note = _("продолжает строку выше (разрыв страницы)")
        elif not rest:
            self.open_section(line, "", content)
            self.parent = None
        else:
            self.add_item(line, content, details=details)
            line.kind = "item"

    def read_numbered(self, line: Line, label: str, content: str, rest: bool, details: dict) -> None:
        """«II», «1» with items «1.1» in the table, «2» alone among «2.1»: a section; «2.1», «1» of a list: an item."""
        if self.is_section_number(label, rest):
            self.open_numbered_section(line, label, content, details)
            return
        if not content:
            line.note = _("у пункта %(n)s нет мероприятия") % {"n": label}
            self.plan.errors.append(
                _("Строка %(row)s: у пункта %(n)s пустое мероприятие.") % {"row": line.row, "n": label}
            )
            return
        if "." in label or self.current is None or self.current is self.implicit:
            # «1.1», or a flat list «1, 2, 3» with no sections at all.
            item = self.add_item(line, content, own=label, details=details)
        else:
            # Numbering from 1 again in each section (seed 004): «1» of section 2 is item 2.1.
            item = self.add_item(line, content, index=int(label), details=details)
            self.plain_numbering = True
        self.parent = item["number"]
        self.bullets = 0
        line.kind = "item"

    def is_section_number(self, label: str, rest: bool) -> bool:
        """Decided for the table, not the row (see ``scan``): a «1» with other columns filled is still a section
        when «1.1» follows, and a «2» with its other columns empty is still an item of a list with no «2.1»."""
        if ROMAN.match(label) or label in self.parents:
            return True
        if "." in label or not self.deep:
            return False
        return not rest and not self.plain_numbering

    def open_numbered_section(self, line: Line, label: str, content: str, details: dict) -> None:
        """A numbered section row; the deadline, responsible or result typed on it go to its ledger line's note.

        A section has no such fields, and they belong to its items (already typed on them as a rule), so the
        text is not put into the title: the preview shows it next to the row, «срок раздела: сентябрь 2024».
        """
        self.open_section(line, label, content or _("Раздел %(n)s") % {"n": label})
        kept = [f"{SECTION_DETAILS[key]}: {value}" for key, value in details.items() if value]
        if kept:
            line.note = "; ".join([line.note, *kept] if line.note else kept)

    def read_bullet(self, line: Line, text: str, details: dict) -> None:
        """«- …» under a numbered item is its sub-item (2.1 → 2.1.1, 2.1.2); elsewhere an item of its own."""
        if self.parent is not None:
            self.bullets += 1
            number = self.free(f"{self.parent}.{self.bullets}")
            self.add_item(line, text, fixed=number, details=details)
        else:
            self.add_item(line, text, details=details)
        line.kind = "item"

    # --- building -----------------------------------------------------------------------------------
    def open_section(self, line: Line, label: str, title: str) -> None:
        if len(title) > LIMITS["title"]:
            self.refuse_length(line, _("Раздел"), LIMITS["title"])
        if self.adopts(label):
            # «1.1» came before the row «1»: the section made up for it is that section, not one more.
            self.current.number, self.current.title = label, title[: LIMITS["title"]]
            self.implicit = None
            line.note = _("пункты выше строки раздела отнесены к разделу %(n)s") % {"n": label}
        else:
            label = self.section_number(line, label)
            self.current = SectionData(label, title[: LIMITS["title"]])
            self.plan.sections.append(self.current)
        self.last_is_section = True
        self.parent = None
        self.bullets = 0
        self.plain_numbering = False
        line.kind = "section"
        line.numbers.append(label)

    def adopts(self, label: str) -> bool:
        """The section row is the one the items above it were numbered in: «1» after «1.1», «II» after «2.1»."""
        if self.implicit is None or self.current is not self.implicit or not label:
            return False
        return (str(roman_value(label)) if ROMAN.match(label) else label) == self.implicit.number

    def section_number(self, line: Line, label: str) -> str:
        """The row's own number, or the next free one when it has none or repeats one, with a note."""
        numbers = {section.number for section in self.plan.sections}
        if label and label not in numbers:
            return label
        arabic = [int(section.number) for section in self.plan.sections if section.number.isdigit()]
        candidate = str(max(arabic, default=len(self.plan.sections)) + 1)
        while candidate in numbers:
            candidate = str(int(candidate) + 1)
        if label:
            line.note = _("номер раздела %(old)s уже был, присвоен %(new)s") % {"old": label, "new": candidate}
        else:
            line.note = _("раздел без номера, присвоен %(n)s") % {"n": candidate}
        return candidate

    def section(self, own: str | None = None) -> SectionData:
        if self.current is None:
            # Items before any section row: one section, as a flat list of measures is read. It takes the
            # number the first item points to («2» for «2.1»), so a section row «2» further down adopts it.
            head = own.split(".", 1)[0] if own and "." in own else "1"
            self.current = self.implicit = SectionData(head, _("Мероприятия"))
            self.plan.sections.append(self.current)
        return self.current

    def prefix(self) -> str:
        number = self.current.number if self.current else "1"
        return str(roman_value(number)) if ROMAN.match(number) else number

    def free(self, number: str) -> str:
        while number in self.taken:
            head, _dot, tail = number.rpartition(".")
            number = f"{head}.{int(tail) + 1}" if head and tail.isdigit() else f"{number}.1"
        return number

    def add_item(
        self,
        line: Line,
        content: str,
        *,
        own: str | None = None,
        index: int | None = None,
        fixed: str | None = None,
        details: dict,
    ) -> dict:
        section = self.section(own)
        content = clean_text(content)
        if fixed:
            number = fixed
        elif own:
            number = own
        else:
            base = self.prefix()
            number = f"{base}.{index}" if index is not None else f"{base}.{len(section.items) + 1}"
        wanted = number
        number = self.free(number)
        if (own or index is not None) and number != wanted:
            note = _("номер %(old)s уже был, присвоен %(new)s") % {"old": wanted, "new": number}
        elif not own and index is None:
            note = _("пункт без номера, присвоен %(n)s") % {"n": number}
        else:
            note = ""
        if note:
            line.note = f"{line.note}; {note}" if line.note else note
        self.taken.add(number)
        item = {"number": number, "content": content, **{key: details.get(key, "") for key in DETAIL_KEYS}}
        for key in DETAIL_KEYS:
            if len(item[key]) > LIMITS[key]:
                self.refuse_length(line, COLUMNS.title(key), LIMITS[key])
        section.items.append(item)
        self.last = item
        self.last_is_section = False
        line.numbers.append(number)
        return item

    def join(self, item: dict, key: str, text: str) -> None:
        text = clean_text(text)
        item[key] = f"{item[key]} {text}".strip() if item.get(key) else text
        if key in LIMITS and len(item[key]) > LIMITS[key]:
            self.plan.errors.append(
                _("Пункт %(n)s, «%(column)s»: текст длиннее %(limit)s символов. Сократите его в файле.")
                % {"n": item["number"], "column": COLUMNS.title(key), "limit": LIMITS[key]}
            )

    def refuse_length(self, line: Line, column: str, limit: int) -> None:
        self.plan.errors.append(
            _("Строка %(row)s, «%(column)s»: текст длиннее %(limit)s символов. Сократите его в файле.")
            % {"row": line.row, "column": column, "limit": limit}
        )


def is_continuation(text: str) -> bool:
    """Text that continues the row above after a page break: it starts in the middle of a sentence."""
    text = text.lstrip()
    if not text:
        return False
    first = text[0]
    return first.islower() or first in ",;)"


def split_activities(content: str) -> list[tuple[str | None, str]]:
    """The activities of one content cell: «1. X 2. Y» is two; a list after an introduction «…: 1. … 2. …» is one."""
    content = content.strip()
    if not content:
        return []
    markers = list(ACTIVITY.finditer(content))
    if not markers:
        return [(None, content)]
    prefix = content[: markers[0].start()].strip()
    if prefix.endswith(":"):
        return [(None, content)]
    parts: list[tuple[str | None, str]] = []
    if prefix:
        parts.append((None, prefix))
    for position, marker in enumerate(markers):
        end = markers[position + 1].start() if position + 1 < len(markers) else len(content)
        parts.append((marker.group(1), content[marker.end() : end].strip()))
    return [(number, text) for number, text in parts if text]


def roman_value(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for position, letter in enumerate(text):
        value = values[letter]
        following = values[text[position + 1]] if position + 1 < len(text) else 0
        total += -value if value < following else value
    return total


APPROVAL = re.compile(r"^\s*(?:УТВЕРЖ|Утверж|ПРИЛОЖЕНИЕ|Приложение|СОГЛАСОВАНО)")
DATED = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}|№")
YEARS = re.compile(r"(20\d{2})\s*[-–—]\s*(20\d{2})")
YEAR = re.compile(r"\b(20\d{2})\b")


def read_heading(above: list[str]) -> tuple[str, str, str]:
    """The title, the basis («УТВЕРЖДЕНО приказом … от 29.03.2022 № 100-д») and the period found above the table."""
    lines = [clean_text(text) for text in above if clean_text(text)]
    basis_lines: list[str] = []
    start = next((index for index, text in enumerate(lines) if APPROVAL.match(text)), None)
    title_from = 0
    if start is not None:
        end = next((index for index in range(start, min(start + 10, len(lines))) if DATED.search(lines[index])), start)
        basis_lines = lines[start : end + 1]
        title_from = end + 1
    title_lines = lines[title_from:][-4:]
    title = clean_text(" ".join(title_lines))[: Roadmap._meta.get_field("title").max_length]
    basis = clean_text(" ".join(basis_lines))
    basis = re.sub(r"^УТВЕРЖ\w*", "УТВЕРЖДЕНО", basis)
    basis = re.sub(r"(\d{1,2}\.\d{1,2}\.\d{4})\s*г\.?", r"\1", basis)
    basis = re.sub(r"№\s*(\d+)\s*-\s*", r"№ \1-", basis)[: Roadmap._meta.get_field("basis").max_length]
    period = ""
    if match := YEARS.search(title):
        period = f"{match.group(1)}–{match.group(2)}"
    elif match := YEAR.search(title):
        period = match.group(1)
    return title, basis, period
