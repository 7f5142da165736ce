"""A demo monitoring period and questionnaire, so the coordinator's pages are not empty."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from registry.models import Municipality

from .models import MonitoringPeriod
from .services import questionnaire_create_default

MONTHS = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]


@transaction.atomic
def build_demo_monitoring(municipality: Municipality) -> bool:
    if MonitoringPeriod.objects.filter(municipality=municipality).exists():
        return False
    today = timezone.localdate()
    period = MonitoringPeriod.objects.create(
        municipality=municipality,
        title=f"Муниципальный мониторинг, {MONTHS[today.month - 1]} {today.year}",
        starts_on=today.replace(year=today.year - 1),
        ends_on=today,
        deadline=today + datetime.timedelta(days=14),
        created_by=get_user_model().objects.filter(username="coordinator").first(),
    )
    questionnaire_create_default(municipality=municipality, period=period)
    return True
