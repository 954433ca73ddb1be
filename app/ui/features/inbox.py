"""收件箱: packets received from other agencies, verified, with their receipts (placeholder)."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.placeholder import PlaceholderController

TITLE = "收件箱"
ICON = "inbox"
PURPOSE = "其他成员单位发来的数据包：移送、回执、决定、文书，经验签后入库，可查看平台回执。"


def create(context: AppContext) -> FeatureController:
    return PlaceholderController(context, TITLE, PURPOSE)
