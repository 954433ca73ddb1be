"""备案: 备案 (seed §14): admin↔admin linkage filed with 法制办, admin↔criminal with the procuratorate (placeholder)."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.placeholder import PlaceholderController

TITLE = "备案"
ICON = "filing"
PURPOSE = "备案：行政执法机关之间的衔接向法制办备案，行政执法与刑事司法的衔接向人民检察院备案。"


def create(context: AppContext) -> FeatureController:
    return PlaceholderController(context, TITLE, PURPOSE)
