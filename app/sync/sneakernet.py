"""Sneakernet: packets to and from a folder (a removable drive), under exactly the same verification as the network.

Export writes ``<id>.ljp`` and, when the platform receipted it, ``<id>.receipt.json`` + ``<id>.receipt.p7s`` beside
it (careful writes: temp file, fsync, rename). Import takes every ``*.ljp`` of a folder through the same receiver as
the engine's pull: verified (the receipt's time when one is present and valid), quarantined if refused, a duplicate
if already held, else kept and applied. Nothing on the drive is trusted.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.errors import AppError
from app.files import atomic_write_bytes
from app.models.store import Store
from app.models.sync_tables import ReceiptRow
from app.sync.engine_receive import REMOVABLE, Incoming, Received, Receiver
from app.sync.outbox import packet_bytes
from app.sync.packet import PACKET_SUFFIX

RECEIPT_SUFFIX = ".receipt.json"
RECEIPT_SIGNATURE_SUFFIX = ".receipt.p7s"
MAX_IMPORT_BYTES = 256 * 1024 * 1024


class PacketNotHeld(LookupError):
    """No packet with this id is in the outbox or the inbox."""


log = logging.getLogger("lianjie.sync.sneakernet")


@dataclass
class ImportReport:
    """What an import did, file by file: each packet's outcome, and why each refused file was refused (Chinese)."""

    outcomes: dict[str, Received] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # quarantined, or not read at all (too large, not a file)
    applied_later: int = 0  # packets kept earlier, applied once this import brought what they waited for
    cancelled: bool = False

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


def import_packets(
    receiver: Receiver,
    folder: Path,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ImportReport:
    """Receive every ``*.ljp`` in ``folder`` (not its sub-folders) exactly as from the platform, file by file:
    ``progress(done, total, file name)`` before each, and ``cancelled()`` stops before the next file."""
    files = sorted(folder.glob(f"*{PACKET_SUFFIX}"))
    report = ImportReport()
    reasons: list[str] = []
    receiver = replace(receiver, on_refused=lambda _incoming, rejection: reasons.append(rejection.for_operator()))
    for done, path in enumerate(files):
        if cancelled():
            report.cancelled = True
            break
        if progress is not None:
            progress(done, len(files), path.name)
        data = _read_bounded(path)
        if data is None:
            report.refused[path.name] = f"不是普通文件或超过 {MAX_IMPORT_BYTES // (1024 * 1024)} MB，未导入。"
            continue
        stem = path.name[: -len(PACKET_SUFFIX)]
        receipt_json = _read_bounded(folder / f"{stem}{RECEIPT_SUFFIX}")
        signature = _read_bounded(folder / f"{stem}{RECEIPT_SIGNATURE_SUFFIX}")
        receipt = (receipt_json, signature) if receipt_json is not None and signature is not None else None
        before = len(reasons)
        try:
            outcome = receiver.receive(Incoming(data, f"{REMOVABLE}:{path.name}", None, receipt))
        except AppError:
            raise  # the store or the disk: the files after it would fare no better
        except Exception:  # a defect met by one hostile file must not keep every file after it from being imported
            log.exception("importing %s failed", path.name)
            report.refused[path.name] = "处理该数据包时出现程序错误（已记入日志），未导入。"
            continue
        report.outcomes[path.name] = outcome
        if outcome is Received.QUARANTINED:
            report.refused[path.name] = reasons[before] if len(reasons) > before else "验证未通过，已隔离。"
    report.applied_later = receiver.retry_deferred()
    if progress is not None:
        progress(len(files), len(files), "")
    return report
