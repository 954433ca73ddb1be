"""Quarantine: refused packets are kept, byte for byte, beside a note of why, for an administrator to inspect.

Nothing in the quarantine is ever applied or relayed; it is evidence. Files are written carefully (temp, fsync,
rename) and named by time and content hash, so the same hostile file arriving twice is kept once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from app.files import atomic_write_bytes
from app.sync.packet.errors import PacketRejected
from app.sync.packet.manifest import BEIJING
from app.sync.packet.verify import KnownLookup, PacketVerifier, VerifiedPacket


@dataclass(frozen=True)
class QuarantinedPacket:
    """One refused file and the note beside it."""

    path: Path
    code: str
    message: str
    origin: str


@dataclass(frozen=True)
class Quarantine:
    """A folder of refused packets: ``<sha256>.ljp.quarantined`` plus ``<sha256>.json``."""

    directory: Path

    def keep(self, data: bytes, rejection: PacketRejected, *, origin: str) -> QuarantinedPacket:
        """Store ``data`` with the reason it was refused and where it came from (a URL, a path, a peer)."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.directory / f"{digest}.ljp.quarantined"
        note = {
            "sha256": digest,
            "size": len(data),
            "code": rejection.code,
            "reason": str(rejection),
            "message": rejection.user_message,
            "origin": origin,
            "quarantined_at": dt.datetime.now(BEIJING).isoformat(timespec="seconds"),
        }
        atomic_write_bytes(path, data, mode=0o600)
        atomic_write_bytes(
            self.directory / f"{digest}.json",
            json.dumps(note, ensure_ascii=False, indent=1).encode("utf-8"),
            mode=0o600,
        )
        return QuarantinedPacket(path, rejection.code, rejection.user_message, origin)

    def entries(self) -> list[QuarantinedPacket]:
        """Every quarantined file with its recorded reason, oldest first."""
        if not self.directory.is_dir():
            return []
        found: list[tuple[str, QuarantinedPacket]] = []
        for note_path in self.directory.glob("*.json"):
            note = json.loads(note_path.read_text(encoding="utf-8"))
            packet = QuarantinedPacket(
                self.directory / f"{note['sha256']}.ljp.quarantined", note["code"], note["message"], note["origin"]
            )
            found.append((note["quarantined_at"], packet))
        return [p for _, p in sorted(found, key=lambda item: item[0])]


def verify_or_quarantine(
    verifier: PacketVerifier,
    data: bytes,
    quarantine: Quarantine,
    *,
    origin: str,
    known: KnownLookup | None = None,
    at: dt.datetime | None = None,
) -> VerifiedPacket:
    """``verifier.verify``; on refusal the file goes to ``quarantine`` and the refusal is re-raised."""
    try:
        return verifier.verify(data, known=known, at=at)
    except PacketRejected as rejection:
        quarantine.keep(data, rejection, origin=origin)
        raise
