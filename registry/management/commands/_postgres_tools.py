"""Shared helpers of the ``backup`` and ``restore`` commands: the client binaries and how to call them.

pg_dump and pg_restore must have the server's major version: an older pg_dump refuses a newer
server, and a newer one writes archives an older pg_restore cannot read. The server is asked for
its version, then the binaries are looked for where each kind of installation keeps them.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connections

# The libpq environment variables a subprocess must not inherit: the settings decide where it connects.
INHERITED_CONNECTION_ENV = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE")

# Connection options Django may hold in OPTIONS, as libpq environment variables.
OPTION_ENV = {
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}

VERSION_PATTERN = re.compile(r"\(PostgreSQL\)\s+(\d+)")


def server_version_num(alias: str) -> int:
    """``server_version_num`` of the database behind the Django connection ``alias`` (e.g. 160002)."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0])


def major_version(version_num: int) -> int:
    """The major version in a ``server_version_num``: 160002 → 16, 150018 → 15 (PostgreSQL 10 and newer)."""
    return version_num // 10000


def candidate_binaries(tool: str, major: int) -> list[Path]:
    """Where ``tool`` may be, best first: pgserver's bundle (PostgreSQL 16), Debian's per-version dir, PATH."""
    candidates = []
    if major == 16:
        # Located, not imported: importing pgserver has side effects, and it is only needed without DATABASE_URL.
        spec = importlib.util.find_spec("pgserver")
        if spec and spec.origin:
            candidates.append(Path(spec.origin).parent / "pginstall" / "bin" / tool)
    candidates.append(Path("/usr/lib/postgresql") / str(major) / "bin" / tool)
    on_path = shutil.which(tool)
    if on_path:
        candidates.append(Path(on_path))
    return candidates


def binary_major_version(path: Path) -> int | None:
    """The major version ``path --version`` reports, or None if it is missing or does not run."""
    if not (path.is_file() and os.access(path, os.X_OK)):
        return None
    try:
        result = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = VERSION_PATTERN.search(result.stdout)
    return int(match.group(1)) if result.returncode == 0 and match else None


def find_binary(tool: str, version_num: int) -> Path:
    """The ``tool`` binary of the server's major version; CommandError naming every place looked at."""
    major = major_version(version_num)
    tried = []
    for path in candidate_binaries(tool, major):
        found = binary_major_version(path)
        if found == major:
            return path
        tried.append(f"{path} ({'нет' if found is None else f'версия {found}'})")
    raise CommandError(
        f"Не найден {tool} версии {major}, а сервер базы данных — PostgreSQL {major} "
        f"(server_version_num {version_num}). Проверено: {'; '.join(tried) or 'ничего'}. "
        f"Установите клиент PostgreSQL {major} (Debian/Ubuntu: apt-get install postgresql-client-{major})."
    )


def connection_args_and_env(alias: str) -> tuple[list[str], dict[str, str]]:
    """Command-line connection options and the environment for a libpq client of the database ``alias``.

    The password goes into PGPASSWORD only, never into the arguments other users may see in ps.
    The embedded server is reached through a unix socket: dj-database-url leaves HOST empty
    and puts the socket directory into OPTIONS["host"].
    """
    settings_dict = connections[alias].settings_dict
    options = settings_dict.get("OPTIONS") or {}
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_CONNECTION_ENV}
    args = ["--no-password"]  # fail instead of prompting: the password comes from the settings or nowhere
    host = settings_dict.get("HOST") or options.get("host")
    port = settings_dict.get("PORT") or options.get("port")
    user = settings_dict.get("USER") or options.get("user")
    if host:
        args += ["--host", str(host)]
    if port:
        args += ["--port", str(port)]
    if user:
        args += ["--username", str(user)]
    args += ["--dbname", str(settings_dict["NAME"] or "postgres")]
    password = settings_dict.get("PASSWORD") or options.get("password")
    if password:
        env["PGPASSWORD"] = str(password)
    for option, variable in OPTION_ENV.items():
        if options.get(option) not in (None, ""):
            env[variable] = str(options[option])
    return args, env


def run(command: list[str], env: dict[str, str], failure: str) -> subprocess.CompletedProcess:
    """Run a client binary; CommandError with ``failure`` and the tail of its stderr if it fails."""
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as error:
        raise CommandError(f"{failure}: {error}") from error
    if result.returncode != 0:
        details = "\n".join(result.stderr.strip().splitlines()[-20:])
        raise CommandError(f"{failure} ({Path(command[0]).name}, код {result.returncode}):\n{details}")
    return result


def describe_database(alias: str) -> str:
    """A short «name on host» for messages."""
    settings_dict = connections[alias].settings_dict
    host = settings_dict.get("HOST") or (settings_dict.get("OPTIONS") or {}).get("host") or "localhost"
    port = settings_dict.get("PORT")
    return f"«{settings_dict['NAME']}» на {host}{f':{port}' if port else ''}"
