"""Render the application emblem (SVG) to the raster icons installers need: lianjie.png (256 px) and lianjie.ico.

Usage: ``python installer/render_icons.py resources/ui/icons/emblem.svg build/icons`` (runs headless, offscreen).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZE = 256


def render(svg: Path, size: int) -> QImage:
    """The SVG drawn on a white rounded tile of ``size`` pixels, so the emblem reads on dark menus too."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#ffffff"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(0, 0, size, size, size * 0.18, size * 0.18)
    margin = size // 8
    QSvgRenderer(str(svg)).render(painter, image.rect().adjusted(margin, margin, -margin, -margin).toRectF())
    painter.end()
    return image


def main(argv: list[str]) -> int:
    """Write ``lianjie.png`` and ``lianjie.ico`` into the output folder."""
    svg, out = Path(argv[0]), Path(argv[1])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication([sys.argv[0]])
    out.mkdir(parents=True, exist_ok=True)
    ok = render(svg, SIZE).save(str(out / "lianjie.png"), "PNG")
    ok = render(svg, 64).save(str(out / "lianjie.ico"), "ICO") and ok
    del app
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
