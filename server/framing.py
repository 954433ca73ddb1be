"""The packet-batch framing (``application/vnd.lianjie.packet-batch``, docs/protocol.md) both ways.

Per record: a 4-byte big-endian header length, the header (UTF-8 JSON object, at least ``packet_id`` and
``size``), then exactly ``size`` packet bytes. The batch download (1.1) writes it, the batch upload (1.2) reads it.
Reading is strict: a record that does not add up refuses the whole body, before any packet is looked at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import JSONResponse

MAX_HEADER_BYTES = 64 * 1024  # a header is a few hundred bytes; more is not a header


class BatchMalformed(Exception):
    """The body of a batch upload cannot be taken as a whole (HTTP ``status``, operator's sentence)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class BatchRecord:
    """One packet of a batch upload: the id its header names (unchecked text) and its bytes."""

    packet_id: str
    data: bytes


def frame_record(header: dict[str, Any], data: bytes) -> tuple[bytes, bytes]:
    """One record: (length + header JSON, packet bytes); ``size`` is set from ``data``."""
    encoded = json.dumps({**header, "size": len(data)}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return len(encoded).to_bytes(4, "big") + encoded, data


def parse_records(body: bytes, *, max_packets: int, max_packet_bytes: int) -> list[BatchRecord]:
    """Split a batch upload body; ``BatchMalformed`` (400 framing, 413 bounds) if any record does not add up."""
    view, offset = memoryview(body), 0
    records: list[BatchRecord] = []
    while offset < len(body):
        if len(records) >= max_packets:
            raise BatchMalformed(413, "batch-too-many", f"一次批量上传最多 {max_packets} 个数据包。")
        if offset + 4 > len(body):
            raise BatchMalformed(400, "batch-truncated", "批量上传的内容不完整（记录头被截断）。")
        header_length = int.from_bytes(view[offset : offset + 4], "big")
        header_end = offset + 4 + header_length
        if header_length > MAX_HEADER_BYTES or header_end > len(body):
            raise BatchMalformed(400, "batch-truncated", "批量上传的内容不完整或记录头长度错误。")
        packet_id, size = _header(view[offset + 4 : header_end])
        if size > max_packet_bytes:
            raise BatchMalformed(413, "too-large", f"数据包超过平台允许的大小（{max_packet_bytes} 字节）。")
        end = header_end + size
        if end > len(body):
            raise BatchMalformed(400, "batch-truncated", "批量上传的内容不完整（数据包长度与声明不符）。")
        records.append(BatchRecord(packet_id, view[header_end:end].tobytes()))
        offset = end
    if not records:
        raise BatchMalformed(400, "batch-empty", "批量上传中没有数据包。")
    return records


def _header(raw: memoryview) -> tuple[str, int]:
    try:
        header = json.loads(raw.tobytes())
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BatchMalformed(400, "batch-malformed", "批量上传的记录头不是有效的 JSON。") from None
    packet_id = header.get("packet_id") if isinstance(header, dict) else None
    size = header.get("size") if isinstance(header, dict) else None
    if not isinstance(packet_id, str) or not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise BatchMalformed(400, "batch-malformed", "批量上传的记录头缺少数据包编号或长度。")
    return packet_id, size


class CompactJSONResponse(JSONResponse):
    """Starlette's compact JSON answer written by orjson: the same text for what the batch and inbox answers hold
    (strings, integers, booleans, lists, objects); a batch's 64 receipts cost ≈ 5 % of the platform's time in the
    standard encoder."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)  # keys in the order built, compact, UTF-8: as Starlette's json.dumps writes
        except orjson.JSONEncodeError:  # what orjson refuses (an integer beyond 64 bits) Starlette writes
            return super().render(content)
