"""提前介入: 提前介入 (seed §12): written invitations for serious cases, attendance within 3 days (placeholder)."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.placeholder import PlaceholderController

TITLE = "提前介入"
ICON = "early"
PURPOSE = "提前介入：重大案件书面邀请公安机关、人民检察院派员介入，应在 3 日内派员。"


def create(context: AppContext) -> FeatureController:
    return PlaceholderController(context, TITLE, PURPOSE)
