"""Derived case data kept beside the events: the folded state (snapshot), the open duties, the agencies involved.

All of it is a function of ``case_events`` (``rebuild_case`` recomputes it); it exists so that the to-do list and the
assessment over 10,000 cases read a few indexed rows instead of refolding every history. A snapshot of another
``SNAPSHOT_VERSION`` is refused when read (``SnapshotOutdated``) and rebuilt from the events.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.domain.deadlines import DeadlineRuleId
from app.domain.events import Event
from app.domain.lifecycle import CaseState, Obligation, fold
from app.jsontext import sorted_json
from app.models.codec import stored_state
from app.models.events import case_events, last_case_seq
from app.models.prepared import Prepared
from app.models.tables import CaseInvolvementRow, CaseSnapshotRow, OpenDutyRow, table_of

_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class OpenDuties:
    """The open obligations of one case or affair, as the to-do list reads them (``HasObligations``)."""

    case_id: str
    obligations: tuple[Obligation, ...]

    def open_obligations(self) -> tuple[Obligation, ...]:
        """The obligations still running (all of these are)."""
        return self.obligations


def involvement(events: Iterable[Event], state: CaseState) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Each agency that recorded in the case or owes a duty in it, with the first and last moment concerned."""
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}

    def touch(code: str, moment: dt.datetime) -> None:
        first, last = spans.get(code, (moment, moment))
        spans[code] = (min(first, moment), max(last, moment))

    for event in events:
        touch(event.agency_code, event.occurred_at)
    for obligation in state.obligations:
        touch(obligation.agency_code, obligation.started_at)
        if obligation.closed_at is not None:
            touch(obligation.agency_code, obligation.closed_at)
    return spans


# Statements built once on the tables (compiled and cache-keyed once, plain Core rather than ORM-enabled DML):
# these run for every record stored or received.
_DUTIES, _INVOLVEMENT, _SNAPSHOTS = table_of(OpenDutyRow), table_of(CaseInvolvementRow), table_of(CaseSnapshotRow)
_DELETE_DUTIES = Prepared(delete(_DUTIES).where(_DUTIES.c.subject_id == bindparam("subject")))
_INSERT_DUTIES = Prepared(insert(_DUTIES))
_DELETE_INVOLVEMENT = Prepared(delete(_INVOLVEMENT).where(_INVOLVEMENT.c.case_id == bindparam("case")))
_INSERT_INVOLVEMENT = Prepared(insert(_INVOLVEMENT))
_SNAPSHOT_COLUMNS = ("version", "last_seq", "agency_code", "stage", "penalty", "party_id", "state")
_INSERT_SNAPSHOT = sqlite_insert(_SNAPSHOTS)
_UPSERT_SNAPSHOT = Prepared(
    _INSERT_SNAPSHOT.on_conflict_do_update(
        index_elements=[_SNAPSHOTS.c.case_id],
        set_={name: _INSERT_SNAPSHOT.excluded[name] for name in _SNAPSHOT_COLUMNS},
    )
)


def replace_open_duties(
    session: Session, subject_id: str, obligations: Iterable[Obligation], *, fresh: bool = False
) -> None:
    """Set the open duties of a case or affair to the open ones among ``obligations`` (``fresh``: it had none)."""
    if not fresh:
        _DELETE_DUTIES.run(session, {"subject": subject_id})
    rows = [
        {
            "obligation_id": o.obligation_id, "subject_id": subject_id, "agency_code": o.agency_code,
            "rule": str(o.rule), "started_at": o.started_at, "opened_by": o.opened_by, "optional": o.optional,
            "subject": o.subject,
        }
        for o in obligations
        if o.closed_at is None
    ]  # fmt: skip
    _INSERT_DUTIES.run_many(session, rows)


def save_case_state(
    session: Session, state: CaseState, events: Sequence[Event], last_seq: int, *, fresh: bool = False
) -> None:
    """Store the folded state of a case and its derived rows, replacing what was there (``fresh``: nothing was)."""
    encoded = state.to_dict()
    values = {
        "case_id": state.case_id,
        "version": encoded["version"],
        "last_seq": last_seq,
        "agency_code": state.agency_code,
        "stage": str(state.stage),
        "penalty": str(state.penalty),
        "party_id": state.party_id,
        "state": sorted_json(encoded),
    }
    _UPSERT_SNAPSHOT.run(session, values)
    replace_open_duties(session, state.case_id, state.obligations, fresh=fresh)
    if not fresh:
        _DELETE_INVOLVEMENT.run(session, {"case": state.case_id})
    spans = involvement(events, state)
    _INSERT_INVOLVEMENT.run_many(
        session,
        [{"case_id": state.case_id, "agency_code": c, "first_at": f, "last_at": la} for c, (f, la) in spans.items()],
    )


def rebuild_case(session: Session, case_id: str) -> CaseState:
    """Refold the case from its stored records and store the snapshot and derived rows again."""
    events = case_events(session, case_id)
    state = fold(events)
    save_case_state(session, state, events, last_case_seq(session, case_id))
    return state


def load_case_state(session: Session, case_id: str) -> CaseState | None:
    """The snapshot of a case (None if the case has none); ``SnapshotOutdated`` if made by other rules."""
    text = session.scalar(select(CaseSnapshotRow.state).where(CaseSnapshotRow.case_id == case_id))
    return None if text is None else stored_state(json.loads(text))


def load_case_states(session: Session, case_ids: Iterable[str]) -> dict[str, CaseState]:
    """Snapshots of several cases by id; ``SnapshotOutdated`` if any is of another version."""
    ids = list(dict.fromkeys(case_ids))
    found: dict[str, CaseState] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        query = select(CaseSnapshotRow.case_id, CaseSnapshotRow.state).where(
            CaseSnapshotRow.case_id.in_(ids[start : start + _IN_CHUNK])
        )
        for case_id, text in session.execute(query):
            found[case_id] = stored_state(json.loads(text))
    return found


def penalty_case_ids(session: Session) -> tuple[str, ...]:
    """Cases with a penalty decided (the input of 以罚代刑 screening)."""
    return tuple(session.scalars(select(CaseSnapshotRow.case_id).where(CaseSnapshotRow.penalty != "none")))


def open_duties_of(session: Session, agency_code: str) -> tuple[OpenDuties, ...]:
    """The agency's open obligations grouped by case or affair: the whole input of its to-do list."""
    query = select(
        OpenDutyRow.obligation_id, OpenDutyRow.subject_id, OpenDutyRow.rule, OpenDutyRow.started_at,
        OpenDutyRow.opened_by, OpenDutyRow.optional, OpenDutyRow.subject,
    ).where(OpenDutyRow.agency_code == agency_code)  # fmt: skip
    grouped: dict[str, list[Obligation]] = defaultdict(list)
    for obligation_id, subject_id, rule, started_at, opened_by, optional, subject in session.execute(query):
        grouped[subject_id].append(
            Obligation(obligation_id, DeadlineRuleId(rule), agency_code, started_at, opened_by, optional, subject)
        )
    return tuple(OpenDuties(case_id, tuple(obligations)) for case_id, obligations in grouped.items())


def cases_involving(
    session: Session, agency_code: str, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> tuple[str, ...]:
    """Cases the agency recorded in or owes a duty in, whose involvement overlaps ``since``–``until``."""
    query = select(CaseInvolvementRow.case_id).where(CaseInvolvementRow.agency_code == agency_code)
    if until is not None:
        query = query.where(CaseInvolvementRow.first_at <= until)
    if since is not None:
        query = query.where(CaseInvolvementRow.last_at >= since)
    return tuple(session.scalars(query))


def snapshot_versions(session: Session) -> Mapping[str, int]:
    """The snapshot version of each case (to find those to rebuild after the rules changed)."""
    rows = session.execute(select(CaseSnapshotRow.case_id, CaseSnapshotRow.version))
    return {case_id: int(version) for case_id, version in rows}
