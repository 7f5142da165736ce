"""The demo shows every journey from the first sign-in: something waits for each demo account."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from monitoring.indicators import organisation_figures
from monitoring.models import MonitoringPeriod, Questionnaire, SchoolReport
from monitoring.services import period_organisations
from registry.models import Organisation, Program
from roadmaps.models import Revision, Roadmap
from tests.test_permission_matrix import data_fingerprint
from tests.utils import downloaded, page_text, table_rows

pytestmark = pytest.mark.django_db


def concluded_period(demo) -> MonitoringPeriod:
    # The newest of the concluded ones (the one before it is last academic year's, for the comparison).
    return (
        MonitoringPeriod.objects.filter(municipality=demo["school1"].municipality, deadline__lt=timezone.localdate())
        .order_by("-ends_on")
        .first()
    )


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(downloaded(response)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    return text.replace("- ", "-")  # a name broken at its hyphen («аграрно-технологический») is one word again


def test_the_director_of_school_1_finds_the_curators_roadmap_waiting_for_approval(client, demo):
    roadmap = Roadmap.objects.get(organisation=demo["school1"], is_template=False)
    revision = roadmap.revisions.get()
    assert (revision.status, revision.created_by) == (Revision.Status.SUBMITTED, demo["users"]["curator"])
    assert roadmap.revisions.filter(status=Revision.Status.APPROVED).count() == 0
    client.force_login(demo["users"]["director"])
    response = client.get(reverse("roadmaps:roadmap_list"))
    assert response.context["waiting"] == [roadmap]
    page = client.get(roadmap.get_absolute_url())
    assert "На утверждении" in page_text(page)
    assert revision.items.count() > 0


def test_the_concluded_period_has_every_organisations_report_frozen_by_the_submit_service(demo):
    period = concluded_period(demo)
    organisations = period_organisations(period)
    reports = SchoolReport.objects.filter(period=period, status=SchoolReport.Status.SUBMITTED)
    assert sorted(report.organisation_id for report in reports) == sorted(o.pk for o in organisations)
    assert len(organisations) == 15
    live = organisation_figures(organisations, starts_on=period.starts_on, ends_on=period.ends_on)
    for report in reports:
        frozen = {key: value for key, value in report.figures.items() if key != "readiness"}
        assert frozen == live[report.organisation_id]
        assert len(report.figures["readiness"]) == 6
        assert report.narrative
        assert report.submitted_at.date() <= period.deadline
    assert period.conclusions.startswith("Отчёты за период сдали все 15 организаций муниципалитета.")
    assert period.proposals


def test_the_open_period_stays_the_newest_so_the_curators_report_is_due(demo):
    periods = MonitoringPeriod.objects.filter(municipality=demo["school1"].municipality)
    assert periods.count() == 3  # last academic year's, the concluded one, the open one
    newest = periods.first()
    assert newest.deadline >= timezone.localdate() > concluded_period(demo).deadline
    assert not newest.reports.filter(status=SchoolReport.Status.SUBMITTED).exists()
    assert newest.questionnaires.get().is_active


def test_the_coordinator_downloads_a_full_analytical_report_of_the_concluded_period(client, demo):
    period = concluded_period(demo)
    client.force_login(demo["users"]["coordinator"])
    page = page_text(client.get(period.get_absolute_url()))
    assert "Сдали отчёт: 15 из 15" in page
    text = pdf_text(client.get(reverse("monitoring:period_pdf", args=[period.pk])))
    assert period.title in text
    assert "Нет данных" not in text and "Не сдали отчёт" not in text
    assert "Сдали отчёт организаций: 15." in text
    assert "Пары и группы по формам наставничества" in text  # the charts
    for organisation in Organisation.objects.filter(municipality=period.municipality):
        assert organisation.short_name in text
    for line in period.conclusions.splitlines():
        assert line in text
    assert "Анкета удовлетворённости наставничеством: ответов 30." in text


def test_the_questionnaire_results_show_the_distribution_of_30_answers(client, demo):
    questionnaire = Questionnaire.objects.get(period=concluded_period(demo))
    assert not questionnaire.is_active
    roles = set(questionnaire.responses.values_list("role", flat=True))
    assert roles == {"mentor", "mentee"}
    client.force_login(demo["users"]["coordinator"])
    response = client.get(reverse("monitoring:questionnaire_results", args=[questionnaire.pk]))
    text = page_text(response)
    assert "Ответов: 30." in text
    scale, usefulness, solved, _free = response.context["results"]["questions"]
    for row in (scale, usefulness):
        assert sum(count for _score, count in row["distribution"]) == 30
        assert f"Средняя оценка: {row['average']:.1f} из 5.".replace(".", ",", 1) in text
    shown = re.findall(r'<li class="list-inline-item">(\d): (\d+)</li>', response.content.decode())
    assert [(int(score), int(count)) for score, count in shown] == scale["distribution"] + usefulness["distribution"]
    assert f"Да: {solved['yes']}, нет: {solved['no']}." in text and solved["yes"] + solved["no"] == 30


def test_the_curator_finds_a_completed_program_in_the_bank(client, demo):
    copy = Program.objects.get(in_bank=True, organisation__municipality=demo["school1"].municipality)
    assert copy.source.status == Program.Status.COMPLETED and copy.source.result
    assert copy.group is None
    assert copy.activities.count() == copy.source.activities.count()
    assert not copy.source.activities.filter(done_on__isnull=True).exists()
    client.force_login(demo["users"]["curator"])
    rows = table_rows(client.get(reverse("registry:program_bank")))
    assert rows == [f"{copy.title} {copy.organisation} {copy.activities.count()}"]


def test_the_mentors_program_has_an_activity_due_this_week_and_one_overdue(client, demo):
    today = timezone.localdate()
    pending = demo["program"].activities.filter(done_on__isnull=True)
    due = pending.filter(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=7)).first()
    assert due is not None
    assert pending.filter(due_date__lt=today).exists()
    positions = list(demo["program"].activities.values_list("position", flat=True))
    assert positions == list(range(1, len(positions) + 1))
    client.force_login(demo["users"]["mentor"])
    text = page_text(client.get(demo["program"].get_absolute_url()))
    assert due.title in text and "просрочено" in text


def test_loading_the_demo_again_changes_nothing(demo):
    before = data_fingerprint()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo data already present; nothing loaded." in out.getvalue()
    after = data_fingerprint()
    assert after == before, f"changed: {sorted(table for table in before if after.get(table) != before[table])}"


def test_the_concluded_report_compares_with_last_academic_years_period(client, demo):
    import io

    import docx

    client.force_login(demo["users"]["coordinator"])
    period = concluded_period(demo)
    earlier = MonitoringPeriod.objects.filter(municipality=period.municipality, ends_on__lt=period.starts_on).get()
    document = docx.Document(io.BytesIO(downloaded(client.get(reverse("monitoring:period_docx", args=[period.pk])))))
    header = [cell.text for cell in document.tables[0].rows[0].cells]
    assert header[2] == f"Прошлый год ({earlier.title})"
    changes = [row.cells[3].text for row in document.tables[0].rows[1:]]
    assert any(change.endswith("п. п.") for change in changes)
    assert all(change for change in changes)
    text = pdf_text(client.get(reverse("monitoring:period_pdf", args=[period.pk])))
    assert "Прошлый год" in text and "Изменение" in text
