"""Who reads a region or an educational district: its coordinators (a district is read by its region's
coordinators too) and superusers. Out of scope answers 404. Nothing here writes: the municipalities
below keep their own data (``Scope.read_municipality_ids``, ``registry.access``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from registry.access import reads_areas
from registry.models import EducationalDistrict, Municipality, Organisation, Region, scope_of

KINDS = ("region", "district")
__all__ = ["Area", "area_of_job", "areas_of", "get_area_for", "get_area_municipality_for", "reads_areas"]


@dataclass(frozen=True)
class Area:
    """A region or an educational district: what the pages show above the municipalities."""

    kind: str
    place: Region | EducationalDistrict

    @property
    def pk(self) -> int:
        return self.place.pk

    @property
    def name(self) -> str:
        return self.place.name

    @property
    def office(self) -> str:
        return self.place.office_name

    @property
    def kind_label(self) -> str:
        return "Субъект РФ" if self.kind == "region" else "Образовательный округ"

    def municipalities(self) -> QuerySet[Municipality]:
        field = "region" if self.kind == "region" else "district"
        return Municipality.objects.filter(**{field: self.place}).order_by("name")

    def organisations(self) -> QuerySet[Organisation]:
        return (
            Organisation.objects.filter(municipality__in=self.municipalities())
            .select_related("municipality")
            .order_by("municipality__name", "short_name")
        )


def areas_of(user) -> list[Area]:
    """The regions and districts the user reads: their own; every region for a superuser."""
    scope = scope_of(user)
    regions = Region.objects.all() if scope.is_superuser else Region.objects.filter(pk__in=scope.region_ids)
    districts = EducationalDistrict.objects.filter(pk__in=scope.district_ids).exclude(region__in=regions)
    return [Area("region", region) for region in regions] + [Area("district", d) for d in districts]


def get_area_for(user, kind: str, pk: int) -> Area:
    """The region or district, if the user reads it; 404 otherwise (another region's coordinator too)."""
    scope = scope_of(user)
    if kind == "region":
        found = Region.objects.filter(pk=pk).first()
        allowed = found is not None and (scope.is_superuser or found.pk in scope.region_ids)
    else:
        found = EducationalDistrict.objects.filter(pk=pk).first()
        allowed = found is not None and (
            scope.is_superuser or found.pk in scope.district_ids or found.region_id in scope.region_ids
        )
    if not allowed:
        raise Http404
    return Area(kind, found)


def get_area_municipality_for(user, area: Area, pk: int) -> Municipality:
    try:
        return area.municipalities().get(pk=pk)
    except Municipality.DoesNotExist:
        raise Http404 from None


def area_of_job(user, params: dict) -> Area:
    """The area a job's document is of, asked again at download: a coordinator who lost it loses the file."""
    return get_area_for(user, params["area"], params["pk"])
