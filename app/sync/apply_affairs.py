"""Affairs (records outside a case) as stored on a terminal, for the operator's own records and for received ones.

A consultation (seed §11), joint meeting (§10), linkage 备案 (§14) or inspection (§18) is folded by the domain from
its records, like a case; its ``affairs`` row (what it is, who opened it, who it concerns, whether it is closed) and
its open duties are kept in step. ``app/services/affairs.py`` stores the operator's records through ``save_affair``;
``apply_affair_packet`` adds a verified packet's records the same way, idempotently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.domain.affairs import (
    ConsultationState,
    InspectionState,
    LinkageFilingState,
    MeetingState,
    apply_consultation,
    apply_inspection,
    apply_linkage_filing,
    apply_meeting,
)
from app.domain.errors import DomainError
from app.domain.events import ConsultationAsked, Event, EventKind, InspectionConducted, LinkageFiled, MeetingConvened
from app.domain.lifecycle import effective_history
from app.models.events import affair_events, append_affair_event
from app.models.snapshots import replace_open_duties
from app.models.tables import AffairRow

AffairState = ConsultationState | MeetingState | LinkageFilingState | InspectionState

# The record that starts each kind of affair, its name in the store, and its step function.
AFFAIR_STARTERS: dict[type[Event], tuple[str, Callable[[Any, Event], Any]]] = {
    ConsultationAsked: ("consultation", apply_consultation),
    MeetingConvened: ("meeting", apply_meeting),
    LinkageFiled: ("linkage", apply_linkage_filing),
    InspectionConducted: ("inspection", apply_inspection),
}
AFFAIR_KINDS = frozenset(
    {
        EventKind.CONSULTATION_ASKED, EventKind.CONSULTATION_MARKED_DIFFICULT, EventKind.CONSULTATION_ANSWERED,
        EventKind.MEETING_CONVENED, EventKind.MEETING_HELD, EventKind.LINKAGE_FILED, EventKind.LINKAGE_REPORTED,
        EventKind.INSPECTION_CONDUCTED, EventKind.INSPECTION_NOTICE_PUBLISHED,
    }
)  # fmt: skip


class AffairStartMissing(DomainError):
    """The records of an affair lack the one that starts it (not stored here, or not arrived yet)."""

    user_message = "本终端没有该咨询、会议、备案或检查的记录。"


def fold_affair(events: Iterable[Event]) -> AffairState:
    """The state of an affair from its records (corrections resolved as for a case); refused with the reason."""
    ordered = list(events)
    starter = next((e for e in ordered if type(e) in AFFAIR_STARTERS), None)
    if starter is None:
        raise AffairStartMissing(f"no starting record among {len(ordered)}")
    step = AFFAIR_STARTERS[type(starter)][1]
    state: Any = None
    for event in effective_history(ordered):
        state = step(state, event)
    return state  # type: ignore[no-any-return]


def affair_parties(state: AffairState) -> tuple[str, str, bool]:
    """(counterpart agency, opener agency, closed) of an affair."""
    if isinstance(state, ConsultationState):
        return state.consulted_code, state.asker_code, state.answered_at is not None or state.difficult
    if isinstance(state, LinkageFilingState):
        return state.recipient_code, state.filer_code, state.reported_at is not None
    if isinstance(state, MeetingState):
        return "", "", state.held_at is not None
    return "", "", state.notice_number is not None


def concerned_agencies(state: AffairState) -> frozenset[str]:
    """Who an affair concerns: the asker and the asked (§11), the filer and the 备案 recipient (§14), the invitees of
    a meeting (§10), the inspected members (§18)."""
    if isinstance(state, MeetingState):
        return frozenset(state.participants)
    if isinstance(state, InspectionState):
        return frozenset(state.inspected_codes)
    counterpart, opener, _closed = affair_parties(state)
    return frozenset(c for c in (counterpart, opener) if c)


def save_affair(session: Session, events: list[Event], state: AffairState) -> None:
    """Keep the ``affairs`` row and the open duties of an affair in step with its folded ``state``."""
    first = next(e for e in events if type(e) in AFFAIR_STARTERS)
    counterpart, opener, closed = affair_parties(state)
    values = {
        "affair_id": first.case_id, "affair_type": AFFAIR_STARTERS[type(first)][0],
        "opened_by": opener or first.agency_code, "counterpart": counterpart, "opened_at": first.occurred_at,
        "closed": closed,
    }  # fmt: skip
    session.execute(
        sqlite_insert(AffairRow).values(values).on_conflict_do_update(index_elements=["affair_id"], set_=values)
    )
    if isinstance(state, ConsultationState):
        replace_open_duties(session, first.case_id, state.obligations)


def held_affair(session: Session, affair_id: str) -> bool:
    """Whether records of this affair are stored here (a retraction names an affair or a case)."""
    return bool(affair_events(session, affair_id))


def add_affair_records(session: Session, affair_id: str, records: Iterable[Event]) -> tuple[str, ...] | str:
    """Add received records to an affair: the ids added, or the domain's reason why the history must wait."""
    stored = list(affair_events(session, affair_id))
    held = {e.event_id for e in stored}
    new = sorted((r for r in records if r.event_id not in held), key=lambda e: e.sort_key)
    if not new:
        return ()
    events = [*stored, *new]
    try:
        state = fold_affair(events)
    except DomainError as exc:
        return exc.user_message
    for record in new:
        append_affair_event(session, record)
    save_affair(session, events, state)
    return tuple(r.event_id for r in new)
