"""How the office's publications are kept in the store (``sync_state``): per slot (a calendar's year, or the one
set of rules) the signed bytes, when they were verified, and the version and content digest they had — the
high-water mark a later publication is compared with, even should the held one stop verifying.

The state is our own, in the encrypted store; an entry that cannot be read anyway (a defect, a hand-edited
database) is left out and logged, never allowed to stop the sync or a deadline view.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.sync.inbox import read_state, write_state

log = logging.getLogger("lianjie.sync.office")


@dataclass(frozen=True)
class Held:
    """A kept publication."""

    signed: bytes
    verified_at: dt.datetime
    version: int
    content_sha256: str

    def as_json(self) -> dict[str, object]:
        return {
            "signed": base64.b64encode(self.signed).decode("ascii"),
            "verified_at": self.verified_at.isoformat(),
            "version": self.version,
            "content_sha256": self.content_sha256,
        }


def _held(raw: object) -> Held:
    if not isinstance(raw, dict):
        raise TypeError("entry is not an object")
    verified_at = dt.datetime.fromisoformat(str(raw["verified_at"]))
    version = raw["version"]
    digest = raw["content_sha256"]
    if verified_at.tzinfo is None or not isinstance(version, int) or not isinstance(digest, str):
        raise ValueError("entry fields of the wrong type")
    return Held(base64.b64decode(str(raw["signed"]), validate=True), verified_at, version, digest)


def read_held(session: Session, key: str) -> dict[str, Held]:
    """The entries kept under ``key`` by slot; unreadable ones left out (logged)."""
    text = read_state(session, key)
    if not text:
        return {}
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise TypeError("state is not an object")
    except (ValueError, TypeError) as exc:
        log.error("held %s unreadable, left out: %s", key, exc)
        return {}
    found = {}
    for slot, entry in raw.items():
        try:
            found[str(slot)] = _held(entry)
        except (KeyError, ValueError, TypeError, binascii.Error) as exc:
            log.error("held %s %s unreadable, left out: %s", key, slot, exc)
    return found


def write_held(session: Session, key: str, held: dict[str, Held]) -> None:
    write_state(session, key, json.dumps({slot: h.as_json() for slot, h in held.items()}, sort_keys=True))
