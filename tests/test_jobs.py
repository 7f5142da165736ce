"""Long work in a real worker process (``manage.py procrastinate worker``) against the test database.

Transactional tests: the worker is another process on another connection, so it sees only committed rows.
"""

from __future__ import annotations

import datetime
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from jobs.models import Job, JobPart
from monitoring.models import MonitoringPeriod, SchoolReport
from monitoring.services import live_data
from registry.models import Organisation, Role
from tests.factories import MunicipalityFactory, OrganisationFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's ``test_…`` one), for the worker."""
    db = connection.settings_dict
    port = f":{db['PORT']}" if db["PORT"] else ""
    query = f"?host={quote(db['OPTIONS']['host'])}" if db["OPTIONS"].get("host") else ""
    return f"postgresql://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}{port}/{db['NAME']}{query}"


test_database_url.__test__ = False  # a helper, not a test


def portal_env(media_root: Path) -> dict:
    return os.environ | {
        "DATABASE_URL": test_database_url(),
        "DJANGO_DEBUG": "1",
        "DJANGO_MEDIA_ROOT": str(media_root),
        "PYTHONUNBUFFERED": "1",
    }


def start_worker(media_root: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "procrastinate", "worker", "--concurrency", "1", *extra]
    return subprocess.Popen(
        command, cwd=ROOT, env=portal_env(media_root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def retry_stalled_jobs(media_root: Path, seconds: float) -> int:
    """What the periodic ``retry_stalled_jobs`` task does, run now in a process of its own."""
    code = (
        "import asyncio; from procrastinate.contrib.django import app; from notices.tasks import retry_stalled; "
        f"print('retried', asyncio.run(retry_stalled(app, seconds={seconds})))"
    )
    command = [sys.executable, "manage.py", "shell", "-c", code]
    done = subprocess.run(command, cwd=ROOT, env=portal_env(media_root), capture_output=True, text=True, timeout=120)
    return int(done.stdout.split("retried")[-1])


def stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    return worker.stdout.read().decode(errors="replace")


def wait_until(condition, timeout: float = 120, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def large_period(settings, tmp_path):
    """A municipality of 300 schools, each with its report submitted: a report in several parts."""
    settings.MEDIA_ROOT = tmp_path
    municipality = MunicipalityFactory()
    first = OrganisationFactory(municipality=municipality)
    template = first
    Organisation.objects.bulk_create(
        [
            Organisation(
                municipality=municipality,
                kind=template.kind,
                short_name=f"МБОУ «Школа № {number}»",
                full_name=f"Муниципальное бюджетное общеобразовательное учреждение «Школа № {number}»",
            )
            for number in range(2, 301)
        ]
    )
    today = datetime.date.today()
    period = MonitoringPeriod.objects.create(
        municipality=municipality,
        title="Муниципальный мониторинг, проверка",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today,
        deadline=today + datetime.timedelta(days=10),
    )
    figures = live_data([first]).rows[0]["figures"]
    SchoolReport.objects.bulk_create(
        [
            SchoolReport(
                period=period, organisation=organisation, status=SchoolReport.Status.SUBMITTED, figures=figures
            )
            for organisation in Organisation.objects.filter(municipality=municipality)
        ]
    )
    return {"period": period, "coordinator": make_user(Role.COORDINATOR, municipality), "media": tmp_path}


def doing() -> int:
    """Jobs a worker has taken and not finished."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")
        return cursor.fetchone()[0]


def order_report(client, large_period) -> Job:
    client.force_login(large_period["coordinator"])
    response = client.get(reverse("monitoring:period_pdf", args=[large_period["period"].pk]))
    assert response.status_code == 302
    job = Job.objects.get(user=large_period["coordinator"])
    assert response.url == job.get_absolute_url()
    assert "готовится в фоне" in client.get(response.url).content.decode()
    return job


def test_a_worker_renders_the_large_report_in_parts_and_the_page_offers_the_file(client, large_period):
    job = order_report(client, large_period)
    started = time.monotonic()
    worker = start_worker(large_period["media"])
    try:
        finished = wait_until(lambda: Job.objects.get(pk=job.pk).is_finished)
    finally:
        log = stop(worker)
    elapsed = time.monotonic() - started
    job.refresh_from_db()
    assert finished and job.status == Job.Status.DONE, (job.error, log)
    print(f"\nreport of 300 schools as jobs: {elapsed:.1f} s")
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Скачать" in page
    response = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert len(pdf.pages) > 3
    assert f"Страница {len(pdf.pages)} из {len(pdf.pages)}" in pdf.pages[-1].extract_text()
    assert not JobPart.objects.filter(job=job).exists()
    other = make_user(Role.COORDINATOR, MunicipalityFactory())
    client.force_login(other)
    assert client.get(reverse("jobs:job_download", args=[job.pk])).status_code == 404


def test_a_killed_workers_job_is_retried_and_its_file_made_once(client, large_period):
    job = order_report(client, large_period)
    first = start_worker(large_period["media"])
    try:
        # Killed halfway: a part rendered, and the worker busy with the next one.
        assert wait_until(lambda: JobPart.objects.filter(job=job, done=True).exists() and doing(), step=0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        stop(first)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    time.sleep(1.5)
    retried = 0
    for _attempt in range(3):  # the dead worker's last heartbeat must be older than the threshold
        retried += retry_stalled_jobs(large_period["media"], seconds=1)
        if not doing():
            break
        time.sleep(2)
    assert retried >= 1
    assert not doing()
    second = start_worker(large_period["media"])
    try:
        finished = wait_until(lambda: Job.objects.get(pk=job.pk).is_finished)
    finally:
        log = stop(second)
    job.refresh_from_db()
    assert finished and job.status == Job.Status.DONE, (job.error, log)
    files = list((large_period["media"] / "jobs").glob("*"))
    assert [path.name for path in files if path.is_file()] == [Path(job.file.name).name]
    response = client.get(reverse("jobs:job_download", args=[job.pk]))
    pages = len(PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages)
    assert f"Страница {pages} из {pages}" in PdfReader(io.BytesIO(job.file.open("rb").read())).pages[-1].extract_text()


def test_a_job_for_a_period_deleted_meanwhile_ends_cleanly(client, large_period):
    job = order_report(client, large_period)
    MonitoringPeriod.objects.filter(pk=large_period["period"].pk).delete()
    worker = start_worker(large_period["media"])
    try:
        assert wait_until(lambda: Job.objects.get(pk=job.pk).is_finished, timeout=60)
    finally:
        stop(worker)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "Период мониторинга удалён."
    assert "удалён" in client.get(job.get_absolute_url()).content.decode()
