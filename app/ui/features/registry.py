"""The features of the main window, in navigation order. Each is one module with TITLE, ICON and create(context);
an engineer who builds a feature replaces its placeholder module's ``create`` and nothing else here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from app.ui.context import AppContext
from app.ui.features import (
    consultation,
    diagnostics,
    early_intervention,
    inspection,
    joint_meeting,
    linkage_filing,
    outbox,
    settings,
    statistics,
    workbench,
)
from app.ui.features import inbox as inbox_feature
from app.ui.features.base import FeatureController
from app.ui.features.cases import controller as cases


@dataclass(frozen=True)
class FeatureSpec:
    key: str
    title: str
    icon: str
    create: Callable[[AppContext], FeatureController]


def _spec(key: str, module: ModuleType) -> FeatureSpec:
    return FeatureSpec(key, module.TITLE, module.ICON, module.create)


FEATURES: tuple[FeatureSpec, ...] = (
    _spec("workbench", workbench),
    _spec("cases", cases),
    _spec("inbox", inbox_feature),
    _spec("outbox", outbox),
    _spec("consultation", consultation),
    _spec("early_intervention", early_intervention),
    _spec("joint_meeting", joint_meeting),
    _spec("linkage_filing", linkage_filing),
    _spec("inspection", inspection),
    _spec("statistics", statistics),
    _spec("settings", settings),
    _spec("diagnostics", diagnostics),
)
