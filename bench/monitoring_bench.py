"""The monitoring benchmark: indicators for the whole region, and the analytical report as PDF.

Run by ``make bench`` after the registry benchmark, on the region-scale demo data
(``load_demo --scale region``). Prints one table (measure | value | target | ok?) and
exits 0 even when a target is missed: it reports, it does not assert.

Peak memory of the region report: the resident set of this process at its peak
(``ru_maxrss``, reset just before the call through ``/proc/self/clear_refs``) and, apart,
the largest of the rendering worker processes (``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MUNICIPAL_S = 2.0
TARGET_REGION_S = 20.0
TARGET_REGION_MB = 500


def reset_peak() -> int:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_portal.settings")
    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at")
    import io

    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from monitoring.indicators import organisation_figures
    from monitoring.reports import AnalyticalReport, heading_for
    from monitoring.services import live_data
    from registry.models import Municipality, Organisation

    rows = []
    municipality = Municipality.objects.annotate(n=Count("organisations")).filter(n__gte=90).order_by("name").first()
    organisations = list(Organisation.objects.filter(municipality=municipality).select_related("municipality"))
    everything = list(Organisation.objects.select_related("municipality").order_by("municipality__name", "short_name"))
    if municipality is None or len(everything) < 1000:
        print("Region data missing: run `make bench-data` first.", file=sys.stderr)
        sys.exit(0)

    import datetime

    today = datetime.date.today()
    window = {"starts_on": today.replace(year=today.year - 1), "ends_on": today}
    with CaptureQueriesContext(connection) as one:
        organisation_figures(organisations, **window)
    started = time.monotonic()
    with CaptureQueriesContext(connection) as region:
        organisation_figures(everything, **window)
    region_seconds = time.monotonic() - started
    rows.append(
        (
            "indicators: queries for one municipality / whole region",
            f"{len(one)} / {len(region)}",
            "equal",
            len(one) == len(region),
        )
    )
    rows.append((f"indicators for the region ({len(everything)} organisations), s", f"{region_seconds:.2f}", "—", None))

    data = live_data(organisations)
    times = []
    for _ in range(3):
        started = time.monotonic()
        _name, _type, pdf = AnalyticalReport().render(data, heading_for(municipality=municipality))
        times.append(time.monotonic() - started)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    median = statistics.median(times)
    rows.append(
        (
            f"municipal report PDF, {len(organisations)} organisations ({pages} pages), median of 3, s",
            f"{median:.2f}",
            f"≤ {TARGET_MUNICIPAL_S:g}",
            median <= TARGET_MUNICIPAL_S,
        )
    )

    region_data = live_data(everything)
    before = reset_peak()
    started = time.monotonic()
    heading = heading_for(title="региональный мониторинг") | {"by_municipality": True, "municipality": ""}
    _name, _type, pdf = AnalyticalReport().render(region_data, heading)
    seconds = time.monotonic() - started
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    rows.append(
        (
            f"region report PDF, {len(everything)} organisations ({pages} pages), s",
            f"{seconds:.2f}",
            f"≤ {TARGET_REGION_S:g}",
            seconds <= TARGET_REGION_S,
        )
    )
    peak = max(own_peak, child_peak)
    rows.append(
        (
            f"region report peak memory: this process (from {before} MB) / largest worker, MB",
            f"{own_peak} / {child_peak}",
            f"≤ {TARGET_REGION_MB}",
            peak <= TARGET_REGION_MB,
        )
    )

    width = max(len(row[0]) for row in rows)
    print(f"{'measure':<{width}} | {'value':>12} | {'target':>8} | ok?")
    print("-" * (width + 32))
    for measure, value, target, ok in rows:
        flag = "—" if ok is None else ("yes" if ok else "NO")
        print(f"{measure:<{width}} | {value:>12} | {target:>8} | {flag}")


if __name__ == "__main__":
    main()
