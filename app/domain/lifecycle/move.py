"""A move of the state machine: which record, from which stages, to which stages, under which article."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.domain.events import EventKind
from app.domain.lifecycle.state import CaseStage, CaseState

ALL_STAGES = frozenset(CaseStage)


@dataclass(frozen=True, slots=True)
class Move:
    """One row of the transition table. ``to_stages`` empty means the stage does not change."""

    kind: EventKind
    from_stages: frozenset[CaseStage]
    to_stages: tuple[CaseStage, ...]
    citation: str
    needs: str  # what must come first, in Chinese, shown when the stage forbids the move
    apply: Callable[[CaseState, Any], CaseState]
