"""The store's tables as SQLAlchemy 2 typed ORM classes. Repositories use them; nothing outside app.models does.

The FTS5 index ``cases_fts`` is not here: SQLAlchemy cannot describe a virtual table, so the migration that
creates it and ``app.models.cases`` that fills it own it (see docs/store.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

CASES_FTS_TABLE = "cases_fts"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


UTC_TEXT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


# A received packet stores ≈ 20 times but only ≈ 4 distinct instants (its records' times, now): the texts of recent
# instants are kept. Aware datetimes are equal when they name the same instant, whatever their zone, and so have the
# same text; a naive one never equals an aware one, and is never kept.
_TEXTS: dict[dt.datetime, str] = {}
_TEXTS_HELD = 4096


def utc_text(value: dt.datetime) -> str:
    """The stored form of an aware time: UTC, microseconds, fixed width."""
    text = _TEXTS.get(value)
    if text is not None:
        return text
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: the store keeps only aware times")
    utc = value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC)
    if utc.year < 1000:  # strftime does not pad the year; the stored form has always been strftime's
        text = utc.strftime(UTC_TEXT_FORMAT)
    else:  # the same text for years 1000–9999 at half strftime's cost
        text = f"{utc.replace(tzinfo=None).isoformat(timespec='microseconds')}Z"
    if len(_TEXTS) >= _TEXTS_HELD:
        _TEXTS.clear()
    _TEXTS[value] = text
    return text


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as fixed-width UTC ISO text, so that text order is time order."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else utc_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return dt.datetime.strptime(str(value), UTC_TEXT_FORMAT).replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(mapped: type[Base]) -> Table:
    """The table of a mapped class, for plain Core statements on hot paths (no ORM bulk-persistence machinery)."""
    table = mapped.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{mapped.__name__} is not mapped to a single table")
    return table


class MetaEntry(Base):
    """Facts about this store: its id, when and by which version it was created, the audit chain head."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Case(Base):
    """An enforcement case as this agency knows it. Later domain work adds columns through migrations."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("agency_code", "case_number"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("length(agency_code) = 18", name="agency_code_length"),
        Index(None, "agency_code", "seq"),
        Index(None, "agency_code", "stage", "seq"),
        Index(None, "party_id_number"),
        Index(None, "occurred_on"),
        Index(None, "updated_at"),
    )

    # An explicit INTEGER PRIMARY KEY keeps the rowid stable across VACUUM; the FTS index refers to it.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    agency_code: Mapped[str] = mapped_column(String(18))
    case_number: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    party_name: Mapped[str] = mapped_column(Text)
    party_id_number: Mapped[str] = mapped_column(String(32))
    case_type: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Attachment(Base):
    """The metadata of one attachment; its content is never in the database but in an encrypted blob."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        Index(None, "case_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), ForeignKey("cases.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # r0007: a received attachment is read from the packet that brought it (``sync_inbox``), where its content
    # starts at ``packet_offset``; NULL for one in its own blob (named by ``id``).
    in_packet: Mapped[str | None] = mapped_column(String(36))
    packet_offset: Mapped[int | None] = mapped_column(BigInteger)


class AuditEntry(Base):
    """One row of the append-only, hash-chained audit log."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "occurred_at"), Index(None, "kind", "seq"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    operator: Mapped[str] = mapped_column(Text)
    terminal: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


# ---- The case domain (issue 4 item 7). Events are append-only; everything else here is derived from them
# ---- (snapshots, open duties, involvement) or is standing data (agency directory), or numbers (issue 7 item 3).


class CaseEventRow(Base):
    """One record of a case, exactly as the domain encodes it; never updated or deleted (triggers refuse it)."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index(None, "case_id", "seq"),
        Index(None, "agency_code", "occurred_at"),
        Index(None, "supersedes"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON of the kind-specific fields
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    entered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    operator_id: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str] = mapped_column(String(18))
    agency_kind: Mapped[str] = mapped_column(String(32))
    supersedes: Mapped[str | None] = mapped_column(String(64))


class AffairEventRow(Base):
    """One record outside a case (consultation, joint meeting, 备案, inspection); append-only like case events."""

    __tablename__ = "affair_events"
    __table_args__ = (Index(None, "affair_id", "seq"), Index(None, "agency_code", "occurred_at"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    affair_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    entered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    operator_id: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str] = mapped_column(String(18))
    agency_kind: Mapped[str] = mapped_column(String(32))
    supersedes: Mapped[str | None] = mapped_column(String(64))


class AffairRow(Base):
    """Which aggregate an affair is and who it concerns (derived from its first record, for listing)."""

    __tablename__ = "affairs"
    __table_args__ = (Index(None, "affair_type", "opened_at"),)

    affair_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    affair_type: Mapped[str] = mapped_column(String(32))
    opened_by: Mapped[str] = mapped_column(String(18))
    counterpart: Mapped[str] = mapped_column(String(18))  # the consulted / recipient agency, "" if none
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    closed: Mapped[bool] = mapped_column(Boolean)


class CaseSnapshotRow(Base):
    """The folded state of a case (``CaseState.to_dict``), rebuilt from ``case_events`` whenever in doubt."""

    __tablename__ = "case_snapshots"
    __table_args__ = (Index(None, "penalty", "party_id"), Index(None, "agency_code"))

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)  # the last case_events.seq folded in
    agency_code: Mapped[str] = mapped_column(String(18))
    stage: Mapped[str] = mapped_column(String(32))
    penalty: Mapped[str] = mapped_column(String(16))
    party_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(Text)


class OpenDutyRow(Base):
    """An open obligation of a case or affair (derived): the to-do list reads these rows and nothing else."""

    __tablename__ = "open_duties"
    __table_args__ = (Index(None, "agency_code", "started_at"), Index(None, "subject_id"))

    obligation_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64))  # the case or affair id
    agency_code: Mapped[str] = mapped_column(String(18))
    rule: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    opened_by: Mapped[str] = mapped_column(String(64))
    optional: Mapped[bool] = mapped_column(Boolean)
    subject: Mapped[str] = mapped_column(String(64))


class CaseInvolvementRow(Base):
    """Which agencies a case concerns (recorded in it or owe a duty in it), and over which span of time (derived)."""

    __tablename__ = "case_involvement"
    __table_args__ = (Index(None, "agency_code", "last_at"),)

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    first_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AgencyDirectoryRow(Base):
    """A member agency as documents print it: name, kind, 机关代字, head and liaison (standing data)."""

    __tablename__ = "agency_directory"
    __table_args__ = (CheckConstraint("length(code) = 18", name="code_length"),)

    code: Mapped[str] = mapped_column(String(18), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(Text)
    head: Mapped[str] = mapped_column(Text)
    liaison: Mapped[str] = mapped_column(Text)


class DocumentCounterRow(Base):
    """The last 文号 serial handed out per agency, document type and year (GB/T 9704 7.2.4)."""

    __tablename__ = "document_counters"
    __table_args__ = (CheckConstraint("last_serial >= 1", name="serial_positive"),)

    agency_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


class IssuedDocumentRow(Base):
    """A formal document issued under a 文号, with the fields it was printed from (so it reprints the same)."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("agency_code", "doc_type", "year", "serial"),
        Index(None, "case_id", "issued_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(64))
    agency_code: Mapped[str] = mapped_column(String(18))
    doc_type: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    operator_id: Mapped[str] = mapped_column(Text)


import app.models.sync_tables  # noqa: E402,F401  (registers the sync engine's tables on Base.metadata)
