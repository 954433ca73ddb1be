"""The agency directory (standing data the office publishes): names, kinds, 机关代字, heads and liaisons."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.domain.agencies import Agency, AgencyKind
from app.models.tables import AgencyDirectoryRow


@dataclass(frozen=True)
class DirectoryEntry:
    """A member agency as documents print it."""

    agency: Agency
    prefix: str  # 机关代字, e.g. 银兴市监
    head: str = ""
    liaison: str = ""


def save_agency(session: Session, entry: DirectoryEntry) -> None:
    """Add or replace an agency's entry."""
    values = {
        "code": entry.agency.code,
        "kind": str(entry.agency.kind),
        "name": entry.agency.name,
        "prefix": entry.prefix,
        "head": entry.head,
        "liaison": entry.liaison,
    }
    session.execute(sqlite_insert(AgencyDirectoryRow).values(values).on_conflict_do_update(
        index_elements=["code"], set_=values
    ))  # fmt: skip


def list_agencies(session: Session) -> tuple[DirectoryEntry, ...]:
    """Every agency in the directory, by code."""
    rows = session.scalars(select(AgencyDirectoryRow).order_by(AgencyDirectoryRow.code))
    return tuple(DirectoryEntry(Agency(r.code, AgencyKind(r.kind), r.name), r.prefix, r.head, r.liaison) for r in rows)


def get_agency(session: Session, code: str) -> DirectoryEntry | None:
    """One agency's entry, or None."""
    r = session.get(AgencyDirectoryRow, code)
    return (
        None if r is None else DirectoryEntry(Agency(r.code, AgencyKind(r.kind), r.name), r.prefix, r.head, r.liaison)
    )
