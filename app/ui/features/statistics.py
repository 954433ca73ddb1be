"""统计: 统计: assessment metrics and their trends as charts, exportable (placeholder)."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.placeholder import PlaceholderController

TITLE = "统计"
ICON = "statistics"
PURPOSE = "统计：考核指标及其趋势图表，可导出。"


def create(context: AppContext) -> FeatureController:
    return PlaceholderController(context, TITLE, PURPOSE)
