"""The roadmap's writes: creating from a template, the approval round, tracking to done.

Every transition checks the caller's right and the revision's ``version`` (the number
the form was rendered with, ``mentoring_portal.concurrency``): a stale edit or an approval
of a draft that changed since the approver opened it is refused with ``StaleRevision``,
never silently applied. A transition starts with ``lock`` and ends with ``bump``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring_portal import concurrency
from mentoring_portal.audit import Change, record_history
from mentoring_portal.queue import defer_on_commit
from registry.years import year_of

from .access import can_approve, can_edit
from .deadlines import parse_deadline
from .models import OPEN_STATUSES, Item, Revision, Roadmap, Section

TRACKING_FIELDS = ("status", "done_on", "evidence_note", "evidence_link", "evidence_file")


class StaleRevision(ValidationError):
    """The revision changed after the form was opened."""

    def __init__(self):
        super().__init__(
            _(
                "Дорожную карту уже изменили после того, как вы открыли страницу. "
                "Ваши изменения не сохранены: откройте страницу заново и повторите."
            )
        )


def read_deadline(item: Item, period: str) -> None:
    deadline = parse_deadline(item.deadline, period)
    item.deadline_kind, item.due_date = deadline.kind, deadline.due


@dataclass
class SectionData:
    number: str
    title: str
    items: list[dict] = field(default_factory=list)


def write_content(revision: Revision, sections: list[SectionData]) -> None:
    """Replace the revision's sections and items (in bulk; deadlines read from their words).

    The old rows go with plain DELETEs: a queryset delete would send a signal, and so write
    a history row, per item. The new items are recorded in the history in one statement.
    """
    with connection.cursor() as cursor:
        for model in (Item, Section):  # items first: they point at the sections
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE revision_id = %s", [revision.pk])
    section_objects = Section.objects.bulk_create(
        [
            Section(revision=revision, number=section.number, title=section.title, position=index)
            for index, section in enumerate(sections)
        ]
    )
    items = []
    position = 0
    for section, section_object in zip(sections, section_objects, strict=True):
        for data in section.items:
            item = Item(revision=revision, section=section_object, position=position, **data)
            read_deadline(item, revision.roadmap.period)
            items.append(item)
            position += 1
    Item.objects.bulk_create(items, batch_size=2000)
    record_history(Item, [item.pk for item in items], "+", reason=_("Содержание редакции сохранено"))


def content_of(revision: Revision, *, tracking: bool = False) -> list[SectionData]:
    items_by_section: dict[int, list[dict]] = {}
    fields = ("number", "content", "deadline", "responsible", "result") + (TRACKING_FIELDS if tracking else ())
    for item in revision.items.all():
        items_by_section.setdefault(item.section_id, []).append({name: getattr(item, name) for name in fields})
    return [
        SectionData(section.number, section.title, items_by_section.get(section.pk, []))
        for section in revision.sections.all()
    ]


@transaction.atomic
def roadmap_create(
    *,
    user,
    level: str,
    title: str,
    period: str,
    basis: str = "",
    organisation=None,
    municipality=None,
    is_template: bool = False,
    source: Revision | None = None,
    sections: list[SectionData] | None = None,
    academic_year=None,
    trusted: bool = False,
) -> Roadmap:
    """A new roadmap with its first draft, empty, copied from a template or last year's plan, or imported.

    A plan belongs to an academic year: the one asked for, else the current one of its municipality.
    ``trusted`` is for a caller that has decided the rights itself (the municipality's roll-over copies
    every school's plan for its coordinator).
    """
    if organisation is not None:
        municipality = organisation.municipality
    if academic_year is None and not is_template and municipality is not None:
        academic_year = year_of(municipality)
    roadmap = Roadmap(
        level=level,
        title=title,
        period=period,
        basis=basis,
        organisation=organisation,
        municipality=municipality,
        is_template=is_template,
        academic_year=academic_year,
    )
    if not trusted and not can_edit(user, roadmap):
        raise PermissionDenied
    roadmap.save()
    revision = Revision.objects.create(roadmap=roadmap, number=1, created_by=user)
    if source is not None:
        sections = content_of(source)
    write_content(revision, sections or [])
    return roadmap


@transaction.atomic
def roadmap_import_apply(*, user, batch, sections: list[SectionData], **arguments) -> Roadmap:
    """The roadmap of an uploaded file, and the upload marked as loaded, together or not at all."""
    roadmap = roadmap_create(user=user, sections=sections, **arguments)
    batch.status = batch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.summary = {"roadmap": roadmap.pk, "items": sum(len(section.items) for section in sections)}
    batch.content, batch.plan = b"", {}
    batch.save(update_fields=["status", "applied_at", "summary", "content", "plan"])
    return roadmap


def lock(revision: Revision, version: int) -> Revision:
    """The revision, locked for this transaction, if it is still the one the form showed."""
    return concurrency.lock(Revision.objects.select_related("roadmap"), revision.pk, version, stale=StaleRevision)


def bump(revision: Revision) -> None:
    """A transition's last write: the revision's row, with its version moved on over the one ``lock`` checked."""
    revision.save()


@transaction.atomic
def revision_edit(*, user, revision: Revision, version: int, header: dict, sections: list[SectionData]) -> None:
    revision = lock(revision, version)
    if not can_edit(user, revision.roadmap):
        raise PermissionDenied
    if not revision.is_editable:
        raise ValidationError(_("Эту редакцию нельзя изменить: она на утверждении или уже утверждена."))
    roadmap = revision.roadmap
    for name, value in header.items():
        setattr(roadmap, name, value)
    roadmap.save(update_fields=list(header))
    write_content(revision, sections)
    revision.skip_history_when_saving = True  # the row itself did not change: the items' history tells the edit
    bump(revision)


def tell(revision: Revision, event: str) -> None:
    """The approval round's notice, by the worker once the transition is committed (roadmaps/tasks.py)."""
    from .tasks import roadmap_event

    defer_on_commit(roadmap_event, revision_id=revision.pk, event=event, version=revision.version)


@transaction.atomic
def revision_submit(*, user, revision: Revision, version: int) -> None:
    revision = lock(revision, version)
    if not can_edit(user, revision.roadmap) or revision.roadmap.is_template:
        raise PermissionDenied
    if not revision.is_editable:
        raise ValidationError(_("Дорожная карта уже отправлена на утверждение."))
    if not revision.items.exists():
        raise ValidationError(_("В дорожной карте нет ни одного мероприятия."))
    revision.status = Revision.Status.SUBMITTED
    revision.submitted_at = timezone.now()
    bump(revision)
    tell(revision, "submitted")


@transaction.atomic
def revision_return(*, user, revision: Revision, version: int, comment: str) -> None:
    revision = lock(revision, version)
    if not can_approve(user, revision.roadmap):
        raise PermissionDenied
    if revision.status != Revision.Status.SUBMITTED:
        raise ValidationError(_("Вернуть можно только дорожную карту, отправленную на утверждение."))
    if not comment.strip():
        raise ValidationError({"comment": _("Напишите, что нужно исправить.")})
    revision.status = Revision.Status.RETURNED
    revision.return_comment = comment.strip()
    bump(revision)
    tell(revision, "returned")


@transaction.atomic
def revision_approve(*, user, revision: Revision, version: int, order: str = "", agreed: str = "") -> None:
    """Approve: record who and when, the order that approves it and what agreed it first («СОГЛАСОВАНО»); the
    previous approved revision is superseded, its tracking carried over."""
    revision = lock(revision, version)
    if not can_approve(user, revision.roadmap):
        raise PermissionDenied
    if revision.status != Revision.Status.SUBMITTED:
        raise ValidationError(_("Утвердить можно только дорожную карту, отправленную на утверждение."))
    previous = revision.roadmap.revisions.filter(status=Revision.Status.APPROVED).first()
    if previous is not None:
        carry_tracking(previous, revision)
        previous.status = Revision.Status.SUPERSEDED
        previous.save(update_fields=["status"])
    revision.status = Revision.Status.APPROVED
    revision.approved_by = user
    revision.approved_by_name = user.get_full_name() or user.username
    revision.approved_at = timezone.now()
    revision.approval_order = order.strip()
    revision.agreed_with = agreed.strip()
    revision.return_comment = ""
    bump(revision)
    tell(revision, "approved")


def carry_tracking(source: Revision, target: Revision) -> None:
    """Items that keep their number keep their marks of progress in the new revision."""
    marks = {item.number: item for item in source.items.exclude(status=Item.Status.PLANNED)}
    changed = []
    for item in target.items.filter(number__in=marks):
        for name in TRACKING_FIELDS:
            setattr(item, name, getattr(marks[item.number], name))
        changed.append(item)
    concurrency.bulk_update(Item, changed, TRACKING_FIELDS)
    record_history(Item, [item.pk for item in changed], "~", reason=_("Отметки перенесены из прошлой редакции"))


@transaction.atomic
def revision_open_next(*, user, roadmap: Roadmap) -> Revision:
    """Changing an approved roadmap opens the next revision, a copy that goes through the round again."""
    if not can_edit(user, roadmap):
        raise PermissionDenied
    Roadmap.objects.select_for_update().get(pk=roadmap.pk)
    if roadmap.revisions.filter(status__in=OPEN_STATUSES).exists():
        raise ValidationError(_("Новая редакция уже открыта."))
    approved = roadmap.revisions.filter(status=Revision.Status.APPROVED).first()
    if approved is None:
        raise ValidationError(_("Утверждённой редакции ещё нет."))
    number = roadmap.revisions.aggregate(last=Max("number"))["last"] + 1
    revision = Revision.objects.create(roadmap=roadmap, number=number, created_by=user)
    write_content(revision, content_of(approved, tracking=True))
    return revision


@transaction.atomic
def item_track(
    *,
    user,
    item: Item,
    status: str,
    done_on: datetime.date | None,
    note: str,
    link: str,
    evidence_file=None,
) -> None:
    """Mark a measure of the approved roadmap: status, completion date and evidence."""
    item = Item.objects.select_for_update().select_related("revision__roadmap").get(pk=item.pk)
    if not can_edit(user, item.revision.roadmap):
        raise PermissionDenied
    if item.revision.status != Revision.Status.APPROVED:
        raise ValidationError(_("Отмечать выполнение можно только в утверждённой дорожной карте."))
    errors = {}
    if status == Item.Status.DONE:
        if done_on is None:
            errors["done_on"] = _("Укажите дату выполнения.")
        if not (note.strip() or link.strip() or evidence_file or item.evidence_file):
            errors["evidence_note"] = _("Приложите подтверждение: файл, ссылку или примечание.")
    if done_on and done_on > timezone.localdate():
        errors["done_on"] = _("Дата выполнения не может быть в будущем.")
    if errors:
        raise ValidationError(errors)
    item.status, item.done_on = status, done_on if status == Item.Status.DONE else None
    item.evidence_note, item.evidence_link = note.strip(), link.strip()
    if evidence_file:
        item.evidence_file = evidence_file
    item.save()


# --- reading ----------------------------------------------------------------------------------
def progress(revision: Revision, today: datetime.date | None = None) -> dict:
    """% done (cancelled measures leave the count), overdue count: one query."""
    today = today or timezone.localdate()
    totals = revision.items.aggregate(
        total=Count("pk", filter=~Q(status=Item.Status.CANCELLED)),
        done=Count("pk", filter=Q(status=Item.Status.DONE)),
        overdue=Count("pk", filter=Q(due_date__lt=today) & ~Q(status__in=[Item.Status.DONE, Item.Status.CANCELLED])),
    )
    totals["percent"] = round(100 * totals["done"] / totals["total"]) if totals["total"] else 0
    return totals


DIFF_FIELDS = {"content": "мероприятие", "deadline": "срок", "responsible": "ответственный", "result": "результат"}


def diff(old: Revision | None, new: Revision) -> list[Change]:
    """What changed from ``old`` to ``new``, item by item (matched by number), for the approver."""
    new_items = {item.number: item for item in new.items.all()}
    if old is None:
        return [Change(_("добавлен пункт"), new=item.content, number=number) for number, item in new_items.items()]
    old_items = {item.number: item for item in old.items.all()}
    changes = []
    for number, item in new_items.items():
        before = old_items.get(number)
        if before is None:
            changes.append(Change(_("добавлен пункт"), new=item.content, number=number))
            continue
        for name, label in DIFF_FIELDS.items():
            if getattr(before, name) != getattr(item, name):
                what = _("изменено: %(field)s") % {"field": label}
                changes.append(Change(what, getattr(before, name), getattr(item, name), number=number))
    changes.extend(
        Change(_("удалён пункт"), old=item.content, number=number)
        for number, item in old_items.items()
        if number not in new_items
    )
    return changes
