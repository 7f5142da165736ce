"""The region's analytical report as a job when it is too large for a request (hundreds of organisations)."""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from jobs.services import fail, running, split
from jobs.tasks import defer_parts
from mentoring_portal.queue import RETRY
from monitoring.reports import AnalyticalReport, report_context
from registry.models import EducationalDistrict, Region

from .access import Area
from .exporters import area_heading
from .services import area_data

logger = logging.getLogger(__name__)


@app.task(queue="documents", retry=RETRY)
def area_report_job(*, job_id: int) -> None:
    """The area's report in parts, rendered by any worker and joined by the last (as a period's report)."""
    job = running(job_id)
    if job is None:
        return
    model = Region if job.params.get("area") == "region" else EducationalDistrict
    place = model.objects.filter(pk=job.params.get("pk")).first()
    if place is None:
        logger.info("job %s: its region or district was deleted", job_id)
        fail(job_id, "Субъект РФ или округ удалён.")
        return
    area = Area(job.params["area"], place)
    heading = area_heading(area)
    context = report_context(area_data(area), heading)
    job.params["filename"] = f"Аналитическая справка {heading['title']}.pdf"
    job.save(update_fields=["params"])
    defer_parts(job.pk, split(job, AnalyticalReport().parts(context)))
