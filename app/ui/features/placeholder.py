"""The honest page of a feature whose services have not landed yet: what it will do, and that it is not open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.widgets import hint, page_title


class PlaceholderController(FeatureController):
    """尚未开放: shown until the feature's own controller replaces it in its module."""

    def __init__(self, context: AppContext, title: str, purpose: str) -> None:
        page = QWidget()
        page.setObjectName("page")
        super().__init__(context, page)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.addWidget(page_title(title))
        layout.addWidget(hint(purpose))
        notice = QLabel("本功能尚未开放，将在后续版本中提供。")
        notice.setObjectName("warningText")
        notice.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(notice)
        layout.addStretch(1)
