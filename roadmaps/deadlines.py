"""Reading the deadlines of roadmaps as people write them.

The words are always kept; this module reads the date (or dates) a portal can check
from them, or says that the deadline is recurring («Ежегодно до 28 мая») or open
(«в течение года», «по плану», «постоянно»). Forms found in the seeds:

    до 20 апреля 2022 г.          → 20.04.2022
    март 2022 г. / Ноябрь 2022    → the end of that month
    Апрель-декабрь 2022года       → the end of the range: 31.12.2022
    Сентябрь 2022, май 2023       → both; the plan is due at the last
    Февраль / 3 марта             → the year read from the roadmap's period
    2022-2023 уч.год              → the end of the school year: 31.08.2023
    Ежегодно до 20 сентября       → recurring
    в течение года, по плану      → open
"""

from __future__ import annotations

import calendar
import contextlib
import datetime
import re
from dataclasses import dataclass, field

from mentoring_portal.spreadsheets import month_number as month_of

MONTH_WORD = (
    r"(?<![а-я])(январ[а-я]*|феврал[а-я]*|март[а-я]*|апрел[а-я]*|ма[йяе]|июн[а-я]*|июл[а-я]*|август[а-я]*"
    r"|сентябр[а-я]*|октябр[а-я]*|ноябр[а-я]*|декабр[а-я]*)(?![а-я])"
)
RECURRING = re.compile(r"ежегодно|ежемесячно|ежеквартально|еженедельно|каждый год|ежедневно")
SCHOOL_YEAR = re.compile(r"(\d{4})\s*[-–—/]\s*(\d{4})\s*(?:уч[а-я.]*\s*)?(?:год|г\.)?")
NUMERIC = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
DAY_MONTH = re.compile(r"(\d{1,2})\s+" + MONTH_WORD + r"(?:\s+(\d{4}))?")
MONTH_YEAR = re.compile(MONTH_WORD + r"(?:\s*(\d{4}))?")
YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


@dataclass
class Deadline:
    kind: str  # "date", "recurring" or "open" (the Item.DeadlineKind values)
    dates: list[datetime.date] = field(default_factory=list)

    @property
    def due(self) -> datetime.date | None:
        return max(self.dates) if self.dates else None


def month_number(word: str) -> int:
    month = month_of(word)
    if month is None:
        raise ValueError(word)
    return month


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_years(period: str) -> tuple[int | None, int | None]:
    """«2022» → (2022, 2022); «2022–2023 учебный год» → (2022, 2023)."""
    years = [int(year) for year in YEAR.findall(period or "")]
    if not years:
        return None, None
    return years[0], years[-1]


def year_for(month: int, period: str) -> int | None:
    """A month without a year belongs to the period: September–December to its first year."""
    first, last = period_years(period)
    if first is None:
        return None
    return first if month >= 9 or first == last else last


def parse_deadline(text: str, period: str = "") -> Deadline:
    """Read ``text`` (a deadline as written) in the context of the roadmap's ``period``."""
    raw = " ".join((text or "").lower().replace("ё", "е").split())
    if not raw:
        return Deadline("open")
    if RECURRING.search(raw):
        return Deadline("recurring")
    # Glue «2022года», «2022г.» apart from their words.
    raw = re.sub(r"(\d{4})(?=[а-я])", r"\1 ", raw)
    # From the most to the least precise form; each reader blanks out what it took, so that
    # «до 15 мая 2022» is not read again as «май 2022».
    dates: list[datetime.date] = []
    consumed = _read_numeric(raw, dates)
    consumed = _read_day_month(consumed, period, dates)
    _read_months(consumed, period, dates)
    if not dates:
        dates = _whole_year(raw)
    if not dates:
        return Deadline("open")
    if _is_range(raw) and len(dates) >= 2:
        return Deadline("date", [max(dates)])
    return Deadline("date", sorted(set(dates)))


def _read_numeric(raw: str, dates: list[datetime.date]) -> str:
    """«15.05.2022», «15.05.22»: added to ``dates``; the text with them taken out (an impossible one stays)."""
    consumed = raw
    for match in NUMERIC.finditer(raw):
        day, month, year = (int(part) for part in match.groups())
        year = year + 2000 if year < 100 else year
        try:
            dates.append(datetime.date(year, month, day))
        except ValueError:
            continue
        consumed = consumed.replace(match.group(0), " ")
    return consumed


def _read_day_month(consumed: str, period: str, dates: list[datetime.date]) -> str:
    """«15 мая», «15 мая 2022»: a missing year is the one written later, else the period's; the text without them."""
    for match in DAY_MONTH.finditer(consumed):
        day, word, year = match.groups()
        month = month_number(word)
        year = int(year) if year else _trailing_year(consumed, match.end()) or year_for(month, period)
        if year:
            with contextlib.suppress(ValueError):
                dates.append(datetime.date(year, month, int(day)))
        consumed = consumed.replace(match.group(0), " ", 1)
    return consumed


def _read_months(consumed: str, period: str, dates: list[datetime.date]) -> None:
    """«Май 2022», «май»: the month's last day."""
    months = list(MONTH_YEAR.finditer(consumed))
    for index, match in enumerate(months):
        word, year = match.groups()
        month = month_number(word)
        if not year:
            # «Апрель-декабрь 2022», «Январь, март 2023»: a month takes the year written after the list.
            later = next((m.group(2) for m in months[index + 1 :] if m.group(2)), None)
            year = later or _trailing_year(consumed, match.end())
        year = int(year) if year else year_for(month, period)
        if year:
            dates.append(month_end(year, month))


def _whole_year(raw: str) -> list[datetime.date]:
    """With no day or month: «2022/2023 учебный год» ends on 31 August, «в течение 2022 года» on 31 December."""
    if match := SCHOOL_YEAR.search(raw):
        return [datetime.date(int(match.group(2)), 8, 31)]
    if re.search(r"в течение\s+(\d{4})\s+года", raw):
        return [datetime.date(int(re.search(r"(\d{4})", raw).group(1)), 12, 31)]
    return []


def _trailing_year(text: str, position: int) -> int | None:
    match = YEAR.search(text, position)
    return int(match.group(1)) if match else None


def _is_range(text: str) -> bool:
    return bool(re.search(MONTH_WORD + r"\s*(?:\d{4}\s*)?[-–—]\s*" + MONTH_WORD, text))
