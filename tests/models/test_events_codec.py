"""The store's fast decoders agree with the domain's checked ones, on every kind of record and on snapshots."""

from __future__ import annotations

import json

import pytest

from app.domain.agencies import AgencyKind
from app.domain.events import EVENT_TYPES, EventKind, event_from_dict
from app.domain.events.base import payload_hints
from app.domain.lifecycle import CaseState, SnapshotOutdated, fold
from app.models.codec import stored_event, stored_state
from app.models.events import append_case_events, case_events
from app.models.store import Store
from app.models.tables import utc_text
from tests.domain.factory import ENFORCEMENT, Script, at
from tests.domain.test_events import _sample


@pytest.mark.parametrize("kind", sorted(EventKind))
def test_every_kind_decodes_from_its_columns_as_the_domain_decodes_it(kind: EventKind) -> None:
    cls = EVENT_TYPES[kind]
    event = cls(
        event_id="e1", case_id="c1", occurred_at=at(2025, 3, 3), entered_at=at(2025, 3, 4, 10, 30),
        operator_id="op", agency_code=ENFORCEMENT.code, agency_kind=AgencyKind.ENFORCEMENT, supersedes="e0",
        **{name: _sample(name, hint) for name, hint in payload_hints(cls).items()},
    )  # fmt: skip
    payload = json.loads(json.dumps(event.payload(), ensure_ascii=False))
    fast = stored_event(
        str(kind), "e1", "c1", utc_text(event.occurred_at), utc_text(event.entered_at), "op", ENFORCEMENT.code,
        "enforcement", "e0", payload,
    )  # fmt: skip
    assert fast == event == event_from_dict(event.to_dict())
    assert fast.to_dict() == event.to_dict()  # the same canonical form, times in +08:00


def test_stored_histories_and_snapshots_decode_exactly(store: Store) -> None:
    script = Script("case-1")
    events = [*script.to_not_filed()]
    store.write(lambda s: append_case_events(s, events))
    stored = store.read(lambda s: case_events(s, "case-1"))
    assert [e.to_dict() for e in stored] == [e.to_dict() for e in events]
    state = fold(events)
    snapshot = json.loads(json.dumps(state.to_dict()))
    assert stored_state(snapshot) == CaseState.from_dict(snapshot) == state
    with pytest.raises(SnapshotOutdated):
        stored_state({**snapshot, "version": 0})
