"""The roadmap in the official layout, as PDF and Word: the approval block, the numbered table by sections.

The approval block says what the portal recorded: a revision approved with an order cited is
«УТВЕРЖДЕНО приказом … от … № …» (the order's date only); approved without one, it is the director's
«УТВЕРЖДАЮ» with «И.О. Фамилия» and the day of the approval; a revision not approved yet is marked
«ПРОЕКТ» and leaves the date blank for the paper signature. «СОГЛАСОВАНО» (the pedagogical council's
protocol, say) stands on the left when the approver recorded one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from mentoring_portal import word
from mentoring_portal.documents import PDF, html_to_pdf
from mentoring_portal.exporters import Exporter
from mentoring_portal.official import approval_lines, check_format, read_order_citation
from registry.models import Membership, Role
from registry.requisites import head_of, signatory_named, signatory_of_membership, signatory_of_user

from .models import Revision, Roadmap

APPROVED = (Revision.Status.APPROVED, Revision.Status.SUPERSEDED)
MUNICIPAL_HEAD = "Руководитель органа управления образованием"


@dataclass(frozen=True)
class Approval:
    agreed: list[str]
    approved: list[str]
    draft: str


def approver_title(roadmap: Roadmap) -> tuple[list[str], str]:
    """The approver's position with the owner («Директор МБОУ …»), and who orders («приказом МБОУ …»)."""
    if roadmap.organisation_id:
        organisation = roadmap.organisation
        return [f"{organisation.head_title} {organisation.short_name}"], organisation.short_name
    department = roadmap.municipality.department_name if roadmap.municipality_id else ""
    return [line for line in (MUNICIPAL_HEAD, department) if line], "органа управления образованием"


def expected_approver(roadmap: Roadmap):
    """Who will sign the paper when the revision is not approved in the portal yet."""
    if roadmap.organisation_id:
        return head_of(roadmap.organisation)
    head = (
        Membership.objects.filter(municipality_id=roadmap.municipality_id, role=Role.HEAD)
        .select_related("user", "person")
        .order_by("pk")
        .first()
    )
    return signatory_of_membership(head)


def approval_of(revision: Revision) -> Approval:
    roadmap = revision.roadmap
    title, order_by = approver_title(roadmap)
    agreed = ["СОГЛАСОВАНО", revision.agreed_with] if revision.agreed_with else []
    if revision.status not in APPROVED:
        signer = expected_approver(roadmap)
        draft = f"ПРОЕКТ (редакция {revision.number}, {revision.get_status_display().lower()})"
        lines = approval_lines(title=title, order_by=order_by, signer=signer.initials if signer else "", date=None)
        return Approval(agreed, lines, draft)
    signer = signatory_of_user(revision.approved_by) or signatory_named(revision.approved_by_name)
    number, date = read_order_citation(revision.approval_order)
    lines = approval_lines(
        title=title,
        order_by=order_by,
        signer=signer.initials if signer else "",
        date=timezone.localtime(revision.approved_at).date() if revision.approved_at else None,
        order_number=number,
        order_date=date,
        order_text=revision.approval_order if not (number or date) else "",
    )
    return Approval(agreed, lines, "")


class RoadmapDocument(Exporter):
    """``RoadmapDocument().render(revision, format="pdf" | "docx")``: one context, two layouts."""

    def render(self, revision: Revision, *, format: str = "pdf") -> tuple[str, str, bytes]:
        check_format(format)
        roadmap = revision.roadmap
        context = {
            "roadmap": roadmap,
            "revision": revision,
            "sections": list(revision.sections.prefetch_related("items")),
            "approval": approval_of(revision),
        }
        filename = f"Дорожная карта {roadmap.owner_name} {roadmap.period}"
        if format == "docx":
            return f"{filename}.docx", word.DOCX, roadmap_docx(context)
        return f"{filename}.pdf", PDF, html_to_pdf(render_to_string("pdf/roadmap.html", context))


def roadmap_docx(context: dict) -> bytes:
    roadmap, approval = context["roadmap"], context["approval"]
    document = word.new_document(landscape=True)
    if approval.draft:
        word.block(document, [approval.draft], indent_mm=160)
    if approval.agreed:
        word.blocks_side_by_side(document, approval.agreed, approval.approved, width_mm=257)
    else:
        word.block(document, approval.approved, indent_mm=160, bold_first=True)
    word.centred(document, roadmap.title, bold=True, size=13)
    subtitle = ", ".join(part for part in (roadmap.owner_name, roadmap.period) if part)
    word.centred(document, subtitle)
    if roadmap.basis:
        word.centred(document, f"Основание: {roadmap.basis}", size=10)
    rows, sections = [], []
    for section in context["sections"]:
        sections.append(len(rows) + 1)  # the table's row: the header is row 0
        rows.append([section.number, section.title, "", "", ""])
        rows += [[i.number, i.content, i.deadline, i.responsible, i.result] for i in section.items.all()]
    table = word.table(
        document,
        ["№", "Мероприятие", "Срок", "Ответственный", "Результат / вид документа"],
        rows,
        widths=[18, 100, 40, 45, 54],
        size=10,
    )
    for index in sections:
        for run in table.rows[index].cells[0].paragraphs[0].runs + table.rows[index].cells[1].paragraphs[0].runs:
            run.bold = True
    return word.save(document)
