"""Ruled tables (涉案物品清单, 移送材料目录, 备案表, 考核结果) as free rows that break between rows.

Every body row carries the header row, which the paginator repeats at the top of each continuation page.
"""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from app.documents.errors import DocumentTooLong
from app.documents.fonts import FontRole
from app.documents.geometry import PageGeometry
from app.documents.layout import FreeRow
from app.documents.model import Align, Table
from app.documents.typesetting import FontBook, TextLine, draw_line, place_line

RULE_WIDTH = 0.6  # points; cell borders
LEADING = 1.4  # line pitch inside a cell, in ems
PADDING = 0.3  # cell padding, in ems


def table_rows(table: Table, geometry: PageGeometry, book: FontBook) -> list[FreeRow]:
    """The header row (kept with the first body row) followed by one free row per body row."""
    total = sum(c.weight for c in table.columns)
    widths = [geometry.area_width * c.weight / total for c in table.columns]
    header = _row(
        tuple(c.header for c in table.columns),
        widths,
        [Align.CENTER] * len(widths),
        table.header_role,
        table,
        geometry,
        book,
    )
    header.keep_with_next = True
    aligns = [c.align for c in table.columns]
    body = [_row(cells, widths, aligns, FontRole.BODY, table, geometry, book) for cells in table.rows]
    for row in body:
        row.header = header
    return [header, *body]


def _row(
    cells: tuple[str, ...],
    widths: list[float],
    aligns: list[Align],
    role: FontRole,
    table: Table,
    g: PageGeometry,
    book: FontBook,
) -> FreeRow:
    size = table.size
    pad, leading = size * PADDING, size * LEADING
    placed: list[list[TextLine]] = []
    x = g.area_left
    for text, width, align in zip(cells, widths, aligns, strict=True):
        lines = book.break_text(role, text, size, 0.0, [width - 2 * pad]) if text else []
        cell: list[TextLine] = []
        for line in lines:
            lx, sp = place_line(line, x + pad, width - 2 * pad, align, 0.0, book, role)
            cell.append(TextLine(line.text, lx, 0.0, role, size, sp))
        placed.append(cell)
        x += width
    height = max(1, *(len(c) for c in placed)) * leading + 2 * pad - (leading - size)
    if height > g.area_height / 2:
        raise DocumentTooLong(cells[0][:20] if cells else "表格行")
    edges = [g.area_left]
    for w in widths:
        edges.append(edges[-1] + w)

    def draw(canvas: Canvas, top: float) -> None:
        canvas.setLineWidth(RULE_WIDTH)
        canvas.setStrokeColorRGB(0, 0, 0)
        bottom = top - height
        canvas.line(edges[0], top, edges[-1], top)
        canvas.line(edges[0], bottom, edges[-1], bottom)
        for e in edges:
            canvas.line(e, top, e, bottom)
        for cell in placed:
            # Centre the cell's lines vertically in the row.
            block = len(cell) * leading - (leading - size)
            first_top = top - (height - block) / 2
            for i, line in enumerate(cell):
                draw_line(canvas, book, TextLine(line.text, line.x, first_top - i * leading, role, size, line.spacing))

    return FreeRow(height, draw)
