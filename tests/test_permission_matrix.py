"""Every URL × every demo role, with the status each must get.

A URL pattern with no row here fails the suite, so no page ships unchecked.
Other schools' objects answer 404, never 403: nothing hints that they exist.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jobs.models import Job
from monitoring.models import MonitoringPeriod, Questionnaire
from registry.careers import home_place
from registry.models import ImportBatch, MentoringOrder, MentorProfile, Person
from roadmaps.models import Item, Roadmap

ROLES = [
    "anonymous",
    "coordinator",
    "head",
    "director",
    "curator",
    "mentor",
    "mentee",
    "director2",
    "curator2",
    "admin",
    "region",
]

# URL name → (object the pk points at, or None), then expected status per role in ROLES order.
# 302 for anonymous is the redirect to the sign-in page.
MATRIX: dict[str, tuple[str | None, list[int]]] = {
    "home": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "login": (None, [200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302]),
    "logout": (None, [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "password_change": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "password_change_done": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    # «Забыли пароль?»: open to everyone, signed in or not; a bad link shows «Ссылка больше не действует».
    "password_reset": (None, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "password_reset_done": (None, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "password_reset_confirm": ("reset_link", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "password_reset_complete": (None, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    # Each account's own notices and settings.
    "notices:notice_list": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "notices:notice_read": (None, [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "notices:account": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    # A job is its requester's alone (the coordinator's report here): everyone else gets 404.
    "jobs:job_list": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "jobs:job_detail": ("coordinator_job", [302, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    "jobs:job_download": ("coordinator_job", [302, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    "registry:organisation_list": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "registry:organisation_create": (None, [302, 200, 200, 403, 403, 403, 403, 403, 403, 200, 403]),
    "registry:organisation_summary_export": ("municipality", [302, 200, 200, 404, 404, 404, 404, 404, 404, 200, 200]),
    "registry:organisation_detail": ("school1", [302, 200, 200, 200, 200, 200, 200, 404, 404, 200, 200]),
    "registry:organisation_update": ("school1", [302, 200, 200, 200, 403, 403, 403, 404, 404, 200, 403]),
    "registry:person_list": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "registry:person_create": (None, [302, 200, 200, 200, 200, 403, 403, 200, 200, 200, 403]),
    "registry:person_detail": ("teacher", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    "registry:person_update": ("teacher", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 403]),
    "registry:person_export": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "registry:profile_edit": ("teacher_mentor", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 403]),
    "registry:consent_scan": ("teacher_scan", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    "registry:person_data_export": ("teacher", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 403]),
    "registry:person_withdraw": ("teacher", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 403]),
    # A person over time: places of work and leaving are the card's keepers'; a transfer is the municipality's
    # (or the receiving director's, who reads the card only once the person works there); merging is the
    # municipality's.
    "registry:workplace_create": ("teacher", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 403]),
    "registry:workplace_end": ("teacher_workplace", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 403]),
    "registry:person_transfer": ("teacher", [302, 200, 200, 403, 403, 404, 404, 404, 404, 200, 403]),
    "registry:person_leave": ("teacher", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 403]),
    "registry:person_merge_search": ("teacher", [302, 200, 200, 403, 403, 404, 404, 404, 404, 200, 403]),
    "registry:person_merge": ("teacher_duplicate", [302, 200, 200, 403, 403, 404, 404, 404, 404, 200, 403]),
    # Accounts: the municipality's coordinator and head, a school's director, the admin.
    "registry:account_list": (None, [302, 200, 200, 200, 403, 403, 403, 200, 403, 200, 403]),
    "registry:account_create": (None, [302, 200, 200, 200, 403, 403, 403, 200, 403, 200, 403]),
    "registry:account_active": ("mentor_account", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:curator_list": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "registry:vocabulary_list": (None, [302, 200, 200, 403, 403, 403, 403, 403, 403, 200, 403]),
    "registry:import_upload": (None, [302, 200, 200, 200, 200, 403, 403, 200, 200, 200, 403]),
    "registry:import_template": (None, [302, 200, 200, 200, 200, 403, 403, 200, 200, 200, 403]),
    # The upload belongs to «curator»: nobody else sees it, the admin aside.
    "registry:import_preview": ("curator_batch", [302, 404, 404, 404, 200, 403, 403, 404, 404, 200, 403]),
    # POST only; the POST itself is checked in tests/registry/test_import.py.
    "registry:import_confirm": ("curator_batch", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:import_columns": ("curator_batch", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:import_organisations": ("curator_batch", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    # The refused rows of the curator's upload: personal data, for the uploader alone.
    "registry:import_refused": ("curator_batch", [302, 404, 404, 404, 200, 403, 403, 404, 404, 200, 403]),
    # The municipality's list of organisations: its coordinator and head, the admin.
    "registry:organisation_import_upload": (None, [302, 200, 200, 403, 403, 403, 403, 403, 403, 200, 403]),
    # The upload belongs to «coordinator»: the head of the same municipality does not see it.
    "registry:organisation_import_preview": (
        "organisations_batch",
        [302, 200, 404, 403, 403, 403, 403, 403, 403, 200, 403],
    ),
    # POST only; the POST itself is checked in tests/registry/test_organisation_import_page.py.
    "registry:organisation_import_columns": (
        "organisations_batch",
        [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405],
    ),
    "registry:organisation_import_confirm": (
        "organisations_batch",
        [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405],
    ),
    "registry:consent_pdf": ("teacher_mentor", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    "registry:consent_docx": ("teacher_mentor", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    "registry:group_list": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "registry:group_match": (None, [302, 403, 403, 200, 200, 403, 403, 200, 200, 200, 403]),
    "registry:group_create": (None, [302, 403, 403, 200, 200, 403, 403, 200, 200, 200, 403]),
    "registry:group_detail": ("group", [302, 200, 200, 200, 200, 200, 200, 404, 404, 200, 200]),
    "registry:group_consents": ("group", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:group_end": ("group", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    # A pair over time: POST only, checked below and in tests/registry/test_pair_over_time.py.
    "registry:group_pause": ("group", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:group_resume": ("group", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:group_mentor_change": ("group", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    # The pair already has a program: its managers are sent to it.
    "registry:program_create": ("group", [302, 403, 403, 302, 302, 403, 403, 404, 404, 302, 403]),
    "registry:program_from_bank": ("group", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:order_list": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "registry:order_create": (None, [302, 403, 403, 200, 200, 403, 403, 200, 200, 200, 403]),
    "registry:order_detail": ("order", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    "registry:order_pdf": ("order", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    "registry:order_docx": ("order", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    # The order appointing school 1's curator: read as the school's orders are.
    "registry:curator_order_pdf": ("curator_role", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    "registry:curator_order_docx": ("curator_role", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    # School 1's draft order (the demo's, prepared by «curator»): POST only, checked below and in
    # tests/registry/test_orders.py.
    "registry:order_sign": ("draft_order", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:order_withdraw": ("draft_order", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:program_bank": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "registry:program_detail": ("program", [302, 200, 200, 200, 200, 200, 200, 404, 404, 200, 200]),
    "registry:program_update": ("program", [302, 403, 403, 200, 200, 403, 403, 404, 404, 200, 403]),
    "registry:program_pdf": ("program", [302, 200, 200, 200, 200, 200, 200, 404, 404, 200, 200]),
    "registry:program_docx": ("program", [302, 200, 200, 200, 200, 200, 200, 404, 404, 200, 200]),
    "registry:program_result": ("program", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:program_self_assessment": ("program", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:program_to_bank": ("program", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "registry:activity_mark": ("activity", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "roadmaps:roadmap_list": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "roadmaps:roadmap_create": (None, [302, 200, 200, 403, 200, 403, 403, 403, 200, 403, 403]),
    "roadmaps:roadmap_overview": (None, [302, 200, 200, 403, 403, 403, 403, 403, 403, 200, 200]),
    "roadmaps:school_new_year": (None, [302, 403, 403, 200, 200, 403, 403, 200, 200, 200, 403]),
    "roadmaps:municipality_new_year": (None, [302, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
    "roadmaps:roadmap_import": (None, [302, 200, 200, 403, 200, 403, 403, 403, 200, 403, 403]),
    # The upload belongs to «curator2»: nobody else sees it.
    "roadmaps:roadmap_import_preview": ("roadmap_batch", [302, 404, 404, 403, 404, 403, 403, 403, 200, 403, 403]),
    "roadmaps:roadmap_import_confirm": ("roadmap_batch", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "roadmaps:roadmap_import_columns": ("roadmap_batch", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    # School 2's approved roadmap: school 1 answers 404.
    "roadmaps:roadmap_detail": ("roadmap", [302, 200, 200, 404, 404, 404, 404, 200, 200, 200, 200]),
    "roadmaps:roadmap_edit": ("roadmap", [302, 403, 403, 404, 404, 404, 404, 403, 302, 302, 403]),
    "roadmaps:roadmap_submit": ("roadmap", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "roadmaps:roadmap_approve": ("roadmap", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "roadmaps:roadmap_return": ("roadmap", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "roadmaps:roadmap_revise": ("roadmap", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "roadmaps:roadmap_pdf": ("roadmap", [302, 200, 200, 404, 404, 404, 404, 200, 200, 200, 200]),
    "roadmaps:roadmap_docx": ("roadmap", [302, 200, 200, 404, 404, 404, 404, 200, 200, 200, 200]),
    "roadmaps:roadmap_xlsx": ("roadmap", [302, 200, 200, 404, 404, 404, 404, 200, 200, 200, 200]),
    "roadmaps:item_track": ("roadmap_item", [302, 403, 403, 404, 404, 404, 404, 403, 200, 200, 403]),
    "roadmaps:item_evidence": ("roadmap_evidence", [302, 200, 200, 404, 404, 404, 404, 200, 200, 200, 200]),
    # Mentors and mentees are sent to the questionnaires; school staff to their school's page.
    # Above the municipalities (admin, region) the dashboard is the region's table: a redirect to it.
    "monitoring:dashboard": (None, [302, 200, 200, 302, 302, 302, 302, 302, 302, 302, 302]),
    "monitoring:school_dashboard": ("school1", [302, 200, 200, 200, 200, 403, 403, 404, 404, 200, 200]),
    "monitoring:readiness_edit": ("school1", [302, 403, 403, 200, 200, 403, 403, 404, 404, 200, 403]),
    "monitoring:period_list": (None, [302, 200, 200, 200, 200, 403, 403, 200, 200, 200, 200]),
    "monitoring:period_create": (None, [302, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
    "monitoring:period_detail": ("period", [302, 200, 200, 200, 200, 404, 404, 200, 200, 200, 200]),
    "monitoring:period_remind": ("period", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "monitoring:period_conclusions": ("period", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "monitoring:period_pdf": ("period", [302, 200, 200, 403, 403, 404, 404, 403, 403, 200, 200]),
    "monitoring:period_docx": ("period", [302, 200, 200, 403, 403, 404, 404, 403, 403, 200, 200]),
    "monitoring:period_xlsx": ("period", [302, 200, 200, 403, 403, 404, 404, 403, 403, 200, 200]),
    "monitoring:period_submit": ("period_school1", [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "monitoring:school_report_pdf": ("period_school1", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    "monitoring:school_report_docx": ("period_school1", [302, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200]),
    "monitoring:questionnaire_list": (None, [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "monitoring:questionnaire_create": (None, [302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405]),
    "monitoring:questionnaire_edit": ("questionnaire", [302, 200, 200, 403, 403, 403, 403, 403, 403, 200, 403]),
    "monitoring:questionnaire_answer": ("questionnaire", [302, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403]),
    "monitoring:questionnaire_results": ("questionnaire", [302, 200, 200, 200, 200, 403, 403, 200, 200, 200, 200]),
    # The regional level: the regional coordinator and a superuser; the demo region is the only one, so its
    # list sends them straight to it. Municipal and school roles are not in any region's staff: 403 and 404.
    "region:area_list": (None, [302, 403, 403, 403, 403, 403, 403, 403, 403, 302, 302]),
    "region:area_detail": ("demo_region", [302, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200]),
    "region:municipality": ("demo_region_municipality", [302, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200]),
    "region:area_report": ("demo_region", [302, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200]),
    "region:area_figures": ("demo_region", [302, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200]),
    "admin:index": (None, [302, 302, 302, 302, 302, 302, 302, 302, 302, 200, 302]),
}


def portal_url_names() -> set[str]:
    """Every named URL of the portal; of Django admin only its index (admin is superusers' only)."""
    names: set[str] = set()

    def walk(patterns, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    names.add("admin:index")
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_has_a_row_in_the_matrix():
    missing = portal_url_names() - set(MATRIX)
    assert not missing, f"URLs without a permission-matrix row: {sorted(missing)}"


CASES = [(name, role, statuses[index]) for name, (_, statuses) in MATRIX.items() for index, role in enumerate(ROLES)]


def url_kwargs(target: str | None, demo: dict, media_root) -> dict:
    """The URL arguments for a target; objects that the demo lacks are made here."""
    if target is None:
        return {}
    make = TARGETS.get(target)
    return make(demo) if make else {"pk": demo[target].pk}


def _teacher_scan(demo: dict) -> dict:
    profile, _ = MentorProfile.objects.get_or_create(person=demo["teacher"])
    profile.consent_scan.save("scan.pdf", ContentFile(b"%PDF-1.4 consent"), save=True)
    return {"pk": demo["teacher"].pk, "kind": "mentor"}


def _roadmap(demo: dict) -> Roadmap:
    return Roadmap.objects.get(organisation=demo["school2"], is_template=False, academic_year__archived_at__isnull=True)


def _roadmap_item(demo: dict, *, evidence: bool = False) -> dict:
    roadmap = _roadmap(demo)
    item = Item.objects.filter(revision__roadmap=roadmap, revision__status="approved").first()
    if evidence:
        item.evidence_file.save("evidence.pdf", ContentFile(b"%PDF-1.4 protocol"), save=True)
    return {"pk": roadmap.pk, "item_pk": item.pk}


def _batch(demo: dict, role: str, file_name: str, **fields) -> dict:
    return {"pk": ImportBatch.objects.create(user=demo["users"][role], file_name=file_name, content=b"x", **fields).pk}


def _period(demo: dict) -> MonitoringPeriod:
    """The open period, whose reports are due: the newest (the demo also has a concluded one)."""
    return MonitoringPeriod.objects.filter(municipality=demo["school1"].municipality).first()


def _coordinator_job(demo: dict) -> dict:
    job = Job.objects.create(
        user=demo["users"]["coordinator"],
        kind=Job.Kind.ANALYTICAL_REPORT,
        title="Аналитическая справка",
        params={"period": _period(demo).pk},
        status=Job.Status.DONE,
        filename="Аналитическая справка.pdf",
        content_type="application/pdf",
    )
    job.file.save("report.pdf", ContentFile(b"%PDF-1.4 report"), save=True)
    return {"pk": job.pk}


# The targets that are not simply ``demo[target]``: what each one's URL takes.
TARGETS = {
    "reset_link": lambda demo: {"uidb64": "MQ", "token": "no-such-token"},
    "coordinator_job": _coordinator_job,
    "municipality": lambda demo: {"pk": demo["school1"].municipality_id},
    "teacher_mentor": lambda demo: {"pk": demo["teacher"].pk, "kind": "mentor"},
    "teacher_scan": _teacher_scan,
    "mentor_account": lambda demo: {"pk": demo["users"]["mentor"].pk},
    "activity": lambda demo: {"pk": demo["program"].pk, "activity_pk": demo["activity"].pk},
    "roadmap": lambda demo: {"pk": _roadmap(demo).pk},
    "roadmap_item": _roadmap_item,
    "roadmap_evidence": lambda demo: _roadmap_item(demo, evidence=True),
    "roadmap_batch": lambda demo: _batch(demo, "curator2", "plan.xlsx", kind="roadmap"),
    "organisations_batch": lambda demo: _batch(
        demo,
        "coordinator",
        "organisations.xlsx",
        kind="organisations",
        options={"municipality": demo["school1"].municipality_id},
    ),
    "period": lambda demo: {"pk": _period(demo).pk},
    "period_school1": lambda demo: {"pk": _period(demo).pk, "organisation_pk": demo["school1"].pk},
    # The open questionnaire (the concluded period's is closed to answers).
    "questionnaire": lambda demo: {
        "pk": Questionnaire.objects.get(municipality=demo["school1"].municipality, is_active=True).pk
    },
    "curator_batch": lambda demo: _batch(demo, "curator", "staff.csv"),
    "draft_order": lambda demo: {"pk": MentoringOrder.objects.drafts().get(organisation=demo["school1"]).pk},
    "curator_role": lambda demo: {"pk": demo["users"]["curator"].memberships.get(role="curator").pk},
    "demo_region": lambda demo: {"kind": "region", "pk": demo["school1"].municipality.region_id},
    "demo_region_municipality": lambda demo: {
        "kind": "region",
        "pk": demo["school1"].municipality.region_id,
        "municipality_pk": demo["school1"].municipality_id,
    },
    "teacher_workplace": lambda demo: {"pk": demo["teacher"].pk, "workplace_pk": home_place(demo["teacher"]).pk},
    "teacher_duplicate": lambda demo: {
        "pk": demo["teacher"].pk,
        "other_pk": Person.objects.filter(organisation=demo["school1"]).exclude(pk=demo["teacher"].pk).first().pk,
    },
}


def as_role(client, demo, role: str):
    if role != "anonymous":
        client.force_login(demo["users"][role])
    return client


def url_for(url_name: str, matrix: dict, demo: dict, media_root) -> str:
    target, _ = matrix[url_name]
    return reverse(url_name, kwargs=url_kwargs(target, demo, media_root))


@pytest.mark.parametrize(("url_name", "role", "expected"), CASES, ids=[f"{n}-{r}" for n, r, _ in CASES])
def test_role_gets_expected_status(client, demo, settings, tmp_path, url_name, role, expected):
    settings.MEDIA_ROOT = tmp_path
    response = as_role(client, demo, role).get(url_for(url_name, MATRIX, demo, tmp_path))
    assert response.status_code == expected


@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_mentor_and_mentee_see_their_own_record(client, demo, role):
    client.force_login(demo["users"][role])
    response = client.get(reverse("registry:person_detail", args=[demo["own"][role].pk]))
    assert response.status_code == 200
    assert demo["own"][role].last_name in response.content.decode()


@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_mentor_and_mentee_cannot_edit_even_their_own_record(client, demo, role):
    client.force_login(demo["users"][role])
    response = client.get(reverse("registry:person_update", args=[demo["own"][role].pk]))
    assert response.status_code == 403


# POST-only URLs, posted empty by those who must not reach the object: nothing they could
# change, so the answer is decided before any form is read. In-scope posts have their own tests.
# The regional coordinator reads every one of these objects and writes none: 403 on each.
POST_MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "registry:import_confirm": ("curator_batch", {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404}),
    "registry:import_columns": ("curator_batch", {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404}),
    "registry:import_organisations": (
        "curator_batch",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404},
    ),
    "registry:organisation_import_columns": (
        "organisations_batch",
        {"anonymous": 302, "region": 403, "head": 404, "curator": 403},
    ),
    "registry:organisation_import_confirm": (
        "organisations_batch",
        {"anonymous": 302, "region": 403, "head": 404, "director": 403},
    ),
    "registry:group_consents": (
        "group",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404, "mentor": 403},
    ),
    "registry:group_end": (
        "group",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404, "mentee": 403},
    ),
    "registry:group_pause": (
        "group",
        {
            "anonymous": 302,
            "region": 403,
            "director2": 404,
            "curator2": 404,
            "mentor": 403,
            "mentee": 403,
            "coordinator": 403,
        },
    ),
    "registry:group_resume": (
        "group",
        {
            "anonymous": 302,
            "region": 403,
            "director2": 404,
            "curator2": 404,
            "mentor": 403,
            "mentee": 403,
            "coordinator": 403,
        },
    ),
    "registry:group_mentor_change": (
        "group",
        {
            "anonymous": 302,
            "region": 403,
            "director2": 404,
            "curator2": 404,
            "mentor": 403,
            "mentee": 403,
            "coordinator": 403,
        },
    ),
    "registry:program_from_bank": ("group", {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404}),
    "registry:workplace_create": (
        "teacher",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404, "mentor": 404},
    ),
    "registry:workplace_end": ("teacher_workplace", {"anonymous": 302, "region": 403, "director2": 404, "mentee": 404}),
    "registry:person_transfer": (
        "teacher",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404, "director": 403, "curator": 403},
    ),
    "registry:person_leave": (
        "teacher",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404, "mentee": 404},
    ),
    "registry:person_merge": (
        "teacher_duplicate",
        {"anonymous": 302, "region": 403, "director2": 404, "mentor": 404, "director": 403, "curator": 403},
    ),
    "registry:program_result": (
        "program",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404, "mentee": 403},
    ),
    # The mentee's self-assessment: not the mentor's, not the curator's.
    "registry:program_self_assessment": (
        "program",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404, "mentor": 403, "curator": 403},
    ),
    "registry:program_to_bank": ("program", {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404}),
    "registry:activity_mark": (
        "activity",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404, "mentee": 403},
    ),
    "registry:account_active": (
        "mentor_account",
        {"anonymous": 302, "region": 403, "director2": 404, "curator": 403, "mentor": 403},
    ),
    # The curator prepares, the director signs; the coordinator reads the draft; other schools get 404.
    "registry:order_sign": (
        "draft_order",
        {
            "anonymous": 302,
            "region": 403,
            "director2": 404,
            "curator2": 404,
            "mentor": 404,
            "curator": 403,
            "coordinator": 403,
        },
    ),
    "registry:order_withdraw": (
        "draft_order",
        {
            "anonymous": 302,
            "region": 403,
            "director2": 404,
            "curator2": 404,
            "mentee": 404,
            "coordinator": 403,
            "head": 403,
        },
    ),
    "roadmaps:roadmap_import_confirm": (
        "roadmap_batch",
        {"anonymous": 302, "region": 403, "curator": 404, "coordinator": 404},
    ),
    "roadmaps:roadmap_import_columns": (
        "roadmap_batch",
        {"anonymous": 302, "region": 403, "curator": 404, "coordinator": 404},
    ),
    "roadmaps:roadmap_submit": (
        "roadmap",
        {"anonymous": 302, "region": 403, "director": 404, "curator": 404, "mentor": 404},
    ),
    "roadmaps:roadmap_approve": ("roadmap", {"anonymous": 302, "region": 403, "director": 404, "curator": 404}),
    "roadmaps:roadmap_return": ("roadmap", {"anonymous": 302, "region": 403, "director": 404, "curator": 404}),
    "roadmaps:roadmap_revise": ("roadmap", {"anonymous": 302, "region": 403, "director": 404, "curator": 404}),
    "monitoring:period_submit": (
        "period_school1",
        {"anonymous": 302, "region": 403, "director2": 404, "curator2": 404},
    ),
    "monitoring:period_remind": ("period", {"anonymous": 302, "region": 403, "director": 403, "curator": 403}),
    "monitoring:period_conclusions": ("period", {"anonymous": 302, "region": 403, "director": 403, "curator": 403}),
    "monitoring:questionnaire_create": (None, {"anonymous": 302, "region": 403, "curator": 403, "mentor": 403}),
    "notices:notice_read": (None, {"anonymous": 302}),
}
POST_CASES = [(name, role, status) for name, (_, roles) in POST_MATRIX.items() for role, status in roles.items()]


def test_every_post_only_url_has_a_post_row():
    post_only = {name for name, (_, statuses) in MATRIX.items() if statuses[1:] == [405] * (len(ROLES) - 1)}
    post_only.discard("logout")
    assert post_only <= set(POST_MATRIX), sorted(post_only - set(POST_MATRIX))


def data_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row, per table of the portal's data: its apps' models (their
    histories and link tables included) and the accounts. Equal before and after: nothing changed."""
    models = [
        model
        for app in ("registry", "roadmaps", "monitoring")
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    ]
    tables = sorted({model._meta.db_table for model in [*models, get_user_model()]})
    fingerprint = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM {connection.ops.quote_name(table)} t"
            )
            fingerprint[table] = cursor.fetchone()
    return fingerprint


@pytest.mark.parametrize(("url_name", "role", "expected"), POST_CASES, ids=[f"{n}-{r}" for n, r, _ in POST_CASES])
def test_out_of_scope_post_is_refused_and_changes_nothing(client, demo, settings, tmp_path, url_name, role, expected):
    settings.MEDIA_ROOT = tmp_path
    client = as_role(client, demo, role)
    url = url_for(url_name, POST_MATRIX, demo, tmp_path)
    before = data_fingerprint()
    response = client.post(url, {})
    assert response.status_code == expected
    after = data_fingerprint()
    assert after == before, f"changed: {sorted(table for table in before if after.get(table) != before[table])}"
