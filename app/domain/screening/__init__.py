"""以罚代刑 screening: published rules (data) and the warnings they raise on penalty cases."""

from __future__ import annotations

from app.domain.screening.rules import (
    FORMAT,
    Offence,
    RepeatRule,
    ScreeningRules,
    Threshold,
    load_rules,
    parse_rules,
)
from app.domain.screening.screen import PenaltyRecord, ScreeningWarning, WarningRule, screen
from app.domain.tomlfile import PublishedFileError

__all__ = [
    "FORMAT", "Offence", "PenaltyRecord", "PublishedFileError", "RepeatRule", "ScreeningRules", "ScreeningWarning",
    "Threshold", "WarningRule", "load_rules", "parse_rules", "screen",
]  # fmt: skip
