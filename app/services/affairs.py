"""Operator actions outside a case: consultations (seed §11), joint meetings (§10), linkage filings (§14),
inspections and their notices (§18). Each is one audited transaction, like a case record."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.domain.agencies import AgencyKind
from app.domain.errors import DomainError
from app.domain.events import (
    ConsultationAnswered,
    ConsultationAsked,
    ConsultationMarkedDifficult,
    Event,
    InspectionConducted,
    InspectionNoticePublished,
    LinkageFiled,
    LinkageReported,
    LinkageType,
    MeetingConvened,
    MeetingHeld,
    MeetingType,
)
from app.domain.lifecycle.guards import refuse
from app.models.events import affair_events, append_affair_event
from app.models.store import Store
from app.services.cases import CaseDesk, OutgoingHook, Recorded, audit_record, new_event
from app.services.changes import Changes, Outgoing
from app.sync.apply_affairs import (
    AFFAIR_STARTERS,
    AffairStartMissing,
    concerned_agencies,
    fold_affair,
    save_affair,
)
from app.sync.apply_affairs import AffairState as AffairState  # the services' name for it (affairs_queries)

When = dt.datetime | None


class AffairNotFound(DomainError):
    """No consultation, meeting, filing or inspection with this id is stored here."""

    user_message = "本终端没有该咨询、会议、备案或检查的记录。"


def _fold(events: list[Event]) -> AffairState:
    try:
        return fold_affair(events)
    except AffairStartMissing:
        raise AffairNotFound(f"no starting record in {events[0].case_id}") from None


def _record(session: Session, desk: CaseDesk, event: Event, outgoing: OutgoingHook | None) -> Changes:
    stored = list(affair_events(session, event.case_id))
    same = next((e for e in stored if e.event_id == event.event_id), None)
    if same is not None:
        if same == event:
            return Changes()
        raise refuse(event, f"记录编号 {event.event_id} 已被另一条记录使用。")
    if not stored and type(event) not in AFFAIR_STARTERS:
        raise AffairNotFound(f"no affair {event.case_id}")
    before = _fold(stored) if stored else None
    state = _fold([*stored, event])
    seq = append_affair_event(session, event)
    save_affair(session, [*stored, event], state)
    old = {o.obligation_id: o.agency_code for o in getattr(before, "obligations", ()) if o.closed_at is None}
    new = {o.obligation_id: o.agency_code for o in getattr(state, "obligations", ()) if o.closed_at is None}
    audit_record(session, desk, event, stream="affair")
    recipients = concerned_agencies(state) - {desk.agency_code}
    if outgoing is not None:
        outgoing(session, Recorded(seq, event, recipients, stream="affair"))
    moved = old.keys() ^ new.keys()
    return Changes(
        events=(event.event_id,),
        affairs=frozenset({event.case_id}),
        deadlines=frozenset(moved),
        agencies=frozenset(old.get(i) or new[i] for i in moved),
        outgoing=(Outgoing(event.event_id, event.case_id, str(event.kind), recipients),),
    )


def record_affair_event(desk: CaseDesk, event: Event, *, outgoing: OutgoingHook | None = None) -> Changes:
    """Store one record of an affair in one transaction; an illegal step writes nothing. The desk's outbox hook (or
    ``outgoing`` instead) queues its packet in that transaction (recipients: docs/sync.md)."""
    if event.agency_code != desk.agency_code or event.operator_id != desk.operator_id:
        raise refuse(event, "只能以当前登录的操作员和本单位名义录入。")
    hook = outgoing if outgoing is not None else desk.outgoing
    return desk.store.write(lambda session: _record(session, desk, event, hook))


def _new(desk: CaseDesk, cls: type[Event], affair_id: str, occurred_at: When, **payload: Any) -> Changes:
    return record_affair_event(desk, new_event(desk, cls, affair_id, occurred_at=occurred_at, **payload))


def affair_state(store: Store, affair_id: str) -> AffairState:
    """The folded state of a consultation, meeting, filing or inspection."""
    events = store.read(lambda s: list(affair_events(s, affair_id)))
    if not events:
        raise AffairNotFound(f"no affair {affair_id}")
    return _fold(events)


def ask_consultation(
    desk: CaseDesk, *, consulted_code: str, consulted_kind: AgencyKind, written: bool, question: str,
    occurred_at: When = None, affair_id: str | None = None,
) -> Changes:  # fmt: skip
    """案件咨询 (seed §11): the consulted agency answers within 3 working days unless the case is difficult."""
    return _new(
        desk, ConsultationAsked, affair_id or str(uuid.uuid4()), occurred_at, consulted_code=consulted_code,
        consulted_kind=consulted_kind, written=written, question=question,
    )  # fmt: skip


def mark_consultation_difficult(desk: CaseDesk, affair_id: str, *, reasons: str, occurred_at: When = None) -> Changes:
    """认定为疑难复杂: the 3-working-day answer no longer binds (seed §11)."""
    return _new(desk, ConsultationMarkedDifficult, affair_id, occurred_at, reasons=reasons)


def answer_consultation(
    desk: CaseDesk, affair_id: str, *, written: bool, answer: str, occurred_at: When = None
) -> Changes:
    """咨询答复; a written question gets a written answer (seed §11)."""
    return _new(desk, ConsultationAnswered, affair_id, occurred_at, written=written, answer=answer)


def convene_meeting(
    desk: CaseDesk, *, meeting_type: MeetingType, scheduled_for: dt.date, participants: tuple[str, ...], agenda: str,
    occurred_at: When = None, affair_id: str | None = None,
) -> Changes:  # fmt: skip
    """联席会议通知 by the office (seed §10)."""
    return _new(
        desk, MeetingConvened, affair_id or str(uuid.uuid4()), occurred_at, meeting_type=meeting_type,
        scheduled_for=scheduled_for, participants=participants, agenda=agenda,
    )  # fmt: skip


def record_meeting_minutes(
    desk: CaseDesk, affair_id: str, *, attendees: tuple[str, ...], minutes: str, occurred_at: When = None
) -> Changes:
    """联席会议纪要 (seed §10)."""
    return _new(desk, MeetingHeld, affair_id, occurred_at, attendees=attendees, minutes=minutes)


def file_linkage(
    desk: CaseDesk, *, linkage: LinkageType, recipient_code: str, recipient_kind: AgencyKind, related_case_id: str,
    summary: str, occurred_at: When = None, affair_id: str | None = None,
) -> Changes:  # fmt: skip
    """案件衔接备案: admin↔admin to 法制办, admin↔criminal to the procuratorate (seed §14)."""
    return _new(
        desk, LinkageFiled, affair_id or str(uuid.uuid4()), occurred_at, linkage=linkage,
        recipient_code=recipient_code, recipient_kind=recipient_kind, related_case_id=related_case_id,
        summary=summary,
    )  # fmt: skip


def report_linkage(desk: CaseDesk, affair_id: str, *, summary: str, occurred_at: When = None) -> Changes:
    """报送备案情况 to the office (seed §14)."""
    return _new(desk, LinkageReported, affair_id, occurred_at, summary=summary)


def record_inspection(
    desk: CaseDesk, *, inspected_codes: tuple[str, ...], findings: str, occurred_at: When = None,
    affair_id: str | None = None,
) -> Changes:  # fmt: skip
    """专项监督检查 by the office (seed §18)."""
    return _new(
        desk, InspectionConducted, affair_id or str(uuid.uuid4()), occurred_at, inspected_codes=inspected_codes,
        findings=findings,
    )  # fmt: skip


def publish_inspection_notice(
    desk: CaseDesk, affair_id: str, *, document_number: str, summary: str, occurred_at: When = None
) -> Changes:
    """检查通报 (seed §18)."""
    return _new(
        desk, InspectionNoticePublished, affair_id, occurred_at, document_number=document_number, summary=summary
    )
