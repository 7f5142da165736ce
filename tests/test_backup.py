"""``make backup`` / ``make restore``: a pg_dump → pg_restore round trip keeps every row.

The dump is taken from the test database, whose demo data was committed at session setup, so
pg_dump (another connection) sees it; nothing here flushes it. The restore goes into a scratch
database created on the same server, through ``manage.py restore`` in a subprocess whose
DATABASE_URL points at it: exactly what ``make restore`` does against a configured database.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from unittest import mock
from urllib.parse import quote, urlencode

import psycopg2
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg2 import sql

from registry.management.commands import _postgres_tools

ROOT = Path(__file__).resolve().parent.parent


def connect(dbname: str):
    """An autocommit psycopg2 connection to ``dbname`` on the test server, outside Django's transactions."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)  # psycopg 3's adapters, which Django passes when it runs on psycopg 3
    params["dbname"] = dbname
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    return conn


@contextmanager
def scratch_database() -> Iterator[str]:
    """A fresh, empty database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with closing(connect(connection.settings_dict["NAME"])) as admin:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield name
        finally:
            with admin.cursor() as cursor:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_url(dbname: str) -> str:
    """DATABASE_URL of ``dbname`` on the test server (a unix socket directory goes into ?host=)."""
    settings_dict = connection.settings_dict
    options = settings_dict.get("OPTIONS") or {}
    host = settings_dict.get("HOST") or options.get("host") or ""
    query = {key: options[key] for key in ("sslmode",) if options.get(key)}
    if host.startswith("/"):
        query["host"] = host
        host = ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    auth = f"{quote(settings_dict.get('USER') or '', safe='')}:{quote(settings_dict.get('PASSWORD') or '', safe='')}@"
    return f"postgres://{auth}{host}{port}/{quote(dbname, safe='')}" + (f"?{urlencode(query)}" if query else "")


def manage(*args: str, dbname: str) -> subprocess.CompletedProcess:
    env = os.environ | {"DATABASE_URL": database_url(dbname), "DJANGO_DEBUG": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def snapshot(dbname: str) -> dict:
    """Row counts of every table in the public schema, sequence positions, and sample rows."""
    with closing(connect(dbname)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
        counts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table)))
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        sequences = dict(cursor.fetchall())
        cursor.execute(
            "SELECT id, organisation_id, last_name, first_name, middle_name, full_name_search "
            "FROM registry_person ORDER BY id"
        )
        people = cursor.fetchall()
        cursor.execute("SELECT id, username, password, is_superuser FROM auth_user ORDER BY id")
        users = cursor.fetchall()
    return {"counts": counts, "sequences": sequences, "people": people, "users": users}


@pytest.fixture(scope="module")
def backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """``manage.py backup`` of the test database: (the dump's path, what the command printed, the data dumped)."""
    path = tmp_path_factory.mktemp("backups") / "portal.dump"
    stdout = io.StringIO()
    with django_db_blocker.unblock():
        if not get_user_model().objects.filter(username="coordinator").exists():
            # A browser test (transactional) flushed the database: commit the session's demo data again.
            call_command("load_demo", stdout=io.StringIO())
        call_command("backup", output=path, stdout=stdout)
    return path, stdout.getvalue(), snapshot(connection.settings_dict["NAME"])


@pytest.fixture(scope="module")
def restored(backup) -> Iterator[str]:
    """A scratch database that ``manage.py restore --noinput`` filled from the backup."""
    path, _, _ = backup
    with scratch_database() as name:
        result = manage("restore", str(path), "--noinput", dbname=name)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "восстановлена" in result.stdout
        yield name


def test_backup_writes_a_private_custom_format_dump_and_prints_its_path(backup):
    path, printed, _ = backup
    assert printed.strip() == str(path)
    assert path.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert path.stat().st_mode & 0o777 == 0o600  # personal data: readable by the owner only
    assert not [leftover for leftover in path.parent.iterdir() if leftover.name.endswith(".part")]


def test_round_trip_keeps_every_row(backup, restored):
    _, _, original = backup
    copy = snapshot(restored)
    assert original["counts"]["registry_person"] > 0
    assert original["counts"]["django_migrations"] > 0
    assert sum(original["counts"].values()) > 1000
    assert copy["counts"] == original["counts"]
    assert copy["sequences"] == original["sequences"]
    assert copy["people"] == original["people"]
    assert copy["users"] == original["users"]


def test_a_failing_restore_changes_nothing(backup, restored, tmp_path):
    """A dump whose table of contents reads but whose last data block is cut off fails inside the one transaction.

    By then pg_restore has dropped and recreated every table, so only the rollback keeps the data.
    """
    path, _, _ = backup
    before = snapshot(restored)
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(path.read_bytes()[:-64])
    result = manage("restore", str(truncated), "--noinput", dbname=restored)
    assert result.returncode != 0
    assert "Восстановление не выполнено" in result.stderr
    assert snapshot(restored) == before


@pytest.mark.django_db
def test_a_garbage_file_is_refused_and_the_data_stays(tmp_path):
    garbage = tmp_path / "portal.dump"
    garbage.write_bytes(os.urandom(4096))
    name = connection.settings_dict["NAME"]
    before = snapshot(name)
    with pytest.raises(CommandError, match=r"не читается как резервная копия \(pg_dump -Fc\)"):
        call_command("restore", str(garbage), interactive=False)
    assert snapshot(name) == before
    with pytest.raises(CommandError, match="не найден"):
        call_command("restore", str(tmp_path / "missing.dump"), interactive=False)


@pytest.mark.django_db
def test_a_dump_of_another_database_is_refused(tmp_path):
    other = tmp_path / "other.dump"
    with scratch_database() as name:
        result = manage("backup", "--output", str(other), dbname=name)
        assert result.returncode == 0, result.stderr
    before = snapshot(connection.settings_dict["NAME"])
    with pytest.raises(CommandError, match="другой базы данных"):
        call_command("restore", str(other), interactive=False)
    assert snapshot(connection.settings_dict["NAME"]) == before


@pytest.mark.django_db
def test_restore_asks_before_replacing_the_data(backup):
    path, _, _ = backup
    with mock.patch("builtins.input", return_value="нет") as ask, pytest.raises(CommandError, match="отменено"):
        call_command("restore", str(path))
    assert "будут заменены" in ask.call_args.args[0]


def test_binaries_are_looked_for_by_the_server_major_version(monkeypatch):
    assert _postgres_tools.major_version(160002) == 16
    assert _postgres_tools.major_version(150018) == 15
    bundled = _postgres_tools.candidate_binaries("pg_dump", 16)[0]
    assert bundled.parts[-4:] == ("pgserver", "pginstall", "bin", "pg_dump")
    assert _postgres_tools.candidate_binaries("pg_restore", 15)[0] == Path("/usr/lib/postgresql/15/bin/pg_restore")
    monkeypatch.setattr(_postgres_tools, "candidate_binaries", lambda tool, major: [Path("/nonexistent") / tool])
    with pytest.raises(CommandError, match=r"Не найден pg_dump версии 99.*postgresql-client-99"):
        _postgres_tools.find_binary("pg_dump", 990001)


def test_the_password_goes_into_the_environment_only():
    settings_dict = {
        "NAME": "portal",
        "USER": "portal",
        "PASSWORD": "s3cret pass",
        "HOST": "db.example",
        "PORT": "5433",
        "OPTIONS": {"sslmode": "require"},
    }
    with mock.patch.dict(connection.settings_dict, settings_dict):
        args, env = _postgres_tools.connection_args_and_env("default")
    assert "s3cret pass" not in " ".join(args)
    assert env["PGPASSWORD"] == "s3cret pass"
    assert env["PGSSLMODE"] == "require"
    assert " ".join(args) == "--no-password --host db.example --port 5433 --username portal --dbname portal"

    # The embedded server: dj-database-url puts the socket directory into OPTIONS.
    embedded = {"NAME": "postgres", "USER": "postgres", "PASSWORD": "", "HOST": "", "OPTIONS": {"host": "/x"}}
    with mock.patch.dict(connection.settings_dict, embedded), mock.patch.dict(os.environ, {"PGPASSWORD": "leak"}):
        args, env = _postgres_tools.connection_args_and_env("default")
    assert args[:3] == ["--no-password", "--host", "/x"]
    assert "PGPASSWORD" not in env
