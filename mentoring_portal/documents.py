"""PDF documents out of the data: HTML rendered from templates, turned into PDF by WeasyPrint.

Each app's documents are ``Exporter`` classes (``mentoring_portal.exporters``) with
``render(...) -> (filename, content_type, bytes)``, shared by views and tests. The templates
carry a small print stylesheet and DejaVu fonts (from the system, embedded into the PDF as
subsets), so Cyrillic prints anywhere.

**Long PDFs in parts**: rendered one by one, joined with pypdf, numbered once at the end.
WeasyPrint lays out one long table at roughly 12 ms a row on this kind of machine (a
3,000-row report: ~37 s and ~640 MB in one process). A report made of independent parts
(a title part, then tables of a few hundred rows) keeps each layout short and its memory
bounded. Where a report is that large its parts are jobs of the task queue (``jobs/``), so
several workers, on several machines, render them at once and the last one joins them
(``join_pdfs``); no process pool is forked inside a web request. Page numbers «Страница N
из M» are stamped after joining, from a blank numbered document that WeasyPrint renders in
milliseconds.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter

PDF = "application/pdf"

NUMBERS_HTML = """<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: {size}; margin: 18mm 15mm 18mm 25mm;
  @bottom-right {{ content: "Страница " counter(page) " из " counter(pages); font-size: 9pt;
                  font-family: "DejaVu Serif", serif; }} }}
div {{ page-break-after: always; }} div:last-child {{ page-break-after: auto; }}
</style></head><body>{pages}</body></html>"""


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def render_parts(parts: list[str], *, size: str = "A4 landscape") -> bytes:
    """Render HTML ``parts`` (each a whole document without page numbers) into one numbered PDF, in this
    process; a report large enough to need several processes goes to the task queue instead."""
    return join_pdfs([html_to_pdf(part) for part in parts], size=size)


def join_pdfs(rendered: list[bytes], *, size: str = "A4 landscape") -> bytes:
    """The rendered parts as one PDF, its pages numbered «Страница N из M» across the parts."""
    writer = PdfWriter()
    for pdf in rendered:
        writer.append(PdfReader(io.BytesIO(pdf)))
    total = len(writer.pages)
    numbers = PdfReader(io.BytesIO(html_to_pdf(NUMBERS_HTML.format(size=size, pages="<div></div>" * total))))
    for page, overlay in zip(writer.pages, numbers.pages, strict=True):
        page.merge_page(overlay)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
