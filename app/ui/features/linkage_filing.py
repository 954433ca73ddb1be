"""备案: the list with deadlines and each record's history; see ``affairs.page``."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.affairs.page import AffairsController
from app.ui.features.base import FeatureController

TITLE = "备案"
ICON = "filing"
PURPOSE = "案件衔接备案（实施意见第14条）：行政与行政衔接报法制办备案，行政与刑事衔接报检察院备案，并报领导小组办公室。"


def create(context: AppContext) -> FeatureController:
    return AffairsController(context, title=TITLE, affair_type="linkage", form_kind="linkage", purpose=PURPOSE)
