"""A large teachers' file is checked and loaded by the worker: the page shows the job, the confirm writes once.

The tests with a worker run a real one (``manage.py procrastinate worker``, as ``tests/test_jobs.py``)
against the test database, so they are transactional: the worker sees only committed rows. The others
run the tasks in the process, which is the same code the worker runs.
"""

from __future__ import annotations

import io
import signal
import time

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from docx import Document
from openpyxl import Workbook

from jobs.models import Job
from registry.import_jobs import estimate_rows, in_worker_options
from registry.models import ImportBatch, Person, Role
from registry.tasks import import_confirm_job, import_plan_job
from tests.data.files import _distinct_full_name
from tests.factories import OrganisationFactory, PersonFactory, make_user
from tests.registry.test_import import padded_xlsx
from tests.test_jobs import doing, retry_stalled_jobs, start_worker, stop, test_database_url, wait_until
from tests.utils import page_text

SCHOOL = "МБОУ «Лицей № 7»"


def names(count: int) -> list[str]:
    return [_distinct_full_name(index) for index in range(count)]


def teachers_xlsx(count: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["ФИО", "ОО", "Должность"])
    for name in names(count):
        sheet.append([name, SCHOOL, "Учитель"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def large(settings, tmp_path):
    """Files of more than 50 rows go to the worker; the worker's own settings need not know (the request decides)."""
    settings.IMPORT_IN_WORKER_ROWS = 50
    return tmp_path


def upload(client, user, content: bytes, name: str = "педагоги.xlsx") -> ImportBatch:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(user)
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, page_text(response)
    batch = ImportBatch.objects.latest("pk")
    assert response.url == batch.get_absolute_url()
    return batch


def job_of(batch: ImportBatch, kind: str) -> Job:
    return Job.objects.filter(kind=kind, params__batch=batch.pk).latest("pk")


def finished(job: Job) -> bool:
    return Job.objects.get(pk=job.pk).is_finished


def people(town) -> int:
    return Person.objects.filter(organisation=town["school"]).count()


def processing(client, batch: ImportBatch) -> bool:
    response = client.get(batch.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    shows = "Файл обрабатывается…" in content and 'http-equiv="refresh"' in content
    assert shows == ('id="job-progress"' in content)
    return shows


# --- how the portal decides --------------------------------------------------------------------------
def test_the_rows_are_counted_from_the_files_structure():
    assert estimate_rows("педагоги.xlsx", teachers_xlsx(120)) == 121  # the header row counts too
    assert estimate_rows("libreoffice.xlsx", padded_xlsx()) == 2  # a million styled empty rows hold nothing
    csv = "ФИО;ОО\n" + "".join(f"{name};{SCHOOL}\n" for name in names(70)) + ";;\n\n" * 5000
    assert estimate_rows("педагоги.csv", csv.encode()) == 71
    document = Document()
    table = document.add_table(rows=60, cols=2)
    table.cell(0, 0).text = "ФИО"
    buffer = io.BytesIO()
    document.save(buffer)
    assert estimate_rows("педагоги.docx", buffer.getvalue()) == 60
    for broken in (b"", b"PK\x03\x04broken", b"%PDF-1.7", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        assert estimate_rows("педагоги.xlsx", broken) == 0  # planned in the request, which names the problem


def test_only_a_file_over_the_threshold_and_within_the_row_limit_goes_to_the_worker(settings):
    settings.IMPORT_IN_WORKER_ROWS = 100
    assert in_worker_options("a.xlsx", teachers_xlsx(99)) == {}  # 100 rows with its header
    assert in_worker_options("a.xlsx", teachers_xlsx(100)) == {"in_worker": True}
    settings.IMPORT_IN_WORKER_ROWS = 5000
    assert in_worker_options("a.xlsx", teachers_xlsx(100)) == {}


@pytest.mark.django_db
def test_a_small_file_keeps_the_request_flow(client, town, large):
    batch = upload(client, town["curator"], teachers_xlsx(30))
    assert "Файл больше 50 строк портал проверяет и затем загружает в фоне" in page_text(
        client.get(reverse("registry:import_upload"))
    )
    assert not Job.objects.exists() and "in_worker" not in batch.options
    assert client.get(batch.get_absolute_url()).context["plan"].counts["create"] == 30
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert people(town) == 30 and not Job.objects.exists()


# --- in the process: the same tasks the worker runs ---------------------------------------------------
@pytest.mark.django_db
def test_the_confirm_run_twice_or_a_second_confirm_job_imports_once(client, town, large):
    batch = upload(client, town["curator"], teachers_xlsx(120))
    plan_job = job_of(batch, Job.Kind.IMPORT_PLAN)
    assert processing(client, batch)
    import_plan_job(job_id=plan_job.pk)
    assert not processing(client, batch)
    assert client.get(batch.get_absolute_url()).context["plan"].counts["create"] == 120
    assert people(town) == 0

    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    first = job_of(batch, Job.Kind.IMPORT_CONFIRM)
    # While it waits, another confirm starts no second job, and the columns cannot be changed under it.
    response = client.post(reverse("registry:import_confirm", args=[batch.pk]), follow=True)
    assert "ещё обрабатывается" in page_text(response) and "Строки файла записываются в реестр" in page_text(response)
    assert processing(client, batch)
    assert Job.objects.filter(kind=Job.Kind.IMPORT_CONFIRM).count() == 1
    client.post(reverse("registry:import_columns", args=[batch.pk]), {"map-column_0": "full_name"})
    assert Job.objects.filter(kind=Job.Kind.IMPORT_PLAN).count() == 1

    # A second job for the same upload (as if two had been queued), and each run twice.
    second = Job.objects.create(
        user=town["curator"], kind=Job.Kind.IMPORT_CONFIRM, title="x", params={"batch": batch.pk}
    )
    for job in (first, first, second, second):
        import_confirm_job(job_id=job.pk)
    assert people(town) == 120
    assert Person.history.filter(organisation_id=town["school"].pk, history_type="+").count() == 120
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.summary["counts"]["create"] == 120
    for job in (first, second):
        job.refresh_from_db()
        assert (job.status, job.progress, job.params["outcome"]) == (Job.Status.DONE, 100, "applied")
    text = page_text(client.get(batch.get_absolute_url()))
    assert "Файл загружен" in text and "добавлено 120" in text


@pytest.mark.django_db
def test_a_confirm_after_the_school_changed_writes_nothing_and_says_so(client, town, large):
    batch = upload(client, town["curator"], teachers_xlsx(80))
    import_plan_job(job_id=job_of(batch, Job.Kind.IMPORT_PLAN).pk)
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    PersonFactory(organisation=town["school"])  # someone edits the registry meanwhile
    import_confirm_job(job_id=job_of(batch, Job.Kind.IMPORT_CONFIRM).pk)
    assert people(town) == 1
    text = page_text(client.get(batch.get_absolute_url()))
    assert "Реестр изменился после проверки файла, ничего не записано" in text
    assert "Подтвердить загрузку" in text  # planned again by the job: the user confirms once more


@pytest.mark.django_db
def test_reassigned_columns_of_a_large_file_are_planned_in_the_worker(client, town, large):
    batch = upload(client, town["curator"], teachers_xlsx(60))
    import_plan_job(job_id=job_of(batch, Job.Kind.IMPORT_PLAN).pk)
    assert client.get(batch.get_absolute_url()).context["plan"].columns == ["full_name", "organisation", "position"]
    response = client.post(
        reverse("registry:import_columns", args=[batch.pk]),
        {"map-column_0": "full_name", "map-column_1": "organisation", "map-column_2": ""},
        follow=True,
    )
    assert "файл читается заново" in page_text(response) and "Файл обрабатывается…" in page_text(response)
    assert Job.objects.filter(kind=Job.Kind.IMPORT_PLAN).count() == 2
    import_plan_job(job_id=job_of(batch, Job.Kind.IMPORT_PLAN).pk)
    plan = client.get(batch.get_absolute_url()).context["plan"]
    assert plan.columns == ["full_name", "organisation", None]
    assert plan.counts["refused"] == 60  # read without «Должность» now, which a new teacher needs


@pytest.mark.django_db
def test_another_schools_curator_gets_404_on_the_upload_and_its_jobs(client, town, large):
    batch = upload(client, town["curator"], teachers_xlsx(60))
    job = job_of(batch, Job.Kind.IMPORT_PLAN)
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).url == batch.get_absolute_url()
    stranger = make_user(Role.CURATOR, OrganisationFactory(municipality=town["municipality"]))
    client.force_login(stranger)
    assert client.get(batch.get_absolute_url()).status_code == 404
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 404
    for name in ("import_confirm", "import_columns", "import_organisations"):
        assert client.post(reverse(f"registry:{name}", args=[batch.pk])).status_code == 404
    assert not Job.objects.filter(kind=Job.Kind.IMPORT_CONFIRM).exists()


@pytest.mark.django_db
def test_with_jobs_run_at_commit_the_upload_shows_its_preview_at_once(
    client, town, large, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_JOBS_EAGER = True  # as the mail tests: no worker, the task runs at commit
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(client, town["curator"], teachers_xlsx(70))
    assert job_of(batch, Job.Kind.IMPORT_PLAN).status == Job.Status.DONE
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert people(town) == 70


# --- with a real worker --------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_large_file_goes_through_the_worker_from_upload_to_the_registry(client, town, large):
    batch = upload(client, town["curator"], teachers_xlsx(400))
    plan_job = job_of(batch, Job.Kind.IMPORT_PLAN)
    assert processing(client, batch)
    assert "Подтвердить загрузку" not in page_text(client.get(batch.get_absolute_url()))
    worker = start_worker(large)
    try:
        assert wait_until(lambda: finished(plan_job))
        preview = client.get(batch.get_absolute_url())
        assert not processing(client, batch)
        assert preview.context["plan"].counts == {"create": 400, "update": 0, "unchanged": 0, "refused": 0}
        assert "Подтвердить загрузку" in page_text(preview) and people(town) == 0

        assert client.post(reverse("registry:import_confirm", args=[batch.pk])).status_code == 302
        confirm_job = job_of(batch, Job.Kind.IMPORT_CONFIRM)
        assert wait_until(lambda: finished(confirm_job))
    finally:
        log = stop(worker)
    confirm_job.refresh_from_db()
    assert confirm_job.status == Job.Status.DONE, (confirm_job.error, log)
    assert people(town) == 400
    text = page_text(client.get(batch.get_absolute_url()))
    assert "Файл загружен" in text and "добавлено 400" in text
    # «Мои документы» lists both jobs; each leads to the upload's page.
    listed = client.get(reverse("jobs:job_list")).context["jobs"]
    assert {job.kind for job in listed} == {Job.Kind.IMPORT_PLAN, Job.Kind.IMPORT_CONFIRM}
    assert client.get(reverse("jobs:job_detail", args=[confirm_job.pk])).url == batch.get_absolute_url()


def blocked_on_a_lock() -> int:
    """Sessions waiting for another transaction while writing people: the worker, halfway through the confirm."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query ILIKE '%registry_person%'"
        )
        return cursor.fetchone()[0]


def batch_locked(batch: ImportBatch) -> bool:
    try:
        with transaction.atomic():
            ImportBatch.objects.select_for_update(nowait=True).get(pk=batch.pk)
    except OperationalError:
        return True
    return False


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_halfway_through_the_confirm_is_retried_and_imports_once(client, town, large):
    rows = 600
    someone = PersonFactory(organisation=town["school"])
    batch = upload(client, town["curator"], teachers_xlsx(rows))
    import_plan_job(job_id=job_of(batch, Job.Kind.IMPORT_PLAN).pk)
    client.post(reverse("registry:import_confirm", args=[batch.pk]))
    job = job_of(batch, Job.Kind.IMPORT_CONFIRM)
    # Halfway, for certain: another transaction gives an existing card the name of the file's last row, so
    # the worker, inside its transaction and past the batch's lock, waits on it while writing the people.
    last, first, middle = names(rows)[-1].split()
    blocker = psycopg.connect(test_database_url())
    blocker.execute(
        "UPDATE registry_person SET last_name = %s, first_name = %s, middle_name = %s WHERE id = %s",
        [last, first, middle, someone.pk],
    )
    worker = start_worker(large)
    try:
        assert wait_until(blocked_on_a_lock, step=0.02), stop(worker)
        assert batch_locked(batch)  # and inside its transaction, the upload's row locked
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        stop(worker)
        blocker.rollback()
        blocker.close()
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == Job.Status.RUNNING and batch.status == ImportBatch.Status.PREVIEWED
    assert wait_until(lambda: not blocked_on_a_lock(), timeout=30)
    assert people(town) == 1  # the dead worker's transaction wrote nothing
    time.sleep(1.5)
    retried = 0
    for _attempt in range(3):  # the dead worker's last heartbeat must be older than the threshold
        retried += retry_stalled_jobs(large, seconds=1)
        if not doing():
            break
        time.sleep(2)
    assert retried >= 1 and not doing()
    second = start_worker(large)
    try:
        assert wait_until(lambda: finished(job))
    finally:
        log = stop(second)
    job.refresh_from_db()
    batch.refresh_from_db()
    assert (job.status, job.params["outcome"]) == (Job.Status.DONE, "applied"), (job.error, log)
    assert batch.status == ImportBatch.Status.APPLIED and batch.summary["counts"]["create"] == rows
    assert people(town) == rows + 1
    assert Person.history.filter(organisation_id=town["school"].pk, history_type="+").count() == rows + 1


@pytest.mark.django_db(transaction=True)
def test_jobs_for_uploads_deleted_meanwhile_end_cleanly_with_a_message_in_the_log(client, town, large):
    to_check = upload(client, town["curator"], teachers_xlsx(60))
    to_load = upload(client, town["curator"], teachers_xlsx(70), name="второй.xlsx")
    import_plan_job(job_id=job_of(to_load, Job.Kind.IMPORT_PLAN).pk)
    client.post(reverse("registry:import_confirm", args=[to_load.pk]))
    jobs = [job_of(to_check, Job.Kind.IMPORT_PLAN), job_of(to_load, Job.Kind.IMPORT_CONFIRM)]
    ImportBatch.objects.filter(pk__in=[to_check.pk, to_load.pk]).delete()
    worker = start_worker(large)
    try:
        assert wait_until(lambda: all(finished(job) for job in jobs), timeout=60)
    finally:
        log = stop(worker)
    for job in jobs:
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and job.error.startswith("Файл удалён с портала"), log
        assert f"job {job.pk}: upload {job.params['batch']} was deleted meanwhile" in log
        page = client.get(reverse("jobs:job_detail", args=[job.pk]))
        assert page.status_code == 200 and "Файл удалён с портала" in page_text(page)
    assert people(town) == 0
    assert "Traceback" not in log
