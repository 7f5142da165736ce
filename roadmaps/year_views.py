"""«Новый учебный год»: the pages that move a school, or the whole municipality, into the next year."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from registry.access import coordinated_municipalities
from registry.years import year_of

from .access import can_roll_over_municipality, roll_over_organisations
from .rollover import municipality_roll_over, school_plan, school_roll_over


def _school(request):
    """The school asked for (``?organisation=``), or the user's only one; 404 for a school not theirs."""
    schools = roll_over_organisations(request.user)
    chosen = request.POST.get("organisation") or request.GET.get("organisation")
    if chosen:
        if not str(chosen).isdecimal():
            raise Http404
        school = schools.filter(pk=int(chosen)).first()
        if school is None:
            raise Http404
        return school, schools
    only = list(schools[:2])
    if not only:
        raise PermissionDenied
    return (only[0] if len(only) == 1 else None), schools


@require_http_methods(["GET", "POST"])
def school_new_year(request):
    school, schools = _school(request)
    if school is None:
        return render(request, "roadmaps/new_year_choice.html", {"schools": schools})
    if request.method == "POST":
        year = year_of(school.municipality)
        roadmap = school_roll_over(user=request.user, organisation=school, year=year)
        if roadmap is None:
            messages.error(
                request, _("Утверждённой дорожной карты за %(year)s нет: переносить нечего.") % {"year": year}
            )
            return redirect(f"{request.path}?organisation={school.pk}")
        messages.success(
            request,
            _(
                "Дорожная карта на %(year)s учебный год готова как черновик: "
                "проверьте сроки и отправьте её на утверждение."
            )
            % {"year": roadmap.academic_year},
        )
        return redirect(roadmap)
    plan = school_plan(school, year_of(school.municipality, create=False), create=False)
    return render(request, "roadmaps/new_year.html", {"plan": plan, "schools": schools})


@require_http_methods(["GET", "POST"])
def municipality_new_year(request):
    municipalities = coordinated_municipalities(request.user).order_by("name")
    chosen = request.POST.get("municipality") or request.GET.get("municipality")
    if chosen:
        municipality = municipalities.filter(pk=int(chosen)).first() if str(chosen).isdecimal() else None
        if municipality is None:
            raise Http404
    else:
        only = list(municipalities[:2])
        municipality = only[0] if len(only) == 1 else None
    if municipality is None or not can_roll_over_municipality(request.user, municipality):
        raise PermissionDenied
    if request.method == "POST":
        year = year_of(municipality)
        result = municipality_roll_over(user=request.user, municipality=municipality, year=year)
        messages.success(
            request,
            _(
                "Учебный год %(year)s переведён в архив. Перенесено дорожных карт: %(copied)s, "
                "уже были: %(kept)s, без утверждённой карты: %(none)s."
            )
            % {"year": year, "copied": result.copied, "kept": result.kept, "none": result.without_plan},
        )
        return redirect("roadmaps:roadmap_list")
    year = year_of(municipality, create=False)
    return render(request, "roadmaps/new_year_municipality.html", {"municipality": municipality, "year": year})
