"""Audit history: who changed what and when, kept by django-simple-history and read here.

Saves through the ORM are recorded by simple-history's signals. Bulk writes (imports,
order issue, roadmap tracking) bypass signals, so they call ``record_history``, which
copies the current rows into the history table with one ``INSERT … SELECT``: an import
of 20,000 people costs one statement, not 20,000.

``change_log`` turns the history of an object and its parts into entries for its page:
when, who, what and which fields changed from what to what. It reads each history table
once and resolves foreign keys in bulk, so a page's query count does not grow with edits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.db.models import ForeignKey, Model, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

ACTIONS = {"+": "создание", "~": "изменение", "-": "удаление"}
# Columns that change on every save or carry no meaning for a reader.
SILENT_FIELDS = {"id", "created_at", "updated_at", "version", "full_name_search"}
HISTORY_FIELDS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
LIMIT = 100


def tracked_columns(model) -> list[str]:
    """The columns a history row copies from its model, in the history table's spelling."""
    return [f.column for f in model.history.model._meta.concrete_fields if f.name not in HISTORY_FIELDS]


def current_user():
    """The signed-in user of the request being served, as simple-history's middleware saw it."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record_history(model, pks, history_type: str, user=None, reason: str = "", *, key: str = "id") -> None:
    """Copy the current rows of ``model`` whose ``key`` is in ``pks`` into its history table in one statement."""
    pks = list(pks)
    if not pks:
        return
    user = user or current_user()
    columns = tracked_columns(model)
    history_table = model.history.model._meta.db_table
    column_list = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history_table} ({column_list}, history_date, history_type, history_user_id, "
            f"history_change_reason) SELECT {column_list}, %s, %s, %s, %s FROM {model._meta.db_table} "
            f"WHERE {key} = ANY(%s)",
            [timezone.now(), history_type, getattr(user, "pk", None), reason[:100] or None, pks],
        )


@dataclass
class Change:
    """One change a person reads: what (the label), from what to what, and of which item if there are several."""

    label: str
    old: str = ""
    new: str = ""
    number: str = ""


@dataclass
class Entry:
    at: datetime.datetime
    user: str
    action: str
    subject: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)


def _fields(history_model) -> list:
    """The fields a reader is shown: those with a Russian label; links and counters without one
    (the activity's program, the item's revision) are plumbing, not content."""
    return [
        f
        for f in history_model._meta.concrete_fields
        if f.name not in HISTORY_FIELDS
        and f.name not in SILENT_FIELDS
        and str(f.verbose_name) != f.name.replace("_", " ")
    ]


def _display(f, value, related: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(f, ForeignKey):
        obj = related.get((f.related_model, value))
        if obj is None:
            return f"№ {value}"
        # People read names, not sign-in names (which would also help someone lock an account).
        return _user_name(obj) if isinstance(obj, AbstractBaseUser) else str(obj)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    text = str(value)
    return text if len(text) <= 300 else text[:300] + "…"


def _user_name(user) -> str:
    if user is None:
        return "система"
    return user.get_full_name() or "пользователь без имени"


def change_log(sources: list[tuple[str, QuerySet]], limit: int = LIMIT) -> list[Entry]:
    """Entries, newest first, from ``(subject label, history queryset)`` pairs.

    Each queryset is one object's history or the histories of its parts; entries are
    diffed against the previous record of the same object, so a changed phone shows
    as «телефон: 123 → 456».
    """
    records = [(label, queryset.model, _newest_records(queryset, limit)) for label, queryset in sources]
    related = _related_objects(records)
    entries = []
    for label, history_model, rows in records:
        entries.extend(_entries(label, _fields(history_model), rows, related))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return _merge_bulk(entries)[:limit]


def _newest_records(queryset: QuerySet, limit: int) -> list[Model]:
    """The newest records only, read in one bounded query, oldest first per object.

    A busy roadmap's thousands of draft saves are never all loaded for one page view.
    """
    newest = queryset.select_related("history_user").order_by("-history_date", "-history_id")[: limit * 3]
    return sorted(newest, key=lambda row: (row.id, row.history_date, row.history_id))


def _related_objects(records: list[tuple[str, type[Model], list[Model]]]) -> dict:
    """Foreign keys shown by name: one query per related model, whatever the number of rows."""
    wanted: dict = {}
    for _label, history_model, rows in records:
        for f in _fields(history_model):
            if isinstance(f, ForeignKey):
                wanted.setdefault(f.related_model, set()).update(
                    getattr(row, f.attname) for row in rows if getattr(row, f.attname) is not None
                )
    related = {}
    for related_model, pks in wanted.items():
        # Their names may need their own foreign keys («редакция 2» of which roadmap): joined here.
        joins = [f.name for f in related_model._meta.concrete_fields if f.many_to_one]
        for pk, obj in related_model._base_manager.select_related(*joins).in_bulk(list(pks)).items():
            related[(related_model, pk)] = obj
    return related


def _entries(label: str, fields, rows: list[Model], related: dict) -> list[Entry]:
    """One entry per record, each diffed against the previous record of the same object;
    an edit that changed none of the shown fields is left out."""
    entries = []
    previous: dict[int, Model] = {}
    for row in rows:
        before = previous.get(row.id)
        changes = _changes(fields, before, row, related)
        previous[row.id] = row
        if row.history_type == "~" and before is not None and not changes:
            continue
        entries.append(
            Entry(
                at=row.history_date,
                user=_user_name(row.history_user),
                action=ACTIONS.get(row.history_type, row.history_type),
                subject=label if "{" not in label else label.format(obj=row),
                reason=row.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _changes(fields, before: Model | None, row: Model, related: dict) -> list[Change]:
    """What ``row`` changed since ``before``; with no earlier record, a creation lists its filled-in
    fields and any other first record (the older ones fell outside the window) lists nothing."""
    if before is None:
        if row.history_type != "+":
            return []
        return [
            Change(str(f.verbose_name), "", _display(f, new, related))
            for f in fields
            if (new := getattr(row, f.attname)) not in (None, "", [], False)
        ]
    changes = []
    for f in fields:
        old, new = getattr(before, f.attname), getattr(row, f.attname)
        if old != new:
            changes.append(Change(str(f.verbose_name), _display(f, old, related), _display(f, new, related)))
    return changes


def _merge_bulk(entries: list[Entry]) -> list[Entry]:
    """One line for a bulk write: «Пункт 1.1 и ещё 25: создание (Содержание редакции сохранено)»."""
    merged: list[Entry] = []
    counts: list[int] = []
    for entry in entries:
        last = merged[-1] if merged else None
        if (
            last is not None
            and entry.reason
            and (last.at, last.user, last.action, last.reason) == (entry.at, entry.user, entry.action, entry.reason)
        ):
            counts[-1] += 1
            continue
        merged.append(entry)
        counts.append(1)
    for entry, count in zip(merged, counts, strict=True):
        if count > 1:
            entry.subject = f"{entry.subject} и ещё {count - 1}"
            entry.changes = []
    return merged


def purge_history(model, pks) -> None:
    """Drop the history of rows whose personal data was withdrawn (152-ФЗ, art. 9 §2),
    with the many-to-many snapshots that hang off it (those have no database constraint)."""
    history_model = model.history.model
    records = history_model.objects.filter(id__in=list(pks))
    history_ids = list(records.values_list("history_id", flat=True))
    for candidate in apps.get_models():
        link = next(
            (
                f
                for f in candidate._meta.concrete_fields
                if f.name == "history" and f.is_relation and f.related_model is history_model
            ),
            None,
        )
        if link is not None:
            candidate._base_manager.filter(history_id__in=history_ids).delete()
    records.delete()
