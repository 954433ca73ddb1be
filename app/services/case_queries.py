"""What the operator reads about cases, from the store: history, state, entry lateness, the to-do list, 以罚代刑
screening and the assessment. Queries read snapshots and derived rows; they never refold 10,000 histories.

A snapshot made by other rules (``SnapshotOutdated``) is rebuilt from the events on the writer and read again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from app.domain.assessment import Assessment, CaseRecords, assess
from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, Due, WorkingCalendar
from app.domain.entry import entry_deadline
from app.domain.events import EventKind, PenaltyProcedure
from app.domain.lifecycle import (
    SNAPSHOT_VERSION,
    CaseHistory,
    CaseState,
    SnapshotOutdated,
    effective_history,
    first_entry_times,
)
from app.domain.screening import PenaltyRecord, ScreeningRules, ScreeningWarning, screen
from app.domain.timezone import CST
from app.domain.todo import TodoItem, todo_list
from app.models.events import case_events, events_of_cases
from app.models.snapshots import (
    cases_involving,
    load_case_state,
    load_case_states,
    open_duties_of,
    penalty_case_ids,
    rebuild_case,
    snapshot_versions,
)
from app.models.store import Store
from app.services.cases import CaseNotFound

T = TypeVar("T")

# The longest period that can fall due in an assessment period after it started: 2 months (replies to documents)
# plus holidays moving the last day. Cases whose involvement ended earlier cannot count.
ASSESSMENT_LOOKBACK = dt.timedelta(days=120)


def _reading(store: Store, fn: Callable[[Session], T]) -> T:
    """Read; if a snapshot was made by other rules, rebuild every outdated one on the writer and read again."""
    try:
        return store.read(fn)
    except SnapshotOutdated:
        store.write(rebuild_outdated_snapshots)
        return store.read(fn)


def rebuild_outdated_snapshots(session: Session) -> int:
    """Refold every case whose snapshot is of another ``SNAPSHOT_VERSION``; returns how many were rebuilt."""
    outdated = [case_id for case_id, v in snapshot_versions(session).items() if v != SNAPSHOT_VERSION]
    for case_id in outdated:
        rebuild_case(session, case_id)
    return len(outdated)


def case_history(store: Store, case_id: str) -> CaseHistory:
    """Every record of the case as stored, and the state they fold to."""
    events = store.read(lambda s: case_events(s, case_id))
    if not events:
        raise CaseNotFound(f"no case {case_id}")
    return CaseHistory.of(events)


def case_state(store: Store, case_id: str) -> CaseState:
    """The case's current state, from its snapshot."""
    state = _reading(store, lambda s: load_case_state(s, case_id))
    if state is None:
        raise CaseNotFound(f"no case {case_id}")
    return state


@dataclass(frozen=True)
class EntryStatus:
    """A seed §8 record of the case: when it had to be entered, and whether its first entry was late."""

    event_id: str
    label: str
    agency_code: str
    due: Due
    first_entered_at: dt.datetime
    late: bool


def entry_statuses(
    store: Store, case_id: str, calendar: WorkingCalendar, policy: DeadlinePolicy = DEFAULT_POLICY
) -> tuple[EntryStatus, ...]:
    """The entry deadline of each record in force that carries one (seed §8), lateness derived, never stored."""
    history = case_history(store, case_id)
    first = first_entry_times(history.events)
    simple = history.state.penalty_procedure is PenaltyProcedure.SIMPLE
    found = []
    for event in effective_history(history.events):
        due = entry_deadline(event, calendar, policy)
        if due is None or (simple and event.kind is EventKind.PENALTY_EFFECTIVE):
            continue
        entered = first[event.event_id]
        found.append(EntryStatus(event.event_id, event.label, event.agency_code, due, entered, due.is_late(entered)))
    return tuple(found)


def todo(
    store: Store, agency_code: str, now: dt.datetime, calendar: WorkingCalendar,
    policy: DeadlinePolicy = DEFAULT_POLICY,
) -> tuple[TodoItem, ...]:  # fmt: skip
    """The agency's open deadlines at ``now`` (cases and consultations), most pressing first; overdue is derived."""
    duties = store.read(lambda s: open_duties_of(s, agency_code))
    return todo_list(agency_code, duties, now, calendar, policy)


def screening_warnings(store: Store, rules: ScreeningRules) -> Mapping[str, tuple[ScreeningWarning, ...]]:
    """以罚代刑 warnings of every penalty case known here, by case id (cases without warnings are absent)."""

    def load(session: Session) -> list[CaseState]:
        return list(load_case_states(session, penalty_case_ids(session)).values())

    states = _reading(store, load)
    records = [r for r in (PenaltyRecord.from_state(s) for s in states) if r is not None]
    return screen(records, rules)


def assessment(
    store: Store, agency_code: str, first_day: dt.date, last_day: dt.date, *, now: dt.datetime,
    calendar: WorkingCalendar, policy: DeadlinePolicy = DEFAULT_POLICY,
) -> Assessment:  # fmt: skip
    """The agency's assessment (考核) for the period, from the cases it is involved in (seed §2)."""
    since = dt.datetime.combine(first_day, dt.time.min, CST) - ASSESSMENT_LOOKBACK
    until = dt.datetime.combine(last_day, dt.time.max, CST)  # a case that began later cannot count

    def load(session: Session) -> list[CaseRecords]:
        ids = cases_involving(session, agency_code, since=since, until=until)
        states = load_case_states(session, ids)
        events = events_of_cases(session, ids)
        return [CaseRecords(events[i], states[i]) for i in ids if i in states]

    cases = _reading(store, load)
    return assess(agency_code, first_day, last_day, cases, calendar, now=now, policy=policy)
