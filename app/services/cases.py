"""Recording case records: one transaction per operator action, audited, returning a typed change set.

``record_event`` is the one path every action takes: it reads the case's stored records, lets the domain admit the
new one (an illegal move raises ``IllegalMove`` with its Chinese reason before anything is written), appends it,
stores the new snapshot and derived rows, keeps the case list row in step, audits, and runs the desk's ``outgoing``
hook — all in ONE ``store.write``. A desk built for a syncing terminal carries the outbox as that hook, so the
record's signed packet is queued in the same transaction (ARCHITECTURE.md "Sync"); ``Changes.outgoing`` describes
what goes out either way.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.domain.agencies import AgencyKind
from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, WorkingCalendar
from app.domain.errors import DomainError
from app.domain.events import CaseOpened, Event, EventKind, Retraction
from app.domain.lifecycle import CASE_KINDS, CaseHistory, CaseState, admit
from app.domain.lifecycle.guards import refuse
from app.domain.timezone import CST
from app.models.audit import AuditKind, append_audit
from app.models.cases import NewCase, add_case, get_case, get_case_by_number, save_case
from app.models.events import append_case_event, case_events
from app.models.snapshots import involvement, save_case_state
from app.models.store import Store
from app.services.changes import Changes, Outgoing
from app.services.login import OperatorSession

E = TypeVar("E", bound=Event)


def _now() -> dt.datetime:
    return dt.datetime.now(CST)


@dataclass(frozen=True)
class Recorded:
    """A record just stored, handed to the ``outgoing`` hook inside the transaction."""

    seq: int
    event: Event
    recipients: frozenset[str]
    stream: str = "case"  # or "affair": a consultation, meeting, 备案 or inspection


OutgoingHook = Callable[[Session, Recorded], None]


@dataclass(frozen=True)
class CaseDesk:
    """Who is acting, where, and under which calendar and rules: what every operator action needs.

    ``outgoing`` is the desk's outbox (``app.services.sync_outgoing.PacketOutbox`` for a terminal that syncs): every
    record entered through the desk — case records, corrections, retractions, affairs — runs it in its transaction."""

    store: Store
    operator_id: str
    agency_code: str
    agency_kind: AgencyKind
    terminal: str
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    policy: DeadlinePolicy = DEFAULT_POLICY
    clock: Callable[[], dt.datetime] = _now
    operator_name: str = ""
    outgoing: OutgoingHook | None = None


class CaseNotFound(DomainError):
    """No record of this case is stored on this terminal."""

    user_message = "本终端没有该案件的记录。"


class CaseNumberTaken(DomainError):
    """The agency already has a case with this number."""

    user_message = "本单位已有相同编号的案件，请核对案件编号。"


def new_event(
    desk: CaseDesk, cls: type[E], case_id: str, *, occurred_at: dt.datetime | None = None,
    supersedes: str | None = None, **payload: Any,
) -> E:  # fmt: skip
    """A record of ``cls`` by the desk's operator, entered now; ``occurred_at`` defaults to now."""
    entered = desk.clock()
    return cls(
        event_id=str(uuid.uuid4()), case_id=case_id, occurred_at=occurred_at or entered, entered_at=entered,
        operator_id=desk.operator_id, agency_code=desk.agency_code, agency_kind=desk.agency_kind,
        supersedes=supersedes, **payload,
    )  # fmt: skip


def _open_ids(state: CaseState | None) -> dict[str, str]:
    return {} if state is None else {o.obligation_id: o.agency_code for o in state.open_obligations()}


def _amount_fen(fine: Decimal | None) -> int:
    return 0 if fine is None else max(0, int(fine * 100))


def _sync_case_row(session: Session, event: Event, state: CaseState) -> None:
    """Keep the case list (``cases``, searched and paged by the UI) in step with the folded state."""
    if isinstance(event, CaseOpened):
        if get_case_by_number(session, event.agency_code, event.case_number) is not None:
            raise CaseNumberTaken(f"case number exists for {event.agency_code}")
        new = NewCase(
            agency_code=state.agency_code, case_number=state.case_number, title=state.title,
            party_name=state.party_name, party_id_number=state.party_id, case_type=state.offence_code,
            stage=state.stage.label, amount_fen=0, occurred_on=state.opened_at.astimezone(CST).date(),
        )  # fmt: skip
        add_case(session, new, now=event.entered_at, case_id=state.case_id)
        return
    row = get_case(session, state.case_id)
    if row is None:
        return  # a case received from another member: the sync engine lists it when it applies the packet
    amount = _amount_fen(state.fine)
    if row.stage != state.stage.label or row.amount_fen != amount:
        save_case(session, replace(row, stage=state.stage.label, amount_fen=amount), now=event.entered_at)


def _audit_kind(event: Event) -> AuditKind:
    if isinstance(event, Retraction):
        return AuditKind.RECORD_DELETED
    return AuditKind.RECORD_CHANGED if event.supersedes else AuditKind.RECORD_CREATED


def audit_record(session: Session, desk: CaseDesk, event: Event, *, stream: str) -> None:
    """The audit row of a record entered: who, where, which record — never its content (names, amounts)."""
    details: dict[str, str | int | bool | None] = {"kind": str(event.kind), "event_id": event.event_id}
    if event.supersedes:
        details["supersedes"] = event.supersedes
    append_audit(
        session, _audit_kind(event), operator=desk.operator_id, terminal=desk.terminal,
        subject=f"{stream}:{event.case_id}", details=details, now=event.entered_at,
    )  # fmt: skip


def record_case_event(session: Session, desk: CaseDesk, event: Event, outgoing: OutgoingHook | None = None) -> Changes:
    """The body of ``record_event`` for a case, inside the caller's transaction."""
    stored = case_events(session, event.case_id)
    if not stored:
        if not isinstance(event, CaseOpened):
            raise CaseNotFound(f"no case {event.case_id}")
        before, history = None, CaseHistory.start(event)
    else:
        before_history = CaseHistory.of(stored)
        before, history = before_history.state, admit(before_history, event, desk.policy)
        if history is before_history:
            return Changes()  # the same record twice changes nothing
    state = history.state
    seq = append_case_event(session, event)
    save_case_state(session, state, history.events, seq)
    _sync_case_row(session, event, state)
    audit_record(session, desk, event, stream="case")
    recipients = frozenset(involvement(history.events, state)) - {desk.agency_code}
    recipients |= {c for c in (state.police_code, state.procuratorate_code) if c} - {desk.agency_code}
    if outgoing is not None:
        outgoing(session, Recorded(seq, event, recipients))
    old, new = _open_ids(before), _open_ids(state)
    moved = set(old.keys() ^ new.keys())
    return Changes(
        cases=frozenset({state.case_id}),
        events=(event.event_id,),
        deadlines=frozenset(moved),
        agencies=frozenset(old.get(i) or new[i] for i in moved),
        outgoing=(Outgoing(event.event_id, event.case_id, str(event.kind), recipients),),
    )


def record_event(desk: CaseDesk, event: Event, *, outgoing: OutgoingHook | None = None) -> Changes:
    """Store one case record in one transaction (see the module docstring); ``IllegalMove`` writes nothing.

    The desk's ``outgoing`` hook runs unless ``outgoing`` replaces it (tests observing what would be sent)."""
    if event.agency_code != desk.agency_code or event.operator_id != desk.operator_id:
        raise refuse(event, "只能以当前登录的操作员和本单位名义录入。")
    if event.kind not in CASE_KINDS and event.kind is not EventKind.RETRACTION:
        raise refuse(event, "该记录不属于案件，请在咨询、会议、备案或检查中录入。")
    hook = outgoing if outgoing is not None else desk.outgoing
    return desk.store.write(lambda session: record_case_event(session, desk, event, hook))


def record(
    desk: CaseDesk, cls: type[Event], case_id: str, *, occurred_at: dt.datetime | None = None,
    supersedes: str | None = None, outgoing: OutgoingHook | None = None, **payload: Any,
) -> Changes:  # fmt: skip
    """Build a record of ``cls`` for the desk's operator and store it (the named actions call this)."""
    event = new_event(desk, cls, case_id, occurred_at=occurred_at, supersedes=supersedes, **payload)
    return record_event(desk, event, outgoing=outgoing)


def correct_record(
    desk: CaseDesk, case_id: str, superseded_id: str, cls: type[Event], *,
    occurred_at: dt.datetime | None = None, **payload: Any,
) -> Changes:  # fmt: skip
    """A correction: a new record of the same kind that supersedes ``superseded_id`` (never an edit)."""
    return record(desk, cls, case_id, occurred_at=occurred_at, supersedes=superseded_id, **payload)


def retract_record(desk: CaseDesk, case_id: str, retracted_id: str, *, reason: str) -> Changes:
    """Withdraw a record entered by mistake; it stays in the history, no longer in force."""
    return record(desk, Retraction, case_id, supersedes=retracted_id, reason=reason)


def open_penalty_case(
    desk: CaseDesk, *, case_number: str, title: str, offence_code: str, party_name: str, party_id: str,
    serious: bool = False, occurred_at: dt.datetime | None = None, case_id: str | None = None,
) -> Changes:  # fmt: skip
    """Enter a new administrative (penalty) case of the desk's enforcement agency (seed §8); its id is in ``cases``."""
    return record(
        desk, CaseOpened, case_id or str(uuid.uuid4()), occurred_at=occurred_at, case_number=case_number,
        title=title, offence_code=offence_code, party_name=party_name, party_id=party_id, serious=serious,
    )  # fmt: skip


def desk_for(
    session: OperatorSession, agency_kind: AgencyKind, calendar: WorkingCalendar,
    policy: DeadlinePolicy = DEFAULT_POLICY,
) -> CaseDesk:  # fmt: skip
    """The desk of a logged-in operator: the agency code and name come from the operator's certificate; the
    agency's kind from the terminal's enrolment (the certificate profile does not carry it)."""
    holder = session.verdict.holder
    return CaseDesk(
        session.store, session.operator_id, holder.agency_code, agency_kind, session.terminal, calendar, policy,
        operator_name=holder.common_name,
    )  # fmt: skip
