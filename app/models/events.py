"""Case and affair events: append-only rows, read back as the domain's frozen events (never ORM rows).

A row holds the envelope in columns and the kind-specific fields as canonical JSON (``Event.payload``); reading
rebuilds the event with ``event_from_dict``, so a row that is not exactly a valid event is refused, as a packet
would be. The tables refuse UPDATE and DELETE (triggers of revision r0003).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import String, bindparam, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from app.domain.events import Event
from app.jsontext import sorted_json
from app.models.codec import stored_event
from app.models.prepared import Prepared
from app.models.tables import AffairEventRow, CaseEventRow, table_of

_IN_CHUNK = 500  # SQLite's bound parameters per statement stay well under its limit


def payload_text(event: Event) -> str:
    """The stored form of an event's payload: canonical JSON (sorted keys, no spaces, UTF-8)."""
    return sorted_json(event.payload())


def _values(event: Event, stream: str) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        stream: event.case_id,
        "kind": str(event.kind),
        "payload": payload_text(event),
        "occurred_at": event.occurred_at,
        "entered_at": event.entered_at,
        "operator_id": event.operator_id,
        "agency_code": event.agency_code,
        "agency_kind": str(event.agency_kind),
        "supersedes": event.supersedes,
    }


# Built once on the tables and run as prepared statements (app.models.prepared): every record stored or received
# goes through these.
_CASE_EVENTS, _AFFAIR_EVENTS = table_of(CaseEventRow), table_of(AffairEventRow)
_INSERT_CASE_EVENT = Prepared(insert(_CASE_EVENTS).returning(_CASE_EVENTS.c.seq))
_INSERT_AFFAIR_EVENT = Prepared(insert(_AFFAIR_EVENTS).returning(_AFFAIR_EVENTS.c.seq))
_INSERT_CASE_EVENTS = Prepared(insert(_CASE_EVENTS))
_LAST_ROWID = Prepared(select(func.last_insert_rowid()))


def append_case_event(session: Session, event: Event) -> int:
    """Append one case record in the caller's transaction; returns its sequence number."""
    return int(_INSERT_CASE_EVENT.scalar(session, _values(event, "case_id")))


def append_case_events(session: Session, events: Sequence[Event]) -> int:
    """Append case records in order; returns the last one's sequence number (0: none).

    Several records (a received packet carries the sender's history) go in one ``executemany``; the last one's
    sequence number is then SQLite's last inserted rowid (``seq`` is the rowid), which a trigger cannot change."""
    if len(events) <= 1:
        return append_case_event(session, events[0]) if events else 0
    _INSERT_CASE_EVENTS.run_many(session, [_values(event, "case_id") for event in events])
    return int(_LAST_ROWID.scalar(session))


def append_affair_event(session: Session, event: Event) -> int:
    """Append one record of an affair (consultation, meeting, 备案, inspection); returns its sequence number."""
    return int(_INSERT_AFFAIR_EVENT.scalar(session, _values(event, "affair_id")))


# Times are read as the stored UTC text and parsed once by ``fromisoformat`` (faster than the column type's strptime).
# Table columns, not mapped attributes: a plain Core select (the ORM select path cost ≈ 0.1–0.2 ms per call).
_CE, _AE = _CASE_EVENTS.c, _AFFAIR_EVENTS.c
_CASE_COLUMNS = (
    _CE.kind, _CE.event_id, _CE.case_id, type_coerce(_CE.occurred_at, String), type_coerce(_CE.entered_at, String),
    _CE.operator_id, _CE.agency_code, _CE.agency_kind, _CE.supersedes, _CE.payload,
)  # fmt: skip
_AFFAIR_COLUMNS = (
    _AE.kind, _AE.event_id, _AE.affair_id, type_coerce(_AE.occurred_at, String), type_coerce(_AE.entered_at, String),
    _AE.operator_id, _AE.agency_code, _AE.agency_kind, _AE.supersedes, _AE.payload,
)  # fmt: skip


def _event(row: Sequence[Any]) -> Event:
    kind, event_id, stream_id, occurred, entered, operator, agency, agency_kind, supersedes, payload = row
    return stored_event(
        kind, event_id, stream_id, occurred, entered, operator, agency, agency_kind, supersedes, json.loads(payload)
    )


_CASE_EVENTS_OF = Prepared(select(*_CASE_COLUMNS).where(_CE.case_id == bindparam("case")).order_by(_CE.seq))
_AFFAIR_EVENTS_OF = select(*_AFFAIR_COLUMNS).where(_AE.affair_id == bindparam("affair")).order_by(_AE.seq)


def case_events(session: Session, case_id: str) -> tuple[Event, ...]:
    """Every record of the case as entered here, in the order stored (the domain orders them canonically)."""
    return tuple(_event(row) for row in _CASE_EVENTS_OF.run(session, {"case": case_id}))


def events_of_cases(session: Session, case_ids: Iterable[str]) -> dict[str, list[Event]]:
    """The records of several cases at once, by case id (the assessment reads hundreds of cases)."""
    ids = list(dict.fromkeys(case_ids))
    found: dict[str, list[Event]] = defaultdict(list)
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        query = select(*_CASE_COLUMNS).where(_CE.case_id.in_(chunk)).order_by(_CE.seq)
        for row in session.execute(query):
            found[row[2]].append(_event(row))
    return dict(found)


def last_case_seq(session: Session, case_id: str) -> int:
    """The sequence number of the case's latest stored record (0 if none)."""
    return int(session.scalar(select(func.max(CaseEventRow.seq)).where(CaseEventRow.case_id == case_id)) or 0)


def count_case_events(session: Session, case_id: str | None = None) -> int:
    """How many case records are stored (of one case, or in all)."""
    query = select(func.count()).select_from(CaseEventRow)
    if case_id is not None:
        query = query.where(CaseEventRow.case_id == case_id)
    return int(session.scalar(query) or 0)


def case_ids(session: Session) -> tuple[str, ...]:
    """Every case that has records, in order of first entry."""
    query = select(CaseEventRow.case_id).group_by(CaseEventRow.case_id).order_by(func.min(CaseEventRow.seq))
    return tuple(session.scalars(query))


def affair_events(session: Session, affair_id: str) -> tuple[Event, ...]:
    """Every record of an affair, in the order stored."""
    return tuple(_event(row) for row in session.execute(_AFFAIR_EVENTS_OF, {"affair": affair_id}))


def event_exists(session: Session, event_id: str) -> bool:
    """Whether a case or affair record with this id is stored (a packet applied twice changes nothing)."""
    for column in (CaseEventRow.event_id, AffairEventRow.event_id):
        if session.scalar(select(func.count()).where(column == event_id)):
            return True
    return False
