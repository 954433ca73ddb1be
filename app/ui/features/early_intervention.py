"""提前介入: the list with deadlines and each record's history; see ``affairs.page``. The store has no
early-intervention record yet, so the page lists none until the services add one."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.affairs.page import AffairsController
from app.ui.features.base import FeatureController

TITLE = "提前介入"
ICON = "early"
PURPOSE = "提前介入（实施意见第12条）：重大案件书面邀请公安机关、检察机关提前介入，受邀单位3日内派员。"


def create(context: AppContext) -> FeatureController:
    return AffairsController(
        context, title=TITLE, affair_type="early_intervention", form_kind="early_intervention", purpose=PURPOSE
    )
