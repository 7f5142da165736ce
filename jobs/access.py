"""A job is its requester's alone; its file is handed over only while they still have the right to it."""

from __future__ import annotations

from django.http import Http404

from .models import Job


def get_job_for(user, pk: int) -> Job:
    job = Job.objects.filter(pk=pk, user=user).first()
    if job is None:
        raise Http404
    return job


def check_rights(user, job: Job) -> None:
    """Ask again what the job's document needs: a coordinator who lost the municipality loses the file too."""
    if "period" in job.params:
        from monitoring.access import get_period_for, require_report_reader

        require_report_reader(user, get_period_for(user, job.params["period"]))
    if "area" in job.params:
        from region.access import area_of_job

        area_of_job(user, job.params)
