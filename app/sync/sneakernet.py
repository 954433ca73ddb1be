"""Sneakernet: packets to and from a folder (a removable drive), under exactly the same verification as the network.

Export writes ``<id>.ljp`` and, when the platform receipted it, ``<id>.receipt.json`` + ``<id>.receipt.p7s`` beside
it (careful writes: temp file, fsync, rename). Import takes every ``*.ljp`` of a folder through the same receiver as
the engine's pull: verified (the receipt's time when one is present and valid), quarantined if refused, a duplicate
if already held, else kept and applied. Nothing on the drive is trusted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.files import atomic_write_bytes
from app.models.store import Store
from app.models.sync_tables import ReceiptRow
from app.sync.engine_receive import Incoming, Received, Receiver
from app.sync.outbox import packet_bytes
from app.sync.packet import PACKET_SUFFIX

RECEIPT_SUFFIX = ".receipt.json"
RECEIPT_SIGNATURE_SUFFIX = ".receipt.p7s"
MAX_IMPORT_BYTES = 256 * 1024 * 1024


class PacketNotHeld(LookupError):
    """No packet with this id is in the outbox or the inbox."""


@dataclass(frozen=True)
class ImportReport:
    """What an import did, file by file."""

    outcomes: dict[str, Received] = field(default_factory=dict)

    def count(self, outcome: Received) -> int:
        """How many files had ``outcome``."""
        return sum(1 for o in self.outcomes.values() if o is outcome)


def _receipt(session: Session, packet_id: str) -> tuple[bytes, bytes] | None:
    row = session.execute(
        select(ReceiptRow.receipt_json, ReceiptRow.signature).where(ReceiptRow.packet_id == packet_id)
    ).first()
    return None if row is None else (bytes(row[0]), bytes(row[1]))


def export_packets(store: Store, packet_ids: Iterable[str], folder: Path) -> list[Path]:
    """Write the chosen packets (sent or received) and their receipts into ``folder``; returns the packet files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for packet_id in packet_ids:
        key = str(uuid.UUID(packet_id))
        data, receipt = store.read(lambda s, k=key: (packet_bytes(s, k), _receipt(s, k)))  # type: ignore[misc]
        if data is None:
            raise PacketNotHeld(key)
        if receipt is not None:
            atomic_write_bytes(folder / f"{key}{RECEIPT_SUFFIX}", receipt[0], mode=0o600)
            atomic_write_bytes(folder / f"{key}{RECEIPT_SIGNATURE_SUFFIX}", receipt[1], mode=0o600)
        path = folder / f"{key}{PACKET_SUFFIX}"
        atomic_write_bytes(path, data, mode=0o600)
        written.append(path)
    return written


def _read_bounded(path: Path) -> bytes | None:
    if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_IMPORT_BYTES:
        return None
    return path.read_bytes()


def import_packets(receiver: Receiver, folder: Path) -> ImportReport:
    """Receive every ``*.ljp`` in ``folder`` (not its sub-folders) exactly as from the platform."""
    outcomes: dict[str, Received] = {}
    for path in sorted(folder.glob(f"*{PACKET_SUFFIX}")):
        data = _read_bounded(path)
        if data is None:
            continue
        stem = path.name[: -len(PACKET_SUFFIX)]
        receipt_json = _read_bounded(folder / f"{stem}{RECEIPT_SUFFIX}")
        signature = _read_bounded(folder / f"{stem}{RECEIPT_SIGNATURE_SUFFIX}")
        receipt = (receipt_json, signature) if receipt_json is not None and signature is not None else None
        outcomes[path.name] = receiver.receive(Incoming(data, f"removable:{path.name}", None, receipt))
    receiver.retry_deferred()
    return ImportReport(outcomes)
