"""The case lifecycle as an explicit state machine (310号令 Art.5–13; 刑诉规则 2019 Art.559–564; seed §3–§8)."""

from __future__ import annotations

from app.domain.lifecycle.guards import IllegalMove
from app.domain.lifecycle.machine import (
    CASE_KINDS,
    MOVES,
    CaseHistory,
    EmptyHistory,
    admit,
    allowed_moves,
    apply,
    effective_history,
    first_entry_times,
    fold,
    transition_table,
)
from app.domain.lifecycle.state import (
    SNAPSHOT_VERSION,
    ArrestStatus,
    CaseStage,
    CaseState,
    DocumentRecord,
    Obligation,
    PenaltyStatus,
    SnapshotOutdated,
)

__all__ = [
    "CASE_KINDS", "MOVES", "SNAPSHOT_VERSION", "ArrestStatus", "CaseHistory", "CaseStage", "CaseState",
    "DocumentRecord", "EmptyHistory", "IllegalMove", "Obligation", "PenaltyStatus", "SnapshotOutdated", "admit",
    "allowed_moves", "apply", "effective_history", "first_entry_times", "fold", "transition_table",
]  # fmt: skip
