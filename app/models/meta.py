"""The ``meta`` table: facts about this store (its id, creation, the audit chain head)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models.tables import MetaEntry

STORE_ID = "store_id"
CREATED_AT = "created_at"
AUDIT_HEAD = "audit_head"


def read_meta(session: Session, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    entry = session.get(MetaEntry, key)
    return None if entry is None else entry.value


def write_meta(session: Session, key: str, value: str) -> None:
    """Set ``key`` to ``value`` in the caller's transaction."""
    entry = session.get(MetaEntry, key)
    if entry is None:
        session.add(MetaEntry(key=key, value=value))
    else:
        entry.value = value
    session.flush()


def store_id(session: Session) -> str:
    """The id given to this store when it was created (migration r0001)."""
    value = read_meta(session, STORE_ID)
    if value is None:
        raise LookupError("the store has no id")
    return value
