"""``DocumentRenderer.render(document) -> bytes``: the pager that puts rows on GB/T 9704 pages.

Vertical placement follows the 22-line grid (5.2.2); the 版头 (7.2), the 版记 (7.4) and page numbers (7.5) sit at the
positions the standard gives, whatever the content.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.documents.errors import MissingGlyphs
from app.documents.fonts import FontChain, FontRegistry, FontRole, resolve_fonts
from app.documents.geometry import GB9704, SIZE_3HAO, SIZE_4HAO, PageGeometry
from app.documents.layout import Break, FreeRow, GridRow, Layout, Row
from app.documents.model import Document, FormHeader, Imprint, Note, Part, RedHeader, Signature
from app.documents.table import table_rows
from app.documents.typesetting import RED, FontBook, TextLine, draw_line
from app.documents.watermark import Watermark, draw_watermark

ISSUER_MARK_SIZE = 42.0  # 7.2.3 leaves the size open; 初号 compressed to the type area is common practice
RED_RULE_WIDTH = 1.0  # 7.2.6 gives no thickness for the red rule
THICK_RULE = 0.35 * mm  # 7.4.1: 首条、末条分隔线推荐高度 0.35 mm
THIN_RULE = 0.25 * mm  # 7.4.1: 中间的分隔线推荐高度 0.25 mm
GAP_AFTER_TABLE = 6.0


class DocumentRenderer:
    """Resolves fonts once (the slow part) and renders any number of documents with them."""

    def __init__(
        self,
        geometry: PageGeometry = GB9704,
        registry: FontRegistry | None = None,
        font_dirs: Sequence[Path] | None = None,
    ):
        self.geometry = geometry
        self.registry = registry if registry is not None else FontRegistry()
        self.chains: dict[FontRole, FontChain] = resolve_fonts(self.registry, font_dirs)

    def render(self, document: Document, watermark: Watermark | None = None) -> bytes:
        """The PDF of ``document``; raises ``MissingGlyphs`` rather than print a character as a blank box."""
        book = FontBook(self.chains)
        buffer = io.BytesIO()
        body_font = self.chains[FontRole.BODY].primary.registered_name
        # initialFontName: otherwise reportlab names an unembedded Helvetica in every page preamble.
        canvas = Canvas(
            buffer,
            pagesize=(self.geometry.page_width, self.geometry.page_height),
            pageCompression=1,
            initialFontName=body_font,
            initialFontSize=SIZE_3HAO,
        )
        canvas.setTitle(document.title)
        canvas.setAuthor(document.author)
        canvas.setCreator("衔接终端")
        canvas.setSubject(document.title)
        if document.keywords:
            canvas.setKeywords(" ".join(document.keywords))
        pager = _Pager(canvas, self.geometry, book, watermark)
        for part in document.parts:
            pager.run_part(part)
        pager.finish_page()
        if book.missing:
            raise MissingGlyphs(book.missing)
        canvas.save()
        return buffer.getvalue()


def render(document: Document, renderer: DocumentRenderer | None = None, watermark: Watermark | None = None) -> bytes:
    """Render ``document`` to PDF bytes; pass a long-lived ``renderer`` to avoid resolving fonts each time."""
    return (renderer or DocumentRenderer()).render(document, watermark)


@dataclass
class _PartState:
    part: Part
    page: int = 0


class _Pager:
    def __init__(self, canvas: Canvas, geometry: PageGeometry, book: FontBook, watermark: Watermark | None):
        self.c = canvas
        self.g = geometry
        self.book = book
        self.layout = Layout(geometry, book)
        self.watermark = watermark
        self.state: _PartState | None = None
        self.y = geometry.area_top
        self.after_free = False
        self.has_content = False
        self.page_open = False

    # -- pages --------------------------------------------------------------------------------------------------
    def finish_page(self) -> None:
        if not self.page_open or self.state is None:
            return
        if self.state.part.page_numbers:
            self._page_number(self.state.page)
        if self.watermark is not None:
            draw_watermark(self.c, self.book, self.g, self.watermark)
        self.c.showPage()
        self.page_open = False

    def new_page(self) -> None:
        self.finish_page()
        assert self.state is not None
        self.state.page += 1
        self.page_open = True
        self.y = self.g.area_top
        self.after_free = False
        self.has_content = False

    def _page_number(self, number: int) -> None:
        # 7.5: 4号半角宋体阿拉伯数字, 一字线 each side, 7 mm below the type area; odd 右空一字, even 左空一字.
        text = f"— {number} —"
        width = self.book.width(FontRole.SONG, text, SIZE_4HAO, 0.0)
        x = self.g.area_right - SIZE_4HAO - width if number % 2 else self.g.area_left + SIZE_4HAO
        top = self.g.area_bottom - self.g.page_number_offset
        draw_line(self.c, self.book, TextLine(text, x, top, FontRole.SONG, SIZE_4HAO, 0.0))

    # -- parts --------------------------------------------------------------------------------------------------
    def run_part(self, part: Part) -> None:
        self.finish_page()  # the previous part's last page, numbered by that part's rule
        self.state = _PartState(part)
        self.new_page()
        rows: list[Row] = []
        if isinstance(part.header, RedHeader):
            self._red_header(part.header)
        elif isinstance(part.header, FormHeader):
            rows += self.layout.form_header(part.header)
        for block in part.blocks:
            if isinstance(block, Signature | Note) and rows:
                rows[-1].keep_with_next = True  # 7.3.5.4: never a signature page without text above it
            rows += self.layout.rows(block, lambda t: table_rows(t, self.g, self.book))
        for group in _groups(rows):
            if any(isinstance(r, Break) for r in group):
                self.new_page()
                continue
            if self.has_content and not self._fits(group):
                self.new_page()
            for row in group:
                self._place(row)
        if part.imprint is not None:
            self._imprint(part.imprint)

    def _red_header(self, header: RedHeader) -> None:
        g = self.g
        # 7.2.3: 发文机关标志 centred, its top 35 mm below the type area's top, red 小标宋.
        size = ISSUER_MARK_SIZE
        natural = self.book.width(FontRole.TITLE, header.issuer_mark, size, 0.0)
        scale = min(1.0, g.area_width / natural)
        if scale < 0.5:
            size *= scale / 0.5
            scale = 0.5
        mark_top = g.area_top - g.issuer_mark_offset
        x = g.area_left + (g.area_width - natural * scale * size / ISSUER_MARK_SIZE) / 2
        draw_line(self.c, self.book, TextLine(header.issuer_mark, x, mark_top, FontRole.TITLE, size, 0.0, RED, scale))
        # 7.2.4: 发文字号 centred, 标志下空二行.
        number_top = mark_top - size - g.line_gap - 2 * g.line_pitch
        if header.number:
            width = self.book.width(FontRole.BODY, header.number, SIZE_3HAO, g.char_spacing)
            line = TextLine(
                header.number,
                g.area_left + (g.area_width - width) / 2,
                number_top,
                FontRole.BODY,
                SIZE_3HAO,
                g.char_spacing,
            )
            draw_line(self.c, self.book, line)
        # 7.2.6: red rule as wide as the type area, 4 mm below the 文号.
        rule_y = number_top - SIZE_3HAO - g.rule_below_number
        self.c.setStrokeColor(RED)
        self.c.setLineWidth(RED_RULE_WIDTH)
        self.c.line(g.area_left, rule_y, g.area_right, rule_y)
        self.c.setStrokeColorRGB(0, 0, 0)
        # 7.3.1: the title goes 红色分隔线下空二行.
        self.y = g.line_top(g.line_index_at_or_below(rule_y) + 2)
        self.has_content = True

    # -- rows ---------------------------------------------------------------------------------------------------
    def _grid_index(self, y: float, after_free: bool) -> int:
        return self.g.line_index_at_or_below(y - GAP_AFTER_TABLE if after_free else y)

    def _fits(self, group: list[Row]) -> bool:
        y, after_free = self.y, self.after_free
        for row in group:
            if isinstance(row, GridRow):
                index = self._grid_index(y, after_free)
                if index >= self.g.lines_per_page:
                    return False
                y, after_free = self.g.line_top(index + 1), False
            elif isinstance(row, FreeRow):
                if y - row.height < self.g.area_bottom - 0.01:
                    return False
                y, after_free = y - row.height, True
        return True

    def _place(self, row: Row) -> None:
        if isinstance(row, GridRow):
            index = self._grid_index(self.y, self.after_free)
            if index >= self.g.lines_per_page:
                self.new_page()
                index = 0
            top = self.g.line_top(index)
            for piece in row.pieces:
                draw_line(
                    self.c,
                    self.book,
                    TextLine(piece.text, piece.x, top, piece.role, piece.size, piece.spacing, piece.color, piece.scale),
                )
            for under in row.underlines:
                self.c.setLineWidth(0.5)
                self.c.line(under.x0, top - SIZE_3HAO, under.x1, top - SIZE_3HAO)
            self.y, self.after_free = self.g.line_top(index + 1), False
        elif isinstance(row, FreeRow):
            if self.y - row.height < self.g.area_bottom - 0.01:
                self.new_page()
            if row.header is not None and not self.has_content:
                self._place(row.header)  # a table continued on a new page repeats its header row
            row.draw(self.c, self.y)
            self.y, self.after_free = self.y - row.height, True
        self.has_content = True

    def _imprint(self, imprint: Imprint) -> None:
        g, size = self.g, SIZE_4HAO
        label = "抄送："
        indent = size  # 7.4.2: 抄送 左右各空一字 (4号)
        label_w = self.book.width(FontRole.BODY, label, size, 0.0)
        copy_lines = (
            self.book.break_text(FontRole.BODY, imprint.copy_to, size, 0.0, [g.area_width - 2 * indent - label_w])
            if imprint.copy_to
            else []
        )
        bands = len(copy_lines) + 1
        band = g.line_pitch
        # 7.4.1: the last rule lies on the type area's bottom edge; keep a blank line above the first rule.
        if self._grid_index(self.y, self.after_free) > g.lines_per_page - 1 - bands:
            self.new_page()
        bottom = g.area_bottom

        def text_at(band_index: int, text: str, x: float) -> None:
            band_top = bottom + (band_index + 1) * band
            top = band_top - (band - size) / 2
            draw_line(self.c, self.book, TextLine(text, x, top, FontRole.BODY, size, 0.0))

        # 7.4.3: 印发机关 左空一字, 印发日期 右空一字, then “印发”.
        text_at(0, imprint.printed_by, g.area_left + indent)
        date = f"{imprint.print_date_text}印发"
        text_at(0, date, g.area_right - indent - self.book.width(FontRole.BODY, date, size, 0.0))
        for i, line in enumerate(copy_lines):
            band_index = bands - 1 - i
            if i == 0:
                text_at(band_index, label, g.area_left + indent)
            text_at(band_index, line.text, g.area_left + indent + label_w)
        self.c.setStrokeColorRGB(0, 0, 0)
        # 7.4.1: thick first and last rules, a thin rule between 抄送 and 印发 (抄送's own lines share one band).
        for i in sorted({0, 1, bands}):
            self.c.setLineWidth(THICK_RULE if i in (0, bands) else THIN_RULE)
            y = bottom + i * band
            self.c.line(g.area_left, y, g.area_right, y)


def _groups(rows: list[Row]) -> list[list[Row]]:
    """Consecutive rows joined by ``keep_with_next`` form one group that the pager keeps on one page."""
    groups: list[list[Row]] = []
    current: list[Row] = []
    for row in rows:
        current.append(row)
        if not row.keep_with_next:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups
