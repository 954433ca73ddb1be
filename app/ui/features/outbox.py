"""发件箱: outgoing packets and their states, from draft to receipted or failed (placeholder)."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.placeholder import PlaceholderController

TITLE = "发件箱"
ICON = "outbox"
PURPOSE = "本终端发出的数据包及其状态：草稿、待审批、已签名、排队中、已发送、已回执、发送失败（含原因，可重试）。"


def create(context: AppContext) -> FeatureController:
    return PlaceholderController(context, TITLE, PURPOSE)
