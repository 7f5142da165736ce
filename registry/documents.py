"""PDF documents out of the data, rendered from templates by WeasyPrint.

One class per document with ``render(...) -> (filename, content_type, bytes)``, shared by
views and tests. The templates carry a small print stylesheet and DejaVu fonts (from the
system, embedded into the PDF as subsets), so Cyrillic prints anywhere.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from .models import MentoringOrder, Person, Program

PDF = "application/pdf"


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


class OrderDocument:
    """Приказ о закреплении наставнических пар (групп)."""

    def render(self, order: MentoringOrder) -> tuple[str, str, bytes]:
        groups = order.groups.select_related("mentor__organisation").prefetch_related("participations__mentee")
        html = render_to_string(
            "pdf/order.html", {"order": order, "organisation": order.organisation, "groups": groups}
        )
        return f"Приказ № {order.number} от {order.date:%d.%m.%Y}.pdf", PDF, html_to_pdf(html)


class ProgramDocument:
    """Персонализированная программа наставничества."""

    def render(self, program: Program) -> tuple[str, str, bytes]:
        group = program.group
        mentees = [participation.mentee for participation in group.participations.select_related("mentee")]
        html = render_to_string(
            "pdf/program.html",
            {"program": program, "group": group, "mentees": mentees, "activities": program.activities.all()},
        )
        return f"Программа наставничества {group.mentor.short_name}.pdf", PDF, html_to_pdf(html)


class ConsentDocument:
    """Согласие участника на наставничество и обработку персональных данных, для печати и подписи."""

    def render(self, person: Person, role: str) -> tuple[str, str, bytes]:
        html = render_to_string("pdf/consent.html", {"person": person, "role": role})
        return f"Согласие {person.short_name}.pdf", PDF, html_to_pdf(html)
