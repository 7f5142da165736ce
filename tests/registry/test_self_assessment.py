"""The mentee's self-assessment is the mentee's alone: the mentor writes the results, not the mentee's words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.utils import form_data, page_text

pytestmark = pytest.mark.django_db


def test_the_mentee_writes_their_self_assessment_on_the_program_page(client, demo):
    program = demo["program"]
    client.force_login(demo["users"]["mentee"])
    page = client.get(program.get_absolute_url())
    assert "Моя самооценка" in page_text(page)
    data = form_data(page, action=reverse("registry:program_self_assessment", args=[program.pk]))
    data["mentee_self_assessment"] = "Научилась планировать урок по ФГОС"
    response = client.post(reverse("registry:program_self_assessment", args=[program.pk]), data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.mentee_self_assessment == "Научилась планировать урок по ФГОС"


def test_the_mentor_cannot_write_the_mentees_self_assessment(client, demo):
    program = demo["program"]
    program.mentee_self_assessment = "Своими словами"
    program.save(update_fields=["mentee_self_assessment"])
    client.force_login(demo["users"]["mentor"])
    page = client.get(program.get_absolute_url())
    assert 'name="mentee_self_assessment"' not in page.content.decode()
    data = form_data(page, action=reverse("registry:program_result", args=[program.pk]))
    data |= {"result": "Программа выполнена", "mentee_self_assessment": "Написал наставник"}
    client.post(reverse("registry:program_result", args=[program.pk]), data)
    program.refresh_from_db()
    assert program.result == "Программа выполнена"
    assert program.mentee_self_assessment == "Своими словами"
    forbidden = client.post(
        reverse("registry:program_self_assessment", args=[program.pk]), {"mentee_self_assessment": "Наставник"}
    )
    assert forbidden.status_code == 403
    program.refresh_from_db()
    assert program.mentee_self_assessment == "Своими словами"
