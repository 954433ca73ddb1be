"""Protocol 1.2's batch upload on the terminal's side: the request body, the bounds, the per-packet outcomes.

The body uses the framing of the batch download (docs/protocol.md): per packet a 4-byte big-endian header length,
the header JSON ``{"packet_id", "size"}``, then the packet's bytes. The platform answers ``{"results": [...]}`` in
request order; each line becomes the outcome a lone upload of that packet would have had: its receipt, or the
typed error the single upload raises (``PlatformConflict``, a ``PacketRejected`` subclass, ...), not raised.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app.domain.errors import AppError
from app.sync.packet.errors import ReceiptInvalid
from app.sync.packet.receipt import receipt_from_wire
from app.sync.platform_errors import status_error

PACKET_BATCH_MEDIA_TYPE = "application/vnd.lianjie.packet-batch"
MAX_BATCH_PACKETS = 200  # the platform's bounds per request (protocol 1.2)
MAX_BATCH_BYTES = 32 * 1024 * 1024
RECORD_OVERHEAD = 128  # length prefix and header of one record, generously
T = TypeVar("T")


@dataclass(frozen=True)
class UploadResult:
    """The platform's receipt for an upload; ``created`` is False when the platform already had this packet."""

    receipt_json: bytes
    receipt_signature: bytes
    created: bool


@dataclass(frozen=True)
class UploadRefusal:
    """The platform did not take this packet: its answer, and ``error``, what a lone upload would have raised."""

    packet_id: uuid.UUID
    status: int
    code: str
    message: str
    error: AppError


UploadOutcome = UploadResult | UploadRefusal


def batch_body(packets: Sequence[tuple[uuid.UUID, bytes]]) -> bytes:
    """The framed request body of a batch upload."""
    parts: list[bytes] = []
    for packet_id, data in packets:
        header = json.dumps({"packet_id": str(packet_id), "size": len(data)}, separators=(",", ":")).encode("ascii")
        parts += (len(header).to_bytes(4, "big"), header, data)
    return b"".join(parts)


def runs(
    items: Sequence[T], size_of: Callable[[T], int], max_items: int, max_bytes: int, *, alone_above: int | None = None
) -> Iterator[Sequence[T]]:
    """Consecutive runs of ``items`` of at most ``max_items`` and ``max_bytes`` (by ``size_of``); an item above
    ``max_bytes``, or above ``alone_above`` when given, is a run by itself."""
    limit = max_bytes if alone_above is None else min(alone_above, max_bytes)
    run: list[T] = []
    size = 0
    for item in items:
        cost = size_of(item)
        alone = cost > limit
        if run and (alone or len(run) >= max_items or size + cost > max_bytes):
            yield run
            run, size = [], 0
        if alone:
            yield [item]
            continue
        run.append(item)
        size += cost
    if run:
        yield run


def batch_chunks(
    packets: Sequence[tuple[uuid.UUID, bytes]], max_packets: int, max_bytes: int
) -> Iterator[Sequence[tuple[uuid.UUID, bytes]]]:
    """Consecutive runs of ``packets`` within both bounds of a request; a packet larger than ``max_bytes`` alone."""
    return runs(packets, lambda packet: len(packet[1]) + RECORD_OVERHEAD, max_packets, max_bytes)


def batch_outcomes(body: Any, packets: Sequence[tuple[uuid.UUID, bytes]], where: str) -> list[UploadOutcome]:
    """The outcome of each packet from the platform's answer; ``ValueError`` if the answer does not match."""
    try:
        lines = body["results"]
        if not isinstance(lines, list) or len(lines) != len(packets):
            raise ValueError("one result per packet expected")
        return [_outcome(line, packet_id, where) for line, (packet_id, _data) in zip(lines, packets, strict=True)]
    except (KeyError, TypeError, ReceiptInvalid) as exc:
        raise ValueError(f"malformed batch answer ({type(exc).__name__})") from None


def refusal(packet_id: uuid.UUID, status: int, code: str, message: str, where: str) -> UploadRefusal:
    """The outcome of a packet the platform refused with this status, code and message."""
    error = status_error(status, code, message, f"{where} {code}", upload=True)
    return UploadRefusal(packet_id, status, code, message, error)


def _outcome(line: Any, packet_id: uuid.UUID, where: str) -> UploadOutcome:
    if uuid.UUID(str(line["packet_id"])) != packet_id:
        raise ValueError("results out of order")
    status = int(line["status"])
    if status in (200, 201):
        receipt_json, signature = receipt_from_wire(line)
        return UploadResult(receipt_json, signature, status == 201)
    error = line["error"]
    return refusal(packet_id, status, str(error["code"]), str(error["message"]), f"{where} [{packet_id}] {status}")
