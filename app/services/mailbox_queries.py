"""收件箱 / 发件箱 as the operator reads them: packet states in Chinese, the failure reason, the platform's signed
receipt (when it was received), unread counts, and sending a failed packet again.

Reads and writes run inside the caller's transaction (``store.read`` / ``store.write``); nothing here imports Qt.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.domain.events import EVENT_TYPES
from app.domain.events.base import EventKind
from app.models.directory import list_agencies
from app.models.events import affair_events
from app.models.snapshots import load_case_states
from app.models.sync_tables import InboxRow, OutboxRow, ReceiptRow
from app.models.tables import AffairRow
from app.services.affairs_queries import AFFAIR_TYPES
from app.sync.inbox import read_state, write_state

# The states a packet passes through. The outbox holds packets that are already signed; drafts and approvals live
# with the forms (a transfer awaiting the head's signature has no packet yet).
STATE_LABELS = {
    "draft": "草稿",
    "awaiting_approval": "待负责人审批",
    "signed": "已签名",
    "queued": "待发送",
    "sent": "已发送（待回执）",
    "receipted": "平台已回执",
    "failed": "发送失败",
}
INBOX_SEEN_KEY = "mailbox_inbox_seen_at"


@dataclass(frozen=True)
class ReceiptView:
    """The platform's signed receipt of a packet: the legal proof of when it was received."""

    received_at: dt.datetime
    seq: int
    manifest_sha256: str


@dataclass(frozen=True)
class OutgoingPacket:
    """One packet of the 发件箱."""

    packet_id: str
    kind_label: str
    case_id: str
    case_label: str
    recipients: tuple[str, ...]
    state: str
    reason: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    receipt: ReceiptView | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def can_retry(self) -> bool:
        return self.state == "failed"


@dataclass(frozen=True)
class IncomingPacket:
    """One packet of the 收件箱."""

    packet_id: str
    kind_label: str
    case_id: str
    case_label: str
    sender: str
    applied: bool
    apply_error: str
    received_at: dt.datetime
    unread: bool
    receipt: ReceiptView | None

    @property
    def state_label(self) -> str:
        if self.applied:
            return "已入库"
        return "待入库" if not self.apply_error else "暂缓入库"


def kind_label(kind: str) -> str:
    """A packet kind (the record it carries) in the operator's words."""
    try:
        return EVENT_TYPES[EventKind(kind)].label
    except (KeyError, ValueError):
        return kind


def _case_labels(session: Session, case_ids: set[str]) -> dict[str, str]:
    """What each packet is about, in words: 案件编号 and name for a case, the affair's kind and subject for a
    consultation, meeting, 备案 or inspection (its first record's question or summary); nothing when unknown here."""
    states = load_case_states(session, case_ids)
    labels = {case_id: f"{state.case_number} {state.title}" for case_id, state in states.items()}
    rest = case_ids - set(labels)
    if rest:
        for row in session.scalars(select(AffairRow).where(AffairRow.affair_id.in_(rest))):
            labels[row.affair_id] = _affair_label(session, row)
    return labels


# The fields that say what an affair is about, in the order the first record carries them.
_SUBJECT_FIELDS = ("question", "agenda", "summary", "findings", "reasons", "answer", "minutes", "document_number")


def _affair_label(session: Session, row: AffairRow) -> str:
    kind = AFFAIR_TYPES.get(row.affair_type, "事务")
    events = affair_events(session, row.affair_id)
    first = events[0] if events else None
    text = next((str(getattr(first, f)) for f in _SUBJECT_FIELDS if getattr(first, f, "")), "")
    if len(text) > 40:
        text = text[:40] + "…"
    return f"{kind}：{text}" if text else kind


def _agency_names(session: Session) -> dict[str, str]:
    return {entry.agency.code: entry.agency.name for entry in list_agencies(session)}


def _receipts(session: Session, packet_ids: list[str]) -> dict[str, ReceiptView]:
    if not packet_ids:
        return {}
    rows = session.scalars(select(ReceiptRow).where(ReceiptRow.packet_id.in_(packet_ids)))
    return {r.packet_id: ReceiptView(r.received_at, r.seq, r.manifest_sha256) for r in rows}


def outgoing_packets(session: Session, limit: int = 500) -> tuple[OutgoingPacket, ...]:
    """The 发件箱, newest first (failed ones first of all: they need the operator)."""
    failed_first = (OutboxRow.state != "failed", OutboxRow.created_at.desc(), OutboxRow.packet_id)
    rows = list(session.scalars(select(OutboxRow).order_by(*failed_first).limit(limit)))
    labels = _case_labels(session, {r.case_id for r in rows})
    names = _agency_names(session)
    receipts = _receipts(session, [r.packet_id for r in rows])
    return tuple(
        OutgoingPacket(
            r.packet_id, kind_label(r.kind), r.case_id, labels.get(r.case_id, ""),
            tuple(names.get(c, c) for c in json.loads(r.recipients)), r.state, r.reason, r.attempts, r.created_at,
            r.next_attempt_at, receipts.get(r.packet_id),
        )
        for r in rows
    )  # fmt: skip


def _seen_at(session: Session) -> dt.datetime | None:
    value = read_state(session, INBOX_SEEN_KEY)
    return dt.datetime.fromisoformat(value) if value else None


def incoming_packets(session: Session, limit: int = 500) -> tuple[IncomingPacket, ...]:
    """The 收件箱, newest first; ``unread`` for packets received since the operator last opened it."""
    rows = list(session.scalars(select(InboxRow).order_by(InboxRow.received_at.desc()).limit(limit)))
    labels = _case_labels(session, {r.case_id for r in rows})
    names = _agency_names(session)
    receipts = _receipts(session, [r.packet_id for r in rows])
    seen = _seen_at(session)
    return tuple(
        IncomingPacket(
            r.packet_id, kind_label(r.kind), r.case_id, labels.get(r.case_id, ""), names.get(r.sender, r.sender),
            r.applied, r.apply_error, r.received_at, seen is None or r.received_at > seen, receipts.get(r.packet_id),
        )
        for r in rows
    )  # fmt: skip


def unread_count(session: Session) -> int:
    """Packets received since the operator last opened the 收件箱."""
    query = select(func.count()).select_from(InboxRow)
    seen = _seen_at(session)
    if seen is not None:
        query = query.where(InboxRow.received_at > seen)
    return int(session.scalar(query) or 0)


def mark_inbox_read(session: Session, now: dt.datetime) -> None:
    """The operator has seen everything received up to ``now``."""
    write_state(session, INBOX_SEEN_KEY, now.isoformat())


def retry_failed_packet(session: Session, packet_id: str, now: dt.datetime) -> bool:
    """Queue a failed packet again for the next sync pass (the bytes and signature are unchanged); False when
    the packet is not failed (another operator or the engine got there first)."""
    result = session.execute(
        update(OutboxRow)
        .where(OutboxRow.packet_id == packet_id, OutboxRow.state == "failed")
        .values(state="queued", reason="", next_attempt_at=now)
    )
    return bool(getattr(result, "rowcount", 0))
