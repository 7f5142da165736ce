"""The registry's PDF documents: the order, the program, the consent form.

One ``Exporter`` per document, rendered from templates (``mentoring_portal.documents``).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from mentoring_portal.documents import PDF, html_to_pdf
from mentoring_portal.exporters import Exporter

from .models import MentoringOrder, Person, Program
from .models.mentoring import director_name


class OrderDocument(Exporter):
    """Приказ о закреплении наставнических пар (групп)."""

    def render(self, order: MentoringOrder) -> tuple[str, str, bytes]:
        """A draft (проект) is marked «ПРОЕКТ» on every page and has blanks for the number and the date."""
        groups = order.groups.select_related("mentor__organisation").prefetch_related("participations__mentee")
        signer = order.signed_by or director_name(order.organisation)
        html = render_to_string(
            "pdf/order.html", {"order": order, "organisation": order.organisation, "groups": groups, "signer": signer}
        )
        if order.is_draft:
            return f"Проект приказа от {timezone.localtime(order.created_at):%d.%m.%Y}.pdf", PDF, html_to_pdf(html)
        return f"Приказ № {order.number} от {order.date:%d.%m.%Y}.pdf", PDF, html_to_pdf(html)


class ProgramDocument(Exporter):
    """Персонализированная программа наставничества."""

    def render(self, program: Program) -> tuple[str, str, bytes]:
        group = program.group
        mentees = [participation.mentee for participation in group.participations.select_related("mentee")]
        html = render_to_string(
            "pdf/program.html",
            {"program": program, "group": group, "mentees": mentees, "activities": program.activities.all()},
        )
        return f"Программа наставничества {group.mentor.short_name}.pdf", PDF, html_to_pdf(html)


class ConsentDocument(Exporter):
    """Согласие участника на наставничество и обработку персональных данных, для печати и подписи."""

    private = True  # names, contacts: never kept by a browser or a proxy cache

    def render(self, person: Person, role: str) -> tuple[str, str, bytes]:
        html = render_to_string("pdf/consent.html", {"person": person, "role": role})
        return f"Согласие {person.short_name}.pdf", PDF, html_to_pdf(html)
