"""The ``meta`` table: facts about this store (its id, creation, the audit chain head)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.models.prepared import Prepared
from app.models.tables import MetaEntry, table_of

STORE_ID = "store_id"
CREATED_AT = "created_at"
AUDIT_HEAD = "audit_head"


# Core statements built once, never ORM objects: the audit head is read and written by every audited action, and
# a cached ORM object beside a Core write could be stale.
_META = table_of(MetaEntry)
_READ = Prepared(select(_META.c.value).where(_META.c.key == bindparam("key")))
_INSERT = sqlite_insert(_META)
_UPSERT = Prepared(_INSERT.on_conflict_do_update(index_elements=[_META.c.key], set_={"value": _INSERT.excluded.value}))


def read_meta(session: Session, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    value = _READ.scalar(session, {"key": key})
    return None if value is None else str(value)


def write_meta(session: Session, key: str, value: str) -> None:
    """Set ``key`` to ``value`` in the caller's transaction."""
    _UPSERT.run(session, {"key": key, "value": value})


def store_id(session: Session) -> str:
    """The id given to this store when it was created (migration r0001)."""
    value = read_meta(session, STORE_ID)
    if value is None:
        raise LookupError("the store has no id")
    return value
