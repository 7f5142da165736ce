"""The load benchmark: 50 simulated people on a production-like gunicorn, region-scale data.

Run with ``make bench-load`` (it loads the region data first), or, when the data is there,
``.venv/bin/python bench/load.py``. Steps:

1. joins the database (``DATABASE_URL``, or the embedded server in ``PGSERVER_DATA``) and
   prepares the accounts (``bench/accounts.py``: coordinators, curators and directors of
   schools spread over the region, a roadmap waiting for each director);
2. collects the static files into a ``STATIC_ROOT`` under the temporary directory (reused
   while the sources stay the same) and starts gunicorn on 127.0.0.1 (a free port) in
   production mode: ``DJANGO_DEBUG`` unset, a random secret key, no HTTPS redirect and no
   secure-only cookies (plain HTTP on the loopback); one journey per role over HTTP is a
   smoke test before the load;
3. runs locust headless in a subprocess (``bench/locustfile.py``, the journeys of
   ``bench/scenario.py``): by default 50 users (12 coordinators, 26 curators, 12
   directors) spawned at 10 per second, each signing in through the form; once all have,
   60 seconds of journeys with 3–8 s of thinking between two steps (a person reads the
   page or fills the form; real users take longer still, so 50 simulated users stand for
   more than 50 real ones; ``--think-min 1 --think-max 3`` is the stress variant);
4. prints the sign-in burst (no latency target: each sign-in hashes the password with
   PBKDF2, about a second of CPU, on purpose), then per page kind of the journeys the
   requests, failures, median, p95 and max, the throughput and where the CPU went, and
   checks the targets: no failed request, p95 ≤ 500 ms over all pages, ≤ 5 s over the
   exports (PDF, Excel); each page kind's own p95 is marked "over" when above, for finding
   hot spots, without failing the run (over a few requests a p95 is nearly the maximum).
   Exits 1 when a target is missed.

Each run's samples and logs stay in ``/tmp/bench-load-*/``; ``--report DIR`` prints a run's
table again.

Locust runs in its own process: its gevent monkey-patching never meets Django's database
connections here. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import scenario  # noqa: E402 - after the path set-up above

TARGET_MS = {"page": 500, "export": 5000, "login": 2000}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> tuple[str, Path | None]:
    """``DATABASE_URL``, or the embedded server's (started here, kept until this process ends) and its data."""
    if url := os.environ.get("DATABASE_URL"):
        return url, None
    from mentoring_portal.embedded_db import embedded_database_url

    data = Path(os.environ.get("PGSERVER_DATA", ROOT / "var" / "pgdata"))
    return embedded_database_url(data), data


# --- CPU accounting: where the cores went during the journeys --------------------------------------
def process_table() -> dict[int, tuple[int, float]]:
    """pid → (parent pid, CPU seconds of the process and its reaped children), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
        table[int(entry)] = (int(fields[1]), (utime + stime + cutime + cstime) / tick)
    return table


def tree_cpu(root: int | None, table: dict[int, tuple[int, float]]) -> float | None:
    """CPU seconds of ``root`` and all its descendants (each process counted once)."""
    if root is None or root not in table:
        return None
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _) in table.items():
        children[parent].append(pid)
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += table[pid][1]
        stack += children[pid]
    return total


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine since boot (every process, ours and the other jobs')."""
    with open("/proc/stat") as handle:
        values = [int(value) for value in handle.readline().split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def postmaster_pid(data: Path | None) -> int | None:
    for candidate in (data, data / "pgdata") if data else ():
        try:
            return int((candidate / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return None


def cpu_snapshot(roots: dict[str, int | None]) -> dict[str, float | None]:
    table = process_table()
    return {name: tree_cpu(pid, table) for name, pid in roots.items()} | {
        "machine": machine_busy(),
        "wall": time.monotonic(),
    }


def prepare(url: str, counts: dict[str, int]) -> tuple[dict[str, list[str]], dict]:
    """The accounts, through the ORM in this process (debug settings: no secret key needed)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_portal.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.db import connection, connections
    from django.db.migrations.executor import MigrationExecutor

    from bench.accounts import prepare_accounts
    from registry.models import Organisation, Person

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("Unapplied migrations: run `make bench-data` (or manage.py migrate) first.")
    if not Person.objects.exists():
        sys.exit("No data: run `make bench-data` first.")
    logins = prepare_accounts(
        coordinators=counts["coordinator"], curators=counts["curator"], directors=counts["director"]
    )
    data = {"people": Person.objects.count(), "organisations": Organisation.objects.count()}
    connections.close_all()
    return logins, data


def server_env(url: str, static: Path, args) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env |= {
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_ROOT": str(static),
        # Plain HTTP on the loopback: no redirect to HTTPS, cookies not limited to HTTPS.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": str(args.conn_max_age),
        "PYTHONUNBUFFERED": "1",
    }
    if args.debug:
        env["DJANGO_DEBUG"] = "1"
    return env


def static_root() -> Path:
    """A STATIC_ROOT under the temporary directory, named after the static sources it was collected from.

    Production settings serve hashed, compressed files that ``collectstatic`` builds; that takes a
    minute or two on a busy 2-CPU machine, so the result is kept and reused while the project's
    ``static/`` files and the installed packages stay the same.
    """
    import importlib.metadata

    fingerprint = hashlib.sha1()
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            stat = path.stat()
            fingerprint.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    # The apps' own static files (the admin's...) change with the installed versions.
    versions = sorted(f"{dist.metadata['Name']}={dist.version}" for dist in importlib.metadata.distributions())
    fingerprint.update("\n".join(versions).encode())
    return Path(tempfile.gettempdir()) / f"mentoring-portal-bench-static-{fingerprint.hexdigest()[:12]}"


def collect_static(env: dict[str, str]) -> None:
    root = Path(env["DJANGO_STATIC_ROOT"])
    if (root / "staticfiles.json").exists():
        log(f"static files: reusing {root}")
        return
    log(f"static files: collectstatic into {root} (once; reused by later runs)...")
    building = root.with_name(root.name + f".{os.getpid()}")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env | {"DJANGO_STATIC_ROOT": str(building)},
        check=True,
    )
    try:
        building.rename(root)
    except OSError:  # another run finished first
        shutil.rmtree(building, ignore_errors=True)


def start_server(env: dict[str, str], port: int, args, workdir: Path) -> subprocess.Popen:
    started = time.monotonic()
    collect_static(env)
    command = [
        str(BIN / "gunicorn"),
        "mentoring_portal.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--error-logfile",
        str(workdir / "gunicorn.log"),
    ]
    if args.threads > 1:
        command += ["--threads", str(args.threads), "--worker-class", "gthread"]
    log(f"gunicorn: {args.workers} workers × {args.threads} threads on 127.0.0.1:{port}")
    with open(workdir / "server.log", "w") as output:  # the portal's own logging (axes' sign-ins...)
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}; see {workdir / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{scenario.LOGIN_PATH}", timeout=10) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    else:
        stop_server(server)
        sys.exit(f"gunicorn did not answer within 90 s; see {workdir / 'gunicorn.log'}")
    log(f"server ready in {time.monotonic() - started:.0f} s")
    # Every worker renders the login page once, so no worker's first template load is measured.
    for _ in range(args.workers * 3):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{scenario.LOGIN_PATH}", timeout=30):
            pass
    return server


class RequestsBrowser(scenario.Browser):
    """``scenario.Browser`` over a plain ``requests`` session, for the smoke run before the load."""

    def __init__(self, base: str):
        import requests

        self.base = base
        self.session = requests.Session()

    def _request(self, method, path, name, data, expect):
        response = self.session.request(method, self.base + path, data=data, allow_redirects=True, timeout=120)
        content_type = response.headers.get("Content-Type", "")
        page = scenario.Page(
            status=response.status_code,
            path=response.request.path_url.split("?", 1)[0],
            text=response.text if content_type.startswith("text/") else "",
            redirected=bool(response.history),
            content_type=content_type,
            size=len(response.content),
        )
        if failure := scenario.problem(page, expect or scenario.Expect()):
            raise scenario.StepFailed(f"{name}: {method} {path}: {failure}")
        return page


def smoke(port: int, logins: dict[str, list[str]], workdir: Path) -> None:
    """One journey per role before the load: a broken page stops the benchmark in seconds, not minutes."""
    import random

    log("smoke run: one journey per role...")
    for role in ("director", "curator", "coordinator"):  # the director first: the curator resubmits after
        browser = RequestsBrowser(f"http://127.0.0.1:{port}")
        try:
            scenario.log_in(browser, logins[role][0])
            scenario.JOURNEYS[role](browser, random.Random(1))
        except scenario.StepFailed as error:
            log_tails(workdir)
            raise SystemExit(f"smoke run failed for {logins[role][0]} ({role}): {error}") from None


def log_tails(workdir: Path) -> None:
    for name in ("gunicorn.log", "server.log"):
        path = workdir / name
        tail = path.read_text(errors="replace").splitlines()[-20:] if path.exists() else []
        if tail:
            log(f"last lines of {path}:\n" + "\n".join(tail))


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_locust(
    port: int, logins: dict[str, list[str]], counts: dict[str, int], args, workdir: Path, roots: dict[str, int | None]
) -> dict[str, float | None]:
    """Run locust; returns the CPU seconds spent during the journeys per process tree (``roots``)."""
    samples = workdir / "samples.jsonl"
    env = os.environ | {
        "LOAD_ACCOUNTS": json.dumps(logins),
        "LOAD_USERS": json.dumps(counts),
        "LOAD_THINK": f"{args.think_min},{args.think_max}",
        "LOAD_DURATION": str(args.run_time),
        "LOAD_SAMPLES": str(samples),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(sum(counts.values())),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",  # a cap only: the locustfile stops after the sign-in burst and --run-time seconds
        f"{args.run_time + 900}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    log(
        f"locust: {sum(counts.values())} users ({', '.join(f'{n} {role}s' for role, n in counts.items())}), "
        f"spawn rate {args.spawn_rate}/s, {args.run_time} s; its own report: {workdir / 'locust.log'}"
    )
    marker = Path(f"{samples}.journeys")  # the locustfile writes it when the last user has signed in
    before = None
    reaped = children_cpu()
    with open(workdir / "locust.log", "w") as output:
        runner = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        roots = roots | {"locust": runner.pid}
        while runner.poll() is None:
            if before is None and marker.exists():
                before = cpu_snapshot(roots)
            time.sleep(0.2)
        after = cpu_snapshot(roots | {"locust": None})
    if not samples.exists():
        sys.exit(f"locust wrote no samples; see {workdir / 'locust.log'}")
    if before is None:
        return {}
    spent = {
        name: after[name] - before[name]
        for name in before
        if name != "locust" and before[name] is not None and after.get(name) is not None
    }
    # locust has been reaped by now: its whole CPU time is in this process's children's account.
    spent["locust"] = children_cpu() - reaped - before["locust"] if before.get("locust") is not None else None
    return spent


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- the report ----------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    return values[max(0, math.ceil(share * len(values)) - 1)]


class Table:
    def __init__(self, header: tuple[str, ...], right: set[int]):
        self.rows: list[tuple[str, ...]] = [header]
        self.right = right

    def add(self, *row: str) -> None:
        self.rows.append(tuple(row) + ("",) * (len(self.rows[0]) - len(row)))

    def render(self) -> str:
        widths = [max(len(row[i]) for row in self.rows) for i in range(len(self.rows[0]))]

        def fmt(row):
            return " | ".join(
                cell.rjust(width) if i in self.right else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()

        return "\n".join([fmt(self.rows[0]), "-+-".join("-" * w for w in widths), *map(fmt, self.rows[1:])])


def stats(rows: list[dict]) -> tuple[int, int, float, float, float]:
    """Requests, failures, median, p95 and max (ms) of some samples."""
    times = sorted(row["ms"] for row in rows)
    failures = sum(1 for row in rows if row["error"])
    return len(times), failures, statistics.median(times), percentile(times, 0.95), times[-1]


def by_name(samples: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for sample in samples:
        grouped[sample["name"]].append(sample)
    return grouped


HEADER = ("page kind", "requests", "failures", "median ms", "p95 ms", "max ms", "target p95", "ok?")


def sign_in_table(samples: list[dict], journeys_from: float | None) -> list[str]:
    table = Table(HEADER[:6], {1, 2, 3, 4, 5})
    for name, rows in sorted(by_name(samples).items()):
        count, failures, median, p95, longest = stats(rows)
        table.add(name, str(count), str(failures), f"{median:.0f}", f"{p95:.0f}", f"{longest:.0f}")
    first = min(row["start"] for row in samples)
    signed_in = sum(1 for row in samples if row["name"] == "login: POST" and not row["error"])
    span = f"{journeys_from - first:.1f} s" if journeys_from else "never completed"
    return [
        f"sign-in burst: {signed_in} users signed in through the form; first request to last sign-in: {span} "
        "(no latency target: PBKDF2 makes each sign-in cost about a second of CPU on purpose)",
        table.render(),
    ]


def journeys_table(samples: list[dict]) -> tuple[list[str], bool]:
    grouped = by_name(samples)
    kinds = scenario.kinds_of(grouped)
    order = {"login": 0, "page": 1, "export": 2}
    table = Table(HEADER, {1, 2, 3, 4, 5})
    # The targets are judged on all pages and on all exports together, as stated ("p95 ≤ 500 ms for
    # pages, ≤ 5 s for PDF exports"); a page kind's own p95 over a handful of requests is close to
    # its maximum, so it is shown for finding hot spots ("over") but does not fail the run.
    all_ok = True
    for name in sorted(grouped, key=lambda n: (order[kinds[n]], n)):
        count, failures, median, p95, longest = stats(grouped[name])
        target = TARGET_MS[kinds[name]]
        all_ok &= failures == 0
        cells = (f"{median:.0f}", f"{p95:.0f}", f"{longest:.0f}", f"≤ {target:,} ms".replace(",", " "))
        table.add(name, str(count), str(failures), *cells, "—" if p95 <= target else "over")
    for kind in ("page", "export"):
        rows = [row for name, rows in grouped.items() if kinds[name] == kind for row in rows]
        if rows:
            count, failures, median, p95, longest = stats(rows)
            target = TARGET_MS[kind]
            ok = failures == 0 and p95 <= target
            all_ok &= ok
            cells = (f"{median:.0f}", f"{p95:.0f}", f"{longest:.0f}", f"≤ {target:,} ms".replace(",", " "))
            table.add(f"all {kind}s", str(count), str(failures), *cells, "yes" if ok else "NO")
    return [table.render()], all_ok


def cpu_lines(cpu: dict[str, float | None], requests: int) -> list[str]:
    """Where the cores went during the journeys: the portal, PostgreSQL, locust, everything else."""
    if not cpu.get("wall"):
        return []
    wall, cores = cpu["wall"], os.cpu_count() or 1
    parts = []
    for name in ("gunicorn", "postgres", "locust"):
        if cpu.get(name) is not None:
            per_request = f", {1000 * cpu[name] / requests:.0f} ms per request" if name != "locust" else ""
            parts.append(f"{name} {cpu[name]:.0f} s ({cpu[name] / wall:.2f} cores{per_request})")
    ours = sum(cpu.get(name) or 0 for name in ("gunicorn", "postgres", "locust"))
    others = max(0.0, cpu["machine"] - ours)
    return [
        f"CPU during the journeys ({wall:.0f} s × {cores} cores = {wall * cores:.0f} core-seconds): "
        + "; ".join(parts)
        + f"; the whole machine {cpu['machine']:.0f} s busy, of which other jobs ≈ {others:.0f} s"
    ]


def report(workdir: Path) -> tuple[str, bool]:
    """The table of a run from its directory (``samples.jsonl`` and ``context.json``)."""
    context = json.loads((workdir / "context.json").read_text(encoding="utf-8"))
    lines = (workdir / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    meta, *samples = (json.loads(line) for line in lines if line)
    journeys_from = meta["journeys_from"]
    sign_in = [row for row in samples if journeys_from is None or row["start"] < journeys_from]
    journeys = [row for row in samples if journeys_from is not None and row["start"] >= journeys_from]
    lines = [
        f"date: {context['date']}; machine: {os.cpu_count()} CPUs, load average (1 min) "
        f"{context['load_before']:.2f} before / {context['load_after']:.2f} after, shared with other jobs",
        f"data: {context['data']['people']:,} people, {context['data']['organisations']:,} organisations; "
        f"server: gunicorn {context['workers']} workers × {context['threads']} threads, "
        f"{'DEBUG' if context['debug'] else 'production settings'}, DB_CONN_MAX_AGE={context['conn_max_age']}",
        f"load: {context['users']} users ({context['split']}), spawn {context['spawn_rate']}/s, "
        f"then {context['run_time']} s of journeys, think {context['think']} s",
        "",
    ]
    all_ok = True
    if sign_in:
        lines += [*sign_in_table(sign_in, journeys_from), ""]
    if journeys:
        ended = max(row["start"] + row["ms"] / 1000 for row in journeys)
        table, all_ok = journeys_table(journeys)
        lines += [f"journeys ({ended - journeys_from:.0f} s):", *table, ""]
        rate = len(journeys) / (ended - journeys_from)
        lines.append(f"throughput: {len(journeys)} requests in {ended - journeys_from:.1f} s = {rate:.1f} req/s")
        lines += cpu_lines(context.get("cpu") or {}, len(journeys))
    else:
        all_ok = False
        lines.append("journeys: none ran (not every user signed in?)")
    failures = [row for row in samples if row["error"]]
    lines.append(f"errors: {len(failures)} of {len(samples)} requests ({100 * len(failures) / len(samples):.2f} %)")
    if failures:
        all_ok = False
        reasons: dict[tuple[str, str], int] = defaultdict(int)
        for row in failures:
            reasons[(row["name"], row["error"])] += 1
        lines += [f"  {count} × {name}: {error}" for (name, error), count in sorted(reasons.items())]
    lines.append(f"targets: {'all met' if all_ok else 'MISSED'}")
    return "\n".join(lines), all_ok


def split_users(total: int) -> dict[str, int]:
    """About a quarter coordinators, half curators, a quarter directors."""
    coordinators = directors = max(1, round(total * 0.24))
    return {"coordinator": coordinators, "curator": max(1, total - coordinators - directors), "director": directors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", type=int, default=60, help="seconds")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (default 5: 2 × 2 cores + 1)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (> 1: gthread workers)")
    parser.add_argument("--conn-max-age", type=int, default=60, help="DB_CONN_MAX_AGE of the server")
    parser.add_argument("--think-min", type=float, default=3.0)
    parser.add_argument("--think-max", type=float, default=8.0)
    parser.add_argument("--debug", action="store_true", help="run the server with DJANGO_DEBUG=1")
    parser.add_argument("--cleanup", action="store_true", help="delete the load-* accounts afterwards")
    parser.add_argument("--report", type=Path, metavar="DIR", help="only print the table of an earlier run's DIR")
    args = parser.parse_args()
    if args.report:
        text, ok = report(args.report)
        print(text)
        return 0 if ok else 1

    load_before = os.getloadavg()[0]
    counts = split_users(args.users)
    url, pg_data = database_url()
    log("preparing accounts...")
    started = time.monotonic()
    logins, data = prepare(url, counts)
    log(f"accounts ready in {time.monotonic() - started:.0f} s")
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))  # kept: logs and samples for a later look
    env = server_env(url, static_root(), args)
    port = free_port()
    server = start_server(env, port, args, workdir)
    try:
        smoke(port, logins, workdir)
        cpu = run_locust(
            port, logins, counts, args, workdir, {"gunicorn": server.pid, "postgres": postmaster_pid(pg_data)}
        )
    finally:
        stop_server(server)
    context = {
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "data": data,
        "workers": args.workers,
        "threads": args.threads,
        "debug": args.debug,
        "conn_max_age": args.conn_max_age,
        "users": args.users,
        "split": ", ".join(f"{n} {role}s" for role, n in counts.items()),
        "spawn_rate": args.spawn_rate,
        "run_time": args.run_time,
        "think": f"{args.think_min:g}–{args.think_max:g}",
        "cpu": cpu,
    }
    (workdir / "context.json").write_text(json.dumps(context), encoding="utf-8")
    text, ok = report(workdir)
    if not ok:
        log_tails(workdir)
    log(f"samples, logs and locust's own report: {workdir}")
    print(text)
    if args.cleanup:
        from bench.accounts import remove_accounts

        log(f"removed {remove_accounts()} load accounts")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
