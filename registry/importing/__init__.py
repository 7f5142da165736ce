"""Import of teachers, mentors and mentees from a school's spreadsheet.

Two steps: ``plan_import`` reads the file and says, per row, what would be created,
updated, left as is or refused (and why, naming the row and the column); nothing is
written. ``apply_import`` recomputes the plan and writes it in one transaction, only if
no row is refused: all or nothing.

Why not django-import-export's row loop: it saves row by row (≈130 s for 20,000 rows
here, see bench/), and its diff/instance machinery cannot express "the file's empty
cell keeps the stored value". The hot loop below loads what it needs in a fixed number
of queries, compares in Python and writes with ``bulk_create``/``bulk_update``.
django-import-export still serves the admin's import/export and the benchmark baseline.

**The key that recognises an existing person** is the organisation plus the full name,
compared lower-cased, with ё read as е and spaces collapsed: the same key the schools'
spreadsheets and the database's unique constraint use.
"""

from .columns import COLUMNS, TEMPLATE_COLUMNS, TITLES
from .plan import PREVIEW_ROWS, ImportPlan, Planner, RowPlan, fingerprint, plan_import
from .writer import apply_import, copy_rows, import_confirm_batch, reserve_ids

__all__ = [
    "COLUMNS",
    "PREVIEW_ROWS",
    "TEMPLATE_COLUMNS",
    "TITLES",
    "ImportPlan",
    "Planner",
    "RowPlan",
    "apply_import",
    "copy_rows",
    "fingerprint",
    "import_confirm_batch",
    "plan_import",
    "reserve_ids",
]
