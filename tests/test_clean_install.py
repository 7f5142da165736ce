"""A production install from requirements.txt alone starts: every view imports and ``check --deploy`` is clean.

The development environment has the test tools too, so it can hide a runtime import that only
requirements-dev.txt provides (pypdf once was). This builds a fresh virtualenv with
``make install`` and checks there. It takes a minute or two of pip, so it runs where
``PORTAL_CLEAN_INSTALL=1`` is set: CI sets it (``.ci/run``).
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.test_deploy import PRODUCTION_ENV, ROOT

pytestmark = pytest.mark.skipif(
    os.environ.get("PORTAL_CLEAN_INSTALL") != "1", reason="builds a virtualenv; set PORTAL_CLEAN_INSTALL=1 (CI does)"
)

IMPORT_EVERY_VIEW = """
import importlib, os, pkgutil, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_portal.settings")
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # the URLconf imports every view it routes to
for app in ("registry", "roadmaps", "monitoring"):
    package = importlib.import_module(app)
    for module in pkgutil.walk_packages(package.__path__, app + "."):
        if ".views" in module.name or module.name.endswith((".urls", ".admin")):
            importlib.import_module(module.name)
print("views ok")
"""


@pytest.fixture(scope="module")
def production_python(tmp_path_factory):
    venv = tmp_path_factory.mktemp("production") / "venv"
    result = subprocess.run(["make", "install", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return venv / "bin" / "python"


def run(python, *args) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "VIRTUAL_ENV"))}
    return subprocess.run(
        [str(python), *args], cwd=ROOT, env=clean | PRODUCTION_ENV, capture_output=True, text=True, timeout=300
    )


def test_the_production_install_has_no_test_tools(production_python):
    result = run(production_python, "-c", "import pytest")
    assert result.returncode != 0


def test_every_view_imports_in_the_production_install(production_python):
    result = run(production_python, "-c", IMPORT_EVERY_VIEW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "views ok" in result.stdout


def test_check_deploy_is_clean_in_the_production_install(production_python):
    result = run(production_python, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
