from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render

from mentoring_portal.exporters import download

from .access import check_rights, get_job_for
from .models import Job


def job_list(request):
    jobs = Job.objects.filter(user=request.user)[:50]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


def job_detail(request, pk: int):
    job = get_job_for(request.user, pk)
    if job.is_import:  # a large import's job: its progress and result are on the upload's page, while it is kept
        from registry.models import ImportBatch

        batch = ImportBatch.objects.filter(pk=job.params.get("batch")).first()
        if batch is not None:
            return redirect(batch)
    return render(request, "jobs/job_detail.html", {"job": job})


def job_download(request, pk: int):
    job = get_job_for(request.user, pk)
    check_rights(request.user, job)
    if job.status != Job.Status.DONE or not job.file:
        raise Http404
    with job.file.open("rb") as source:
        return download(job.filename, job.content_type, source.read(), private=True)
