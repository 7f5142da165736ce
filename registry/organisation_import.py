"""A municipality's list of organisations loaded from the department's spreadsheet, on day one and after.

Like the teacher import it has two steps: ``plan_organisations`` reads the file and says per
row what would be created, updated, left as is or refused (naming the column), writing
nothing; ``apply_organisations`` writes the plan in one transaction, all or nothing unless
told to take only the valid rows. An existing organisation is recognised by its full or
short name, compared as ``normalise`` does (case, ё, quotes and spaces forgiven), within
the municipality only. An empty cell keeps what the registry has.

The card has no director field: a director is a role of a user account (``Membership``),
so a «Руководитель» column is recognised, not loaded, and the preview says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring_portal.audit import record_history
from mentoring_portal.columns import ColumnSet, Field, header_key
from mentoring_portal.concurrency import bulk_update, versions_of
from mentoring_portal.spreadsheets import SpreadsheetError, clean_text, counted, normalise, read_table

from .models import Municipality, Organisation, scope_of

COLUMNS = ColumnSet(
    [
        # The more specific first: «Краткое наименование» and «ФИО руководителя» also hold «наименован»/«фио».
        Field(
            "short_name",
            gettext_lazy("Краткое наименование"),
            ("сокращённое наименование", "краткое наименование организации", "краткое название"),
            (("кратк",), ("сокращ",)),
        ),
        Field(
            "kind",
            gettext_lazy("Тип"),
            ("вид", "тип ОО", "вид ОО", "тип организации", "тип учреждения"),
            (("тип",), ("вид",)),
        ),
        Field(
            "address",
            gettext_lazy("Адрес"),
            ("юридический адрес", "фактический адрес", "адрес ОО", "местонахождение"),
            (("адрес",), ("местонахожд",)),
        ),
        Field(
            "director",
            gettext_lazy("Руководитель"),
            ("директор", "ФИО руководителя", "заведующий", "руководитель ОО"),
            (("руковод",), ("директор",), ("заведующ",)),
        ),
        Field(
            "full_name",
            gettext_lazy("Полное наименование"),
            ("наименование ОО", "полное наименование организации", "наименование", "наименование организации"),
            (("наименован",), ("назван",), ("организац",), ("учрежден",)),
        ),
    ]
)
STORED_FIELDS = ("full_name", "short_name", "kind", "address")
LIMITS = {name: Organisation._meta.get_field(name).max_length for name in ("full_name", "short_name", "address")}
LABELS = {name: Organisation._meta.get_field(name).verbose_name for name in STORED_FIELDS}

# Tried in this order: «спортивная школа» is additional education, not a school; «МБДОУ» ends in «доу».
KIND_WORDS = (
    (Organisation.Kind.ADDITIONAL, ("дополнительн", "ддт", "цдо", "дюсш", "спортивн", "творчеств", "искусств", "удо")),
    (Organisation.Kind.KINDERGARTEN, ("дошкольн", "детский сад", "детсад", "доу", "ясли")),
    (Organisation.Kind.COLLEGE, ("профессиональн", "техникум", "колледж", "училищ", "спо", "поу")),
    (Organisation.Kind.SCHOOL, ("общеобразовательн", "школ", "сош", "оош", "нош", "гимнази", "лице", "оу")),
)
# Abbreviations are whole words («СОШ»); these three also end a longer one («МБДОУ», «МКОУ», «ГБПОУ»).
ABBREVIATIONS = ("ддт", "цдо", "дюсш", "удо", "спо", "сош", "оош", "нош")
SUFFIXES = ("доу", "поу", "оу")

LEGAL_FORM = (
    (r"муниципальн\w*", "М"),
    (r"государственн\w*", "Г"),
    (r"частн\w*", "Ч"),
    (r"бюджетн\w*", "Б"),
    (r"автономн\w*", "А"),
    (r"казенн\w*", "К"),
    (r"дошкольн\w* образовательн\w* учреждени\w*", "ДОУ"),
    (r"профессиональн\w* образовательн\w* учреждени\w*", "ПОУ"),
    (r"(?:обще)?образовательн\w* учреждени\w*", "ОУ"),
    (r"учреждени\w* дополнительн\w* образовани\w*", "У ДО"),
    (r"учреждени\w*", "У"),
)
INNER = (
    (r"средн\w+ общеобразовательн\w+ школ\w*", "СОШ"),
    (r"основн\w+ общеобразовательн\w+ школ\w*", "ООШ"),
    (r"начальн\w+ общеобразовательн\w+ школ\w*", "НОШ"),
    (r"детско-юношеск\w+ спортивн\w+ школ\w*", "ДЮСШ"),
)


def kind_of(text: str) -> str | None:
    """The kind a cell (or a name) speaks of: the model's label or value, or a word from ``KIND_WORDS``."""
    key = header_key(text)
    for value, label in Organisation.Kind.choices:
        if key in (value, header_key(label)):
            return value
    words = key.split()
    for kind, stems in KIND_WORDS:
        for stem in stems:
            if " " in stem and stem in key:
                return kind
            if stem in ABBREVIATIONS and stem in words:
                return kind
            if stem in SUFFIXES and any(word.endswith(stem) for word in words):
                return kind
            if stem not in ABBREVIATIONS and stem not in SUFFIXES and any(word.startswith(stem) for word in words):
                return kind
    return None


def derive_short_name(full_name: str) -> str:
    """«МБОУ «СОШ № 2»» from the legal name, as departments abbreviate; else the full name cut to the column."""
    limit = LIMITS["short_name"]
    fallback = full_name[:limit].rstrip()
    if "«" not in full_name or not full_name.endswith("»"):
        return fallback
    legal, inner = full_name.split("«", 1)
    legal = legal.lower().replace("ё", "е")
    for pattern, abbreviation in LEGAL_FORM:
        legal = re.sub(r"\b" + pattern, abbreviation, legal)
    if not legal.strip() or re.search(r"[а-я]", legal):  # a word of the legal form we do not know
        return fallback
    parts = legal.split()
    form = "".join(part for part in parts if part != "ДО") + (" ДО" if "ДО" in parts else "")
    inner = inner[:-1]
    for pattern, abbreviation in INNER:
        inner = re.sub(pattern, abbreviation, inner, flags=re.IGNORECASE)
    short = f"{form} «{inner.strip()}»"
    return short if len(short) <= limit else fallback


@dataclass
class RowPlan:
    number: int
    name: str = ""
    action: str = "unchanged"  # create, update, unchanged, refused
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    organisation_id: int | None = None
    fields: dict = field(default_factory=dict)  # what apply writes: the whole card for a create, changes for an update

    def refuse(self, column: str, message: str) -> None:
        self.action = "refused"
        self.errors.append(f"«{column}»: {message}")


@dataclass
class OrganisationPlan:
    municipality_id: int | None = None
    header_row: int = 0
    headers: list[str] = field(default_factory=list)
    columns: list[str | None] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    error: str = ""
    fingerprint: str = ""

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(row.action for row in self.rows)
        return {action: counts.get(action, 0) for action in ("create", "update", "unchanged", "refused")}

    def to_json(self) -> dict:
        data = {key: getattr(self, key) for key in ("municipality_id", "header_row", "headers", "columns")}
        data |= {"notices": self.notices, "error": self.error, "fingerprint": self.fingerprint}
        return data | {"rows": [asdict(row) for row in self.rows]}

    @classmethod
    def from_json(cls, data: dict) -> OrganisationPlan:
        plan = cls(**{key: value for key, value in data.items() if key != "rows"})
        plan.rows = [RowPlan(**row) for row in data["rows"]]
        return plan


def fingerprint(municipality_id: int | None) -> str:
    """The municipality's organisations as the plan saw them (their versions: any write, creation
    or deletion changes it); if it differs at apply, the plan is stale."""
    return versions_of(Organisation.objects.filter(municipality_id=municipality_id))


def is_header(cells: list[str]) -> bool:
    keys = {COLUMNS.guess(cell) for cell in cells if cell} - {None}
    exact = any(COLUMNS.exact.get(header_key(cell)) in ("full_name", "short_name") for cell in cells if cell)
    return bool(keys & {"full_name", "short_name"}) and (len(keys) >= 2 or exact)


def plan_organisations(
    *,
    municipality: Municipality,
    file_name: str,
    content: bytes,
    chosen: Mapping[int, str] | None = None,
    remembered: Mapping[str, str] | None = None,
) -> OrganisationPlan:
    """Read the file into a plan of creates, updates and refusals; nothing is written.

    ``chosen`` (column index → field) and ``remembered`` (header → field) are the preview's column corrections.
    """
    plan = OrganisationPlan(municipality_id=municipality.pk)
    try:
        table = read_table(file_name, content, is_header=is_header, header_hint=_("например «Полное наименование»"))
    except SpreadsheetError as error:
        plan.error = str(error)
        return plan
    chosen = {int(index): key for index, key in (chosen or {}).items()}  # JSON turns the indexes into strings
    plan.header_row, plan.headers = table.header_row, table.headers
    plan.columns = COLUMNS.assign(table.headers, remembered=remembered, chosen=chosen)
    index = {key: position for position, key in enumerate(plan.columns) if key}
    title = {key: plan.headers[position] or str(COLUMNS.title(key)) for key, position in index.items()}
    if "full_name" not in index and "short_name" not in index:
        plan.error = _("Нет столбца «Полное наименование» (или «Краткое наименование»).")
        return plan
    if "director" in index:
        plan.notices.append(
            _(
                "Столбец «%(column)s» не загружается: в карточке организации нет руководителя. "
                "Учётную запись руководителя создают в разделе «Пользователи»."
            )
            % {"column": title["director"]}
        )
    plan.fingerprint = fingerprint(municipality.pk)
    stored = {org.pk: org for org in Organisation.objects.filter(municipality_id=municipality.pk)}
    by_name: dict[str, Organisation] = {}
    for org in stored.values():
        by_name[normalise(org.short_name)] = org
        by_name.setdefault(normalise(org.full_name), org)
    seen: dict[object, int] = {}  # a name key or an organisation's pk → the row that took it
    for number, cells in table.rows:
        values = {key: clean_text(cells[position]) if position < len(cells) else "" for key, position in index.items()}
        row = RowPlan(number=number, name=values.get("full_name") or values.get("short_name", ""))
        plan.rows.append(row)
        _plan_row(row, values, title, by_name, seen)
    return plan


def _plan_row(row: RowPlan, values: dict, title: dict, by_name: dict, seen: dict) -> None:
    """Create, update, leave or refuse one row: its cells checked, matched by either name, its names claimed.

    ``seen`` holds what earlier rows claimed, so a file naming one organisation twice is refused at the second.
    """
    full, short = values.get("full_name", ""), values.get("short_name", "")
    name_column = title.get("full_name") or title["short_name"]
    if not full and not short:
        row.refuse(name_column, _("не заполнено наименование организации."))
        return
    kind = _checked_cells(row, values, title)
    if row.action == "refused":
        return
    existing = _named_organisation(row, full, short, by_name, name_column)
    if row.action == "refused":
        return
    derived = False
    if existing is None:
        derived = _plan_card(row, values, title, full, short, kind, name_column)
        if row.action == "refused":
            return
    else:
        wanted = {"full_name": full, "short_name": short, "kind": kind, "address": values.get("address", "")}
        row.fields = {key: value for key, value in wanted.items() if value and value != getattr(existing, key)}
        row.organisation_id, row.changes = existing.pk, [str(LABELS[key]) for key in row.fields]
    if _short_name_taken(row, title, by_name, existing, derived, name_column):
        return
    if _claim_names(row, seen, existing, full, short, name_column):
        row.action = "create" if existing is None else ("update" if row.fields else "unchanged")


def _checked_cells(row: RowPlan, values: dict, title: dict) -> str | None:
    """The cells' lengths and the type; the type it names, if the cell has one (else ``None``)."""
    for key in ("full_name", "short_name", "address"):
        if len(values.get(key, "")) > LIMITS[key]:
            row.refuse(
                title[key],
                _("%(length)s, а в реестре помещается не больше %(limit)s.")
                % {"length": counted(len(values[key]), "знак,знака,знаков"), "limit": LIMITS[key]},
            )
    if not values.get("kind"):
        return None
    kind = kind_of(values["kind"])
    if kind is None:
        row.refuse(
            title["kind"],
            _(
                "«%(value)s» — неизвестный тип. Укажите: общеобразовательная, дошкольная, "
                "дополнительного образования или профессиональная."
            )
            % {"value": values["kind"]},
        )
    return kind


def _named_organisation(row: RowPlan, full: str, short: str, by_name: dict, name_column: str) -> Organisation | None:
    """The stored organisation either name points to; the row is refused if the two point to different ones."""
    matches = {
        by_name[normalise(text)].pk: by_name[normalise(text)] for text in (full, short) if normalise(text) in by_name
    }
    if len(matches) > 1:
        names = ", ".join(f"«{org.short_name}»" for org in matches.values())
        row.refuse(
            name_column,
            _("полное и краткое наименования указывают на разные организации: %(names)s.") % {"names": names},
        )
        return None
    return next(iter(matches.values()), None)


def _plan_card(
    row: RowPlan, values: dict, title: dict, full: str, short: str, kind: str | None, name_column: str
) -> bool:
    """A new organisation's whole card. The short name and the type may be left out: they are derived from
    the full name then; ``True`` when the short name was, so a clash can tell the user to write one."""
    if not full:
        row.refuse(title.get("full_name", name_column), _("не заполнено: без него организацию не создать."))
        return False
    derived, short = not short, short or derive_short_name(full)
    kind = kind or kind_of(full) or kind_of(short)
    if kind is None:
        row.refuse(title.get("kind", str(COLUMNS.title("kind"))), _("не указан, и по наименованию не определить."))
        return False
    row.fields = {"full_name": full, "short_name": short, "kind": kind, "address": values.get("address", "")}
    return derived


def _short_name_taken(
    row: RowPlan, title: dict, by_name: dict, existing: Organisation | None, derived: bool, name_column: str
) -> bool:
    """Refuse a short name another organisation already has: it is unique in the municipality."""
    taken = by_name.get(normalise(row.fields.get("short_name", ""))) if row.fields.get("short_name") else None
    if taken is None or taken is existing:
        return False
    message = _("краткое наименование «%(short)s» уже носит организация «%(other)s».")
    hint = " " + _("Укажите краткое наименование в файле.") if derived else ""
    row.refuse(
        title.get("short_name", name_column),
        message % {"short": row.fields["short_name"], "other": taken.full_name} + hint,
    )
    return True


def _claim_names(
    row: RowPlan, seen: dict, existing: Organisation | None, full: str, short: str, name_column: str
) -> bool:
    """Take the row's names (and its organisation) for it; ``False``, refused, if an earlier row took one."""
    keys = [
        normalise(row.fields.get("full_name", full)),
        normalise(row.fields.get("short_name", short)),
        existing and existing.pk,
    ]
    for key in filter(None, keys):
        if key in seen:
            row.refuse(name_column, _("то же наименование, что в строке %(row)s.") % {"row": seen[key]})
            return False
    for key in filter(None, keys):
        seen[key] = row.number
    return True


@transaction.atomic
def apply_organisations(*, user, municipality: Municipality, plan: OrganisationPlan, valid_only: bool = False) -> dict:
    """Write the plan's creates and updates in one transaction, with their history; nothing if a row is refused.

    ``user`` is who the history names (``None`` from the command line); a signed-in user must coordinate
    the municipality. The municipality row is locked, so two confirms of the same list do not both create.
    """
    scope = scope_of(user) if user is not None else None
    if scope is not None and not scope.is_superuser and municipality.pk not in scope.municipality_ids:
        raise PermissionDenied
    Municipality.objects.select_for_update().get(pk=municipality.pk)
    result = plan.counts | {"written": False, "error": plan.error}
    if plan.error or plan.municipality_id != municipality.pk:
        result["error"] = plan.error or _("Этот файл проверяли для другого муниципалитета.")
        return result
    if plan.counts["refused"] and not valid_only:
        result["error"] = _(
            "В файле есть строки с ошибками: ничего не загружено. Исправьте их или загрузите только верные."
        )
        return result
    if plan.fingerprint != fingerprint(municipality.pk):
        result["error"] = _("Список организаций изменился после проверки файла. Проверьте файл ещё раз.")
        return result
    creates = [row for row in plan.rows if row.action == "create"]
    updates = [row for row in plan.rows if row.action == "update"]
    created = Organisation.objects.bulk_create(
        [Organisation(municipality=municipality, **row.fields) for row in creates]
    )
    stored = Organisation.objects.in_bulk([row.organisation_id for row in updates])
    for row in updates:
        for key, value in row.fields.items():
            setattr(stored[row.organisation_id], key, value)
    if stored:
        bulk_update(Organisation, stored.values(), STORED_FIELDS)
    reason = _("Загрузка списка организаций")
    record_history(Organisation, [org.pk for org in created], "+", user, reason)
    record_history(Organisation, list(stored), "~", user, reason)
    return result | {"written": True, "error": "", "create": len(created), "update": len(stored)}


def mark_applied(batch, plan: OrganisationPlan, result: dict) -> None:
    """The upload marked as loaded, in the confirm's transaction; its refused rows stay to say what was not loaded."""
    batch.status = batch.Status.APPLIED
    batch.summary = {"counts": {key: result[key] for key in ("create", "update", "unchanged", "refused")}}
    batch.applied_at = timezone.now()
    batch.content = b""
    plan.rows = [row for row in plan.rows if row.action == "refused"]
    batch.plan = plan.to_json() if plan.rows else {}
    batch.save(update_fields=["status", "summary", "applied_at", "content", "plan"])
