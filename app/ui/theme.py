"""Look and feel: the application font (CJK families first), the style sheet, the icons. No fixed pixel fonts:
sizes are multiples of the platform's default point size, so HiDPI and large-font settings scale everything."""

from __future__ import annotations

from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QWidget

from app.resources import resources_dir

RESOURCES = resources_dir() / "ui"
# Windows (微软雅黑), UOS/Kylin and other Linux (Noto Sans CJK, 文泉驿), then whatever Qt falls back to.
UI_FAMILIES = ["Microsoft YaHei UI", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei"]


def apply_theme(app: QApplication) -> None:
    """Set the application font and style sheet once, before the first window shows."""
    font = QFont(app.font())
    font.setFamilies(UI_FAMILIES)
    app.setFont(font)
    app.setStyle("Fusion")
    sheet = RESOURCES / "style.qss"
    if sheet.exists():
        app.setStyleSheet(sheet.read_text(encoding="utf-8"))


def icon(name: str) -> QIcon:
    """An icon from resources/ui/icons (SVG, so it stays sharp at any scale)."""
    return QIcon(str(RESOURCES / "icons" / f"{name}.svg"))


def scale_font(widget: QWidget, factor: float, *, bold: bool = False) -> None:
    """Make ``widget``'s font ``factor`` times the application's size."""
    font = QFont(widget.font())
    base = QApplication.font().pointSizeF()
    font.setPointSizeF((base if base > 0 else 10.0) * factor)
    font.setBold(bold)
    widget.setFont(font)
