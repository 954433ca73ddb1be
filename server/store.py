"""The platform's storage (SQLAlchemy 2 Core): packets, their audience and receipts; SQLite or PostgreSQL.

One transaction stores a packet, its receipt and its audience, so a crash leaves either all or nothing. The inbox
cursor is a server-assigned sequence taken from a counter row *inside* that transaction: the row lock serialises
writers until commit, so sequences become visible in order and a reader that has seen N has seen everything below
N (a plain autoincrement could commit 6 before 5 and a cursor would skip 5 forever). SQLite writers use
``BEGIN IMMEDIATE`` for the same effect. Packet bytes live in the database: one place, one transaction, one backup.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    create_engine,
    event,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from app.domain.errors import AppError
from app.sync.packet import SignedReceipt, VerifiedPacket

metadata = MetaData()
counters = Table(
    "counters", metadata, Column("name", String(32), primary_key=True), Column("value", Integer, nullable=False)
)
packets = Table(
    "packets",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("packet_id", String(36), nullable=False, unique=True),
    Column("manifest_sha256", String(64), nullable=False),
    Column("packet_sha256", String(64), nullable=False),
    Column("sender", String(18), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("case_id", String(128), nullable=False),
    Column("size", Integer, nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("receipt_json", LargeBinary, nullable=False),
    Column("receipt_signature", LargeBinary, nullable=False),
)
audience = Table(
    "packet_recipients",
    metadata,
    Column("seq", Integer, ForeignKey("packets.seq"), primary_key=True),
    Column("agency", String(18), primary_key=True),
)
Index("ix_packet_recipients_agency_seq", audience.c.agency, audience.c.seq)
_COUNTER = "packets"
SQLITE_PAGE_SIZE = 16 * 1024

# The writer's statements, built once: building and hashing a statement per transaction cost more CPU than
# executing it (measured on a one-packet transaction).
_KNOWN = select(
    packets.c.packet_id, packets.c.manifest_sha256, packets.c.receipt_json, packets.c.receipt_signature
).where(packets.c.packet_id.in_(bindparam("ids", expanding=True)))
_ADVANCE = (
    update(counters)
    .where(counters.c.name == _COUNTER)
    .values(value=counters.c.value + bindparam("count", type_=Integer))
    .returning(counters.c.value)
)
_INSERT_PACKETS = insert(packets)
_INSERT_AUDIENCE = insert(audience)


class PacketConflict(AppError):
    """The packet id is already taken by other content (HTTP 409)."""

    code = "conflict"
    user_message = "平台上已有编号相同但内容不同的数据包。"
    next_step = "请联系系统管理员核查。"


@dataclass(frozen=True)
class InboxEntry:
    """One line of an agency's inbox."""

    seq: int
    packet_id: str
    sender: str
    kind: str
    case_id: str
    size: int
    manifest_sha256: str
    received_at: str
    receipt_json: bytes
    receipt_signature: bytes
    data: bytes = b""  # filled only when the packets are asked for with their inbox lines


@dataclass(frozen=True)
class StoredPacket:
    """A stored packet's bytes and who may see it."""

    seq: int
    data: bytes
    sender: str
    recipients: frozenset[str]
    receipt_json: bytes
    receipt_signature: bytes


def _sqlite_setup(engine: Engine, *, writer: bool) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        if writer:
            dbapi_connection.isolation_level = None  # let us issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        # Before WAL, which writes the header of a new file; an existing file keeps its page size (WAL cannot change
        # it). Packets are ~100 KB blobs in overflow pages: 16 KiB pages write them with a quarter of the page
        # writes of 4 KiB ones (measured: the writer's CPU per packet in a 64-packet transaction ~0.9 -> ~0.6 ms).
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a receipt is legal proof: durable before it is sent
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    if writer:

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class PacketStore:
    """Packets and receipts of one platform."""

    def __init__(self, url: str) -> None:
        # A database server may drop idle connections: test each before use. A SQLite file cannot, so no test.
        self.engine = create_engine(url, pool_pre_ping=make_url(url).get_backend_name() != "sqlite")
        self.reader = self.engine
        if self.engine.dialect.name == "sqlite":
            # Writers take the write lock at BEGIN; readers use a second engine so they never wait for a writer.
            _sqlite_setup(self.engine, writer=True)
            self.reader = create_engine(url)
            _sqlite_setup(self.reader, writer=False)

    def create_schema(self) -> None:
        """Create the tables and the cursor counter if missing."""
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            if conn.execute(select(counters.c.value).where(counters.c.name == _COUNTER)).first() is None:
                conn.execute(insert(counters).values(name=_COUNTER, value=0))

    def drop_schema(self) -> None:
        """Remove every table (tests only)."""
        metadata.drop_all(self.engine)

    def known(self, packet_id: uuid.UUID) -> tuple[str, SignedReceiptBytes] | None:
        """(manifest sha256, receipt) of a stored packet with this id, or None."""
        with self.reader.connect() as conn:
            row = conn.execute(
                select(packets.c.manifest_sha256, packets.c.receipt_json, packets.c.receipt_signature).where(
                    packets.c.packet_id == str(packet_id)
                )
            ).first()
        return None if row is None else (row[0], SignedReceiptBytes(row[1], row[2]))

    def accept(
        self, packet: VerifiedPacket, received_at: dt.datetime, sign: Callable[[int, dt.datetime], SignedReceipt]
    ) -> tuple[SignedReceiptBytes, bool]:
        """Store ``packet`` once: (receipt, True) when new, the stored receipt and False for the same content again,
        ``PacketConflict`` for other content under the same id."""
        for _attempt in range(3):
            previous = self.known(packet.packet_id)
            if previous is not None:
                if previous[0] != packet.manifest_sha256:
                    raise PacketConflict(f"packet {packet.packet_id} exists with other content")
                return previous[1], False
            try:
                return self._insert(packet, received_at, sign), True
            except IntegrityError:
                continue  # a concurrent upload of the same id won; read its receipt
        # No row with this id, yet the insert keeps failing (a sequence collision after a restore, say): a fault of
        # the platform, answered 500 so that the terminal sends it again; a 409 would fail the packet for good.
        raise StoreRefused(f"packet {packet.packet_id} could not be stored: integrity error three times, no such id")

    def accept_batch(
        self, items: Sequence[BatchItem], sign: Callable[[VerifiedPacket, int, dt.datetime], SignedReceipt]
    ) -> list[tuple[SignedReceiptBytes, bool] | PacketConflict]:
        """Store several packets in one transaction and one commit (group commit), each with ``accept``'s rules.

        Per item: (receipt, True) when stored now, (stored receipt, False) for the same content again — including
        a second upload of the same packet in this batch — or a ``PacketConflict``. An ``IntegrityError`` means
        another process raced us on an id: nothing was stored, and the caller retries the items one by one.
        """
        results: list[tuple[SignedReceiptBytes, bool] | PacketConflict | None] = [None] * len(items)
        ids = sorted({str(item.packet.packet_id) for item in items})
        with self.engine.begin() as conn:
            # Under the write lock (SQLite BEGIN IMMEDIATE) nothing can appear between this check and the insert.
            known = {row[0]: (row[1], SignedReceiptBytes(row[2], row[3])) for row in conn.execute(_KNOWN, {"ids": ids})}
            first_of: dict[str, int] = {}
            fresh: list[int] = []
            for index, item in enumerate(items):
                packet_id = str(item.packet.packet_id)
                if packet_id in known:
                    results[index] = _same_or_conflict(item.packet, *known[packet_id])
                elif packet_id not in first_of:
                    first_of[packet_id] = index
                    fresh.append(index)
            if fresh:
                top = conn.execute(_ADVANCE, {"count": len(fresh)}).scalar_one()
                rows: list[dict[str, Any]] = []
                recipients: list[dict[str, Any]] = []
                for offset, index in enumerate(fresh):
                    item, seq = items[index], top - len(fresh) + 1 + offset
                    signed = sign(item.packet, seq, item.received_at)
                    rows.append(_packet_row(item.packet, seq, signed))
                    recipients.extend({"seq": seq, "agency": code} for code in item.packet.manifest.recipients)
                    results[index] = (SignedReceiptBytes(signed.receipt_json, signed.signature), True)
                conn.execute(_INSERT_PACKETS, rows)
                if recipients:
                    conn.execute(_INSERT_AUDIENCE, recipients)
        for index, item in enumerate(items):
            if results[index] is None:  # the same id twice in this batch: the first one's receipt or a conflict
                first = items[first_of[str(item.packet.packet_id)]].packet
                stored = results[first_of[str(item.packet.packet_id)]]
                assert isinstance(stored, tuple)
                results[index] = _same_or_conflict(item.packet, first.manifest_sha256, stored[0])
        return [result for result in results if result is not None]

    def _insert(
        self, packet: VerifiedPacket, received_at: dt.datetime, sign: Callable[[int, dt.datetime], SignedReceipt]
    ) -> SignedReceiptBytes:
        manifest = packet.manifest
        with self.engine.begin() as conn:
            seq = conn.execute(
                update(counters)
                .where(counters.c.name == _COUNTER)
                .values(value=counters.c.value + 1)
                .returning(counters.c.value)
            ).scalar_one()
            signed = sign(seq, received_at)
            conn.execute(insert(packets).values(**_packet_row(packet, seq, signed)))
            conn.execute(insert(audience), [{"seq": seq, "agency": code} for code in manifest.recipients])
        return SignedReceiptBytes(signed.receipt_json, signed.signature)

    def inbox(self, agency: str, *, after: int, limit: int, sees_all: bool) -> list[InboxEntry]:
        """Packets addressed to ``agency`` (or all, for a supervising agency) after cursor ``after``, not its own:
        their lines, without the packets' bytes (``inbox_packets`` reads those)."""
        columns = [
            packets.c.seq,
            packets.c.packet_id,
            packets.c.sender,
            packets.c.kind,
            packets.c.case_id,
            packets.c.size,
            packets.c.manifest_sha256,
            packets.c.received_at,
            packets.c.receipt_json,
            packets.c.receipt_signature,
        ]
        if sees_all:
            query = select(*columns).where(packets.c.seq > after, packets.c.sender != agency).order_by(packets.c.seq)
        else:
            # Walked in the order of the (agency, seq) index: ordered by packets.seq instead, SQLite read every
            # visible packet after the cursor, blobs included, into a temporary sort for each page (measured: ~30 ms
            # per 64-packet page with 640 waiting, growing with the backlog).
            query = (
                select(*columns)
                .join(audience, and_(audience.c.seq == packets.c.seq, audience.c.agency == agency))
                .where(audience.c.seq > after, packets.c.sender != agency)
                .order_by(audience.c.seq)
            )
        with self.reader.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [InboxEntry(*row) for row in rows]

    def inbox_packets(
        self, agency: str, *, after: int, limit: int, sees_all: bool, budget: int
    ) -> tuple[list[InboxEntry], bool]:
        """The batch download's page: inbox lines with their packets' bytes, as many as ``budget`` bytes allow (at
        least one, so a packet larger than the budget still gets through), and whether more may follow.

        The lines are read first and only the packets that fit are then read: reading ``limit`` packets to keep a
        few could load gigabytes (200 packets of up to 256 MiB) for a page of 16 MiB."""
        lines = self.inbox(agency, after=after, limit=limit, sees_all=sees_all)
        chosen: list[InboxEntry] = []
        size = 0
        for line in lines:
            if chosen and size + line.size > budget:
                break
            chosen.append(line)
            size += line.size
        if not chosen:
            return [], False
        with self.reader.connect() as conn:
            query = select(packets.c.seq, packets.c.data).where(packets.c.seq.in_([line.seq for line in chosen]))
            data = {seq: body for seq, body in conn.execute(query)}
        entries = [replace(line, data=bytes(data[line.seq])) for line in chosen]
        return entries, len(chosen) < len(lines) or len(lines) == limit

    def fetch(self, packet_id: str, agency: str, *, sees_all: bool) -> StoredPacket | None:
        """The packet if ``agency`` may see it (sender, recipient, or supervising), else None — as if absent."""
        visible = or_(
            packets.c.sender == agency,
            exists().where(audience.c.seq == packets.c.seq, audience.c.agency == agency),
        )
        query = select(
            packets.c.seq, packets.c.data, packets.c.sender, packets.c.receipt_json, packets.c.receipt_signature
        ).where(packets.c.packet_id == packet_id)
        if not sees_all:
            query = query.where(visible)
        with self.reader.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            recipients = conn.execute(select(audience.c.agency).where(audience.c.seq == row[0])).scalars().all()
        return StoredPacket(row[0], row[1], row[2], frozenset(recipients), row[3], row[4])

    def count(self, packet_id: str) -> int:
        """How many stored copies of this packet id exist (0 or 1; tests check crash safety with it)."""
        with self.reader.connect() as conn:
            return len(conn.execute(select(packets.c.seq).where(packets.c.packet_id == packet_id)).all())


class StoreRefused(Exception):
    """The database keeps refusing a packet for a reason other than its id being taken: not stored, send it again."""


@dataclass(frozen=True)
class BatchItem:
    """One verified upload waiting for the group commit, with the time the platform received it."""

    packet: VerifiedPacket
    received_at: dt.datetime


def _packet_row(packet: VerifiedPacket, seq: int, signed: SignedReceipt) -> dict[str, Any]:
    manifest = packet.manifest
    return {
        "seq": seq,
        "packet_id": str(manifest.packet_id),
        "manifest_sha256": packet.manifest_sha256,
        "packet_sha256": packet.packet_sha256,
        "sender": manifest.sender_agency,
        "kind": manifest.kind,
        "case_id": manifest.case_id,
        "size": len(packet.data),
        "received_at": signed.receipt.received_at.isoformat(),
        "data": packet.data,
        "receipt_json": signed.receipt_json,
        "receipt_signature": signed.signature,
    }


def _same_or_conflict(
    packet: VerifiedPacket, stored_sha256: str, receipt: SignedReceiptBytes
) -> tuple[SignedReceiptBytes, bool] | PacketConflict:
    if stored_sha256 != packet.manifest_sha256:
        return PacketConflict(f"packet {packet.packet_id} exists with other content")
    return receipt, False


@dataclass(frozen=True)
class SignedReceiptBytes:
    """A stored receipt: ``receipt.json`` and its detached CMS signature."""

    receipt_json: bytes
    signature: bytes
