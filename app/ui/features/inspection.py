"""监督检查: 专项监督检查 (seed §18–19): inspections and their published notices (placeholder)."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.placeholder import PlaceholderController

TITLE = "监督检查"
ICON = "inspection"
PURPOSE = "专项监督检查：检查安排、检查结果和通报。"


def create(context: AppContext) -> FeatureController:
    return PlaceholderController(context, TITLE, PURPOSE)
