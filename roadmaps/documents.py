"""The roadmap to PDF in the official layout: «УТВЕРЖДЕНО», the numbered table by sections."""

from __future__ import annotations

from django.template.loader import render_to_string

from mentoring_portal.documents import PDF, html_to_pdf
from mentoring_portal.exporters import Exporter

from .models import Revision


class RoadmapDocument(Exporter):
    def render(self, revision: Revision) -> tuple[str, str, bytes]:
        roadmap = revision.roadmap
        sections = list(revision.sections.prefetch_related("items"))
        html = render_to_string("pdf/roadmap.html", {"roadmap": roadmap, "revision": revision, "sections": sections})
        return f"Дорожная карта {roadmap.owner_name} {roadmap.period}.pdf", PDF, html_to_pdf(html)
