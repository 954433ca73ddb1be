"""咨询: the list with deadlines and each record's history; see ``affairs.page``."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.affairs.page import AffairsController
from app.ui.features.base import FeatureController

TITLE = "咨询"
ICON = "consultation"
PURPOSE = (
    "案件咨询（实施意见第11条）：就追诉标准、证据等问题咨询公安机关或检察机关；"
    "除疑难复杂案件外，应在3个工作日内答复，书面咨询书面答复。"
)


def create(context: AppContext) -> FeatureController:
    return AffairsController(
        context, title=TITLE, affair_type="consultation", form_kind="consultation", purpose=PURPOSE
    )
