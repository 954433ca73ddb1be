"""Drafts of forms: saved while the operator types, offered again when the form reopens, dropped on submit.

Written through the store's single writer; a committed draft survives a crash or power loss (SQLCipher commit).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models.drafts import DraftRow
from app.models.store import Store


@dataclass(frozen=True)
class DraftKey:
    """Whose draft of which form for which case ("" before the case exists)."""

    operator_id: str
    form_key: str
    case_id: str = ""


@dataclass(frozen=True)
class Draft:
    key: DraftKey
    fields: Mapping[str, str]
    updated_at: dt.datetime


def _row(session: Session, key: DraftKey) -> DraftRow | None:
    return session.get(DraftRow, (key.operator_id, key.form_key, key.case_id))


def save_draft(store: Store, key: DraftKey, fields: Mapping[str, str], *, now: dt.datetime | None = None) -> None:
    """Keep ``fields`` as the draft of ``key`` (replacing the previous one)."""
    text = json.dumps(dict(fields), ensure_ascii=False, sort_keys=True)
    moment = now or dt.datetime.now(dt.UTC)

    def write(session: Session) -> None:
        row = _row(session, key)
        if row is None:
            session.add(DraftRow(operator_id=key.operator_id, form_key=key.form_key, case_id=key.case_id,
                                 fields=text, updated_at=moment))  # fmt: skip
        else:
            row.fields, row.updated_at = text, moment

    store.write(write)


def load_draft(store: Store, key: DraftKey) -> Draft | None:
    """The draft of ``key``, or None."""

    def read(session: Session) -> Draft | None:
        row = _row(session, key)
        if row is None:
            return None
        fields = json.loads(row.fields)
        return Draft(key, {str(k): str(v) for k, v in fields.items()}, row.updated_at)

    return store.read(read)


def discard_draft(store: Store, key: DraftKey) -> None:
    """Forget the draft of ``key`` (after a submit, or when the operator starts afresh)."""

    def write(session: Session) -> None:
        row = _row(session, key)
        if row is not None:
            session.delete(row)

    store.write(write)
