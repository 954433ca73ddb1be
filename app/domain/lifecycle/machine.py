"""The case state machine: ``apply`` one record, ``fold`` a history, ``CaseHistory`` for append with corrections.

State = fold(events). The history is ordered canonically (when it happened, when it was entered, id), so terminals
that received the same records in another order fold the same state; a record received twice changes nothing.
A correction is a new record whose ``supersedes`` names an earlier one of the same kind and agency; a
``Retraction`` withdraws one. The corrected history must itself be legal, or the correction is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.domain.agencies import AgencyKind
from app.domain.deadlines.rules import DEFAULT_POLICY, DeadlinePolicy
from app.domain.events import EVENT_TYPES, CaseOpened, Event, EventKind, Transferred
from app.domain.lifecycle import administrative, criminal, documents, transfer
from app.domain.lifecycle.guards import IllegalMove, refuse
from app.domain.lifecycle.move import Move
from app.domain.lifecycle.state import CaseStage, CaseState

MOVES: Mapping[EventKind, Move] = MappingProxyType(
    {m.kind: m for m in (*administrative.MOVES, *transfer.MOVES, *criminal.MOVES, *documents.MOVES)}
)
CASE_KINDS = frozenset(MOVES) | {EventKind.CASE_OPENED}


def apply(state: CaseState | None, event: Event) -> CaseState:
    """The state after ``event``, or ``IllegalMove`` with the reason in Chinese. Events must come in canonical
    order; corrections go through ``fold`` or ``CaseHistory``."""
    if event.supersedes is not None or event.kind is EventKind.RETRACTION:
        raise refuse(event, "更正或撤回记录须在案件历史中处理。")
    return _step(state, event)


def _step(state: CaseState | None, event: Event) -> CaseState:
    if event.kind not in CASE_KINDS:
        raise refuse(event, "该记录不属于案件。")
    if event.agency_kind not in type(event).recorders:
        allowed = "、".join(sorted(k.label for k in type(event).recorders))
        raise refuse(event, f"{event.agency_kind.label}不能录入此项，应由{allowed}录入。")
    if state is None:
        if not isinstance(event, CaseOpened):
            raise refuse(event, "案件尚未录入。")
        return _stamp(administrative.open_case(event), event)
    if isinstance(event, CaseOpened):
        raise refuse(event, "案件已录入。")
    if event.case_id != state.case_id:
        raise refuse(event, "记录不属于本案。")
    last = state.last_key
    if last is not None and event.sort_key <= last:
        raise refuse(event, "记录的发生时间早于本案已录入的记录，须按案件历史重新计算。")
    move = MOVES[event.kind]
    if state.stage not in move.from_stages:
        raise refuse(event, f"案件当前为“{state.stage.label}”。{move.needs}")
    return _stamp(move.apply(state, event), event)


def _stamp(state: CaseState, event: Event) -> CaseState:
    return state.evolve(
        last_event_id=event.event_id, last_occurred_at=event.occurred_at, last_entered_at=event.entered_at
    )


def effective_history(events: Iterable[Event]) -> tuple[Event, ...]:
    """The records in force, canonically ordered: duplicates dropped, superseded and retracted ones removed."""
    by_id: dict[str, Event] = {}
    for event in events:
        seen = by_id.get(event.event_id)
        if seen is not None and seen != event:
            raise refuse(event, f"记录编号 {event.event_id} 已被另一条记录使用。")
        by_id[event.event_id] = event
    superseded: dict[str, str] = {}
    for event in sorted(by_id.values(), key=lambda e: e.sort_key):
        target_id = event.supersedes
        if target_id is None:
            continue
        target = by_id.get(target_id)
        if target is None:
            raise refuse(event, "被更正的记录不存在。")
        if target.kind is EventKind.RETRACTION:
            raise refuse(event, "撤回记录不能再被更正。")
        if event.kind is not EventKind.RETRACTION and event.kind is not target.kind:
            raise refuse(event, f"更正记录应与原记录（{target.label}）种类相同。")
        if event.agency_code != target.agency_code:
            raise refuse(event, "只能更正本机关录入的记录。")
        if target_id in superseded:
            raise refuse(event, "该记录已被更正，请更正最新的记录。")
        superseded[target_id] = event.event_id
    live = (e for e in by_id.values() if e.event_id not in superseded and e.kind is not EventKind.RETRACTION)
    return tuple(sorted(live, key=lambda e: e.sort_key))


def first_entry_times(events: Iterable[Event]) -> Mapping[str, dt.datetime]:
    """For each record in force, when the record it corrects was first entered: a correction does not make a
    timely entry late (seed §8 judges the first entry)."""
    by_id = {e.event_id: e for e in events}
    result: dict[str, dt.datetime] = {}
    for event in by_id.values():
        first, origin = event.entered_at, event
        while origin.supersedes is not None and origin.supersedes in by_id:
            origin = by_id[origin.supersedes]
            first = min(first, origin.entered_at)
        result[event.event_id] = first
    return MappingProxyType(result)


class EmptyHistory(IllegalMove):
    """No record of the case is in force."""

    user_message = "该案件没有有效记录。"


def fold(events: Iterable[Event]) -> CaseState:
    """The state of a case from its whole history; the same history always folds to the same state."""
    state: CaseState | None = None
    for event in effective_history(events):
        state = _step(state, event)  # a correction in force applies in its own right
    if state is None:
        raise EmptyHistory("empty history")
    return state


@dataclass(frozen=True, slots=True)
class CaseHistory:
    """A case's records as received, and the state they fold to. ``append`` never edits; it adds."""

    events: tuple[Event, ...]
    state: CaseState

    @classmethod
    def of(cls, events: Iterable[Event]) -> CaseHistory:
        """A history from stored records (refused if illegal)."""
        events = tuple(events)
        return cls(events, fold(events))

    @classmethod
    def start(cls, opened: CaseOpened) -> CaseHistory:
        """A new case's history."""
        return cls((opened,), apply(None, opened))

    def append(self, event: Event) -> CaseHistory:
        """The history with ``event`` added; an in-order record applies incrementally, anything else refolds."""
        same = next((e for e in self.events if e.event_id == event.event_id), None)
        if same is not None:
            if same == event:
                return self  # the same packet twice changes nothing
            raise refuse(event, f"记录编号 {event.event_id} 已被另一条记录使用。")
        events = (*self.events, event)
        last = self.state.last_key
        if event.supersedes is None and event.kind is not EventKind.RETRACTION and last and event.sort_key > last:
            return CaseHistory(events, apply(self.state, event))
        return CaseHistory(events, fold(events))


def admit(history: CaseHistory, event: Event, policy: DeadlinePolicy = DEFAULT_POLICY) -> CaseHistory:
    """Accept a new record entered on this terminal: the configurable requirements of ``policy``, then the law."""
    if isinstance(event, Transferred) and policy.require_procuratorate_copy and not event.procuratorate_code:
        # ⚠ national opinions and local rules require a copy of the 移送书 to the same-level procuratorate
        raise refuse(event, "移送书应当抄送同级人民检察院（两法衔接工作意见；本地配置要求）。")
    return history.append(event)


def allowed_moves(state: CaseState | None, agency_kind: AgencyKind) -> frozenset[EventKind]:
    """The case records an agency of this kind may enter now (by stage and kind; payload checks come on apply)."""
    if state is None:
        return frozenset({EventKind.CASE_OPENED}) if agency_kind is AgencyKind.ENFORCEMENT else frozenset()
    return frozenset(
        kind
        for kind, move in MOVES.items()
        if agency_kind in EVENT_TYPES[kind].recorders and state.stage in move.from_stages
    )


def transition_table() -> tuple[
    tuple[EventKind, frozenset[AgencyKind], frozenset[CaseStage], tuple[CaseStage, ...], str], ...
]:
    """Rows (record, who may enter it, from stages, to stages, article) for documentation and the UI."""
    return tuple(
        (kind, EVENT_TYPES[kind].recorders, move.from_stages, move.to_stages, move.citation)
        for kind, move in MOVES.items()
    )


__all__ = [
    "CASE_KINDS", "MOVES", "CaseHistory", "CaseStage", "CaseState", "EmptyHistory", "IllegalMove", "admit",
    "allowed_moves", "apply", "effective_history", "first_entry_times", "fold", "transition_table",
]  # fmt: skip
