"""Cases: small repository functions over a session, returning frozen records, keeping the FTS5 index in step."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, column, delete, func, insert, select, table, text
from sqlalchemy.orm import Session

from app.models.prepared import Prepared
from app.models.search_text import index_terms, match_expression
from app.models.tables import CASES_FTS_TABLE, Case, table_of

# The contentless FTS5 table: rowid is cases.seq, body the terms of search_text.index_terms.
_fts = table(CASES_FTS_TABLE, column("rowid"), column("body"))

MAX_PAGE = 500

# Built once on the tables (plain Core, compiled once): a received transfer creates its case through these.
_CASES = table_of(Case)
_RECORD_COLUMNS = (
    "id", "agency_code", "case_number", "title", "party_name", "party_id_number", "case_type", "stage", "amount_fen",
    "occurred_on", "created_at", "updated_at",
)  # fmt: skip
_INSERT_CASE = Prepared(insert(_CASES).returning(_CASES.c.seq))
_INSERT_TERMS = Prepared(insert(_fts))
_LIST_STATE = Prepared(select(_CASES.c.stage, _CASES.c.amount_fen).where(_CASES.c.id == bindparam("id")))
_GET_CASE = select(*(_CASES.c[name] for name in _RECORD_COLUMNS)).where(_CASES.c.id == bindparam("id"))


@dataclass(frozen=True)
class NewCase:
    """What an operator enters to open a case record."""

    agency_code: str
    case_number: str
    title: str
    party_name: str
    party_id_number: str
    case_type: str
    stage: str
    amount_fen: int = 0
    occurred_on: dt.date | None = None


@dataclass(frozen=True)
class CaseRecord:
    """A case as stored; safe to hand to any thread."""

    id: str
    agency_code: str
    case_number: str
    title: str
    party_name: str
    party_id_number: str
    case_type: str
    stage: str
    amount_fen: int
    occurred_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class CasePage:
    """One page of cases, newest first; pass ``next_cursor`` back for the following page (None: no more)."""

    items: tuple[CaseRecord, ...]
    next_cursor: int | None


def _record(row: Case) -> CaseRecord:
    return CaseRecord(
        id=row.id,
        agency_code=row.agency_code,
        case_number=row.case_number,
        title=row.title,
        party_name=row.party_name,
        party_id_number=row.party_id_number,
        case_type=row.case_type,
        stage=row.stage,
        amount_fen=row.amount_fen,
        occurred_on=row.occurred_on,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def search_body(row: Case | CaseRecord) -> str:
    """The FTS5 text of a case; migration r0002 indexes the same columns in the same order."""
    return index_terms(row.case_number, row.title, row.party_name, row.party_id_number, row.case_type)


def _reindex(session: Session, row: Case) -> None:
    session.execute(delete(_fts).where(_fts.c.rowid == row.seq))
    session.execute(insert(_fts).values(rowid=row.seq, body=search_body(row)))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def add_case(
    session: Session, new: NewCase, *, now: dt.datetime | None = None, case_id: str | None = None
) -> CaseRecord:
    """Insert a case and its search terms; ``case_id`` defaults to a new UUID."""
    if new.amount_fen < 0:
        raise ValueError("amount_fen must not be negative")
    stamp = _now(now)
    record = CaseRecord(
        id=case_id or str(uuid.uuid4()), agency_code=new.agency_code, case_number=new.case_number, title=new.title,
        party_name=new.party_name, party_id_number=new.party_id_number, case_type=new.case_type, stage=new.stage,
        amount_fen=new.amount_fen, occurred_on=new.occurred_on, created_at=stamp, updated_at=stamp,
    )  # fmt: skip
    seq = _INSERT_CASE.scalar(session, record.__dict__)
    _INSERT_TERMS.run(session, {"rowid": seq, "body": search_body(record)})
    return record


def save_case(session: Session, case: CaseRecord, *, now: dt.datetime | None = None) -> CaseRecord:
    """Store the editable fields of ``case`` (matched by id), bump ``updated_at``, and refresh its search terms."""
    row = session.scalars(select(Case).where(Case.id == case.id)).one()
    for name in ("case_number", "title", "party_name", "party_id_number", "case_type", "stage", "amount_fen"):
        setattr(row, name, getattr(case, name))
    row.occurred_on = case.occurred_on
    row.updated_at = _now(now)
    session.flush()
    _reindex(session, row)
    return _record(row)


def delete_case(session: Session, case_id: str) -> bool:
    """Remove a case and its search terms; False when there was none. Attachments must be removed first."""
    row = session.scalars(select(Case).where(Case.id == case_id)).one_or_none()
    if row is None:
        return False
    session.execute(delete(_fts).where(_fts.c.rowid == row.seq))
    session.delete(row)
    session.flush()
    return True


def get_case(session: Session, case_id: str) -> CaseRecord | None:
    """The case with ``case_id``, or None."""
    row = session.execute(_GET_CASE, {"id": case_id}).one_or_none()
    return None if row is None else CaseRecord(*row)


def case_list_state(session: Session, case_id: str) -> tuple[str, int] | None:
    """The stage and amount shown in the case list for ``case_id`` (None: no such case); cheaper than ``get_case``."""
    row = _LIST_STATE.run(session, {"id": case_id}).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


def get_case_by_number(session: Session, agency_code: str, case_number: str) -> CaseRecord | None:
    """The agency's case with ``case_number``, or None."""
    query = select(Case).where(Case.agency_code == agency_code, Case.case_number == case_number)
    row = session.scalars(query).one_or_none()
    return None if row is None else _record(row)


def _filters(agency_code: str | None, stage: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if agency_code is not None:
        conditions.append(Case.agency_code == agency_code)
    if stage is not None:
        conditions.append(Case.stage == stage)
    return conditions


def list_cases(
    session: Session,
    *,
    agency_code: str | None = None,
    stage: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> CasePage:
    """Cases newest first, by keyset: the cost of a page does not grow with how far the operator has scrolled."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(Case).where(*_filters(agency_code, stage))
    if after is not None:
        query = query.where(Case.seq < after)
    rows = session.scalars(query.order_by(Case.seq.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    next_cursor = page[-1].seq if len(rows) > limit else None
    return CasePage(items=tuple(_record(r) for r in page), next_cursor=next_cursor)


def count_cases(session: Session, *, agency_code: str | None = None, stage: str | None = None) -> int:
    """How many cases match the filters."""
    query = select(func.count()).select_from(Case).where(*_filters(agency_code, stage))
    return int(session.scalar(query) or 0)


def search_cases(
    session: Session, query: str, *, agency_code: str | None = None, limit: int = 50
) -> tuple[CaseRecord, ...]:
    """Cases whose number, title, party, ID number or type contain every term of ``query``, newest first."""
    expression = match_expression(query)
    if expression is None:
        return ()
    statement = (
        select(Case)
        .join(_fts, _fts.c.rowid == Case.seq)
        .where(text(f"{CASES_FTS_TABLE} MATCH :expression").bindparams(expression=expression))
        .where(*_filters(agency_code, None))
        # Newest first: FTS5 walks its doclists in rowid order and stops at the limit, where ranking by bm25 would
        # score every match (80 ms instead of 1 ms for a common word in 100,000 cases).
        .order_by(_fts.c.rowid.desc())
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    return tuple(_record(r) for r in session.scalars(statement))
