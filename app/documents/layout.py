"""Blocks → rows: every block becomes grid rows (one per line of the 22-line grid) or free rows (table rows).

Positions across the page are fixed here; vertical positions are given by the paginator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from app.documents.errors import DocumentTooLong
from app.documents.fonts import FontRole
from app.documents.geometry import SIZE_3HAO, PageGeometry
from app.documents.linebreak import BrokenLine, violations
from app.documents.model import (
    Addressee,
    Align,
    Attachments,
    BlankLines,
    Block,
    FieldList,
    FormHeader,
    Heading,
    Note,
    PageBreak,
    Paragraph,
    Signature,
    Table,
    Title,
)
from app.documents.typesetting import BLACK, RED, FontBook, TextLine, place_line

HEADING_ROLES = {1: FontRole.HEI, 2: FontRole.KAI, 3: FontRole.BODY, 4: FontRole.BODY}  # 7.3.3


@dataclass(frozen=True)
class Underline:
    """A rule under a blank to be filled in by hand (回执), relative to the row's em-box top."""

    x0: float
    x1: float


@dataclass
class GridRow:
    """One line of the grid: text pieces (their ``top`` is replaced when placed) and underlines."""

    pieces: list[TextLine] = field(default_factory=list)
    underlines: list[Underline] = field(default_factory=list)
    keep_with_next: bool = False


@dataclass
class FreeRow:
    """A row of fixed height drawn by ``draw(canvas, top)``; ``header`` is repeated when a page breaks before it."""

    height: float
    draw: Callable[[Canvas, float], None]
    header: FreeRow | None = None
    keep_with_next: bool = False


@dataclass
class Break:
    """A forced page break."""

    keep_with_next: bool = False


Row = GridRow | FreeRow | Break


class Layout:
    """Lays blocks out across the measure of a ``PageGeometry`` with the fonts of a ``FontBook``."""

    def __init__(self, geometry: PageGeometry, book: FontBook):
        self.g = geometry
        self.book = book

    # -- text ---------------------------------------------------------------------------------------------------
    def text_rows(
        self,
        text: str,
        role: FontRole,
        size: float,
        *,
        first_x: float,
        rest_x: float,
        right: float,
        align: Align,
        color: Color = BLACK,
    ) -> list[GridRow]:
        """Break ``text`` into grid rows between the given left edges and ``right``."""
        spacing = self.g.char_spacing * size / SIZE_3HAO if role is not FontRole.TITLE else 0.0
        widths = [right - first_x, right - rest_x]
        rows: list[GridRow] = []
        for i, line in enumerate(self.book.break_text(role, text, size, spacing, widths)):
            left = first_x if i == 0 else rest_x
            x, sp = place_line(line, left, right - left, align, spacing, self.book, role)
            rows.append(GridRow([TextLine(line.text, x, 0.0, role, size, sp, color)]))
        return rows

    def paragraph(self, p: Paragraph) -> list[GridRow]:
        """7.3.3: 每个自然段左空二字，回行顶格."""
        cp = self.g.char_pitch
        left = self.g.area_left
        return self.text_rows(
            p.text,
            p.role,
            p.size,
            first_x=left + p.indent * cp,
            rest_x=left + p.hanging * cp,
            right=self.g.area_right - p.right_indent * cp,
            align=p.align,
            color=RED if p.red else BLACK,
        )

    def title(self, t: Title) -> list[GridRow]:
        """7.3.1: centred, lines balanced (梯形/菱形 rather than a long line and a stub), kept together."""
        left, right = self.g.area_left, self.g.area_right
        lines = self.book.break_text(t.role, t.text, t.size, 0.0, [right - left])
        if len(lines) == 2:
            lines = self._two_line_title(t, lines)
        elif len(lines) > 2:
            # Narrow the measure while the line count stays the same: balanced lines.
            width = right - left
            while width > t.size * 4:
                trial = self.book.break_text(t.role, t.text, t.size, 0.0, [width - t.size])
                if len(trial) != len(lines):
                    break
                width -= t.size
                lines = trial
        rows = []
        for line in lines:
            x = left + (right - left - line.natural_width) / 2
            rows.append(GridRow([TextLine(line.text, x, 0.0, t.role, t.size, 0.0)], keep_with_next=True))
        rows[-1].keep_with_next = False
        return rows

    def _two_line_title(self, t: Title, greedy: list[BrokenLine]) -> list[BrokenLine]:
        """7.3.1 回行时词意完整: break near the middle, after 的 or a closing mark, or before 关于 or an opening one."""
        text, limit = t.text, self.g.area_width
        middle = len(text) / 2
        good_after, good_before = set("的”》）"), set("关于“《（")

        def score(i: int) -> float:
            natural = i in range(1, len(text)) and (text[i - 1] in good_after or text[i] in good_before)
            return abs(i - middle) - (3.0 if natural else 0.0)

        # A 文号 (…〔2026〕3号) is one unit: never break inside it.
        inside = {i for m in re.finditer(r"〔\d{4}〕\d+号", text) for i in range(m.start() + 1, m.end())}
        for i in sorted(range(1, len(text)), key=score):
            if i in inside:
                continue
            first, second = text[:i], text[i:]
            widths = [self.book.width(t.role, part, t.size, 0.0) for part in (first, second)]
            if max(widths) <= limit and not violations([first, second]):
                return [BrokenLine(first, widths[0], False), BrokenLine(second, widths[1], True)]
        return greedy

    def field_list(self, f: FieldList) -> list[GridRow]:
        """Form rows: the label spread over ``label_chars`` characters, a colon, the value hanging after it."""
        cp, spacing = self.g.char_pitch, self.g.char_spacing
        x0 = self.g.area_left + f.indent * cp
        value_x = x0 + (f.label_chars + 1) * cp
        rows: list[GridRow] = []
        for field_row in f.rows:
            label = field_row.label
            extra = (f.label_chars - len(label)) * cp / (len(label) - 1) if 1 < len(label) < f.label_chars else 0.0
            label_piece = TextLine(label, x0, 0.0, f.label_role, SIZE_3HAO, spacing + extra)
            colon = TextLine("：", x0 + f.label_chars * cp, 0.0, f.label_role, SIZE_3HAO, spacing)
            if field_row.value:
                value_rows = self.text_rows(
                    field_row.value,
                    FontRole.BODY,
                    SIZE_3HAO,
                    first_x=value_x,
                    rest_x=value_x,
                    right=self.g.area_right,
                    align=Align.JUSTIFY,
                )
            else:
                value_rows = [GridRow(underlines=[Underline(value_x, self.g.area_right - cp)])]
            value_rows[0].pieces[:0] = [label_piece, colon]
            rows += value_rows
        return rows

    def attachments(self, a: Attachments) -> list[GridRow]:
        """7.3.4: 正文下空一行左空二字 “附件：”, numbered names aligned on their first character."""
        cp, left = self.g.char_pitch, self.g.area_left
        rows = [GridRow()]
        label_x = left + 2 * cp
        for i, name in enumerate(a.names):
            number = f"{i + 1}." if len(a.names) > 1 else ""
            number_w = self.book.width(FontRole.BODY, number, SIZE_3HAO, self.g.char_spacing) if number else 0.0
            name_x = label_x + 3 * cp + (number_w + self.g.char_spacing if number else 0.0)
            name_rows = self.text_rows(
                name, FontRole.BODY, SIZE_3HAO, first_x=name_x, rest_x=name_x, right=self.g.area_right, align=Align.LEFT
            )
            lead = [TextLine(number, label_x + 3 * cp, 0.0, FontRole.BODY, SIZE_3HAO, self.g.char_spacing)]
            if i == 0:
                lead.insert(0, TextLine("附件：", label_x, 0.0, FontRole.BODY, SIZE_3HAO, self.g.char_spacing))
            name_rows[0].pieces[:0] = [p for p in lead if p.text]
            rows += name_rows
        return rows

    def signature(self, s: Signature) -> list[GridRow]:
        """7.3.5: sealed — date 右空四字, signer centred over the date, room above for the seal; unsealed — 右空二字."""
        cp, sp, right = self.g.char_pitch, self.g.char_spacing, self.g.area_right
        signer_w = self.book.width(FontRole.BODY, s.signer, SIZE_3HAO, sp)
        date_w = self.book.width(FontRole.BODY, s.date_text, SIZE_3HAO, sp)
        if s.sealed:
            date_x = right - 4 * cp - date_w
            signer_x = min(date_x + (date_w - signer_w) / 2, right - 2 * cp - signer_w)
            blanks = [GridRow(keep_with_next=True), GridRow(keep_with_next=True)]
        else:
            signer_x = right - 2 * cp - signer_w
            date_x = signer_x + 2 * cp
            if date_x + date_w > right - 2 * cp:
                date_x = right - 2 * cp - date_w
                signer_x = date_x - 2 * cp
            blanks = [GridRow(keep_with_next=True)]
        signer = GridRow([TextLine(s.signer, signer_x, 0.0, FontRole.BODY, SIZE_3HAO, sp)], keep_with_next=True)
        date = GridRow([TextLine(s.date_text, date_x, 0.0, FontRole.BODY, SIZE_3HAO, sp)])
        return [*blanks, signer, date]

    def form_header(self, h: FormHeader) -> list[GridRow]:
        """Head of a ministry form: agency and form title centred in 小标宋, part label in 楷体, 文号 右空一字."""
        rows = self.title(Title(h.agency)) + self.title(Title(h.title))
        for r in rows:
            r.keep_with_next = True
        if h.part_label:
            rows += self.text_rows(
                h.part_label,
                FontRole.KAI,
                SIZE_3HAO,
                first_x=self.g.area_left,
                rest_x=self.g.area_left,
                right=self.g.area_right,
                align=Align.CENTER,
            )
        if h.number:
            rows += self.text_rows(
                h.number,
                FontRole.BODY,
                SIZE_3HAO,
                first_x=self.g.area_left,
                rest_x=self.g.area_left,
                right=self.g.area_right - self.g.char_pitch,
                align=Align.RIGHT,
            )
        return rows

    # -- dispatch -----------------------------------------------------------------------------------------------
    def rows(self, block: Block, table_rows: Callable[[Table], list[FreeRow]]) -> list[Row]:
        """The rows of one block."""
        g, cp = self.g, self.g.char_pitch
        match block:
            case Paragraph():
                return list(self.paragraph(block))
            case Title():
                return list(self.title(block))
            case Heading(text=text, level=level):
                rows = self.paragraph(Paragraph(text, role=HEADING_ROLES.get(level, FontRole.BODY), align=Align.LEFT))
                rows[-1].keep_with_next = True
                return list(rows)
            case Addressee(text=text):
                return list(self.paragraph(Paragraph(text, indent=0, align=Align.LEFT)))
            case FieldList():
                return list(self.field_list(block))
            case Attachments():
                return list(self.attachments(block))
            case Signature():
                return list(self.signature(block))
            case Note(text=text):
                return list(
                    self.text_rows(
                        text,
                        FontRole.BODY,
                        SIZE_3HAO,
                        first_x=g.area_left + 2 * cp,
                        rest_x=g.area_left,
                        right=g.area_right,
                        align=Align.JUSTIFY,
                    )
                )
            case BlankLines(count=count):
                return [GridRow() for _ in range(count)]
            case PageBreak():
                return [Break()]
            case Table():
                return list(table_rows(block))
        raise DocumentTooLong(type(block).__name__)  # unreachable for well-typed blocks
