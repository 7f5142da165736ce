"""The registry benchmark: list pages on the region data, the 20,000-row import, its baseline, a Word roadmap.

Run with ``make bench`` (it loads the region data first), or, when the data is there,
``DJANGO_DEBUG=1 .venv/bin/python bench/run.py``. It prints one table
(measure | value | target | ok?) on stdout, progress on stderr, and exits 0 even when a
target is missed: it reports, it does not assert. ``--queries`` also prints, on stderr,
the slowest SQL of each registry page; ``--imports-only`` leaves the pages out (the
imports need no region data); ``--profile`` profiles an extra import (see bench/README.md).

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
TARGET_IMPORT_S = 2.0
TARGET_ROADMAP_S = 1.0
ROADMAP_SECTIONS, ROADMAP_ITEMS = 20, 10  # 200 items
ROADMAP_REPEAT = 5
TARGET_PEAK_MB = 150
TARGET_RATIO = 8.0

# The municipal coordinator (one municipality), the regional coordinator (every municipality of the region,
# read only) and the superuser (everything).
USERS = (("coordinator", "coordinator"), ("region", "region"), ("admin", "admin"))
PAGES = (
    ("/people/", {}),
    ("?role=mentee&young=true&q=ова", {"role": "mentee", "young": "true", "q": "ова"}),
    (
        "?organisation_kind=school&qualification_category=highest",
        {"organisation_kind": "school", "qualification_category": "highest"},
    ),
)
# The reference for each page: the Django admin's changelist of people (``registry/admin.py`` PersonAdmin: its
# list_display, search on the full name, select_related organisation) as the superuser, on the same data. The
# admin filters only on the person's own fields here, so the third page's reference leaves the kind out.
ADMIN_PAGES = ({}, {"q": "ова"}, {"qualification_category": "highest"})
TARGET_DASHBOARD_MS = 300
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
    """measure | value | target | ok? | reference: the last is a figure of a stock tool measured in the same run
    on the same data (the Django admin's changelist, django-import-export's default resource), with the ratio."""

    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, measure: str, value: str, target: str = "", ok: bool | None = None, reference: str = "") -> None:
        self.rows.append((measure, value, target, "" if ok is None else ("yes" if ok else "NO"), reference))

    def refer(self, measure: str, reference: str) -> None:
        """Put a reference measured later (the baseline import) beside the row it is for."""
        self.rows = [(*row[:4], reference) if row[0] == measure else row for row in self.rows]

    def render(self) -> str:
        header = ("measure", "value", "target", "ok?", "reference (same run)")
        rows = [header, *self.rows]
        widths = [max(len(row[index]) for row in rows) for index in range(5)]
        line = "-+-".join("-" * width for width in widths)

        def fmt(row):
            measure, value, target, ok, reference = row
            return " | ".join(
                [
                    measure.ljust(widths[0]),
                    value.rjust(widths[1]),
                    target.ljust(widths[2]),
                    ok.ljust(widths[3]),
                    reference.ljust(widths[4]),
                ]
            ).rstrip()

        return "\n".join([fmt(header), line, *(fmt(row) for row in self.rows)])


def number(value: int) -> str:
    return f"{value:,}"


# --- 1. registry pages -------------------------------------------------------------------------


def found_count(html: bytes) -> str:
    match = re.search(r"Найдено:\s*<strong>\s*(\d+)", html.decode())
    return number(int(match.group(1))) if match else "?"


def timed(get) -> tuple[list[float], object]:
    """``REPEAT`` timings of ``get()`` in ms after ``WARMUP`` calls, and the last response."""
    for _ in range(WARMUP):
        get()
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = get()
        times.append((time.perf_counter() - started) * 1000)
    return times, response


def client_for(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def get_ok(client, url: str, params: dict | None = None):
    response = client.get(url, params or {})
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params} : HTTP {response.status_code}")
    return response


def measure_admin_changelist() -> list[float]:
    """The reference of each registry page: the admin changelist's median, in ``PAGES`` order."""
    from django.urls import reverse

    client = client_for("admin")
    url = reverse("admin:registry_person_changelist")
    medians = []
    for params in ADMIN_PAGES:
        log(f"pages: reference admin changelist {params}")
        times, _response = timed(lambda params=params: get_ok(client, url, params))
        medians.append(statistics.median(times))
    return medians


def reference_text(ours: float, reference: float, what: str = "admin changelist") -> str:
    """The reference's figure (ms, shown in seconds past 10 s) and ours as a multiple of it."""
    shown = f"{reference / 1000:.1f} s" if reference >= 10_000 else f"{reference:.1f} ms"
    return (
        f"{what} {shown} (ours {ours / reference:.3f}×)"
        if ours < reference / 10
        else (f"{what} {shown} (ours {ours / reference:.2f}×)")
    )


def measure_pages(table: Table, show_queries: bool, references: list[float]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    url = reverse("registry:person_list")
    for username, label in USERS:
        client = client_for(username)
        for (page_label, params), reference in zip(PAGES, references, strict=True):
            log(f"pages: {label} {page_label}")

            def get(client=client, params=params):
                return get_ok(client, url, params)

            times, response = timed(get)
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
            table.add(
                f"{name}: median",
                f"{median:.1f} ms",
                f"≤ {TARGET_MEDIAN_MS} ms",
                median <= TARGET_MEDIAN_MS,
                reference_text(median, reference),
            )
            table.add(f"{name}: p95", f"{p95:.1f} ms")
            counts = [queries[size] for size in PAGE_SIZES]
            table.add(
                f"{name}: queries (page size {'/'.join(map(str, PAGE_SIZES))})",
                " / ".join(map(str, counts)),
                "same for all",
                len(set(counts)) == 1,
            )


def measure_dashboards(table: Table, reference: float) -> None:
    """The regional coordinator's pages: the area's table of municipalities × indicators, computed (the
    cache emptied before each request) and as the next readers get it (from the database cache, for
    ``REGION_FIGURES_SECONDS``), a municipality's page, and the municipal coordinator's dashboard."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.urls import reverse

    from region.access import areas_of
    from registry.models import Municipality

    region = client_for("region")
    area = areas_of(get_user_model().objects.get(username="region"))[0]
    table_url = reverse("region:area_detail", kwargs={"kind": area.kind, "pk": area.pk})
    municipality = Municipality.objects.filter(region_id=area.pk).order_by("name").first()
    pages = [
        ("region: municipalities × indicators, computed", region, table_url, True),
        ("region: municipalities × indicators, from the cache", region, table_url, False),
        (
            "region: a municipality's roadmaps and periods",
            region,
            reverse(
                "region:municipality", kwargs={"kind": area.kind, "pk": area.pk, "municipality_pk": municipality.pk}
            ),
            False,
        ),
        (
            "municipality: the coordinator's dashboard",
            client_for("coordinator"),
            reverse("monitoring:dashboard"),
            False,
        ),
    ]
    for label, client, url, cold in pages:
        log(f"dashboards: {label}")

        def get(client=client, url=url, cold=cold):
            if cold:
                cache.clear()
            return get_ok(client, url)

        times, _response = timed(get)
        median = statistics.median(times)
        table.add(
            f"{label}: median",
            f"{median:.1f} ms",
            f"≤ {TARGET_DASHBOARD_MS} ms",
            median <= TARGET_DASHBOARD_MS,
            reference_text(median, reference),
        )
        table.add(f"{label}: p95", f"{statistics.quantiles(times, n=20)[-1]:.1f} ms")


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


def worker_ours(path: str, username: str, profile: str = "") -> dict:
    """The two requests of an import, as ``registry/views/imports.py`` makes them, each in its own transaction.

    Upload (``import_upload`` → ``_replan``): the batch row with the file, ``plan_import`` with the
    remembered columns and the batch's options, ``plan.to_json()`` stored in the batch. Confirm
    (``import_confirm``): the batch read back under ``select_for_update``, ``apply_import`` with
    ``stored=batch.plan``, the batch marked applied. ``ATOMIC_REQUESTS`` is on, so each request is
    one transaction and its commit (with the deferred foreign-key checks) is timed.

    ``profile`` (``--profile``): run ``plan_import`` and ``apply_import`` under cProfile, each on its
    own, and print the top entries by cumulative time on stderr.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from registry.import_jobs import import_options as _options
    from registry.importing import apply_import, fingerprint, plan_import
    from registry.models import ColumnChoice, CompactJSONEncoder, ImportBatch, Organisation
    from registry.views.imports import _get_batch

    content = Path(path).read_bytes()
    user = get_user_model().objects.get(username=username)
    warm_up()
    profiles = {}

    def call(label, function, *args, **kwargs):
        if not profile:
            return function(*args, **kwargs)
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(function, *args, **kwargs)
        profiles[label] = profiler
        return result

    rss_before = start_peak_measurement()
    # The upload request.
    started = time.perf_counter()
    with transaction.atomic():
        batch = ImportBatch.objects.create(user=user, file_name=FILE_NAME, content=content)
        remembered = ColumnChoice.objects.remembered(user, ImportBatch.Kind.REGISTRY)
        plan_started = time.perf_counter()
        plan = call(
            "plan_import",
            plan_import,
            user,
            batch.file_name,
            bytes(batch.content),
            remembered=remembered,
            **_options(batch),
        )
        plan_finished = time.perf_counter()
        batch.plan = plan.to_json()
        json_finished = time.perf_counter()
        batch.save(update_fields=["plan", "options"])
    uploaded = time.perf_counter()

    # Between the requests, not timed: will the confirm reuse the stored plan?
    organisation_ids = set(Organisation.objects.staffed_by(user).values_list("pk", flat=True))
    stored_fingerprint = ImportBatch.objects.filter(pk=batch.pk).values_list("plan__fingerprint", flat=True).get()
    reused = stored_fingerprint == fingerprint(organisation_ids)

    # The confirm request.
    confirm_started = time.perf_counter()
    with transaction.atomic():
        batch = _get_batch(user, batch.pk, lock=True)
        applied = call(
            "apply_import",
            apply_import,
            user,
            batch.file_name,
            bytes(batch.content),
            stored=batch.plan,
            valid_only=False,
            **_options(batch),
        )
        apply_finished = time.perf_counter()
        if applied.can_apply:
            batch.status = ImportBatch.Status.APPLIED
            batch.summary = applied.summary()
            batch.applied_at = timezone.now()
            batch.content = b""
            batch.plan = {}
            batch.save(update_fields=["status", "summary", "applied_at", "content", "plan"])
    finished = time.perf_counter()
    rss_peak = max_rss_mb()

    # After the measurement: what the stored plan weighs, and its share of «store» that is the encoding.
    encode_started = time.perf_counter()
    encoded = json.dumps(plan.to_json(), cls=CompactJSONEncoder).encode()
    encode_s = time.perf_counter() - encode_started

    if profile:
        import pstats

        for label, profiler in profiles.items():
            log(f"\n=== cProfile: {label} ({number(len(plan.rows))} rows), top {profile} by cumulative time ===")
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(int(profile))
    refused = [f"row {row.number}: {'; '.join(row.errors)}" for row in applied.rows if row.action == "refused"]
    return {
        "preview_s": uploaded - started,
        "plan_s": plan_finished - plan_started,
        "to_json_s": json_finished - plan_finished,
        "store_s": uploaded - json_finished,
        "apply_s": finished - confirm_started,
        "apply_call_s": apply_finished - confirm_started,
        "commit_s": finished - apply_finished,
        "plan_json_mb": len(encoded) / 2**20,
        "encode_s": encode_s,
        "reused": reused,
        "plan_counts": plan.counts,
        "counts": applied.counts,
        "can_apply": applied.can_apply,
        "error": applied.error,
        "refused": refused[:5],
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_peak,
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


def run_worker(*args: str, stderr: bool = False) -> dict:
    """Run ``--worker args`` in a subprocess and return its result; ``stderr``: let its stderr through."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    completed = subprocess.run(
        command,
        stdout=subprocess.PIPE,
        stderr=None if stderr else subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(f"worker {args[0]} failed (exit {completed.returncode}):\n{(completed.stderr or '')[-4000:]}")


# --- setup and cleanup -------------------------------------------------------------------------


def create_bench_objects():
    from django.contrib.auth import get_user_model

    from registry.models import Membership, Municipality, Organisation, Role

    municipality = Municipality.objects.create(name=BENCH_MUNICIPALITY)
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


def measure_import(table: Table, skip_baseline: bool, profile: int = 0) -> None:
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
        total = ours["preview_s"] + ours["apply_s"]
        peak = ours["rss_peak_mb"] - ours["rss_before_mb"]
        table.add("import: preview (upload: plan_import + to_json + store)", f"{ours['preview_s']:.2f} s")
        table.add(
            "import: preview, of which plan_import / to_json / store",
            f"{ours['plan_s']:.2f} / {ours['to_json_s']:.2f} / {ours['store_s']:.2f} s",
        )
        table.add(
            "import: stored plan: JSON size / encoding it (of «store»)",
            f"{ours['plan_json_mb']:.1f} MB / {ours['encode_s']:.2f} s",
        )
        table.add("import: confirm (apply_import with the stored plan)", f"{ours['apply_s']:.2f} s")
        table.add(
            "import: confirm, of which batch read + apply_import / batch save + commit",
            f"{ours['apply_call_s']:.2f} / {ours['commit_s']:.2f} s",
        )
        table.add("import: confirm reused the preview's plan", "yes" if ours["reused"] else "no", "yes", ours["reused"])
        table.add("import: preview + confirm", f"{total:.2f} s", f"≤ {TARGET_IMPORT_S:g} s", total <= TARGET_IMPORT_S)
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
        again_total = again["preview_s"] + again["apply_s"]
        table.add(
            "re-import (nothing changed): preview + confirm",
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
        if profile:
            log("import: profiling a first import (people deleted first; subprocess; cProfile on stderr)")
            delete_people(Person.objects.filter(organisation=organisation))
            profiled = run_worker("ours", path, user.username, str(profile), stderr=True)
            log(
                f"import under cProfile: plan_import {profiled['plan_s']:.2f} s, "
                f"apply_import (confirm) {profiled['apply_s']:.2f} s; counts {profiled['counts']}"
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
            "ratio baseline / ours (preview + confirm)", f"{ratio:.1f}×", f"≥ {TARGET_RATIO:g}×", ratio >= TARGET_RATIO
        )
        table.add("ratio baseline / ours (confirm alone)", f"{baseline['total_s'] / ours['apply_s']:.1f}×")
        table.refer(
            "import: preview + confirm",
            reference_text(total * 1000, baseline["total_s"] * 1000, "django-import-export default resource"),
        )
    finally:
        os.unlink(path)


# --- 4. the roadmap read from Word ---------------------------------------------------------------

ROADMAP_TITLE = (
    "План мероприятий («дорожная карта») по реализации целевой модели наставничества педагогических "
    "работников в образовательных организациях Котельниковского муниципального района на 2025–2026 учебный год"
)
ROADMAP_HEADER = (
    "№ п/п",
    "Наименование мероприятий",
    "Срок реализации",
    "Ответственный исполнитель",
    "Результат, вид документа",
)
ROADMAP_SECTIONS_TITLES = (
    "Нормативно-правовое обеспечение реализации системы наставничества",
    "Организационное обеспечение реализации программ наставничества",
    "Формирование базы наставников и наставляемых",
    "Разработка персонализированных программ наставничества",
    "Методическое сопровождение наставнической деятельности",
    "Повышение профессиональной компетентности наставников",
    "Сопровождение молодых педагогов в первые три года работы",
    "Наставничество в форме «педагог – педагог»",
    "Наставничество в форме «руководитель – педагог»",
    "Сетевое взаимодействие образовательных организаций",
    "Информационное сопровождение системы наставничества",
    "Психолого-педагогическое сопровождение участников наставнических пар",
    "Проведение конкурсов профессионального мастерства",
    "Распространение лучших практик наставничества",
    "Мониторинг реализации программ наставничества",
    "Оценка результатов наставнической деятельности",
    "Взаимодействие с муниципальным методическим центром",
    "Работа школьных методических объединений",
    "Поощрение и мотивация наставников",
    "Подведение итогов реализации дорожной карты",
)
ROADMAP_ACTIONS = (
    "Разработка и утверждение",
    "Проведение",
    "Организация и проведение",
    "Подготовка и проведение",
    "Актуализация",
    "Анализ",
    "Обновление",
    "Формирование",
    "Обобщение и распространение",
    "Согласование",
    "Мониторинг",
    "Обсуждение на заседании педагогического совета",
)
ROADMAP_OBJECTS = (
    "положения о системе наставничества педагогических работников образовательной организации",
    "плана мероприятий по реализации программы наставничества на текущий учебный год",
    "базы данных наставников и наставляемых с указанием форм наставничества",
    "персонализированных программ наставничества для молодых специалистов",
    "методических рекомендаций для наставников по организации работы с наставляемыми",
    "семинара-практикума «Эффективные формы работы наставника с молодым педагогом»",
    "анкетирования участников наставнических пар на предмет удовлетворённости программой",
    "открытых уроков и мастер-классов педагогов-наставников",
    "отчёта о реализации программы наставничества за полугодие",
    "школьного этапа конкурса профессионального мастерства «Наставник года»",
    "приказа о закреплении наставнических пар (групп)",
    "диагностики профессиональных дефицитов молодых педагогов",
    "круглого стола «Наставничество: опыт, проблемы, перспективы»",
    "индивидуальных образовательных маршрутов наставляемых",
    "консультаций для наставляемых по вопросам планирования и проведения урока",
    "материалов о лучших практиках наставничества на официальном сайте образовательной организации",
    "взаимопосещения уроков наставниками и наставляемыми с последующим анализом",
    "портфолио наставника и наставляемого",
)
ROADMAP_TAILS = (
    "",
    "",
    "",
    " с участием представителей муниципального методического центра",
    " в соответствии с распоряжением Минпросвещения России от 25.12.2019 № Р-145",
    " по итогам первого полугодия",
    " в дистанционном формате",
)
ROADMAP_DEADLINES = (
    "сентябрь 2025 г.",
    "октябрь 2025 г.",
    "до 15 ноября 2025 г.",
    "декабрь 2025 г. – январь 2026 г.",
    "в течение учебного года",
    "ежеквартально",
    "по мере необходимости",
    "март 2026 г.",
    "май 2026 г.",
    "до 30 июня 2026 г.",
)
ROADMAP_RESPONSIBLE = (
    "Заместитель директора по учебно-воспитательной работе",
    "Куратор программы наставничества",
    "Руководители школьных методических объединений",
    "Директор образовательной организации",
    "Педагог-психолог",
    "Наставники, наставляемые",
    "Методист муниципального методического центра",
    "Заместитель директора по УВР, куратор программы наставничества",
)
ROADMAP_RESULTS = (
    "Приказ директора ОО",
    "Положение о наставничестве",
    "Аналитическая справка",
    "Протокол заседания педагогического совета",
    "План работы на учебный год",
    "Отчёт о реализации программы наставничества",
    "Информация на официальном сайте ОО",
    "Методические рекомендации",
    "Сертификаты участников",
    "Банк данных наставников и наставляемых",
    "Персонализированная программа наставничества",
    "Результаты анкетирования, аналитическая справка",
)


def roadmap_rows(seed: int = 200) -> list[tuple[str, str, str, str, str] | tuple[str, str]]:
    """20 section rows («1», title) and under each 10 items («1.1», content, deadline, responsible, result)."""
    rng = random.Random(seed)
    rows: list = []
    for section in range(1, ROADMAP_SECTIONS + 1):
        rows.append((str(section), ROADMAP_SECTIONS_TITLES[(section - 1) % len(ROADMAP_SECTIONS_TITLES)]))
        for item in range(1, ROADMAP_ITEMS + 1):
            content = f"{rng.choice(ROADMAP_ACTIONS)} {rng.choice(ROADMAP_OBJECTS)}{rng.choice(ROADMAP_TAILS)}"
            rows.append(
                (
                    f"{section}.{item}",
                    content,
                    rng.choice(ROADMAP_DEADLINES),
                    rng.choice(ROADMAP_RESPONSIBLE),
                    rng.choice(ROADMAP_RESULTS),
                )
            )
    return rows


def build_roadmap_docx(rows) -> bytes:
    """A Word file as departments send it: the title paragraph, then one table; section titles span the row."""
    import io

    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.add_paragraph("УТВЕРЖДЕН приказом отдела образования от 29.08.2025 № 215-од")
    title = document.add_paragraph()
    run = title.add_run(ROADMAP_TITLE)
    run.bold = True
    run.font.size = Pt(12)
    table = document.add_table(rows=1 + len(rows), cols=len(ROADMAP_HEADER))
    table.style = "Table Grid"
    # Filled through the cells' XML rows once: python-docx's table.cell(r, c) walks the grid each call.
    xml_rows = table.rows
    for cell, text in zip(xml_rows[0].cells, ROADMAP_HEADER, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row, values in zip(xml_rows[1:], rows, strict=True):
        cells = row.cells
        if len(values) == 2:  # a section: its number, and its title over the other four columns
            cells[0].text = values[0]
            merged = cells[1].merge(cells[-1])
            merged.text = values[1]
            merged.paragraphs[0].runs[0].bold = True
        else:
            for cell, text in zip(cells, values, strict=True):
                cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_roadmap_xlsx(rows) -> bytes:
    """The same table as an Excel sheet: the title in A1, the header in row 3."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Дорожная карта"
    sheet.append([ROADMAP_TITLE])
    sheet.append([])
    sheet.append(list(ROADMAP_HEADER))
    for values in rows:
        sheet.append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def median_time(function, repeat: int = ROADMAP_REPEAT) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls after one warm-up call; and the last call's result."""
    result = function()
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure_roadmap(table: Table) -> None:
    """``plan_roadmap`` of a 200-item Word roadmap (the preview's work, nothing written), beside two references.

    References measured in the same run: python-docx opening the same file (``Document(...)``, the
    part of the read that is the library's), and ``plan_roadmap`` of the same table as an xlsx.
    """
    import io

    import docx

    from roadmaps.importing import plan_roadmap

    items = ROADMAP_SECTIONS * ROADMAP_ITEMS
    log(f"roadmap: building the {items}-item docx and xlsx")
    rows = roadmap_rows()
    content = build_roadmap_docx(rows)
    workbook = build_roadmap_xlsx(rows)
    log(f"roadmap: plan_roadmap of the docx, median of {ROADMAP_REPEAT}")
    docx_s, plan = median_time(lambda: plan_roadmap("план.docx", content))
    open_s, _document = median_time(lambda: docx.Document(io.BytesIO(content)))
    xlsx_s, xlsx_plan = median_time(lambda: plan_roadmap("план.xlsx", workbook))
    json_s, _data = median_time(lambda: plan.to_json())
    counts = plan.counts()
    read_ok = plan.can_apply and counts["sections"] == ROADMAP_SECTIONS and counts["items"] == items
    name = f"roadmap {items} items"
    table.add(f"{name}: docx file", f"{len(content) / 1024:.0f} KB")
    table.add(
        f"{name}: plan_roadmap(docx) (preview), median of {ROADMAP_REPEAT}",
        f"{docx_s * 1000:.0f} ms",
        f"< {TARGET_ROADMAP_S:g} s",
        docx_s < TARGET_ROADMAP_S,
    )
    table.add(f"{name}: reference: python-docx Document() open of the same file", f"{open_s * 1000:.0f} ms")
    table.add(f"{name}: reference: plan_roadmap of the same table as xlsx", f"{xlsx_s * 1000:.0f} ms")
    table.add(f"{name}: plan.to_json()", f"{json_s * 1000:.1f} ms")
    table.add(
        f"{name}: sections / items read (docx; xlsx)",
        f"{counts['sections']} / {counts['items']}; {xlsx_plan.counts()['sections']} / {xlsx_plan.item_count}",
        f"{ROADMAP_SECTIONS} / {items}",
        read_ok and xlsx_plan.item_count == items,
    )
    if not read_ok:
        log(f"roadmap: error {plan.error!r}, errors {plan.errors[:5]}, counts {counts}")


# --- main --------------------------------------------------------------------------------------


def main() -> int:
    global ROWS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", action="store_true", help="print the slowest SQL of each page on stderr")
    parser.add_argument("--skip-baseline", action="store_true", help="skip the ~2 minute django-import-export run")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"rows of the import file (default {ROWS:,})")
    parser.add_argument(
        "--imports-only",
        action="store_true",
        help="leave out the registry pages (the imports need no region data: the default demo will do)",
    )
    parser.add_argument(
        "--pages-only", action="store_true", help="only the registry pages and the dashboards (no imports)"
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=15,
        default=0,
        metavar="N",
        help="also profile a first import (cProfile, plan_import and apply_import apart): top N (15) on stderr",
    )
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
        if not args.imports_only:
            references = measure_admin_changelist()
            measure_pages(table, args.queries, references)
            measure_dashboards(table, references[0])
        if not args.pages_only:
            measure_import(table, args.skip_baseline, args.profile)
            measure_roadmap(table)
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
