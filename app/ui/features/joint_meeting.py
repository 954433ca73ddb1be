"""联席会议: the list with deadlines and each record's history; see ``affairs.page``."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.affairs.page import AffairsController
from app.ui.features.base import FeatureController

TITLE = "联席会议"
ICON = "meeting"
PURPOSE = "联席会议（实施意见第10条）：每年至少一次，由领导小组办公室召集；会议通知与纪要。"


def create(context: AppContext) -> FeatureController:
    return AffairsController(context, title=TITLE, affair_type="meeting", form_kind="meeting", purpose=PURPOSE)
