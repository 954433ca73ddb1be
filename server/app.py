"""The platform's HTTP API (Starlette), version 1 (protocol 1.2). See docs/protocol.md.

Every request is made by a terminal whose certificate the TLS layer verified; the application reads it from the
ASGI TLS extension, validates it again against the current CRL and the profile (role terminal), and takes the
agency from its OU. Error bodies: ``{"error": {"code": "...", "message": "<Chinese sentence>"}}``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.crypto.keys import SoftwareKey
from app.domain.agencies import Agency
from app.sync.packet import PacketRejected, Quarantine, Receipt, SignedReceipt, VerifiedPacket, sign_receipt
from app.sync.packet.manifest import BEIJING
from server.config import PlatformConfig
from server.framing import BatchMalformed, CompactJSONResponse, frame_record, parse_records
from server.published import PublishedState
from server.store import InboxEntry, PacketConflict, PacketStore, SignedReceiptBytes
from server.tls import peer_certificate
from server.uploads import Refusal, batch_result, receipt_body, verify_batch, verify_upload
from server.writer import GroupCommitWriter, ReceiptSigner

log = logging.getLogger("lianjie.platform")
API = "/api/v1"
PACKET_MEDIA_TYPE = "application/vnd.lianjie.packet+zip"
PACKET_BATCH_MEDIA_TYPE = "application/vnd.lianjie.packet-batch"
PROTOCOL_VERSION = "1.2"
MAX_INBOX_PAGE = 500
MAX_BATCH_PACKETS = 200
MAX_BATCH_BYTES = 32 * 1024 * 1024
VERIFYING_THREADS = 2
MAX_SEQ = 2**63 - 1  # a cursor beyond a database integer is no cursor (SQLite raised OverflowError: a bare 500)


class ApiError(Exception):
    """An HTTP error with a machine code and the operator's sentence."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


@dataclass(frozen=True)
class Caller:
    """The agency behind this request, from its verified terminal certificate."""

    agency: Agency
    terminal: str
    sees_all: bool


@dataclass
class Platform:
    """What the handlers need: configuration, published trust, storage, quarantine."""

    config: PlatformConfig
    published: PublishedState
    store: PacketStore
    quarantine: Quarantine
    receipt_signer: SoftwareKey
    writer: GroupCommitWriter


def _caller(platform: Platform, request: Request) -> Caller:
    certificate = peer_certificate(request.scope)
    if certificate is None:
        raise ApiError(401, "no-client-certificate", "连接未提供终端证书。")
    snapshot = platform.published.current()
    try:
        chain = snapshot.terminals.validate(
            certificate, snapshot.terminal_intermediates, dt.datetime.now(dt.UTC), role="terminal"
        )
    except PacketRejected as exc:
        raise ApiError(403, "terminal-refused", f"终端证书未通过校验：{exc.user_message}") from None
    agency = snapshot.directory.get(chain.holder.agency_code)
    if agency is None:
        raise ApiError(403, "unknown-agency", "本终端所属单位不在成员单位名录中。")
    return Caller(agency, chain.holder.name, snapshot.directory.is_supervising(agency.code))


async def _read_body(request: Request, limit: int, what: str = "数据包") -> bytes:
    too_large = ApiError(413, "too-large", f"{what}超过平台允许的大小（{limit} 字节）。")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def receipt_signer(platform_name: str, key: SoftwareKey) -> ReceiptSigner:
    """Signs the receipt of a stored packet; the writer calls it once the packet's sequence number is known."""

    def sign(packet: VerifiedPacket, seq: int, received_at: dt.datetime) -> SignedReceipt:
        receipt = Receipt(
            packet_id=packet.packet_id,
            manifest_sha256=packet.manifest_sha256,
            packet_sha256=packet.packet_sha256,
            sender=packet.manifest.sender_agency,
            received_at=received_at,
            seq=seq,
            platform=platform_name,
        )
        return sign_receipt(receipt, key)

    return sign


def _batch_record(entry: InboxEntry) -> tuple[bytes, bytes]:
    """One record of a batch download: the 4-byte length of the header, the header JSON, the packet bytes."""
    header = {
        "seq": entry.seq,
        "packet_id": entry.packet_id,
        "sender": entry.sender,
        "kind": entry.kind,
        "case_id": entry.case_id,
        "manifest_sha256": entry.manifest_sha256,
        "received_at": entry.received_at,
        **receipt_body(SignedReceiptBytes(entry.receipt_json, entry.receipt_signature)),
    }
    return frame_record(header, entry.data)


class PartsResponse(Response):
    """A body of many parts sent one by one under one ``Content-Length``: the same bytes as the parts joined, without
    joining megabytes into fresh buffers first (measured: a third of the batch download's event loop CPU was page
    faults of such buffers)."""

    def __init__(self, parts: list[bytes], media_type: str, headers: dict[str, str]) -> None:
        length = str(sum(len(part) for part in parts))
        super().__init__(None, media_type=media_type, headers={**headers, "Content-Length": length})
        self.parts = parts

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        for part in self.parts:
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def build_app(platform: Platform) -> Starlette:
    """The ASGI application of one platform."""
    # Verification holds the GIL most of the time: more threads than this only fight over it (measured: CPU per
    # upload rose with 4+ verifying threads), while two still overlap one thread's hashing with the other's Python.
    verifying = anyio.CapacityLimiter(VERIFYING_THREADS)

    async def upload(request: Request) -> Response:
        caller = _caller(platform, request)
        try:
            packet_id = uuid.UUID(request.path_params["packet_id"])
        except ValueError:
            raise ApiError(400, "bad-id", "数据包编号格式错误。") from None
        if str(packet_id) != request.path_params["packet_id"]:  # looked up by its text: one form only
            raise ApiError(400, "bad-id", "数据包编号须为小写、带连字符的标准写法。")
        data = await _read_body(request, platform.config.max_packet_bytes)
        peer = request.client.host if request.client else "?"
        received_at = dt.datetime.now(BEIJING)
        verified = await anyio.to_thread.run_sync(
            functools.partial(verify_upload, platform, caller, packet_id, data, peer, received_at), limiter=verifying
        )
        if isinstance(verified, Refusal):
            return error_response(verified.status, verified.code, verified.message)
        if isinstance(verified, tuple):  # stored before; it would not verify today, its receipt still stands
            return JSONResponse(receipt_body(verified[0]), status_code=200)
        try:
            # Resolved by the writer thread only after the commit that holds this packet (group commit).
            receipt, created = await asyncio.wrap_future(platform.writer.submit(verified, received_at))
        except PacketConflict as exc:
            return error_response(409, exc.code, exc.user_message)
        except Exception as exc:  # not stored, no receipt promised: the terminal sends it again later
            log.error("storing an upload failed: %s", type(exc).__name__)
            return error_response(500, "store-failed", "平台保存数据包时出错，未予接收；终端将稍后重试。")
        return JSONResponse(receipt_body(receipt), status_code=201 if created else 200)

    async def upload_batch(request: Request) -> Response:
        """Protocol 1.2: several packets in one request, each judged and answered alone (docs/protocol.md)."""
        caller = _caller(platform, request)
        if request.headers.get("content-type", "").split(";")[0].strip() != PACKET_BATCH_MEDIA_TYPE:
            raise ApiError(415, "bad-media-type", f"批量上传的内容类型须为 {PACKET_BATCH_MEDIA_TYPE}。")
        body = await _read_body(request, MAX_BATCH_BYTES, "批量上传")
        try:
            records = parse_records(
                body, max_packets=MAX_BATCH_PACKETS, max_packet_bytes=platform.config.max_packet_bytes
            )
        except BatchMalformed as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        del body
        peer = request.client.host if request.client else "?"
        received_at = dt.datetime.now(BEIJING)
        judged: list[Any] = await anyio.to_thread.run_sync(
            functools.partial(verify_batch, platform, caller, records, peer, received_at), limiter=verifying
        )
        accepted = [index for index, outcome in enumerate(judged) if isinstance(outcome, VerifiedPacket)]
        # All in one submission: one transaction, one commit; answered only once every one of them is durable.
        stored = await asyncio.wrap_future(platform.writer.submit_many([judged[i] for i in accepted], received_at))
        for index, outcome in zip(accepted, stored, strict=True):
            judged[index] = outcome
        results = [batch_result(r.packet_id, outcome) for r, outcome in zip(records, judged, strict=True)]
        return CompactJSONResponse({"results": results})

    async def download(request: Request) -> Response:
        caller = _caller(platform, request)
        stored = await run_in_threadpool(
            platform.store.fetch, request.path_params["packet_id"], caller.agency.code, sees_all=caller.sees_all
        )
        if stored is None:
            raise ApiError(404, "not-found", "没有该数据包，或本单位无权查看。")
        return Response(stored.data, media_type=PACKET_MEDIA_TYPE, headers={"X-Lianjie-Seq": str(stored.seq)})

    async def receipt(request: Request) -> Response:
        caller = _caller(platform, request)
        stored = await run_in_threadpool(
            platform.store.fetch, request.path_params["packet_id"], caller.agency.code, sees_all=caller.sees_all
        )
        if stored is None:
            raise ApiError(404, "not-found", "没有该数据包，或本单位无权查看。")
        return JSONResponse(receipt_body(SignedReceiptBytes(stored.receipt_json, stored.receipt_signature)))

    async def inbox(request: Request) -> Response:
        caller = _caller(platform, request)
        try:
            after = int(request.query_params.get("after", "0"))
            limit = min(int(request.query_params.get("limit", "100")), MAX_INBOX_PAGE)
        except ValueError:
            raise ApiError(400, "bad-cursor", "游标参数格式错误。") from None
        if not 0 <= after <= MAX_SEQ or limit < 1:
            raise ApiError(400, "bad-cursor", "游标参数超出范围。")
        entries = await run_in_threadpool(
            platform.store.inbox, caller.agency.code, after=after, limit=limit, sees_all=caller.sees_all
        )
        items = [
            {
                "seq": e.seq,
                "packet_id": e.packet_id,
                "sender": e.sender,
                "kind": e.kind,
                "case_id": e.case_id,
                "size": e.size,
                "manifest_sha256": e.manifest_sha256,
                "received_at": e.received_at,
                **receipt_body(SignedReceiptBytes(e.receipt_json, e.receipt_signature)),
            }
            for e in entries
        ]
        cursor = items[-1]["seq"] if items else after
        return CompactJSONResponse({"packets": items, "cursor": cursor, "more": len(items) == limit})

    async def inbox_packets(request: Request) -> Response:
        """Protocol 1.1: the next inbox lines *with* their packets, framed, in one response (docs/protocol.md)."""
        caller = _caller(platform, request)
        try:
            after = int(request.query_params.get("after", "0"))
            limit = min(int(request.query_params.get("limit", "50")), MAX_BATCH_PACKETS)
            budget = min(int(request.query_params.get("max_bytes", str(MAX_BATCH_BYTES))), MAX_BATCH_BYTES)
        except ValueError:
            raise ApiError(400, "bad-cursor", "游标参数格式错误。") from None
        if not 0 <= after <= MAX_SEQ or limit < 1 or budget < 1:
            raise ApiError(400, "bad-cursor", "游标参数超出范围。")
        entries, more = await run_in_threadpool(
            functools.partial(
                platform.store.inbox_packets, caller.agency.code, after=after, limit=limit, sees_all=caller.sees_all,
                budget=budget,
            )
        )  # fmt: skip
        parts = [part for entry in entries for part in _batch_record(entry)]
        cursor = entries[-1].seq if entries else after
        headers = {"X-Lianjie-Cursor": str(cursor), "X-Lianjie-More": "1" if more else "0"}
        return PartsResponse(parts, PACKET_BATCH_MEDIA_TYPE, headers)

    async def published(request: Request) -> Response:
        _caller(platform, request)
        name = request.path_params["name"]
        found = platform.published.read(name)  # None for an unknown name too
        if found is None:
            raise ApiError(404, "not-published", "该文件尚未发布。")
        data, media_type, etag = found
        if request.headers.get("if-none-match") == f'"{etag}"':
            return Response(status_code=304, headers={"ETag": f'"{etag}"'})
        return Response(data, media_type=media_type, headers={"ETag": f'"{etag}"', "Cache-Control": "no-cache"})

    async def whoami(request: Request) -> Response:
        caller = _caller(platform, request)
        agency = caller.agency
        body = {
            "agency": agency.code,
            "name": agency.name,
            "kind": agency.kind.value,
            "terminal": caller.terminal,
            "protocol": PROTOCOL_VERSION,
        }
        return JSONResponse(body)

    async def server_time(request: Request) -> Response:
        _caller(platform, request)
        return JSONResponse({"now": dt.datetime.now(BEIJING).isoformat(timespec="milliseconds")})

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:  # Starlette's own 404 and 405 pages
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return error_response(405, "method-not-allowed", "该地址不支持此请求方法。")
        return error_response(exc.status_code, "not-found", "平台没有这个接口。")

    async def internal_error(request: Request, exc: Exception) -> Response:  # a defect: logged by the server too
        return error_response(500, "internal-error", "平台内部错误，请稍后重试；如持续出现，请联系平台管理员。")

    routes = [
        Route(f"{API}/packets", upload_batch, methods=["POST"]),
        Route(f"{API}/packets/{{packet_id}}", upload, methods=["PUT"]),
        Route(f"{API}/packets/{{packet_id}}", download, methods=["GET"]),
        Route(f"{API}/packets/{{packet_id}}/receipt", receipt, methods=["GET"]),
        Route(f"{API}/inbox", inbox, methods=["GET"]),
        Route(f"{API}/inbox/packets", inbox_packets, methods=["GET"]),
        Route(f"{API}/published/{{name}}", published, methods=["GET"]),
        Route(f"{API}/whoami", whoami, methods=["GET"]),
        Route(f"{API}/time", server_time, methods=["GET"]),
    ]
    handlers = {ApiError: api_error, HTTPException: http_error, Exception: internal_error}
    return Starlette(routes=routes, exception_handlers=handlers)
