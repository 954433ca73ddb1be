"""Measuring and drawing lines of text: per-character font fallback, 禁则 breaking, justification.

A character is set in its role's font; if that font lacks it, the next font of the role's chain that has it is used;
if none has it, the character is recorded as missing and the render fails with ``MissingGlyphs``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.documents.fonts import FontChain, FontRole
from app.documents.linebreak import BrokenLine, break_lines
from app.documents.model import Align

BLACK = Color(0, 0, 0)
RED = Color(1, 0, 0)  # 7.2.3, 7.2.6: 红色 发文机关标志 and 分隔线
EMBOLDEN_STROKE = 0.028  # em fraction: a light Song drawn with this stroke approaches 小标宋's weight


class FontBook:
    """The resolved fonts of one renderer, with per-character choice cached; collects characters no font has."""

    def __init__(self, chains: Mapping[FontRole, FontChain]):
        self.chains = dict(chains)
        self._faces: dict[str, TTFont] = {
            f.registered_name: pdfmetrics.getFont(f.registered_name) for c in chains.values() for f in c.fonts
        }
        self._choice: dict[tuple[FontRole, str], str | None] = {}
        self.missing: set[str] = set()

    def font_for(self, role: FontRole, ch: str) -> str | None:
        """The registered name of the font that draws ``ch`` in ``role`` (None: no font has it)."""
        key = (role, ch)
        if key in self._choice:
            return self._choice[key]
        chosen: str | None = None
        code = ord(ch)
        for font in self.chains[role].fonts:
            if code in self._faces[font.registered_name].face.charToGlyph:
                chosen = font.registered_name
                break
        self._choice[key] = chosen
        if chosen is None and not ch.isspace():
            self.missing.add(ch)
        return chosen

    def advance(self, role: FontRole, ch: str, size: float) -> float:
        """Advance width of ``ch`` at ``size`` points."""
        name = self.font_for(role, ch)
        if name is None:
            return size
        face = self._faces[name].face
        return float(face.charWidths.get(ord(ch), face.defaultWidth)) * size / 1000.0

    def width(self, role: FontRole, text: str, size: float, spacing: float) -> float:
        """Natural width of ``text`` with ``spacing`` between glyphs."""
        if not text:
            return 0.0
        return sum(self.advance(role, c, size) for c in text) + spacing * (len(text) - 1)

    def runs(self, role: FontRole, text: str) -> list[tuple[str, str]]:
        """Split ``text`` into (font name, substring) runs; characters without a font are dropped (and recorded)."""
        out: list[tuple[str, str]] = []
        for ch in text:
            name = self.font_for(role, ch)
            if name is None:
                continue
            if out and out[-1][0] == name:
                out[-1] = (name, out[-1][1] + ch)
            else:
                out.append((name, ch))
        return out

    def descent(self, role: FontRole) -> float:
        """Descent of the role's primary font as a fraction of the em (negative)."""
        return float(self._faces[self.chains[role].primary.registered_name].face.descent) / 1000.0

    def emboldened(self, role: FontRole) -> bool:
        """Whether the role's face is a light stand-in drawn with a stroke."""
        return self.chains[role].primary.candidate.embolden

    def break_text(
        self, role: FontRole, text: str, size: float, spacing: float, widths: Sequence[float]
    ) -> list[BrokenLine]:
        """Break ``text`` for ``role`` at ``size`` into lines of the given widths (禁则 applied)."""
        return break_lines(text, lambda c: self.advance(role, c, size), spacing, widths)


@dataclass(frozen=True)
class TextLine:
    """One line ready to draw: left x, em-box top y, and the spacing that justifies it."""

    text: str
    x: float
    top: float
    role: FontRole
    size: float
    spacing: float
    color: Color = BLACK
    scale: float = 1.0  # horizontal scaling (Tz), used to fit a long 发文机关标志 into the type area


def place_line(
    line: BrokenLine, left: float, width: float, align: Align, base_spacing: float, book: FontBook, role: FontRole
) -> tuple[float, float]:
    """x and spacing for a broken line inside [left, left + width] under ``align``."""
    if align is Align.JUSTIFY and not line.is_last and len(line.text) > 1:
        return left, base_spacing + (width - line.natural_width) / (len(line.text) - 1)
    if align is Align.CENTER:
        return left + (width - line.natural_width) / 2, base_spacing
    if align is Align.RIGHT:
        return left + width - line.natural_width, base_spacing
    return left, base_spacing


def draw_line(canvas: Canvas, book: FontBook, line: TextLine) -> None:
    """Draw ``line`` with its em box's top at ``line.top`` (the grid reference of GB/T 9704 5.2.2)."""
    baseline = line.top - line.size * (1.0 + book.descent(line.role))
    text = canvas.beginText()
    text.setFillColor(line.color)
    # Tr, Tc and Tz are text state that outlives the text object (PDF 32000 9.3): confine them with q/Q.
    canvas.saveState()
    if book.emboldened(line.role):
        canvas.setLineWidth(line.size * EMBOLDEN_STROKE)
        text.setStrokeColor(line.color)
        text.setTextRenderMode(2)
    text.setCharSpace(line.spacing)
    text.setHorizScale(line.scale * 100.0)
    x = line.x
    for name, run in book.runs(line.role, line.text):
        text.setFont(name, line.size)
        text.setTextOrigin(x, baseline)
        text.textOut(run)
        x += (book.width(line.role, run, line.size, line.spacing) + line.spacing) * line.scale
    canvas.drawText(text)
    canvas.restoreState()
