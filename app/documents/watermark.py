"""The watermark printed on copies (复印件): operator, agency and time, diagonally across each page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from app.documents.fonts import FontRole
from app.documents.geometry import PageGeometry
from app.documents.typesetting import FontBook, TextLine, draw_line

WATERMARK_GREY = Color(0.5, 0.5, 0.5, alpha=0.18)
WATERMARK_SIZE = 14.0


@dataclass(frozen=True)
class Watermark:
    """Who printed this copy, for whom, and when."""

    operator: str
    agency: str
    printed_at: datetime

    def text(self) -> str:
        """The watermark line as printed."""
        return f"复印件　{self.agency}　{self.operator}　{self.printed_at:%Y-%m-%d %H:%M}"


def draw_watermark(canvas: Canvas, book: FontBook, geometry: PageGeometry, mark: Watermark) -> None:
    """Repeat the watermark line at 30° over the page, light enough to read the text beneath."""
    text = mark.text()
    width = book.width(FontRole.BODY, text, WATERMARK_SIZE, 0.0)
    canvas.saveState()
    canvas.translate(geometry.page_width / 2, geometry.page_height / 2)
    canvas.rotate(30)
    for row in range(-3, 4):
        y = row * geometry.page_height / 6
        draw_line(canvas, book, TextLine(text, -width / 2, y, FontRole.BODY, WATERMARK_SIZE, 0.0, WATERMARK_GREY))
    canvas.restoreState()
