"""咨询: 案件咨询 (seed §11): questions on thresholds or evidence, answered within 3 working days (placeholder)."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.placeholder import PlaceholderController

TITLE = "咨询"
ICON = "consultation"
PURPOSE = "案件咨询：就追诉标准、证据规格等问题书面咨询，对方应在 3 个工作日内答复（疑难复杂案件除外）。"


def create(context: AppContext) -> FeatureController:
    return PlaceholderController(context, TITLE, PURPOSE)
