"""The Art. 14 annual report as an Excel workbook (openpyxl): the report's text on sheet
``报告`` with its verification code and QR code, one sheet per table, and a sheet of charts
of the cases by ground (Art. 4) and by measure (Art. 7)."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.styles import Font

from ledger.errors import InvalidInputError
from ledger.i18n import _
from projections.documents.blocks import Document
from projections.documents.report import GROUNDS_TABLE, MEASURES_TABLE
from projections.documents.word import BODY_FONT, HEADING_FONT, TITLE_FONT, qr_png

__all__ = ["read_xlsx", "workbook_texts", "write_xlsx"]

REPORT_SHEET = "报告"
CHART_SHEET = "图表"


def _sheet_name(title: str) -> str:
    return title.split(" ", 1)[0]


def _is_count(rows: tuple[tuple[str, ...], ...], r: int, c: int) -> bool:
    return r > 0 and c == 1 and len(rows[0]) == 2


def write_xlsx(document: Document, path: Path) -> None:
    """Write the workbook to ``path`` (a new file)."""
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = REPORT_SHEET
    sheet.column_dimensions["A"].width = 120
    for row, block in enumerate(document.blocks, start=1):
        cell = sheet.cell(row=row, column=1, value=block.text)
        name = TITLE_FONT if block.role in ("issuer", "title") else (
            HEADING_FONT if block.role in ("heading", "table") else BODY_FONT)  # fmt: skip
        cell.font = Font(name=name, size=16 if block.role == "title" else 11,
                         bold=block.role in ("title", "heading"))  # fmt: skip
        if block.role == "code":
            image = SheetImage(io.BytesIO(qr_png(str(document.code))))
            sheet.add_image(image, f"B{row}")
    charts = []
    for title, rows in document.tables:
        ws = wb.create_sheet(_sheet_name(title))
        ws.cell(row=1, column=1, value=title).font = Font(name=HEADING_FONT, bold=True)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                cell = ws.cell(
                    row=r + 2, column=c + 1, value=int(value) if _is_count(rows, r, c) else value
                )
                cell.font = Font(name=HEADING_FONT if r == 0 else BODY_FONT, bold=r == 0)
        ws.column_dimensions["A"].width = 60
        if title in (GROUNDS_TABLE, MEASURES_TABLE) and len(rows) > 1:
            charts.append((title, ws, len(rows)))
    if charts:
        cs = wb.create_sheet(CHART_SHEET)
        for n, (title, ws, count) in enumerate(charts):
            chart = BarChart()
            chart.type = "bar"
            chart.title = title
            chart.legend = None
            chart.add_data(
                Reference(ws, min_col=2, min_row=2, max_row=count + 1), titles_from_data=True
            )
            chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=count + 1))
            chart.width, chart.height = 24, 10
            cs.add_chart(chart, f"A{1 + n * 22}")
    wb.properties.identifier = str(document.code)
    wb.properties.title = document.description
    with path.open("xb") as out:
        wb.save(out)


def workbook_texts(document: Document) -> list[str]:
    """Every cell's text in sheet and row order, as :func:`read_xlsx` reads them back."""
    texts = [b.text for b in document.blocks if b.text]
    for title, rows in document.tables:
        texts.append(title)
        texts += [v for row in rows for v in row if v != ""]
    return texts


def read_xlsx(path: Path) -> tuple[list[str], str | None]:
    """Every non-empty cell's text, sheet by sheet and row by row; the stored code."""
    try:
        wb = load_workbook(path, read_only=False)
    except Exception as e:  # openpyxl raises several kinds for a file that is not a workbook
        raise InvalidInputError(
            _("{path} is not an Excel (.xlsx) workbook: {e}").format(path=path, e=e)
        ) from e
    texts = [
        str(cell.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None and str(cell.value) != ""
    ]
    return texts, wb.properties.identifier or None


def sheet_rows(path: Path, title: str) -> list[tuple[object, ...]]:
    """A table's rows as stored (header first), for callers that read the figures."""
    wb = load_workbook(path, read_only=True)
    ws = wb[_sheet_name(title)]
    return [tuple(r) for r in ws.iter_rows(min_row=2, values_only=True)]
