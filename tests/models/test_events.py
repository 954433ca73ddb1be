"""Case events in the store: exact round trip, append-only, snapshots that equal the fold of the events."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.domain.events import Event, FilingDecision, ReconsiderationRequested
from app.domain.lifecycle import CaseState, SnapshotOutdated, fold
from app.models.events import (
    append_case_event,
    append_case_events,
    case_events,
    count_case_events,
    events_of_cases,
    last_case_seq,
)
from app.models.snapshots import (
    cases_involving,
    load_case_state,
    open_duties_of,
    rebuild_case,
    save_case_state,
)
from app.models.store import Store
from tests.domain.factory import ENFORCEMENT, POLICE, PROCURATORATE, Script


def not_filed(case_id: str = "case-1") -> list[Event]:
    return Script(case_id).to_not_filed()


def test_every_record_reads_back_equal_and_in_entry_order(store: Store) -> None:
    events = not_filed()
    store.write(lambda s: append_case_events(s, events))
    assert store.read(lambda s: case_events(s, "case-1")) == tuple(events)
    assert [e.to_dict() for e in store.read(lambda s: case_events(s, "case-1"))] == [e.to_dict() for e in events]
    assert store.read(lambda s: events_of_cases(s, ["case-1", "none"])) == {"case-1": events}


def test_the_event_tables_refuse_updates_and_deletes(store: Store) -> None:
    store.write(lambda s: append_case_events(s, not_filed()))
    for statement in ("UPDATE case_events SET payload = '{}'", "DELETE FROM case_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            store.write(lambda s, sql=statement: s.execute(text(sql)))  # type: ignore[misc]
    assert store.read(lambda s: count_case_events(s, "case-1")) == len(not_filed())


def test_a_record_id_is_stored_once(store: Store) -> None:
    events = not_filed()
    store.write(lambda s: append_case_event(s, events[0]))
    with pytest.raises(DBAPIError):
        store.write(lambda s: append_case_event(s, events[0]))
    assert store.read(lambda s: count_case_events(s)) == 1


def test_a_rebuilt_snapshot_equals_the_fold_of_the_stored_events(store: Store) -> None:
    script = Script("case-1")
    events = [*script.to_not_filed(), script.make(ReconsiderationRequested, ENFORCEMENT, reasons="涉案金额已达标准")]
    store.write(lambda s: append_case_events(s, events))
    rebuilt = store.write(lambda s: rebuild_case(s, "case-1"))
    stored = store.read(lambda s: load_case_state(s, "case-1"))
    assert stored == rebuilt == fold(store.read(lambda s: case_events(s, "case-1")))
    assert stored is not None and stored.to_dict() == fold(events).to_dict()


def test_open_duties_are_the_open_obligations_of_the_state(store: Store) -> None:
    script = Script("case-1")
    events = script.to_acceptance()
    store.write(lambda s: append_case_events(s, events))
    state = store.write(lambda s: rebuild_case(s, "case-1"))
    (police,) = store.read(lambda s: open_duties_of(s, POLICE.code))
    assert police.case_id == "case-1"
    assert set(police.open_obligations()) == {o for o in state.open_obligations() if o.agency_code == POLICE.code}
    assert set(store.read(lambda s: cases_involving(s, POLICE.code))) == {"case-1"}
    assert store.read(lambda s: cases_involving(s, PROCURATORATE.code)) == ()
    decided = script.make(FilingDecision, POLICE, filed=True, document_number="兴公立字〔2025〕1号")

    def decide(session: Session) -> CaseState:
        append_case_event(session, decided)
        return rebuild_case(session, "case-1")

    store.write(decide)
    assert all(
        o.rule != "filing_decision" for d in store.read(lambda s: open_duties_of(s, POLICE.code)) for o in d.obligations
    )


def test_a_snapshot_of_other_rules_is_refused_when_read(store: Store) -> None:
    events = not_filed()
    store.write(lambda s: append_case_events(s, events))
    store.write(lambda s: save_case_state(s, fold(events), events, 1))
    store.write(lambda s: s.execute(text("UPDATE case_snapshots SET version = 0, state = :v"), {"v": '{"version":0}'}))
    with pytest.raises(SnapshotOutdated):
        store.read(lambda s: load_case_state(s, "case-1"))
    store.write(lambda s: rebuild_case(s, "case-1"))
    assert store.read(lambda s: load_case_state(s, "case-1")) == fold(events)


def test_appending_several_records_returns_the_last_ones_sequence_number(store: Store) -> None:
    first, second = not_filed("case-1"), not_filed("case-2")
    assert store.write(lambda s: append_case_events(s, [])) == 0
    one = store.write(lambda s: append_case_events(s, first[:1]))
    last = store.write(lambda s: append_case_events(s, second))
    rest = store.write(lambda s: append_case_events(s, first[1:]))
    assert (one, last, rest) == (1, 1 + len(second), len(first) + len(second))
    assert store.read(lambda s: last_case_seq(s, "case-2")) == last
    assert store.read(lambda s: case_events(s, "case-1")) == tuple(first)
