"""The outbox: signed packets written in the operator's transaction, pushed by the sync engine until receipted.

States: ``queued`` (waiting, or retrying after a transient failure at ``next_attempt_at``), ``sent`` (the platform
took it but its receipt is not yet verified and stored), ``receipted`` (done: the receipt is in ``sync_receipts``),
``failed`` (refused for good, ``reason`` in Chinese). All functions run inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.models.blobstore import held_bytes
from app.models.prepared import Prepared
from app.models.sync_tables import HELD_PACKET, InboxRow, OutboxRow, ReceiptRow
from app.models.tables import table_of
from app.sync.packet import BuiltPacket, Receipt


@dataclass(frozen=True)
class OutboxEntry:
    """One packet in the outbox, without its bytes (what a list or the diagnostics show)."""

    packet_id: str
    kind: str
    case_id: str
    event_id: str
    recipients: tuple[str, ...]
    size: int
    state: str
    reason: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime


@dataclass(frozen=True)
class DuePacket:
    """A packet to push now: its id, bytes and manifest hash."""

    packet_id: str
    manifest_sha256: str
    data: bytes
    attempts: int


def queue_packet(session: Session, packet: BuiltPacket, *, event_id: str, now: dt.datetime) -> None:
    """Put a freshly signed packet in the outbox (in the same transaction as the record it carries)."""
    manifest = packet.manifest
    session.execute(
        insert(OutboxRow).values(
            packet_id=str(packet.packet_id), kind=manifest.kind, case_id=manifest.case_id, event_id=event_id,
            recipients=json.dumps(list(manifest.recipients)), manifest_sha256=packet.manifest_sha256,
            data=packet.data, size=len(packet.data), state="queued", reason="", attempts=0, created_at=now,
            next_attempt_at=now, sent_at=None,
        )
    )  # fmt: skip


def due_packets(session: Session, now: dt.datetime, limit: int = 50) -> tuple[DuePacket, ...]:
    """Queued packets whose next attempt is due, oldest first."""
    query = (
        select(OutboxRow.packet_id, OutboxRow.manifest_sha256, OutboxRow.data, OutboxRow.attempts)
        .where(OutboxRow.state == "queued", OutboxRow.next_attempt_at <= now)
        .order_by(OutboxRow.created_at, OutboxRow.packet_id)
        .limit(limit)
    )
    return tuple(DuePacket(str(p), str(h), bytes(d), int(a)) for p, h, d, a in session.execute(query))


def unreceipted_sent(session: Session) -> tuple[DuePacket, ...]:
    """Packets the platform took whose receipt is still to be fetched and verified."""
    query = select(OutboxRow.packet_id, OutboxRow.manifest_sha256, OutboxRow.data, OutboxRow.attempts).where(
        OutboxRow.state == "sent"
    )
    return tuple(DuePacket(str(p), str(h), bytes(d), int(a)) for p, h, d, a in session.execute(query))


_RECEIPTS = table_of(ReceiptRow)
# Plain Core, built once (one per received packet); a receipt already held is kept as it is.
_INSERT_RECEIPT = Prepared(sqlite_insert(_RECEIPTS).on_conflict_do_nothing(index_elements=[_RECEIPTS.c.packet_id]))


def store_receipt(session: Session, receipt: Receipt, receipt_json: bytes, signature: bytes) -> None:
    """Keep a verified receipt beside its packet (idempotent: the platform answers a re-upload with the same)."""
    _INSERT_RECEIPT.run(
        session,
        {
            "packet_id": str(receipt.packet_id), "manifest_sha256": receipt.manifest_sha256,
            "received_at": receipt.received_at, "seq": receipt.seq, "receipt_json": receipt_json,
            "signature": signature,
        },
    )  # fmt: skip


def mark_receipted(session: Session, packet_id: str, now: dt.datetime) -> None:
    """The receipt is stored: the packet is done."""
    row = OutboxRow.packet_id == packet_id
    session.execute(update(OutboxRow).where(row).values(state="receipted", reason=""))
    session.execute(update(OutboxRow).where(row, OutboxRow.sent_at.is_(None)).values(sent_at=now))


def mark_sent(session: Session, packet_id: str, now: dt.datetime, reason: str) -> None:
    """The platform took the packet; its receipt could not be verified yet. ``sent_at`` stays the first time."""
    row = OutboxRow.packet_id == packet_id
    session.execute(update(OutboxRow).where(row).values(state="sent", reason=reason))
    session.execute(update(OutboxRow).where(row, OutboxRow.sent_at.is_(None)).values(sent_at=now))


def mark_retry(session: Session, packet_id: str, reason: str, next_attempt_at: dt.datetime) -> None:
    """A transient failure: try again at ``next_attempt_at``."""
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.packet_id == packet_id)
        .values(reason=reason, attempts=OutboxRow.attempts + 1, next_attempt_at=next_attempt_at)
    )


def mark_requeued(session: Session, packet_id: str, reason: str, now: dt.datetime) -> None:
    """A packet the platform took but no longer has (restored from a backup): sent again, as new."""
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.packet_id == packet_id, OutboxRow.state == "sent")
        .values(state="queued", reason=reason, next_attempt_at=now, sent_at=None)
    )


def mark_failed(session: Session, packet_id: str, reason: str) -> None:
    """Refused for good (the platform's verdict on this content will not change)."""
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.packet_id == packet_id)
        .values(state="failed", reason=reason, attempts=OutboxRow.attempts + 1)
    )


def outbox_entries(session: Session, states: Iterable[str] | None = None) -> tuple[OutboxEntry, ...]:
    """The outbox, oldest first (optionally only some states)."""
    query = select(OutboxRow).order_by(OutboxRow.created_at, OutboxRow.packet_id)
    if states is not None:
        query = query.where(OutboxRow.state.in_(list(states)))
    return tuple(
        OutboxEntry(
            r.packet_id, r.kind, r.case_id, r.event_id, tuple(json.loads(r.recipients)), r.size, r.state, r.reason,
            r.attempts, r.created_at, r.next_attempt_at,
        )
        for r in session.scalars(query)
    )  # fmt: skip


def pending_count(session: Session) -> int:
    """Packets not yet receipted and not failed."""
    query = select(func.count()).select_from(OutboxRow).where(OutboxRow.state.in_(("queued", "sent")))
    return int(session.scalar(query) or 0)


def packet_bytes(session: Session, packet_id: str) -> bytes | None:
    """The bytes of a packet we sent or received, for export to removable media."""
    from_outbox = session.scalar(select(OutboxRow.data).where(OutboxRow.packet_id == packet_id))
    if from_outbox is not None:
        return bytes(from_outbox)
    from_inbox = session.execute(select(*HELD_PACKET).where(InboxRow.packet_id == packet_id)).one_or_none()
    return None if from_inbox is None else held_bytes(session, *from_inbox)
