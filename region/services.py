"""The region's figures: each municipality's live indicators (the dashboard's, ``live_data``), ranked; each
municipality's roadmap and monitoring state."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from monitoring.indicators import INDICATORS, aggregate, format_value, values_of
from monitoring.models import MonitoringPeriod
from monitoring.services import PeriodData, live_data, period_data
from roadmaps.models import Revision, Roadmap
from roadmaps.overview import STATE_LABELS, progress_rows

from .access import Area

# What the table ranks by unless asked otherwise: the share of teachers in mentoring, the indicator that
# every municipality has (the others with a target are 100 % goals that many reach at once).
DEFAULT_RANKING = "involved_share"
RANKED = [indicator for indicator in INDICATORS if indicator.unit == "%"]


def area_data(area: Area) -> PeriodData:
    """Every organisation of the area, live: ``organisation_figures`` costs the same queries for one or 3,000."""
    organisations = area.organisations()
    return live_data(list(organisations), among=organisations.values("pk"))


def totals_of(data: PeriodData) -> dict[int, dict]:
    """The area's figures summed per municipality (a person counted by two of its organisations, once)."""
    by_municipality: dict[int, list[dict]] = {}
    for row in data.rows:
        by_municipality.setdefault(row["organisation"].municipality_id, []).append(row["figures"])
    return {pk: aggregate(figures) for pk, figures in by_municipality.items()}


def area_totals(area: Area) -> dict:
    """The table's figures per municipality, as of ``at``: computed at most once per ``REGION_FIGURES_SECONDS``
    for every app server (the cache is the database's), since they cost a pass over every person of the area.

    Decision: a regional coordinator reads figures that municipalities keep; ten minutes behind is what a
    region's statistics are anyway, and the page says as of when. The municipal and school pages stay live."""
    key = f"region:totals:{area.kind}:{area.pk}"
    found = cache.get(key)
    if found is None:
        organisations = area.organisations().select_related(None).only("pk", "municipality_id")
        data = live_data(list(organisations), among=organisations.values("pk"))
        found = {"totals": totals_of(data), "organisations": len(data.rows), "at": timezone.now()}
        cache.set(key, found, settings.REGION_FIGURES_SECONDS)
    return found


def municipality_rows(area: Area, totals: dict[int, dict], ranking: str = DEFAULT_RANKING) -> list[dict]:
    """Each municipality with its indicators (value, text, target met) and its place by ``ranking``."""
    rows = []
    for municipality in area.municipalities():
        total = totals.get(municipality.pk) or aggregate([])
        values = [{**item, "text": format_value(item["value"], item["indicator"].unit)} for item in values_of(total)]
        rows.append(
            {
                "municipality": municipality,
                "organisations": total["organisations"],
                "values": values,
                "by_code": {item["indicator"].code: item["value"] for item in values},
            }
        )
    if ranking not in {indicator.code for indicator in RANKED}:
        ranking = DEFAULT_RANKING
    rows.sort(key=lambda row: (row["by_code"][ranking] is None, -(row["by_code"][ranking] or 0)))
    place, previous = 0, object()
    for index, row in enumerate(rows, start=1):
        value = row["by_code"][ranking]
        if value != previous:
            place, previous = index, value
        row["place"] = place if value is not None else None
    return rows


def municipality_state(municipality) -> dict:
    """A municipality's roadmap (the municipal one and every school's) and its monitoring periods."""
    organisations = list(municipality.organisations.order_by("short_name").only("short_name", "kind"))
    plan = (
        Roadmap.objects.filter(municipality=municipality, organisation__isnull=True, is_template=False)
        .order_by("-created_at")
        .first()
    )
    latest = plan.revisions.order_by("-number").first() if plan else None
    periods = []
    for period in MonitoringPeriod.objects.filter(municipality=municipality).order_by("-ends_on")[:5]:
        data = period_data(period)
        periods.append({"period": period, "submitted": data.submitted, "organisations": data.total["organisations"]})
    return {
        "plan": plan,
        "plan_state": STATE_LABELS["none"] if latest is None else _state_label(latest),
        "schools": progress_rows(organisations),
        "periods": periods,
    }


def _state_label(revision: Revision) -> str:
    return STATE_LABELS.get(revision.status, revision.get_status_display())
