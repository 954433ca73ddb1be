"""The sync engine's tables: outbox, inbox, receipts and the engine's small state (cursor, publications).

Registered on ``app.models.tables.Base`` (imported at the end of that module); created by revision r0004.
Packet bytes are kept inside the encrypted store, so a packet waiting to be sent survives a restart and is never
readable outside SQLCipher.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables import Base, UtcDateTime

OUTBOX_STATES = ("queued", "sent", "receipted", "failed")


class OutboxRow(Base):
    """A signed packet written in the same transaction as the operator's action, until the platform receipts it."""

    __tablename__ = "sync_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'sent', 'receipted', 'failed')", name="state_known"),
        Index(None, "state", "next_attempt_at"),
        Index(None, "case_id"),
    )

    packet_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str] = mapped_column(String(64))
    recipients: Mapped[str] = mapped_column(Text)  # JSON list of 统一社会信用代码
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class InboxRow(Base):
    """A verified packet received from the platform or a removable drive; ``applied`` once it is in the case."""

    __tablename__ = "sync_inbox"
    __table_args__ = (Index(None, "applied", "received_at"), Index(None, "case_id"))

    packet_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int | None] = mapped_column(Integer)  # the platform's inbox sequence; None from a drive
    origin: Mapped[str] = mapped_column(String(16))  # "platform" or "removable"
    kind: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(128))
    sender: Mapped[str] = mapped_column(String(18))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    packet_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)  # empty when ``blob_id`` names the blob holding the bytes
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    applied: Mapped[bool] = mapped_column(Boolean)
    apply_error: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    blob_id: Mapped[str | None] = mapped_column(String(36))  # r0006: the encrypted blob of the packet's bytes
    # r0007: the pack file holding that blob, and the blob's bytes in it (NULL: the blob is a file of its own)
    pack_id: Mapped[str | None] = mapped_column(String(36))
    pack_offset: Mapped[int | None] = mapped_column(BigInteger)
    pack_length: Mapped[int | None] = mapped_column(BigInteger)


# The columns ``blobstore.held_bytes`` reads a received packet's bytes from, in its argument order.
HELD_PACKET = (InboxRow.data, InboxRow.blob_id, InboxRow.pack_id, InboxRow.pack_offset, InboxRow.pack_length)


class ReceiptRow(Base):
    """The platform's signed receipt of a packet (sent or received), verified on arrival: the legal proof of entry."""

    __tablename__ = "sync_receipts"

    packet_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    seq: Mapped[int] = mapped_column(Integer)
    receipt_json: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class SyncStateRow(Base):
    """Small facts of the sync engine: the inbox cursor, the verified CRL and directory, the last outcome."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
