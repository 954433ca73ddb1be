"""The terminal's client for the platform API (docs/protocol.md): httpx over mutual TLS, typed errors, timeouts.

The TLS identity is in ``platform_tls``, the typed errors in ``platform_errors``, the batch upload's body and
outcomes in ``platform_batch``; their public names are importable from here too.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import socket
import ssl
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography import x509

from app.domain.errors import AppError
from app.sync.packet.errors import ReceiptInvalid
from app.sync.packet.receipt import receipt_from_wire
from app.sync.platform_batch import (
    MAX_BATCH_BYTES,
    MAX_BATCH_PACKETS,
    PACKET_BATCH_MEDIA_TYPE,
    UploadOutcome,
    UploadRefusal,
    UploadResult,
    batch_body,
    batch_chunks,
    batch_outcomes,
    refusal,
)
from app.sync.platform_errors import (
    BatchRefused,
    PacketRefused,
    PlatformConflict,
    PlatformError,
    PlatformFailed,
    PlatformNotFound,
    PlatformUnreachable,
    PlatformUntrusted,
    TerminalRefused,
    refusal_of,
    status_error,
    transport_error,
)
from app.sync.platform_fetch import BodyFetcher, Fetched, FetchTimedOut
from app.sync.platform_tls import TerminalCredentials, client_ssl_context

__all__ = [
    "SKEW_LIMIT",
    "BatchRefused",
    "ClockReading",
    "InboxBatch",
    "InboxItem",
    "InboxPage",
    "PacketRefused",
    "PlatformClient",
    "PlatformConflict",
    "PlatformError",
    "PlatformFailed",
    "PlatformNotFound",
    "PlatformUnreachable",
    "PlatformUntrusted",
    "TerminalCredentials",
    "TerminalRefused",
    "UploadOutcome",
    "UploadRefusal",
    "UploadResult",
    "client_ssl_context",
]

API = "/api/v1"
PACKET_MEDIA_TYPE = "application/vnd.lianjie.packet+zip"
SKEW_LIMIT = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class InboxItem:
    seq: int
    packet_id: uuid.UUID
    sender: str
    kind: str
    case_id: str
    size: int
    manifest_sha256: str
    receipt_json: bytes
    receipt_signature: bytes


@dataclass(frozen=True)
class InboxPage:
    """Packets after a cursor; ``cursor`` is where the next call continues, ``more`` whether to call again now."""

    items: tuple[InboxItem, ...]
    cursor: int
    more: bool


@dataclass(frozen=True)
class InboxBatch:
    """Inbox lines with their packets' bytes (protocol 1.1); ``cursor`` and ``more`` as in ``InboxPage``."""

    items: tuple[tuple[InboxItem, bytes], ...]
    cursor: int
    more: bool


@dataclass(frozen=True)
class ClockReading:
    """The platform's time against ours; ``skew`` > 0 means our clock is behind."""

    platform_time: dt.datetime
    skew: dt.timedelta

    @property
    def too_far(self) -> bool:
        """Whether the skew exceeds the 5 minutes the architecture tolerates (it must be reported)."""
        return abs(self.skew) > SKEW_LIMIT


class PlatformClient:
    """One terminal's connection to the platform. Not thread-safe: the sync engine owns one per worker thread."""

    def __init__(
        self,
        base_url: str,
        credentials: TerminalCredentials,
        trust_roots: Sequence[x509.Certificate],
        *,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self._credentials, self._roots, self._connect_timeout = credentials, tuple(trust_roots), connect_timeout
        self._url = httpx.URL(base_url)
        self._batch_upload = True  # until the platform shows it has no batch upload (protocol < 1.2)
        self._last_refusal: tuple[int, str, str] | None = None  # (status, code, message) of the last HTTP error
        context = client_ssl_context(credentials, trust_roots)
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            verify=context,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            trust_env=False,  # no proxies from the environment: the platform is on the intranet
        )
        host, port = self._url.host, self._url.port or 443
        secure = self._url.scheme == "https"
        self._bodies = BodyFetcher(host, port, context, timeout=timeout, connect=connect_timeout) if secure else None

    def close(self) -> None:
        self._http.close()
        if self._bodies is not None:
            self._bodies.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self._last_refusal = None
        response = self._send(method, path, **kwargs)
        if response.status_code < 400 or response.status_code == 304:
            return response
        code, message = refusal_of(_json_or_none(response))
        self._last_refusal = (response.status_code, code, message)
        raise _http_error(response)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The platform's answer, whatever its status; a typed error only when there is no answer."""
        try:
            return self._http.request(method, f"{API}{path}", **kwargs)
        except httpx.TimeoutException as exc:
            raise PlatformUnreachable(f"{method} {path}: timeout {type(exc).__name__}") from None
        except (httpx.TransportError, ssl.SSLError) as exc:
            error = transport_error(method, path, exc)
            silent_drop = isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError)
            if isinstance(error, PlatformUnreachable) and silent_drop and self._handshake_refused():
                raise TerminalRefused(f"{method} {path}: the platform refuses this terminal's certificate") from None
            raise error from None

    def _handshake_refused(self) -> bool:
        """Whether the platform refuses our certificate during the handshake.

        With TLS 1.3 the client finishes its handshake before the server has checked the client certificate, and
        asyncio servers close without flushing the alert, so a refusal looks like a silent disconnect. A TLS 1.2
        handshake completes only after the server accepted the certificate: one probe tells the two apart.
        """
        host, port = self._url.host, self._url.port or 443
        context = client_ssl_context(self._credentials, self._roots, tls12_only=True)
        try:
            with (
                socket.create_connection((host, port), timeout=self._connect_timeout) as raw,
                context.wrap_socket(raw, server_hostname=host),
            ):
                return False
        except ssl.SSLCertVerificationError:
            return False
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            return True
        except OSError:
            return False

    def upload(self, packet_id: uuid.UUID, data: bytes) -> UploadResult:
        """Send a packet; idempotent: the same packet again yields the same receipt."""
        response = self._request(
            "PUT", f"/packets/{packet_id}", content=data, headers={"Content-Type": PACKET_MEDIA_TYPE}
        )
        try:
            receipt_json, signature = receipt_from_wire(response.json())
        except (ValueError, ReceiptInvalid):  # taken, but its receipt did not survive the way back: fetched again
            receipt_json, signature = b"", b""  # verifies as no receipt: the packet is marked sent
        return UploadResult(receipt_json, signature, response.status_code == 201)

    def upload_batch(self, packets: Sequence[tuple[uuid.UUID, bytes]]) -> list[UploadOutcome]:
        """Send several packets, as few requests as the bounds allow (protocol 1.2); one outcome per packet, in order.

        Each packet is judged alone: an ``UploadResult`` (its receipt), or an ``UploadRefusal`` carrying the error
        a lone ``upload`` would have raised. Raises only for the request as a whole: ``PlatformUnreachable``,
        ``TerminalRefused``, ``BatchRefused`` (400/413/415: nothing of that request was stored), ``PlatformFailed``.
        A lone packet goes by ``upload``, and so does everything against a platform older than 1.2 (404/405).
        """
        outcomes: list[UploadOutcome] = []
        for chunk in batch_chunks(packets, MAX_BATCH_PACKETS, MAX_BATCH_BYTES):
            if len(chunk) > 1 and self._batch_upload:
                sent = self._post_batch(chunk)
                if sent is not None:
                    outcomes.extend(sent)
                    continue
            outcomes.extend(self._upload_one(packet_id, data) for packet_id, data in chunk)
        return outcomes

    def _post_batch(self, packets: Sequence[tuple[uuid.UUID, bytes]]) -> list[UploadOutcome] | None:
        """One batch request; None when the platform has no batch upload (it speaks 1.0 or 1.1)."""
        where = f"POST {API}/packets"
        headers = {"Content-Type": PACKET_BATCH_MEDIA_TYPE}
        response = self._send("POST", "/packets", content=batch_body(packets), headers=headers)
        status = response.status_code
        if status in (404, 405):
            self._batch_upload = False
            return None
        if status in (400, 413, 415):
            code, message = refusal_of(_json_or_none(response))
            raise BatchRefused(f"{where}: HTTP {status} {code}", status=status, user_message=message or None)
        if status >= 400:
            raise _http_error(response)
        try:
            return batch_outcomes(response.json(), packets, where)
        except ValueError as exc:
            raise PlatformFailed(f"{where}: {exc}") from None

    def _upload_one(self, packet_id: uuid.UUID, data: bytes) -> UploadOutcome:
        """``upload``'s answer as an outcome; a failure of the connection or of this terminal is still raised."""
        try:
            return self.upload(packet_id, data)
        except AppError:
            answer, self._last_refusal = self._last_refusal, None
            if answer is None:  # no HTTP answer (network, TLS)
                raise
            status, code, message = answer
            if status in (401, 403) and code != "not-sender":  # the terminal itself is refused, not this packet
                raise
            return refusal(packet_id, status, code, message, f"PUT {API}/packets/{packet_id} {status}")

    def download(self, packet_id: uuid.UUID) -> bytes:
        """A packet's bytes (verify before use)."""
        return self._request("GET", f"/packets/{packet_id}").content

    def receipt(self, packet_id: uuid.UUID) -> tuple[bytes, bytes]:
        """(receipt.json, receipt.p7s) of a packet this agency may see."""
        return receipt_from_wire(self._request("GET", f"/packets/{packet_id}/receipt").json())

    def inbox(self, after: int, limit: int = 100) -> InboxPage:
        """Packets for this agency with a sequence above ``after``, oldest first."""
        body = self._request("GET", "/inbox", params={"after": after, "limit": limit}).json()
        items = tuple(_inbox_item(raw) for raw in body["packets"])
        return InboxPage(items, int(body["cursor"]), bool(body["more"]))

    def inbox_packets(self, after: int, limit: int = 50, max_bytes: int | None = None) -> InboxBatch:
        """The next inbox lines with their packets in one response (protocol 1.1; verify each before use).

        One request instead of one per packet, and the packet bytes travel as they are (no base64 in JSON).
        A 1.0 platform answers 404 (``PlatformNotFound``): fall back to ``inbox`` and ``download``.
        """
        params = {"after": after, "limit": limit} | ({"max_bytes": max_bytes} if max_bytes else {})
        where = f"GET {API}/inbox/packets"
        answer = self._fetch(f"{API}/inbox/packets", params)
        if answer is None:  # anything but a plain 200: the regular client says exactly what went wrong
            response = self._request("GET", "/inbox/packets", params=params)
            answer = Fetched(response.headers, response.content)
        try:
            items = _batch_records(answer.body)
            cursor, more = int(answer.headers["x-lianjie-cursor"]), answer.headers["x-lianjie-more"] == "1"
        except (KeyError, TypeError, ValueError) as exc:
            raise PlatformFailed(f"{where}: malformed batch ({type(exc).__name__})") from None
        return InboxBatch(items, cursor, more)

    def _fetch(self, path: str, params: dict[str, int]) -> Fetched | None:
        """A plain 200 answer read by the ``BodyFetcher``, or None."""
        if self._bodies is None:
            return None
        self._last_refusal = None
        base = self._url.raw_path.decode("ascii").rstrip("/")
        try:
            return self._bodies.get(f"{base}{path}?{urllib.parse.urlencode(params)}")
        except FetchTimedOut as exc:  # asking httpx too would wait out the same timeout once more
            raise PlatformUnreachable(f"GET {path}: timeout ({exc})") from None

    def published(self, name: str, etag: str | None = None) -> tuple[bytes, str] | None:
        """A publication as served (verify before use) and its ETag; None when unchanged since ``etag``."""
        headers = {"If-None-Match": f'"{etag}"'} if etag else {}
        response = self._request("GET", f"/published/{name}", headers=headers)
        if response.status_code == 304:
            return None
        return response.content, response.headers.get("etag", "").strip('"')

    def whoami(self) -> dict[str, str]:
        """The agency and terminal the platform sees in our certificate."""
        body: dict[str, str] = self._request("GET", "/whoami").json()
        return body

    def clock(self) -> ClockReading:
        """The platform's clock against ours, from the midpoint of one round trip."""
        before = dt.datetime.now(dt.UTC)
        response = self._request("GET", "/time")
        after = dt.datetime.now(dt.UTC)
        platform_time = dt.datetime.fromisoformat(response.json()["now"])
        return ClockReading(platform_time, platform_time - (before + (after - before) / 2))

    def date_header_skew(self, response: httpx.Response) -> dt.timedelta | None:
        """The skew shown by a response's ``Date`` header (1 s resolution), for checks on any call."""
        header = response.headers.get("date")
        if not header:
            return None
        return email.utils.parsedate_to_datetime(header) - dt.datetime.now(dt.UTC)


def _inbox_item(raw: dict[str, Any]) -> InboxItem:
    receipt_json, signature = receipt_from_wire(raw)
    return InboxItem(
        seq=int(raw["seq"]),
        packet_id=uuid.UUID(raw["packet_id"]),
        sender=raw["sender"],
        kind=raw["kind"],
        case_id=raw["case_id"],
        size=int(raw["size"]),
        manifest_sha256=raw["manifest_sha256"],
        receipt_json=receipt_json,
        receipt_signature=signature,
    )


def _batch_records(body: bytes | bytearray) -> tuple[tuple[InboxItem, bytes], ...]:
    """Split a batch body: per packet a 4-byte big-endian header length, the JSON header, ``size`` packet bytes."""
    view, offset, items = memoryview(body), 0, []
    while offset < len(body):
        header_end = offset + 4 + int.from_bytes(view[offset : offset + 4], "big")
        if header_end > len(body):
            raise ValueError("batch header runs past the end")
        item = _inbox_item(json.loads(view[offset + 4 : header_end].tobytes()))
        end = header_end + item.size
        if item.size < 0 or end > len(body):
            raise ValueError("batch packet runs past the end")
        items.append((item, view[header_end:end].tobytes()))
        offset = end
    return tuple(items)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _http_error(response: httpx.Response) -> AppError:
    code, message = refusal_of(_json_or_none(response))
    where = f"{response.request.method} {response.request.url.path}: HTTP {response.status_code} {code}"
    return status_error(response.status_code, code, message, where)
