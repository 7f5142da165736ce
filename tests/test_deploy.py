"""Production settings, checked in a separate process so this run's settings stay as they are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7!kq2-production-like-secret-key-with-enough-length-and-variety-93jf0a",
    "DJANGO_ALLOWED_HOSTS": "nastavnik.example.ru",
    # Checks do not connect; any PostgreSQL URL keeps the embedded server from starting.
    "DATABASE_URL": "postgres://portal:portal@127.0.0.1:1/portal",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start_with_a_clear_message():
    env = PRODUCTION_ENV | {"DJANGO_SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_a_non_postgresql_database_url_is_refused():
    result = manage("check", env=PRODUCTION_ENV | {"DATABASE_URL": "sqlite:///portal.db"})
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_production_turns_on_https_only_cookies_hsts_and_the_strict_policy():
    script = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['default-src'], s.AXES_FAILURE_LIMIT)"
    )
    result = manage("shell", "-c", script, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "True True True True 31536000 DENY same-origin [\"'self'\"] 5"
