"""The platform's HTTP API (Starlette), version 1. See docs/protocol.md.

Every request is made by a terminal whose certificate the TLS layer verified; the application reads it from the
ASGI TLS extension, validates it again against the current CRL and the profile (role terminal), and takes the
agency from its OU. Error bodies: ``{"error": {"code": "...", "message": "<Chinese sentence>"}}``.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.crypto.keys import SoftwareKey
from app.domain.agencies import Agency
from app.sync.packet import PacketRejected, Quarantine, Receipt, SignedReceipt, sign_receipt
from app.sync.packet.manifest import BEIJING
from server.config import PlatformConfig
from server.published import PUBLICATIONS, PublishedState
from server.store import PacketConflict, PacketStore, SignedReceiptBytes
from server.tls import peer_certificate

API = "/api/v1"
PACKET_MEDIA_TYPE = "application/vnd.lianjie.packet+zip"
MAX_INBOX_PAGE = 500


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


def _caller(platform: Platform, request: Request) -> Caller:
    certificate = peer_certificate(request.scope)
    if certificate is None:
        raise ApiError(401, "no-client-certificate", "连接未提供终端证书。")
    snapshot = platform.published.current()
    try:
        chain = snapshot.terminals.validate(certificate, [], dt.datetime.now(dt.UTC), role="terminal")
    except PacketRejected as exc:
        raise ApiError(403, "terminal-refused", f"终端证书未通过校验：{exc.user_message}") from None
    agency = snapshot.directory.get(chain.holder.agency_code)
    if agency is None:
        raise ApiError(403, "unknown-agency", "本终端所属单位不在成员单位名录中。")
    return Caller(agency, chain.holder.name, snapshot.directory.is_supervising(agency.code))


def _receipt_body(receipt: SignedReceiptBytes) -> dict[str, Any]:
    return {
        "receipt": base64.b64encode(receipt.receipt_json).decode("ascii"),
        "signature": base64.b64encode(receipt.signature).decode("ascii"),
    }


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too-large", f"数据包超过平台允许的大小（{limit} 字节）。")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too-large", f"数据包超过平台允许的大小（{limit} 字节）。")
        chunks.append(chunk)
    return b"".join(chunks)


def _accept(
    platform: Platform, caller: Caller, packet_id: uuid.UUID, data: bytes, peer: str
) -> tuple[int, dict[str, Any]]:
    """Verify and store one upload (runs in a worker thread: CPU and database work)."""
    snapshot = platform.published.current()
    now = dt.datetime.now(BEIJING)
    try:
        verified = snapshot.verifier.verify(data, at=now)
    except PacketRejected as exc:
        platform.quarantine.keep(data, exc, origin=f"upload by {caller.agency.code} ({caller.terminal}) from {peer}")
        return 422, {"error": {"code": exc.code, "message": exc.user_message}}
    if verified.packet_id != packet_id:
        return 400, {"error": {"code": "id-mismatch", "message": "请求地址中的编号与数据包编号不一致。"}}
    if verified.manifest.sender_agency != caller.agency.code:
        return 403, {"error": {"code": "not-sender", "message": "终端只能上传本单位发出的数据包。"}}

    def sign(seq: int, received_at: dt.datetime) -> SignedReceipt:
        receipt = Receipt(
            packet_id=verified.packet_id,
            manifest_sha256=verified.manifest_sha256,
            packet_sha256=verified.packet_sha256,
            sender=verified.manifest.sender_agency,
            received_at=received_at,
            seq=seq,
            platform=platform.config.name,
        )
        return sign_receipt(receipt, platform.receipt_signer)

    try:
        receipt, created = platform.store.accept(verified, now, sign)
    except PacketConflict as exc:
        return 409, {"error": {"code": exc.code, "message": exc.user_message}}
    return (201 if created else 200), _receipt_body(receipt)


def build_app(platform: Platform) -> Starlette:
    """The ASGI application of one platform."""

    async def upload(request: Request) -> Response:
        caller = _caller(platform, request)
        try:
            packet_id = uuid.UUID(request.path_params["packet_id"])
        except ValueError:
            raise ApiError(400, "bad-id", "数据包编号格式错误。") from None
        data = await _read_body(request, platform.config.max_packet_bytes)
        peer = request.client.host if request.client else "?"
        status, body = await run_in_threadpool(_accept, platform, caller, packet_id, data, peer)
        return JSONResponse(body, status_code=status)

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
        return JSONResponse(_receipt_body(SignedReceiptBytes(stored.receipt_json, stored.receipt_signature)))

    async def inbox(request: Request) -> Response:
        caller = _caller(platform, request)
        try:
            after = int(request.query_params.get("after", "0"))
            limit = min(int(request.query_params.get("limit", "100")), MAX_INBOX_PAGE)
        except ValueError:
            raise ApiError(400, "bad-cursor", "游标参数格式错误。") from None
        if after < 0 or limit < 1:
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
                **_receipt_body(SignedReceiptBytes(e.receipt_json, e.receipt_signature)),
            }
            for e in entries
        ]
        cursor = items[-1]["seq"] if items else after
        return JSONResponse({"packets": items, "cursor": cursor, "more": len(items) == limit})

    async def published(request: Request) -> Response:
        _caller(platform, request)
        name = request.path_params["name"]
        found = platform.published.read(name) if name in PUBLICATIONS else None
        if found is None:
            raise ApiError(404, "not-published", "该文件尚未发布。")
        data, media_type, etag = found
        if request.headers.get("if-none-match") == f'"{etag}"':
            return Response(status_code=304, headers={"ETag": f'"{etag}"'})
        return Response(data, media_type=media_type, headers={"ETag": f'"{etag}"', "Cache-Control": "no-cache"})

    async def whoami(request: Request) -> Response:
        caller = _caller(platform, request)
        agency = caller.agency
        body = {"agency": agency.code, "name": agency.name, "kind": agency.kind.value, "terminal": caller.terminal}
        return JSONResponse(body)

    async def server_time(request: Request) -> Response:
        _caller(platform, request)
        return JSONResponse({"now": dt.datetime.now(BEIJING).isoformat(timespec="milliseconds")})

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message)

    routes = [
        Route(f"{API}/packets/{{packet_id}}", upload, methods=["PUT"]),
        Route(f"{API}/packets/{{packet_id}}", download, methods=["GET"]),
        Route(f"{API}/packets/{{packet_id}}/receipt", receipt, methods=["GET"]),
        Route(f"{API}/inbox", inbox, methods=["GET"]),
        Route(f"{API}/published/{{name}}", published, methods=["GET"]),
        Route(f"{API}/whoami", whoami, methods=["GET"]),
        Route(f"{API}/time", server_time, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={ApiError: api_error})
