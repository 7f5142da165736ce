"""The regional and district coordinators' pages: read only, over the municipalities of their area."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from jobs.models import Job
from jobs.services import job_start
from monitoring.indicators import INDICATORS
from monitoring.reports import AnalyticalReport

from .access import areas_of, get_area_for, get_area_municipality_for, reads_areas
from .exporters import AreaFiguresExport, area_heading
from .services import DEFAULT_RANKING, RANKED, area_data, area_totals, municipality_rows, municipality_state, totals_of
from .tasks import area_report_job


@require_safe
def area_list(request):
    if not reads_areas(request.user):
        raise PermissionDenied
    areas = areas_of(request.user)
    if len(areas) == 1:
        return redirect("region:area_detail", kind=areas[0].kind, pk=areas[0].pk)
    return render(request, "region/area_list.html", {"areas": areas})


@require_safe
def area_detail(request, kind: str, pk: int):
    """Municipalities × indicators, with the targets and a ranking by the indicator asked for."""
    area = get_area_for(request.user, kind, pk)
    ranking = request.GET.get("by", DEFAULT_RANKING)
    figures = area_totals(area)
    rows = municipality_rows(area, figures["totals"], ranking)
    return render(
        request,
        "region/area_detail.html",
        {
            "area": area,
            "rows": rows,
            "indicators": INDICATORS,
            "ranked": RANKED,
            "ranking": ranking if ranking in {i.code for i in RANKED} else DEFAULT_RANKING,
            "organisations": figures["organisations"],
            "figures_at": figures["at"],
            "refresh_minutes": max(settings.REGION_FIGURES_SECONDS // 60, 1),
        },
    )


@require_safe
def municipality(request, kind: str, pk: int, municipality_pk: int):
    area = get_area_for(request.user, kind, pk)
    found = get_area_municipality_for(request.user, area, municipality_pk)
    return render(
        request, "region/municipality_detail.html", {"area": area, "municipality": found, **municipality_state(found)}
    )


@require_safe
def area_report(request, kind: str, pk: int):
    """The area's analytical report (PDF); a region of hundreds of organisations becomes a job."""
    area = get_area_for(request.user, kind, pk)
    report = AnalyticalReport()
    if report.in_parts(area.organisations().count()):
        job = job_start(
            user=request.user,
            kind=Job.Kind.ANALYTICAL_REPORT,
            title=f"{Job.Kind.ANALYTICAL_REPORT.label}: {area.name}",
            params={"area": area.kind, "pk": area.pk},
            task=area_report_job,
        )
        messages.info(request, _("Документ большой: он готовится в фоне, файл появится на этой странице."))
        return redirect(job)
    return report.response(area_data(area), area_heading(area))


@require_safe
def area_figures(request, kind: str, pk: int):
    area = get_area_for(request.user, kind, pk)
    data = area_data(area)
    return AreaFiguresExport().response(area, data, municipality_rows(area, totals_of(data)))
