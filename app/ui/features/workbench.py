"""工作台: the to-do list by deadline urgency, 以罚代刑 warnings, unread inbox, sync state (placeholder)."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.placeholder import PlaceholderController

TITLE = "工作台"
ICON = "workbench"
PURPOSE = "按期限紧急程度排列的待办事项（颜色标示剩余天数）、以罚代刑预警、未读收件和同步状态。"


def create(context: AppContext) -> FeatureController:
    return PlaceholderController(context, TITLE, PURPOSE)
