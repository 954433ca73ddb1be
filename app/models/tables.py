"""The store's tables as SQLAlchemy 2 typed ORM classes. Repositories use them; nothing outside app.models does.

The FTS5 index ``cases_fts`` is not here: SQLAlchemy cannot describe a virtual table, so the migration that
creates it and ``app.models.cases`` that fills it own it (see docs/store.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
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


def utc_text(value: dt.datetime) -> str:
    """The stored form of an aware time: UTC, microseconds, fixed width."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: the store keeps only aware times")
    return value.astimezone(dt.UTC).strftime(UTC_TEXT_FORMAT)


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
    """The metadata of one encrypted blob under ``blobs_dir``; the content is never in the database."""

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
