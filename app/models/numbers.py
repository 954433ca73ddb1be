"""文号 counters and issued documents: what app/documents/numbers.py asks of the store.

``next_serial`` increments (or starts at 1) the counter of (agency, document type, year) with one
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` inside the caller's transaction; the store's writer runs in
``BEGIN IMMEDIATE``, so two writers — threads or processes — are serialised by SQLite's write lock, and the
increment commits or rolls back together with the ``issued_documents`` row: no gap, no duplicate. The UNIQUE
(agency_code, doc_type, year, serial) constraint on ``issued_documents`` is the last line of defence.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.documents.numbers import NumberSeries
from app.models.tables import DocumentCounterRow, IssuedDocumentRow


def next_serial(session: Session, series: NumberSeries) -> int:
    """The next serial of ``series`` (1 for a new one), counted in the caller's transaction."""
    statement = (
        sqlite_insert(DocumentCounterRow)
        .values(agency_code=series.agency_code, doc_type=series.doc_type, year=series.year, last_serial=1)
        .on_conflict_do_update(
            index_elements=["agency_code", "doc_type", "year"],
            set_={"last_serial": DocumentCounterRow.last_serial + 1},
        )
        .returning(DocumentCounterRow.last_serial)
    )
    return int(session.execute(statement).scalar_one())


def last_serial(session: Session, series: NumberSeries) -> int:
    """The last serial handed out in ``series`` (0 if none)."""
    query = select(DocumentCounterRow.last_serial).where(
        DocumentCounterRow.agency_code == series.agency_code,
        DocumentCounterRow.doc_type == series.doc_type,
        DocumentCounterRow.year == series.year,
    )
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class IssuedDocument:
    """A document issued under a 文号; ``fields`` is the JSON it was printed from (``fields_to_json``)."""

    id: str
    case_id: str
    event_id: str | None
    agency_code: str
    doc_type: str
    year: int
    serial: int
    number: str
    fields: dict[str, Any]
    issued_at: dt.datetime
    operator_id: str


def record_issued(
    session: Session,
    *,
    case_id: str,
    event_id: str | None,
    series: NumberSeries,
    serial: int,
    number: str,
    fields: dict[str, Any],
    issued_at: dt.datetime,
    operator_id: str,
) -> IssuedDocument:
    """Insert the row of an issued document (same transaction as ``next_serial``)."""
    document = IssuedDocument(
        str(uuid.uuid4()), case_id, event_id, series.agency_code, series.doc_type, series.year, serial, number,
        fields, issued_at, operator_id,
    )  # fmt: skip
    session.execute(
        insert(IssuedDocumentRow).values(
            id=document.id,
            case_id=case_id,
            event_id=event_id,
            agency_code=series.agency_code,
            doc_type=series.doc_type,
            year=series.year,
            serial=serial,
            number=number,
            fields=json.dumps(fields, sort_keys=True, ensure_ascii=False),
            issued_at=issued_at,
            operator_id=operator_id,
        )
    )
    return document


def _issued(row: IssuedDocumentRow) -> IssuedDocument:
    return IssuedDocument(
        row.id, row.case_id, row.event_id, row.agency_code, row.doc_type, row.year, row.serial, row.number,
        json.loads(row.fields), row.issued_at, row.operator_id,
    )  # fmt: skip


def issued_documents(session: Session, case_id: str) -> tuple[IssuedDocument, ...]:
    """The documents issued in a case, oldest first."""
    query = select(IssuedDocumentRow).where(IssuedDocumentRow.case_id == case_id).order_by(IssuedDocumentRow.issued_at)
    return tuple(_issued(r) for r in session.scalars(query))


def issued_serials(session: Session, agency_code: str, doc_type: str, year: int) -> tuple[int, ...]:
    """The serials issued in one series, ascending (tests check there is no gap)."""
    query = (
        select(IssuedDocumentRow.serial)
        .where(
            IssuedDocumentRow.agency_code == agency_code,
            IssuedDocumentRow.doc_type == doc_type,
            IssuedDocumentRow.year == year,
        )
        .order_by(IssuedDocumentRow.serial)
    )
    return tuple(session.scalars(query))
