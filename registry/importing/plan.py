"""The plan of an upload: per row, what would be created, updated, left as is or refused, and why."""

from __future__ import annotations

import base64
import contextlib
import datetime
import gc
import hashlib
import json
import operator
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring_portal.columns import header_key
from mentoring_portal.concurrency import versions_of
from mentoring_portal.spreadsheets import SpreadsheetError, clean_text, normalise, parse_date, read_table

from ..models import (
    MenteeProfile,
    MentorProfile,
    Municipality,
    Organisation,
    Person,
    Subject,
    Vocabulary,
    VocabularyTerm,
)
from ..organisation_names import OrganisationMatcher
from .columns import (
    BOTH_WORDS,
    CATEGORY_WORDS,
    CHANGE_LABELS,
    COLUMNS,
    LIMITS,
    MENTEE_WORDS,
    MENTOR_WORDS,
    NEITHER_WORDS,
    PREVIEW_ROWS,
    SUBJECT_LIMIT,
    TITLES,
    person_key,
    split_list,
    split_subjects,
)


@dataclass
class RowPlan:
    number: int
    name: str = ""
    organisation: str = ""
    action: str = "unchanged"  # create, update, unchanged, refused
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Organisations the typed name fits when it fits several: (id, short name), to choose from.
    choices: list[tuple[int, str]] = field(default_factory=list)
    typed_organisation: str = ""
    cells: list[str] = field(default_factory=list)  # the row as in the file, for the file of refused rows
    # What apply_import writes:
    person_id: int | None = None
    organisation_id: int | None = None
    person_fields: dict = field(default_factory=dict)
    subjects: list[str] | None = None
    mentor: dict | None = None
    mentee: dict | None = None
    mentor_profile_id: int | None = None
    mentee_profile_id: int | None = None

    DATE_FIELDS = ("teaching_since", "consent_date")
    # Every field ``Planner.plan_row`` may set, in the order of a stored row; ``None`` there is a field the
    # row does not set (the stored value is kept): no field's planned value is ever ``None``.
    PERSON_FIELDS = (
        "last_name",
        "first_name",
        "middle_name",
        "position",
        "qualification_category",
        "teaching_since",
        "consent_date",
        "email",
        "phone",
    )
    _PERSON_FIELD_SET = frozenset(PERSON_FIELDS)

    # The layout of the plans stored before the rows became flat lists (``from_json`` still reads them).
    STORED = (
        "number",
        "action",
        "person_id",
        "organisation_id",
        "person_fields",
        "subjects",
        "mentor_profile_id",
        "mentee_profile_id",
        "mentor",
        "mentee",
    )

    def to_json(self) -> list:
        """What the confirm needs to write this row, as one flat JSON list for the upload's stored plan:

        ``[number, action, person_id, organisation_id, *PERSON_FIELDS, subjects, mentor_profile_id,
        mentee_profile_id, mentor, mentee]``, dates in ISO form. Flat, not a dict of fields per row: the
        field names repeated on 20,000 rows were a third of the plan, and every byte of it is encoded,
        stored, read back and decoded once more. Built by hand: ``dataclasses.asdict`` deep-copies every
        value and costs seconds on 20,000 rows.
        """
        fields = self.person_fields
        if not fields.keys() <= self._PERSON_FIELD_SET:
            raise ValueError(f"row {self.number}: fields {sorted(fields.keys() - self._PERSON_FIELD_SET)} not stored")
        get = fields.get
        since, consent = get("teaching_since"), get("consent_date")
        mentor, mentee = self.mentor, self.mentee
        if mentor is not None and "terms" in mentor:
            mentor = mentor | {"terms": sorted(mentor["terms"])}
        if mentee is not None and "terms" in mentee:
            mentee = mentee | {"terms": sorted(mentee["terms"])}
        return [
            self.number,
            self.action,
            self.person_id,
            self.organisation_id,
            get("last_name"),
            get("first_name"),
            get("middle_name"),
            get("position"),
            get("qualification_category"),
            None if since is None else since.isoformat(),
            None if consent is None else consent.isoformat(),
            get("email"),
            get("phone"),
            self.subjects,
            self.mentor_profile_id,
            self.mentee_profile_id,
            mentor,
            mentee,
        ]

    @classmethod
    def from_json(cls, data: list) -> RowPlan:
        if len(data) == len(cls.STORED):  # a plan stored before the rows were flat
            row = cls(**dict(zip(cls.STORED, data, strict=True)))
            for key in cls.DATE_FIELDS:
                if row.person_fields.get(key):
                    row.person_fields[key] = datetime.date.fromisoformat(row.person_fields[key])
            for role in (row.mentor, row.mentee):
                if role and "terms" in role:
                    role["terms"] = set(role["terms"])
            return row
        number, action, person_id, organisation_id = data[:4]
        subjects, mentor_profile_id, mentee_profile_id, mentor, mentee = data[13:]
        fields = {name: value for name, value in zip(cls.PERSON_FIELDS, data[4:13], strict=True) if value is not None}
        if data[9] is not None:
            fields["teaching_since"] = datetime.date.fromisoformat(data[9])
        if data[10] is not None:
            fields["consent_date"] = datetime.date.fromisoformat(data[10])
        if mentor and "terms" in mentor:
            mentor["terms"] = set(mentor["terms"])
        if mentee and "terms" in mentee:
            mentee["terms"] = set(mentee["terms"])
        return cls(
            number=number,
            action=action,
            person_id=person_id,
            organisation_id=organisation_id,
            person_fields=fields,
            subjects=subjects,
            mentor_profile_id=mentor_profile_id,
            mentee_profile_id=mentee_profile_id,
            mentor=mentor,
            mentee=mentee,
        )

    def refuse(self, column: str | None, message: str) -> None:
        self.action = "refused"
        prefix = f"«{TITLES[column]}»: " if column else ""
        self.errors.append(prefix + message)


@dataclass
class ImportPlan:
    header_row: int = 0
    rows: list[RowPlan] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    new_subjects: list[list] = field(default_factory=list)  # [municipality id, name]: added to that municipality
    error: str = ""
    fingerprint: list = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    columns: list[str | None] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    replanned: bool = False  # the confirm found the registry changed and planned the file again

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(row.action for row in self.rows)
        return {action: counts.get(action, 0) for action in ("create", "update", "unchanged", "refused")}

    @property
    def can_apply(self) -> bool:
        return not self.error and bool(self.rows) and self.counts["refused"] == 0

    @property
    def can_apply_valid(self) -> bool:
        """Some rows are refused, but the others may go in on their own (the refused ones download to be fixed)."""
        counts = self.counts
        return not self.error and counts["refused"] > 0 and counts["create"] + counts["update"] > 0

    def to_json(self) -> dict:
        """What the preview shows and the confirm writes, stored at upload so neither parses the file again.

        The rows that write something in full; the first ``PREVIEW_ROWS`` others as a line of the
        preview; the refused ones with their cells, for the file of refused rows.
        """
        shown = [row for row in self.rows if row.action != "refused"][:PREVIEW_ROWS]
        with gc_paused():
            rows = [row.to_json() for row in self.rows if row.action in ("create", "update")]
            rows = pack_rows(rows) if rows else ""
        return {
            "fingerprint": self.fingerprint,
            "new_subjects": self.new_subjects,
            "counts": self.counts,
            "error": self.error,
            "header_row": self.header_row,
            "headers": self.headers,
            "columns": self.columns,
            "samples": self.samples,
            "unknown_columns": self.unknown_columns,
            "rows": rows,
            "shown": [[row.number, row.name, row.organisation, row.action, row.changes, row.warnings] for row in shown],
            "refused": [
                [row.number, row.name, row.errors, row.cells, row.choices, row.typed_organisation]
                for row in self.rows
                if row.action == "refused"
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> ImportPlan:
        plan = cls(new_subjects=data["new_subjects"], fingerprint=data["fingerprint"])
        for key in ("error", "header_row", "headers", "columns", "samples", "unknown_columns"):
            if key in data:
                setattr(plan, key, data[key])
        rows = data["rows"]
        with gc_paused():
            if isinstance(rows, str):  # a list in the plans stored before the rows were packed
                rows = unpack_rows(rows) if rows else []
            plan.rows = [RowPlan.from_json(row) for row in rows]
        shown = {row[0]: row for row in data.get("shown", [])}
        for row in plan.rows:
            if row.number in shown:
                _number, row.name, row.organisation, _action, row.changes, row.warnings = shown[row.number]
        for number, name, errors, cells, choices, typed in data.get("refused", []):
            plan.rows.append(
                RowPlan(
                    number=number,
                    name=name,
                    action="refused",
                    errors=errors,
                    cells=cells,
                    choices=[tuple(choice) for choice in choices],
                    typed_organisation=typed,
                )
            )
        unchanged = data["counts"]["unchanged"]
        plan.rows += [RowPlan(number=0, action="unchanged") for _ in range(unchanged)]
        return plan

    @staticmethod
    def shown_rows(data: dict) -> list[dict]:
        keys = ("number", "name", "organisation", "action", "changes", "warnings")
        return [dict(zip(keys, row, strict=True)) for row in data.get("shown", [])]

    @property
    def new_subject_names(self) -> list[str]:
        return sorted({name for _municipality, name in self.new_subjects})

    def summary(self) -> dict:
        return {
            "counts": self.counts,
            "applied": {"create": self.counts["create"], "update": self.counts["update"]},
            "unknown_columns": self.unknown_columns,
            "new_subjects": self.new_subjects,
            "error": self.error,
        }


def pack_rows(rows: list[list]) -> str:
    """The rows the confirm writes, as compressed JSON in base64: one opaque string in the stored plan.

    A 20,000-row file gives 4.7 MB of row JSON. As a jsonb array PostgreSQL would parse it, compress
    it and print it back on every read; as a plain JSON string it would still be escaped, compressed
    and unescaped at each step. Packed it is about 1 MB that every layer passes through untouched
    (0.3 s of the upload and the confirm together, measured on the benchmark's file).
    What the preview page and the file of refused rows read stays readable JSON beside it.
    """
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(text, 1)).decode("ascii")


def unpack_rows(packed: str) -> list[list]:
    return json.loads(zlib.decompress(base64.b64decode(packed)))


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DATE_LIKE = re.compile(r"\d[./]\d")
YEARS = re.compile(r"(\d{1,2})(?:[.,]\d+)?\s*(?:г|год|года|лет)?\.?")
ROLE_SEPARATOR = re.compile(r"\s+(?:и\s+)?")


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection meanwhile: an import builds hundreds of thousands of small lists and
    dicts, none of them in a cycle, and the collections their number triggers walk them again and again,
    and every object of the process with them (0.3–0.5 s of a 20,000-row import and its confirm).

    At the end the collector is on again, as it was before. What was built and is still alive goes
    straight to the oldest generation (``freeze`` and ``unfreeze`` move the generations' lists whole,
    without walking them), or the first collection after the pause would walk all of it at once
    (20–50 ms, measured). Only when nothing else has frozen objects: an ``unfreeze`` would thaw theirs.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def is_header(cells: list[str]) -> bool:
    keys = {COLUMNS.guess(cell) for cell in cells if cell}
    return ("full_name" in keys or "last_name" in keys) and len(keys - {None}) >= 2


class Planner:
    """Builds an ``ImportPlan`` for one user: their organisations, the stored people, the lists."""

    def __init__(self, user, today: datetime.date | None = None):
        self.user = user
        self.today = today or timezone.localdate()
        self.organisations = list(
            Organisation.objects.staffed_by(user).only("short_name", "full_name", "municipality_id")
        )
        municipalities = dict(
            Municipality.objects.filter(organisations__in=self.organisations).distinct().values_list("pk", "name")
        )
        self.matcher = OrganisationMatcher(self.organisations, municipalities)
        self.by_id = {organisation.pk: organisation for organisation in self.organisations}
        # The organisation of the rows that name none: the uploader's only one, or the one the upload form chose.
        self.default_organisation = self.organisations[0] if len(self.organisations) == 1 else None
        # What the user chose for a name that fits several organisations: normalised name → id.
        self.organisation_choices: dict[str, int] = {}
        # Subjects: the shared ones, and each municipality's own; another municipality's are never matched.
        self.municipality_of = {organisation.pk: organisation.municipality_id for organisation in self.organisations}
        self.subject_by_name: dict[tuple[int | None, str], Subject] = {}
        self.subject_key_by_id: dict[int, str] = {}
        for subject in Subject.objects.for_municipalities(set(self.municipality_of.values())):
            key = normalise(subject.name)
            self.subject_by_name[(subject.municipality_id, key)] = subject
            self.subject_key_by_id[subject.pk] = key
        terms = VocabularyTerm.objects.visible_to(user).filter(is_active=True)
        self.terms: dict[str, dict[str, VocabularyTerm]] = {vocabulary: {} for vocabulary in Vocabulary.values}
        for term in terms:
            self.terms[term.vocabulary][normalise(term.name)] = term
        self.mentee_category_by_name = {normalise(label): value for value, label in MenteeProfile.Category.choices}
        self.mentee_category_by_name.update({value: value for value in MenteeProfile.Category.values})
        self.mentee_category_by_name[normalise("Молодой специалист")] = MenteeProfile.Category.YOUNG
        self.years_ago_cache: dict[int, datetime.date] = {}
        self.header_keys: dict[str, str] = {}
        self.roles_by_text: dict[str, tuple[str, bool, bool]] = {}
        self.organisation_by_name: dict[str, tuple[Organisation, str]] = {}
        self.subjects_of_text: dict[tuple[int, str], list[str]] = {}
        self.years_of_text: dict[str, int] = {}

    # --- loading what is stored, in a fixed number of queries -----------------------------
    def load_existing(self, organisation_ids: set[int]) -> None:
        people = Person.objects.filter(organisation_id__in=organisation_ids).values(
            "pk", "organisation_id", *RowPlan.PERSON_FIELDS, "anonymised_at"
        )
        self.existing = {
            person_key(p["organisation_id"], p["last_name"], p["first_name"], p["middle_name"]): p for p in people
        }
        # Filtered by a join on the organisations, not by a list of every stored id: cheaper for the database.
        self.person_subjects: dict[int, set[int]] = {}
        for person_id, subject_id in Person.subjects.through.objects.filter(
            person__organisation_id__in=organisation_ids
        ).values_list("person_id", "subject_id"):
            self.person_subjects.setdefault(person_id, set()).add(subject_id)
        self.mentors = {
            row["person_id"]: row
            for row in MentorProfile.objects.filter(person__organisation_id__in=organisation_ids).values(
                "pk", "person_id", "competencies_text"
            )
        }
        self.mentees = {
            row["person_id"]: row
            for row in MenteeProfile.objects.filter(person__organisation_id__in=organisation_ids).values(
                "pk", "person_id", "category", "requests_text"
            )
        }
        self.mentor_terms: dict[int, set[int]] = {}
        for profile_id, term_id in MentorProfile.competencies.through.objects.filter(
            mentorprofile__person__organisation_id__in=organisation_ids
        ).values_list("mentorprofile_id", "vocabularyterm_id"):
            self.mentor_terms.setdefault(profile_id, set()).add(term_id)
        self.mentee_terms: dict[int, set[int]] = {}
        for profile_id, term_id in MenteeProfile.requests.through.objects.filter(
            menteeprofile__person__organisation_id__in=organisation_ids
        ).values_list("menteeprofile_id", "vocabularyterm_id"):
            self.mentee_terms.setdefault(profile_id, set()).add(term_id)

    # --- the plan --------------------------------------------------------------------------
    @gc_paused()
    def plan(
        self,
        file_name: str,
        content: bytes,
        *,
        chosen: dict[int, str] | None = None,
        remembered: dict[str, str] | None = None,
        organisations: dict[str, int] | None = None,
        organisation: int | None = None,
    ) -> ImportPlan:
        """The plan of the file: ``chosen`` columns and ``organisations`` are what the user set in the preview.

        ``organisation`` is the one the upload form chose for a file with no «ОО» column (or empty
        cells in it), when the uploader keeps several; one that is no longer theirs is ignored.
        """
        plan = ImportPlan()
        self.organisation_choices = organisations or {}
        # Per file, what repeats from row to row: a typed organisation (the choices above may differ
        # from the last file's), a subjects cell.
        self.organisation_by_name = {}
        self.subjects_of_text = {}
        if organisation in self.by_id:
            self.default_organisation = self.by_id[organisation]
        try:
            table = read_table(file_name, content, is_header=is_header)
        except SpreadsheetError as error:
            plan.error = str(error)
            return plan
        plan.header_row = table.header_row
        plan.headers = table.headers
        plan.columns = COLUMNS.assign(table.headers, remembered=remembered, chosen=chosen)
        first = table.rows[0][1] if table.rows else []
        plan.samples = [clean_text(first[index]) if index < len(first) else "" for index in range(len(table.headers))]
        columns = {key: index for index, key in enumerate(plan.columns) if key}
        plan.unknown_columns = [
            title for title, key in zip(table.headers, plan.columns, strict=True) if title and not key
        ]
        if "full_name" not in columns and not {"last_name", "first_name"} <= set(columns):
            plan.error = _("Нет столбца «ФИО» (или столбцов «Фамилия» и «Имя»): укажите его ниже, в столбцах файла.")
            return plan
        if "organisation" not in columns and self.default_organisation is None:
            plan.error = _(
                "Нет столбца «ОО»: укажите в нём организацию каждого педагога "
                "или выберите организацию при загрузке файла."
            )
            return plan
        organisation_ids = {organisation.pk for organisation in self.organisations}
        plan.fingerprint = fingerprint(organisation_ids)
        self.load_existing(organisation_ids)
        seen: dict[tuple[int, str], int] = {}
        new_subjects: dict[tuple[int, str], str] = {}
        # Each row's cells of the known columns in one C call; a short row is padded with empty cells.
        keys, indices = list(columns), list(columns.values())
        width = max(indices) + 1
        pick = operator.itemgetter(*indices) if len(indices) > 1 else (lambda cells: (cells[indices[0]],))
        padding = [""] * width
        notes = table.notes
        for number, cells in table.rows:
            values = dict(zip(keys, pick(cells if len(cells) >= width else cells + padding[len(cells) :]), strict=True))
            row = self.plan_row(number, values, new_subjects, seen)
            if number in notes:
                row.warnings += notes[number]
            if row.action == "refused":
                row.cells = [clean_text(cell) for cell in cells]
                row.errors += row.warnings
            plan.rows.append(row)
        plan.new_subjects = sorted([municipality, name] for (municipality, _key), name in new_subjects.items())
        return plan

    @staticmethod
    def name_parts(row: RowPlan) -> tuple[str, str, str]:
        fields = row.person_fields
        return fields["last_name"], fields["first_name"], fields["middle_name"]

    def plan_row(
        self,
        number: int,
        values: dict,
        new_subjects: dict[tuple[int, str], str],
        seen: dict[tuple[int, str], int] | None = None,
    ) -> RowPlan:
        """Who (the name), where (the organisation), what (each column), then create, update or leave.

        ``seen``: the person key of each row so far, to its row number; a row that repeats one is refused.
        Runs for every row of a file of 20,000: the steps share the row and its one dict of fields.
        """
        row = RowPlan(number=number)
        text = {key: clean_text(value) for key, value in values.items()}
        fields = self.plan_name(row, text)
        if fields is None:
            return row

        # Where: the organisation, within the user's reach.
        organisation = self.find_organisation(row, text.get("organisation", ""))
        if organisation is None:
            return row
        row.organisation, row.organisation_id = organisation.short_name, organisation.pk
        key = person_key(row.organisation_id, fields["last_name"], fields["first_name"], fields["middle_name"])
        stored = self.existing.get(key)
        if stored is not None and stored["anonymised_at"] is not None:
            row.refuse(
                "full_name" if "full_name" in text else "last_name",
                _("это обезличенная карточка (согласие на обработку данных отозвано); её нельзя заполнить снова."),
            )
            return row

        # What: each column; an empty cell keeps what is stored. The order is the order of the errors.
        self.plan_position(row, text, stored, fields)
        self.plan_category(row, text, fields)
        self.plan_experience(row, values, text, stored, fields)
        if "consent_date" in values:
            self.plan_date(row, "consent_date", values["consent_date"], fields)
        self.plan_contacts(row, text, fields)
        self.plan_subjects(row, text, organisation, new_subjects)
        self.plan_roles(row, text, stored, fields)
        row.person_fields = fields
        if row.action == "refused":
            return row

        if stored is None:
            row.action = "create"
        else:
            row.person_id = stored["pk"]
            self.compare(row, stored, fields)
        if seen is not None:
            if key in seen:
                message = _("повторяет строку %(row)s (тот же педагог той же организации).")
                row.refuse(None, message % {"row": seen[key]})
            else:
                seen[key] = number
        return row

    def plan_name(self, row: RowPlan, text: dict) -> dict | None:
        """The name's parts, from «ФИО» or from their own columns, as the first of the person's fields.

        ``None`` when the row is refused for its name: nothing else of it can be matched then.
        """
        if "full_name" in text:
            parts = text["full_name"].split(" ")
            if len([part for part in parts if part]) < 2:
                row.refuse("full_name", _("укажите фамилию и имя (и отчество, если есть)."))
                return None
            last, first, middle = parts[0], parts[1], " ".join(parts[2:])
        else:
            last, first, middle = text.get("last_name", ""), text.get("first_name", ""), text.get("middle_name", "")
            if not last or not first:
                row.refuse("last_name" if not last else "first_name", _("обязательное поле."))
                return None
        row.name = f"{last} {first} {middle}" if middle else f"{last} {first}"  # last and first are never empty here
        for name, value in (("last_name", last), ("first_name", first), ("middle_name", middle)):
            if len(value) > LIMITS[name]:
                column = "full_name" if "full_name" in text else name
                row.refuse(column, _("длиннее %(limit)s символов.") % {"limit": LIMITS[name]})
                return None
        return {"last_name": last, "first_name": first, "middle_name": middle}

    def plan_position(self, row: RowPlan, text: dict, stored: dict | None, fields: dict) -> None:
        if text.get("position"):
            self.plan_limited(row, "position", text["position"], fields)
        elif stored is None:
            row.refuse("position", _("обязательное поле для нового педагога."))

    def plan_category(self, row: RowPlan, text: dict, fields: dict) -> None:
        """«Высшая категория», «первая», «СЗД»: the qualification category, with or without the word «категория»."""
        if not text.get("category"):
            return
        key = self.header_key(text["category"])
        category = CATEGORY_WORDS.get(key.replace(" категория", "")) or CATEGORY_WORDS.get(key)
        if category is None:
            row.refuse(
                "category",
                _("«%(value)s» — нет такой категории. Допустимо: высшая, первая, соответствие, без категории.")
                % {"value": text["category"]},
            )
        else:
            fields["qualification_category"] = category

    def plan_contacts(self, row: RowPlan, text: dict, fields: dict) -> None:
        """An e-mail is kept only when it reads as one; a phone as written, in any of its many forms."""
        if text.get("email"):
            if len(text["email"]) > LIMITS["email"]:
                row.refuse("email", _("длиннее %(limit)s символов.") % {"limit": LIMITS["email"]})
            elif not EMAIL.fullmatch(text["email"]):
                row.refuse("email", _("«%(value)s» — не адрес электронной почты.") % {"value": text["email"]})
            else:
                fields["email"] = text["email"]
        if text.get("phone"):
            self.plan_limited(row, "phone", text["phone"], fields)

    @staticmethod
    def plan_limited(row: RowPlan, column: str, value: str, fields: dict) -> None:
        fields[column] = value
        if len(value) > LIMITS[column]:
            row.refuse(column, _("длиннее %(limit)s символов.") % {"limit": LIMITS[column]})

    def plan_subjects(
        self, row: RowPlan, text: dict, organisation: Organisation, new_subjects: dict[tuple[int, str], str]
    ) -> None:
        """The subjects as written; a name the municipality does not know yet goes to ``new_subjects``,
        to be added at confirm (the shared list and the municipality's own are both looked in)."""
        if not text.get("subjects"):
            return
        municipality = self.municipality_of[organisation.pk]
        known = self.subjects_of_text.get((municipality, text["subjects"]))
        if known is not None:  # a cell written as on an earlier row: its names are known to fit
            row.subjects = list(known)
            return
        row.subjects = []
        names = split_subjects(text["subjects"])
        for name in names:
            if len(name) > SUBJECT_LIMIT:
                row.refuse(
                    "subjects",
                    _("«%(value)s…» — название предмета длиннее %(limit)s символов.")
                    % {"value": name[:40], "limit": SUBJECT_LIMIT},
                )
                continue
            key = normalise(name)
            if (None, key) not in self.subject_by_name and (municipality, key) not in self.subject_by_name:
                new_subjects.setdefault((municipality, key), name)
            row.subjects.append(name)
        if len(row.subjects) == len(names):
            self.subjects_of_text[(municipality, text["subjects"])] = row.subjects

    def find_organisation(self, row: RowPlan, name: str) -> Organisation | None:
        if not name:
            if self.default_organisation is not None:
                return self.default_organisation
            row.refuse("organisation", _("обязательное поле."))
            return None
        known = self.organisation_by_name.get(name)
        if known is not None:  # a school's file names its school on every row
            organisation, warning = known
            if warning:
                row.warnings.append(warning)
            return organisation
        chosen = self.organisation_choices.get(normalise(name))
        if chosen in self.by_id:
            self.organisation_by_name[name] = (self.by_id[chosen], "")
            return self.by_id[chosen]
        found = self.matcher.find(name)
        if len(found) == 1:
            organisation = found[0]
            warning = ""
            if normalise(name) not in (normalise(organisation.short_name), normalise(organisation.full_name)):
                warning = _("«%(value)s» прочитано как «%(name)s».") % {"value": name, "name": organisation.short_name}
                row.warnings.append(warning)
            self.organisation_by_name[name] = (organisation, warning)
            return organisation
        if found:
            row.typed_organisation = name
            row.choices = [(organisation.pk, organisation.short_name) for organisation in found]
            row.refuse(
                "organisation",
                _("«%(value)s» подходит к нескольким организациям: выберите нужную ниже.") % {"value": name},
            )
        elif len(self.organisations) == 1:
            row.refuse(
                "organisation",
                _("«%(value)s» — другая организация. Вы можете загружать педагогов только «%(own)s».")
                % {"value": name, "own": self.organisations[0].short_name},
            )
        else:
            row.refuse(
                "organisation",
                _("организация «%(value)s» не найдена среди организаций вашего муниципалитета.") % {"value": name},
            )
        return None

    def plan_experience(self, row: RowPlan, values: dict, text: dict, stored: dict | None, fields: dict) -> None:
        if "teaching_since" in values and text.get("teaching_since"):
            self.plan_date(row, "teaching_since", values["teaching_since"], fields)
            return
        raw = text.get("experience", "")
        if not raw:
            return
        value = values["experience"]
        years = None if isinstance(value, datetime.date) else self.years_of_text.get(raw)  # a datetime is a date
        if years is None:
            if isinstance(value, datetime.date) or DATE_LIKE.search(raw):
                self.plan_date(row, "experience", value, fields, field_name="teaching_since")
                return
            match = YEARS.fullmatch(raw.lower())
            if match is None:
                row.refuse("experience", _("«%(value)s» — укажите число полных лет, например 5.") % {"value": raw})
                return
            years = int(match.group(1))
            if years > 60:
                row.refuse("experience", _("«%(value)s» — слишком большой стаж.") % {"value": raw})
                return
            self.years_of_text[raw] = years  # a file has a few dozen such cells: each is read once
        current = Person.experience_years_from(stored["teaching_since"], self.today) if stored else None
        if current != years:
            fields["teaching_since"] = self.years_ago(years)

    def years_ago(self, years: int) -> datetime.date:
        """Today less ``years`` (29 February → 28): computed once per value, not on each of 20,000 rows.

        Kept on the planner, not in ``functools.cache``: a cache of the method would keep every planner
        (and the people it loaded) alive as long as the process.
        """
        date = self.years_ago_cache.get(years)
        if date is None:
            date = self.years_ago_cache[years] = self.today - relativedelta(years=years)
        return date

    def plan_date(self, row, column, value, fields, *, field_name: str | None = None) -> None:
        """A date of the past (a consent, the start of experience): never in the future, never before 1940."""
        try:
            date = parse_date(value)
        except (ValueError, OverflowError):
            row.refuse(
                column,
                _("«%(value)s» — не дата. Пишите дату как 29.03.2022.") % {"value": clean_text(value)},
            )
            return
        if date is None:
            return
        if date > self.today:
            row.refuse(column, _("%(value)s — дата в будущем.") % {"value": date.strftime("%d.%m.%Y")})
            return
        if date.year < 1940:
            row.refuse(column, _("%(value)s — слишком ранняя дата.") % {"value": date.strftime("%d.%m.%Y")})
            return
        fields[field_name or column] = date

    def plan_roles(self, row: RowPlan, text: dict, stored: dict | None, fields: dict) -> None:
        role_text, wants_mentor, wants_mentee = self.roles_of(text.get("role", ""))
        if role_text and not (wants_mentor or wants_mentee) and role_text not in NEITHER_WORDS:
            row.refuse(
                "role",
                _("«%(value)s» — укажите «наставник», «наставляемый» или «наставник; наставляемый».")
                % {"value": text["role"]},
            )
            return
        has_mentor = stored is not None and stored["pk"] in self.mentors
        has_mentee = stored is not None and stored["pk"] in self.mentees
        if self.plan_mentor(row, text, wants_mentor, has_mentor):
            self.plan_mentee(row, text, stored, fields, wants_mentee, has_mentee)

    def roles_of(self, cell: str) -> tuple[str, bool, bool]:
        """The role cell as compared, and whether it asks for a mentor and for a mentee: once per spelling."""
        known = self.roles_by_text.get(cell)
        if known is None:
            role_text = self.header_key(cell)
            words = set(ROLE_SEPARATOR.split(role_text)) if role_text else set()
            wants_mentor = bool(words & MENTOR_WORDS) or role_text in BOTH_WORDS
            wants_mentee = bool(words & MENTEE_WORDS) or role_text in BOTH_WORDS
            known = self.roles_by_text[cell] = (role_text, wants_mentor, wants_mentee)
        return known

    def header_key(self, cell: str) -> str:
        """``header_key`` of a cell, once per spelling: the category and role columns repeat a few words."""
        key = self.header_keys.get(cell)
        if key is None:
            key = self.header_keys[cell] = header_key(cell)
        return key

    def plan_mentor(self, row: RowPlan, text: dict, wants: bool, has: bool) -> bool:
        """The mentor's side of the row; ``False`` when refused, and the mentee's side is not looked at then."""
        if text.get("competencies") and not (wants or has):
            row.refuse("competencies", _("компетенции указывают только для наставников: укажите роль «наставник»."))
            return False
        if wants or (has and text.get("competencies")):
            row.mentor = {}
            if text.get("competencies"):
                row.mentor["terms"], row.mentor["text"] = self.match_terms(Vocabulary.COMPETENCY, text["competencies"])
        return True

    def plan_mentee(self, row: RowPlan, text: dict, stored: dict | None, fields: dict, wants: bool, has: bool) -> None:
        category = None
        if text.get("mentee_category"):
            category = self.mentee_category_by_name.get(normalise(text["mentee_category"]))
            if category is None:
                row.refuse(
                    "mentee_category",
                    _("«%(value)s» — нет такой категории наставляемого. Возьмите название из шаблона.")
                    % {"value": text["mentee_category"]},
                )
                return
        if (text.get("requests") or category) and not (wants or has):
            column = "requests" if text.get("requests") else "mentee_category"
            row.refuse(column, _("заполняется только для наставляемых: укажите роль «наставляемый»."))
            return
        if not (wants or (has and (text.get("requests") or category))):
            return
        row.mentee = {}
        if category:
            row.mentee["category"] = category
        elif not has:
            if not self.young_by_default(row, stored, fields):
                return
            row.mentee["category"] = MenteeProfile.Category.YOUNG
        if text.get("requests"):
            row.mentee["terms"], row.mentee["text"] = self.match_terms(Vocabulary.REQUEST, text["requests"])

    def young_by_default(self, row: RowPlan, stored: dict | None, fields: dict) -> bool:
        """A new mentee with no category: a young teacher if under 3 years of experience, else refused.

        A school's sheet rarely has this column; a teacher under 3 years is a young teacher (seed 003 §5.3).
        """
        since = fields.get("teaching_since") or (stored or {}).get("teaching_since")
        years = Person.experience_years_from(since, self.today)
        if years is None or years >= 3:
            row.refuse(
                "mentee_category",
                _("обязательное поле для нового наставляемого со стажем от 3 лет (или без стажа в файле)."),
            )
            return False
        row.warnings.append(_("категория наставляемого не указана: стаж меньше 3 лет — «Молодой педагог»."))
        return True

    def match_terms(self, vocabulary: str, text: str) -> tuple[set[int], str]:
        """Items found in the managed list become links; the rest stays as free text."""
        terms, free = set(), []
        for item in split_list(text):
            term = self.terms[vocabulary].get(normalise(item))
            if term is None:
                free.append(item)
            else:
                terms.add(term.pk)
        return terms, "; ".join(free)

    def compare(self, row: RowPlan, stored: dict, fields: dict) -> None:
        """What the row changes in the stored person, as the preview lists it; nothing is ``unchanged``."""
        for name, label in CHANGE_LABELS.items():
            if name in fields and fields[name] != stored[name]:
                row.changes.append(label)
        if row.subjects is not None:
            wanted = {normalise(name) for name in row.subjects}
            current = {self.subject_key_by_id[pk] for pk in self.person_subjects.get(stored["pk"], set())}
            if wanted != current:
                row.changes.append(_("предметы"))
        row.mentor_profile_id = (self.mentors.get(stored["pk"]) or {}).get("pk")
        row.mentee_profile_id = (self.mentees.get(stored["pk"]) or {}).get("pk")
        if row.mentor is not None:
            self.compare_mentor(row, self.mentors.get(stored["pk"]))
        if row.mentee is not None:
            self.compare_mentee(row, self.mentees.get(stored["pk"]))
        row.action = "update" if row.changes else "unchanged"

    def compare_mentor(self, row: RowPlan, profile: dict | None) -> None:
        if profile is None:
            row.changes.append(_("становится наставником"))
        elif "terms" in row.mentor and (
            row.mentor["terms"] != self.mentor_terms.get(profile["pk"], set())
            or row.mentor["text"] != profile["competencies_text"]
        ):
            row.changes.append(_("компетенции"))

    def compare_mentee(self, row: RowPlan, profile: dict | None) -> None:
        if profile is None:
            row.changes.append(_("становится наставляемым"))
            return
        if row.mentee.get("category", profile["category"]) != profile["category"]:
            row.changes.append(_("категория наставляемого"))
        if "terms" in row.mentee and (
            row.mentee["terms"] != self.mentee_terms.get(profile["pk"], set())
            or row.mentee["text"] != profile["requests_text"]
        ):
            row.changes.append(_("запрос"))


def fingerprint(organisation_ids: set[int]) -> list:
    """What the plan depends on in the database; if it is the same at confirm, the preview's plan still holds.

    The organisations the user may load into, the people of those organisations and their bank
    entries by their versions (``versions_of``: any write, creation, deletion or move changes it),
    and the subjects and list terms a plan links to (a renamed subject or a retired term must not
    be linked from a stale plan).
    """
    municipality_ids = Organisation.objects.filter(pk__in=organisation_ids).values("municipality_id")
    subjects = Subject.objects.for_municipalities(municipality_ids).order_by("pk").values_list("pk", "name")
    terms = VocabularyTerm.objects.filter(is_active=True).order_by("pk").values_list("pk", "name")
    return [
        sorted(organisation_ids),
        versions_of(Person.objects.filter(organisation_id__in=organisation_ids)),
        versions_of(MentorProfile.objects.filter(person__organisation_id__in=organisation_ids)),
        versions_of(MenteeProfile.objects.filter(person__organisation_id__in=organisation_ids)),
        hashlib.md5(repr([list(subjects), list(terms)]).encode(), usedforsecurity=False).hexdigest(),
    ]


def plan_import(user, file_name: str, content: bytes, **options) -> ImportPlan:
    return Planner(user).plan(file_name, content, **options)
