"""联席会议: 联席会议 (seed §10): notices and minutes of joint meetings (placeholder)."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.placeholder import PlaceholderController

TITLE = "联席会议"
ICON = "meeting"
PURPOSE = "联席会议：会议通知、参会回复和会议纪要。"


def create(context: AppContext) -> FeatureController:
    return PlaceholderController(context, TITLE, PURPOSE)
