"""监督检查: the list with deadlines and each record's history; see ``affairs.page``."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.affairs.page import AffairsController
from app.ui.features.base import FeatureController

TITLE = "监督检查"
ICON = "inspection"
PURPOSE = "专项监督检查（实施意见第18、19条）：每年至少一次，检查结果予以通报。"


def create(context: AppContext) -> FeatureController:
    return AffairsController(context, title=TITLE, affair_type="inspection", form_kind="inspection", purpose=PURPOSE)
