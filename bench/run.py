"""The registry benchmark: list pages on the region data, the 20,000-row import, and its baseline.

Run with ``make bench`` (it loads the region data first), or, when the data is there,
``DJANGO_DEBUG=1 .venv/bin/python bench/run.py``. It prints one table
(measure | value | target | ok?) on stdout, progress on stderr, and exits 0 even when a
target is missed: it reports, it does not assert. ``--queries`` also prints, on stderr,
the slowest SQL of each registry page.

Everything the benchmark creates (a municipality, an organisation, a curator, 20,000
people) is deleted at the end, so the region data stays as it was.

The import and the baseline run in subprocesses of this script (``--worker ...``) so
that each one's peak memory is its own: the peak resident set (``ru_maxrss``) at the end
minus the resident set just before the measured call, the peak having been reset to it
there (``/proc/self/clear_refs``), so Django's start-up does not count.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ROWS = 20_000
FILE_NAME = "Педагоги (бенчмарк).xlsx"
BENCH_MUNICIPALITY = "Бенчмарк: временный муниципальный район"
BENCH_ORGANISATION = "МБОУ «Бенчмарк-СОШ № 1»"
BENCH_USER = "bench-curator"

WARMUP, REPEAT = 2, 20
PAGE_SIZES = (20, 50, 100)
TARGET_MEDIAN_MS = 100
TARGET_IMPORT_S = 5.0
TARGET_PEAK_MB = 300
TARGET_RATIO = 8.0

USERS = (("coordinator", "coordinator"), ("admin", "admin"))
PAGES = (
    ("/people/", {}),
    ("?role=mentee&young=true&q=ова", {"role": "mentee", "young": "true", "q": "ова"}),
    (
        "?organisation_kind=school&qualification_category=highest",
        {"organisation_kind": "school", "qualification_category": "highest"},
    ),
)
RESULT_MARK = "BENCH-RESULT "


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_portal.settings")
    import django

    django.setup()
    from django.conf import settings

    # Production-like: no query log kept in memory, no template debug information.
    settings.DEBUG = False
    # WhiteNoise looks for collected static files that only production builds.
    warnings.filterwarnings("ignore", message="No directory at")


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def start_peak_measurement() -> float:
    """Reset the peak RSS to the current RSS (Linux ≥ 4.0: /proc/self/clear_refs) and return it in MB.

    Without the reset, ``ru_maxrss`` would still hold the peak of Django's start-up and the
    growth caused by the measured call would be understated.
    """
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass  # elsewhere the growth is measured against the start-up peak: a lower bound
    return max_rss_mb()


# --- the table ---------------------------------------------------------------------------------


class Table:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, measure: str, value: str, target: str = "", ok: bool | None = None) -> None:
        self.rows.append((measure, value, target, "" if ok is None else ("yes" if ok else "NO")))

    def render(self) -> str:
        header = ("measure", "value", "target", "ok?")
        rows = [header, *self.rows]
        widths = [max(len(row[index]) for row in rows) for index in range(4)]
        line = "-+-".join("-" * width for width in widths)

        def fmt(row):
            measure, value, target, ok = row
            return " | ".join(
                [measure.ljust(widths[0]), value.rjust(widths[1]), target.ljust(widths[2]), ok.ljust(widths[3])]
            ).rstrip()

        return "\n".join([fmt(header), line, *(fmt(row) for row in self.rows)])


def number(value: int) -> str:
    return f"{value:,}"


# --- 1. registry pages -------------------------------------------------------------------------


def found_count(html: bytes) -> str:
    match = re.search(r"Найдено:\s*<strong>\s*(\d+)", html.decode())
    return number(int(match.group(1))) if match else "?"


def measure_pages(table: Table, show_queries: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    url = reverse("registry:person_list")
    for username, label in USERS:
        user = get_user_model().objects.get(username=username)
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        for page_label, params in PAGES:
            log(f"pages: {label} {page_label}")

            def get(client=client, params=params, username=username):
                response = client.get(url, params)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} {params} as {username}: HTTP {response.status_code}")
                return response

            for _ in range(WARMUP):
                get()
            times = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                response = get()
                times.append((time.perf_counter() - started) * 1000)
            found = found_count(response.content)
            queries = {}
            for size in PAGE_SIZES:
                with override_settings(PAGE_SIZE=size), CaptureQueriesContext(connection) as captured:
                    get()
                queries[size] = len(captured.captured_queries)
                if show_queries and size == 50:
                    log(f"  slowest SQL ({len(captured.captured_queries)} queries):")
                    for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]:
                        log(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
            median = statistics.median(times)
            p95 = statistics.quantiles(times, n=20)[-1]
            name = f"page {label} {page_label} ({found} found)"
            table.add(f"{name}: median", f"{median:.1f} ms", f"≤ {TARGET_MEDIAN_MS} ms", median <= TARGET_MEDIAN_MS)
            table.add(f"{name}: p95", f"{p95:.1f} ms")
            counts = [queries[size] for size in PAGE_SIZES]
            table.add(
                f"{name}: queries (page size {'/'.join(map(str, PAGE_SIZES))})",
                " / ".join(map(str, counts)),
                "same for all",
                len(set(counts)) == 1,
            )


# --- 2. the import file ------------------------------------------------------------------------


def build_file(organisation_name: str, rows: int | None = None, seed: int = 20_000) -> bytes:
    """A school's spreadsheet in the template's columns: distinct believable names, some mentors and mentees."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from registry.demo import female, load_data, patronymic
    from registry.importing import TEMPLATE_COLUMNS
    from registry.models import MenteeProfile, Person

    rows = rows or ROWS
    rng = random.Random(seed)
    data = load_data()
    names = data["names"]
    women = [
        (female(last), first, patronymic(root, True))
        for last in names["male_last"]
        for first in names["female_first"]
        for root in names["patronymic_roots"]
    ]
    men = [
        (last, first, patronymic(root, False))
        for last in names["male_last"]
        for first in names["male_first"]
        for root in names["patronymic_roots"]
    ]
    rng.shuffle(women)
    rng.shuffle(men)
    women_count = rows * 4 // 5
    people = women[:women_count] + men[: rows - women_count]
    if len(set(people)) != rows:
        raise RuntimeError("not enough distinct names for the benchmark file")
    rng.shuffle(people)

    positions = data["positions"]["school"]
    subjects = data["subjects"]["school"]
    labels = {value: str(label) for value, label in Person.Category.choices}
    young = str(MenteeProfile.Category.YOUNG.label)
    today = datetime.date.today()

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Педагоги")
    keys = [column.key for column in TEMPLATE_COLUMNS]
    sheet.append([column.title for column in TEMPLATE_COLUMNS])
    for index, (last, first, middle) in enumerate(people, start=1):
        years = rng.choice([0, 1, 2]) if rng.random() < 0.16 else rng.randint(3, 40)
        if years >= 15:
            category = rng.choice([Person.Category.HIGHEST, Person.Category.HIGHEST, Person.Category.FIRST])
        elif years >= 5:
            category = rng.choice([Person.Category.FIRST, Person.Category.HIGHEST, Person.Category.COMPLIANCE])
        elif years >= 2:
            category = rng.choice([Person.Category.COMPLIANCE, Person.Category.NONE])
        else:
            category = Person.Category.NONE
        role = mentee_category = ""
        if years < 3 and rng.random() < 0.85:
            role, mentee_category = "наставляемый", young
        elif years >= 10 and category in (Person.Category.HIGHEST, Person.Category.FIRST) and rng.random() < 0.3:
            role = "наставник"
        consent = today - datetime.timedelta(days=rng.randint(10, 600)) if rng.random() < 0.88 else None
        values = {
            "full_name": f"{last} {first} {middle}",
            "organisation": organisation_name,
            "position": rng.choice(positions),
            "subjects": ", ".join(rng.sample(subjects, k=rng.choice([1, 1, 2]))),
            "experience": years,
            "category": labels[category],
            "role": role,
            "mentee_category": mentee_category,
            "consent_date": consent,
            "email": f"bench{index:05d}@example.ru",
            "phone": f"+7 (844) 76{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
        }
        cells = []
        for key in keys:
            value = values.get(key, "")
            cell = WriteOnlyCell(sheet, value=value if value != "" else None)
            if isinstance(value, datetime.date):
                cell.number_format = "DD.MM.YYYY"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the workers (subprocesses) ----------------------------------------------------------------


def warm_up() -> None:
    """What a running server already has: the database connection, the modules, the translations."""
    import python_calamine  # noqa: F401
    from django.db import connection
    from django.utils import translation

    import registry.importing  # noqa: F401

    connection.ensure_connection()
    translation.activate("ru")


def worker_ours(path: str, username: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.serializers.json import DjangoJSONEncoder

    from registry.importing import apply_import, plan_import

    content = Path(path).read_bytes()
    user = get_user_model().objects.get(username=username)
    warm_up()
    rss_before = start_peak_measurement()
    started = time.perf_counter()
    plan = plan_import(user, FILE_NAME, content)
    # As the preview view does: the plan is kept (as JSON, in the upload's row) for the confirm.
    stored = json.loads(json.dumps(plan.to_json(), cls=DjangoJSONEncoder, ensure_ascii=False))
    planned = time.perf_counter()
    applied = apply_import(user, FILE_NAME, content, stored=stored)
    finished = time.perf_counter()
    refused = [f"row {row.number}: {'; '.join(row.errors)}" for row in applied.rows if row.action == "refused"]
    return {
        "plan_s": planned - started,
        "apply_s": finished - planned,
        "plan_counts": plan.counts,
        "counts": applied.counts,
        "can_apply": applied.can_apply,
        "error": applied.error,
        "refused": refused[:5],
        "rss_before_mb": rss_before,
        "rss_peak_mb": max_rss_mb(),
    }


def baseline_resource():
    """A plain django-import-export ModelResource for Person with default settings (no bulk, diffs on)."""
    from import_export import fields, resources
    from import_export.widgets import DateWidget, ForeignKeyWidget

    from registry.models import Organisation, Person

    categories = {str(label).lower(): value for value, label in Person.Category.choices}
    today = datetime.date.today()

    class PersonResource(resources.ModelResource):
        organisation = fields.Field(
            attribute="organisation", column_name="ОО", widget=ForeignKeyWidget(Organisation, "short_name")
        )
        last_name = fields.Field(attribute="last_name", column_name="Фамилия")
        first_name = fields.Field(attribute="first_name", column_name="Имя")
        middle_name = fields.Field(attribute="middle_name", column_name="Отчество")
        position = fields.Field(attribute="position", column_name="Должность")
        qualification_category = fields.Field(
            attribute="qualification_category", column_name="Квалификационная категория"
        )
        teaching_since = fields.Field(attribute="teaching_since", column_name="Начало стажа", widget=DateWidget())
        consent_date = fields.Field(attribute="consent_date", column_name="Согласие (дата)", widget=DateWidget())
        email = fields.Field(attribute="email", column_name="Электронная почта")
        phone = fields.Field(attribute="phone", column_name="Телефон")

        class Meta:
            model = Person
            fields = (
                "organisation",
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
            import_id_fields = ("organisation", "last_name", "first_name", "middle_name")

        def before_import(self, dataset, **kwargs):
            # The columns the hook below fills in; import_id_fields are checked against the headers first.
            for column in ("Фамилия", "Имя", "Отчество", "Начало стажа"):
                dataset.append_col([None] * dataset.height, header=column)

        def before_import_row(self, row, **kwargs):
            parts = str(row.get("ФИО") or "").split()
            row["Фамилия"], row["Имя"], row["Отчество"] = parts[0], parts[1], " ".join(parts[2:])
            category = str(row.get("Квалификационная категория") or "").strip().lower()
            row["Квалификационная категория"] = categories.get(category, Person.Category.NONE)
            years = row.get("Стаж, лет")
            has_years = years not in ("", None)
            row["Начало стажа"] = today.replace(year=today.year - int(float(years))) if has_years else None
            consent = row.get("Согласие (дата)")
            if isinstance(consent, datetime.datetime):
                row["Согласие (дата)"] = consent.date()
            for column in ("Электронная почта", "Телефон"):
                row[column] = row.get(column) or ""

    return PersonResource


def worker_baseline(path: str) -> dict:
    import tablib
    from django.db import transaction

    content = Path(path).read_bytes()
    resource_class = baseline_resource()
    warm_up()
    rss_before = start_peak_measurement()
    started = time.perf_counter()
    dataset = tablib.Dataset().load(content, format="xlsx")
    loaded = time.perf_counter()
    with transaction.atomic():
        result = resource_class().import_data(dataset, dry_run=False, raise_errors=True)
    finished = time.perf_counter()
    return {
        "load_s": loaded - started,
        "import_s": finished - loaded,
        "total_s": finished - started,
        "totals": dict(result.totals),
        "errors": result.has_errors() or result.has_validation_errors(),
        "rss_before_mb": rss_before,
        "rss_peak_mb": max_rss_mb(),
    }


def run_worker(*args: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    completed = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(f"worker {args[0]} failed (exit {completed.returncode}):\n{completed.stderr[-4000:]}")


# --- setup and cleanup -------------------------------------------------------------------------


def create_bench_objects():
    from django.contrib.auth import get_user_model

    from registry.models import Membership, Municipality, Organisation, Role

    municipality = Municipality.objects.create(name=BENCH_MUNICIPALITY, region="Бенчмарк")
    organisation = Organisation.objects.create(
        municipality=municipality,
        kind=Organisation.Kind.SCHOOL,
        short_name=BENCH_ORGANISATION,
        full_name=f"Муниципальное бюджетное общеобразовательное учреждение {BENCH_ORGANISATION} (бенчмарк)",
    )
    user = get_user_model().objects.create_user(BENCH_USER, first_name="Бенчмарк", last_name="Куратор")
    Membership.objects.create(user=user, role=Role.CURATOR, organisation=organisation)
    return organisation, user


def delete_rows(queryset) -> int:
    """``DELETE ... WHERE pk IN (queryset)`` without Django's deletion collector.

    The collector looks into every table that refers to the model, so it breaks while a
    colleague's new model has no migration yet. The benchmark knows exactly which tables
    it wrote to; if anything else ever points at these rows, the deferred foreign keys
    make the commit fail loudly instead of leaving orphans.
    """
    from django.db import connection

    model = queryset.model
    sql, params = queryset.values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN ({sql})", params
        )
        return cursor.rowcount


def delete_people(people) -> None:
    """The people and everything the import writes for them: subjects, bank entries and their lists."""
    from django.db import transaction

    from registry.models import Membership, MenteeProfile, MentorProfile, Person

    with transaction.atomic():
        delete_rows(MentorProfile.competencies.through.objects.filter(mentorprofile__person__in=people))
        delete_rows(MentorProfile.achievements.through.objects.filter(mentorprofile__person__in=people))
        delete_rows(MenteeProfile.requests.through.objects.filter(menteeprofile__person__in=people))
        delete_rows(MentorProfile.objects.filter(person__in=people))
        delete_rows(MenteeProfile.objects.filter(person__in=people))
        delete_rows(Person.subjects.through.objects.filter(person__in=people))
        delete_rows(Membership.objects.filter(person__in=people))
        delete_rows(people)


def cleanup(subject_max_pk: int | None) -> None:
    """Delete whatever the benchmark created, including leftovers of an interrupted run."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Q

    from registry.models import ImportBatch, Membership, Municipality, Organisation, Person, Subject

    users = get_user_model().objects.filter(username=BENCH_USER)
    with transaction.atomic():
        delete_people(Person.objects.filter(organisation__municipality__name=BENCH_MUNICIPALITY))
        delete_rows(
            Membership.objects.filter(
                Q(user__in=users)
                | Q(organisation__municipality__name=BENCH_MUNICIPALITY)
                | Q(municipality__name=BENCH_MUNICIPALITY)
            )
        )
        delete_rows(ImportBatch.objects.filter(user__in=users))
        # The audit history the benchmark's imports wrote, by its user.
        from django.apps import apps

        for model in apps.get_models():
            if model.__name__.startswith("Historical") and any(
                f.name == "history_user" for f in model._meta.concrete_fields
            ):
                delete_rows(model.objects.filter(history_user__in=users))
        delete_rows(Organisation.objects.filter(municipality__name=BENCH_MUNICIPALITY))
        delete_rows(Municipality.objects.filter(name=BENCH_MUNICIPALITY))
        delete_rows(users)
        if subject_max_pk is not None:  # the file names known subjects; this only guards against surprises
            delete_rows(Subject.objects.filter(pk__gt=subject_max_pk, people__isnull=True))


# --- 2 and 3: the import and the baseline ------------------------------------------------------


def measure_import(table: Table, skip_baseline: bool) -> None:
    from registry.models import Person

    organisation, user = create_bench_objects()
    log(f"import: building the {number(ROWS)}-row file")
    content = build_file(organisation.short_name)
    with tempfile.NamedTemporaryFile(prefix="bench-import-", suffix=".xlsx", delete=False) as handle:
        handle.write(content)
        path = handle.name
    try:
        table.add(f"import file: {number(ROWS)} rows, xlsx", f"{len(content) / 2**20:.1f} MB")

        log("import: plan_import + apply_import (subprocess)")
        ours = run_worker("ours", path, user.username)
        if not ours["can_apply"]:
            raise RuntimeError(f"the import refused the file: {ours['error']} {ours['refused']}")
        total = ours["plan_s"] + ours["apply_s"]
        peak = ours["rss_peak_mb"] - ours["rss_before_mb"]
        table.add("import: plan_import (preview)", f"{ours['plan_s']:.2f} s")
        table.add("import: apply_import (confirm)", f"{ours['apply_s']:.2f} s")
        table.add("import: plan + apply", f"{total:.2f} s", f"≤ {TARGET_IMPORT_S:g} s", total <= TARGET_IMPORT_S)
        table.add(
            "import: peak memory (ru_maxrss growth, subprocess)",
            f"{peak:.0f} MB",
            f"≤ {TARGET_PEAK_MB} MB",
            peak <= TARGET_PEAK_MB,
        )
        stored = Person.objects.filter(organisation=organisation).count()
        table.add(
            "import: rows created / people stored",
            f"{number(ours['counts']['create'])} / {number(stored)}",
            f"{number(ROWS)} / {number(ROWS)}",
            ours["counts"]["create"] == ROWS == stored,
        )

        log("import: re-import of the same file (subprocess)")
        again = run_worker("ours", path, user.username)
        again_total = again["plan_s"] + again["apply_s"]
        table.add(
            "re-import (nothing changed): plan + apply",
            f"{again_total:.2f} s",
            f"≤ {TARGET_IMPORT_S:g} s",
            again_total <= TARGET_IMPORT_S,
        )
        table.add(
            "re-import: peak memory (ru_maxrss growth)",
            f"{again['rss_peak_mb'] - again['rss_before_mb']:.0f} MB",
            f"≤ {TARGET_PEAK_MB} MB",
            again["rss_peak_mb"] - again["rss_before_mb"] <= TARGET_PEAK_MB,
        )
        table.add(
            "re-import: rows unchanged",
            number(again["counts"]["unchanged"]),
            number(ROWS),
            again["counts"]["unchanged"] == ROWS,
        )
        if skip_baseline:
            return

        log("baseline: deleting the imported people")
        started = time.perf_counter()
        delete_people(Person.objects.filter(organisation=organisation))
        log(f"baseline: deleted in {time.perf_counter() - started:.1f} s")
        log("baseline: django-import-export ModelResource.import_data (subprocess, about 2 minutes)")
        baseline = run_worker("baseline", path)
        stored = Person.objects.filter(organisation=organisation).count()
        table.add(
            "baseline django-import-export: load + import_data",
            f"{baseline['total_s']:.1f} s",
        )
        table.add(
            "baseline: new rows / people stored",
            f"{number(baseline['totals'].get('new', 0))} / {number(stored)}",
            f"{number(ROWS)} / {number(ROWS)}",
            baseline["totals"].get("new", 0) == ROWS == stored and not baseline["errors"],
        )
        baseline_peak = baseline["rss_peak_mb"] - baseline["rss_before_mb"]
        table.add("baseline: peak memory (ru_maxrss growth)", f"{baseline_peak:.0f} MB")
        ratio = baseline["total_s"] / total
        table.add(
            "ratio baseline / ours (plan + apply)", f"{ratio:.1f}×", f"≥ {TARGET_RATIO:g}×", ratio >= TARGET_RATIO
        )
        table.add("ratio baseline / ours (apply alone)", f"{baseline['total_s'] / ours['apply_s']:.1f}×")
    finally:
        os.unlink(path)


# --- main --------------------------------------------------------------------------------------


def main() -> int:
    global ROWS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", action="store_true", help="print the slowest SQL of each page on stderr")
    parser.add_argument("--skip-baseline", action="store_true", help="skip the ~2 minute django-import-export run")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"rows of the import file (default {ROWS:,})")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django()
    ROWS = args.rows

    if args.worker:
        mode, *rest = args.worker
        result = worker_ours(*rest) if mode == "ours" else worker_baseline(*rest)
        print(RESULT_MARK + json.dumps(result), flush=True)
        return 0

    from registry.models import Organisation, Person, Subject

    table = Table()
    subject_max_pk = Subject.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    cleanup(None)
    try:
        table.add("machine: CPUs / load average (1 min) at start", f"{os.cpu_count()} / {os.getloadavg()[0]:.2f}")
        table.add(
            "data: people / organisations",
            f"{number(Person.objects.count())} / {number(Organisation.objects.count())}",
        )
        measure_pages(table, args.queries)
        measure_import(table, args.skip_baseline)
    except BaseException:
        print(table.render())
        raise
    finally:
        log("cleanup")
        cleanup(subject_max_pk)
    print(table.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
