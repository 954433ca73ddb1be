"""Page geometry of GB/T 9704-2012 (党政机关公文格式), in PDF points.

Clause numbers in comments refer to GB/T 9704-2012.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm

# 5.1 / 5.2.1: A4 paper, 210 mm × 297 mm.
A4_WIDTH = 210 * mm
A4_HEIGHT = 297 * mm

# Chinese type sizes (字号) in points.
SIZE_2HAO = 22.0  # 二号: title (7.3.1)
SIZE_3HAO = 16.0  # 三号: body (5.2.2, 7.3.3)
SIZE_4HAO = 14.0  # 四号: page numbers (7.5), 版记 (7.4.2)
SIZE_XIAO4 = 12.0  # 小四: dense table cells


@dataclass(frozen=True)
class PageGeometry:
    """Where everything goes on a GB/T 9704 page; bottom-left origin as in PDF."""

    page_width: float = A4_WIDTH
    page_height: float = A4_HEIGHT
    top_margin: float = 37 * mm  # 5.2.1: 天头 37 mm ± 1 mm
    left_margin: float = 28 * mm  # 5.2.1: 订口 28 mm ± 1 mm
    area_width: float = 156 * mm  # 5.2.1: 版心 156 mm × 225 mm
    area_height: float = 225 * mm
    lines_per_page: int = 22  # 5.2.2: 一般每面排22行，每行排28个字，并撑满版心
    chars_per_line: int = 28
    body_size: float = SIZE_3HAO
    issuer_mark_offset: float = 35 * mm  # 7.2.3: 发文机关标志上边缘至版心上边缘为35mm
    rule_below_number: float = 4 * mm  # 7.2.6: 发文字号之下4mm处印一条红色分隔线
    page_number_offset: float = 7 * mm  # 7.5: 一字线上距版心下边缘7mm
    page_number_size: float = SIZE_4HAO

    @property
    def area_top(self) -> float:
        """y of the type area's top edge."""
        return self.page_height - self.top_margin

    @property
    def area_bottom(self) -> float:
        """y of the type area's bottom edge."""
        return self.area_top - self.area_height

    @property
    def area_left(self) -> float:
        """x of the type area's left (binding side) edge."""
        return self.left_margin

    @property
    def area_right(self) -> float:
        """x of the type area's right edge."""
        return self.left_margin + self.area_width

    @property
    def line_pitch(self) -> float:
        """Baseline-to-baseline distance so that 22 lines of 3号 撑满版心 (5.2.2).

        The first line's em box touches the type area's top edge and the 22nd line's em box its bottom edge.
        """
        return (self.area_height - self.body_size) / (self.lines_per_page - 1)

    @property
    def char_pitch(self) -> float:
        """Advance of one full-width character so that 28 of them span the 156 mm type area exactly (5.2.2)."""
        return (self.area_width - self.body_size) / (self.chars_per_line - 1)

    @property
    def char_spacing(self) -> float:
        """Extra space after each glyph (negative: 28 × 16 pt is 2 mm wider than the type area)."""
        return self.char_pitch - self.body_size

    @property
    def line_gap(self) -> float:
        """The blank space between two body lines' em boxes."""
        return self.line_pitch - self.body_size

    def line_top(self, index: int) -> float:
        """y of the em-box top of grid line ``index`` (0-based) on any page."""
        return self.area_top - index * self.line_pitch

    def line_index_at_or_below(self, y: float) -> int:
        """The first grid line whose em-box top is at or below ``y``."""
        eps = 0.01
        index = 0
        while self.line_top(index) > y + eps:
            index += 1
        return index


GB9704 = PageGeometry()
