"""Downloads out of the data: one ``Exporter`` class per document, xlsx written safely.

Each exporter has ``render(...) -> (filename, content_type, bytes)`` and is used by the view
(``exporter.response(...)``), the tests and the benchmark alike. Text cells are always written
as text: a value that begins with = + - @ is stored as a string with Excel's quote prefix, so
no spreadsheet program ever runs it as a formula, and the value itself survives a round trip
through an import unchanged.
"""

from __future__ import annotations

import datetime
import io

from django.http import FileResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def download(filename: str, content_type: str, content: bytes, *, private: bool = False) -> FileResponse:
    """A download whose Cyrillic name browsers keep (Django writes RFC 5987 ``filename*``).

    ``private`` downloads (personal data) are kept by no cache, the browser's included.
    """
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=content_type)
    if private:
        response["Cache-Control"] = "private, no-store"
    return response


class Exporter:
    """One document out of the data: subclasses implement ``render``.

    ``private`` marks documents with personal data whose downloads no cache may keep.
    """

    private = False

    def render(self, *args, **kwargs) -> tuple[str, str, bytes]:
        raise NotImplementedError

    def response(self, *args, **kwargs) -> FileResponse:
        """The rendered document as a download."""
        filename, content_type, content = self.render(*args, **kwargs)
        return download(filename, content_type, content, private=self.private)


class XlsxSheet:
    """A write-only sheet that writes text as text and dates as dd.mm.yyyy."""

    def __init__(self, workbook: Workbook, title: str, widths: list[int] | None = None):
        self.sheet = workbook.create_sheet(title)
        for index, width in enumerate(widths or [], start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width

    def cell(self, value, *, bold: bool = False) -> WriteOnlyCell:
        if isinstance(value, Promise):
            value = str(value)
        cell = WriteOnlyCell(self.sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
            if value.startswith(FORMULA_TRIGGERS):
                cell.quotePrefix = True
        elif isinstance(value, datetime.date):
            cell.number_format = "DD.MM.YYYY"
        if bold:
            cell.font = Font(bold=True)
        return cell

    def append(self, values, *, bold: bool = False) -> None:
        self.sheet.append([self.cell(value, bold=bold) for value in values])


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def generated_name(folder: str, filename: str) -> str:
    """Where an upload is stored: a generated name, never the uploader's; only a view that checks rights serves it."""
    import uuid
    from pathlib import PurePath

    return f"{folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


def stored_file(field_file, stem: str, *, private: bool = False) -> FileResponse:
    """A stored upload as a download named ``stem`` plus its suffix; 404 when it is gone from the storage."""
    import mimetypes

    from django.http import Http404

    if not field_file or not field_file.storage.exists(field_file.name):
        raise Http404
    suffix = field_file.name.rsplit(".", 1)[-1].lower()
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    with field_file.open("rb") as stream:
        content = stream.read()
    return download(f"{stem}.{suffix}", content_type, content, private=private)
