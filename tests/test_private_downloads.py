"""Downloads that carry personal data are never kept by a browser or a proxy: ``Cache-Control: private, no-store``."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from registry.models import MentorProfile

pytestmark = pytest.mark.django_db


def test_personal_data_downloads_are_private_and_not_stored(client, demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    teacher = demo["teacher"]
    profile, _ = MentorProfile.objects.get_or_create(person=teacher)
    profile.consent_scan.save("scan.pdf", ContentFile(b"%PDF-1.4 consent"), save=True)
    client.force_login(demo["users"]["curator"])
    urls = [
        reverse("registry:person_export"),
        reverse("registry:person_data_export", args=[teacher.pk]),
        reverse("registry:consent_scan", args=[teacher.pk, "mentor"]),
        reverse("registry:consent_pdf", args=[teacher.pk, "mentor"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url
    assert client.get(urls[2])["Content-Type"] == "application/pdf"


def test_a_document_without_personal_data_may_be_cached(client, demo):
    client.force_login(demo["users"]["curator"])
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
