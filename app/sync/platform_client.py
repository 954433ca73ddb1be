"""The terminal's client for the platform API (docs/protocol.md): httpx over mutual TLS, typed errors, timeouts.

The platform root is the only trust anchor; the terminal certificate authenticates the machine. Python's ``ssl``
loads a client key only from a file, so the key is written for the instant of loading to a private temporary file,
encrypted under a random one-time passphrase, and removed at once: the plaintext key never touches the disk.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import secrets
import socket
import ssl
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.domain.errors import AppError
from app.sync.packet.errors import PacketRejected, rejection_classes
from app.sync.packet.receipt import receipt_from_wire

API = "/api/v1"
PACKET_MEDIA_TYPE = "application/vnd.lianjie.packet+zip"
SKEW_LIMIT = dt.timedelta(minutes=5)


class PlatformError(AppError):
    """The platform could not be used for this request."""

    user_message = "与平台通信失败。"


class PlatformUnreachable(PlatformError):
    user_message = "无法连接平台（网络中断、平台未运行或响应超时）。"
    next_step = "数据已保存在本机，网络恢复后将自动发送。"


class PlatformUntrusted(PlatformError):
    user_message = "平台的证书不可信，已中止连接。"
    next_step = "请联系系统管理员核对平台根证书与平台地址。"


class TerminalRefused(PlatformError):
    user_message = "平台拒绝了本终端的证书（证书无效、已吊销或不属于成员单位）。"
    next_step = "请联系系统管理员检查本终端证书。"


class PlatformConflict(PlatformError):
    user_message = "平台上已有编号相同但内容不同的数据包。"
    next_step = "请联系系统管理员核查。"


class PlatformNotFound(PlatformError):
    user_message = "平台上没有该数据，或本单位无权查看。"


class PlatformFailed(PlatformError):
    user_message = "平台处理请求时出错。"
    next_step = "请稍后重试；如持续出现，请联系平台管理员。"


@dataclass(frozen=True)
class TerminalCredentials:
    """The terminal's mTLS identity: certificate, chain and software key (held in the encrypted store)."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: Sequence[x509.Certificate] = ()

    @classmethod
    def from_files(cls, certificate: Path, key: Path, password: bytes | None = None) -> TerminalCredentials:
        """Credentials from PEM files (the certificate file may carry the chain after the leaf)."""
        certificates = x509.load_pem_x509_certificates(Path(certificate).read_bytes())
        private_key = serialization.load_pem_private_key(Path(key).read_bytes(), password)
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise TypeError("terminal key must be RSA or EC")
        return cls(certificates[0], private_key, certificates[1:])


def client_ssl_context(
    credentials: TerminalCredentials, trust_roots: Sequence[x509.Certificate], *, tls12_only: bool = False
) -> ssl.SSLContext:
    """TLS 1.2+, the platform root as the only anchor, hostname checked, the terminal certificate presented."""
    anchors = "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in trust_roots)
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=anchors)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if tls12_only:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    passphrase = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory(prefix="lianjie-tls-") as folder:
        cert_path, key_path = Path(folder) / "terminal.pem", Path(folder) / "terminal.key"
        cert_path.write_bytes(
            b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (credentials.certificate, *credentials.chain))
        )
        key_path.touch(mode=0o600)
        key_path.write_bytes(
            credentials.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(passphrase),
            )
        )
        context.load_cert_chain(cert_path, key_path, password=passphrase)
    return context


@dataclass(frozen=True)
class UploadResult:
    """The platform's receipt for an upload; ``created`` is False when the platform already had this packet."""

    receipt_json: bytes
    receipt_signature: bytes
    created: bool


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


def _refusal(body: Any) -> tuple[str, str]:
    try:
        return str(body["error"]["code"]), str(body["error"]["message"])
    except (KeyError, TypeError):
        return "unknown", ""


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
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            verify=client_ssl_context(credentials, trust_roots),
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            trust_env=False,  # no proxies from the environment: the platform is on the intranet
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, f"{API}{path}", **kwargs)
        except httpx.TimeoutException as exc:
            raise PlatformUnreachable(f"{method} {path}: timeout {type(exc).__name__}") from None
        except (httpx.TransportError, ssl.SSLError) as exc:
            error = _transport_error(method, path, exc)
            silent_drop = isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError)
            if isinstance(error, PlatformUnreachable) and silent_drop and self._handshake_refused():
                raise TerminalRefused(f"{method} {path}: the platform refuses this terminal's certificate") from None
            raise error from None
        if response.status_code < 400 or response.status_code == 304:
            return response
        raise _http_error(response)

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
        receipt_json, signature = receipt_from_wire(response.json())
        return UploadResult(receipt_json, signature, response.status_code == 201)

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
        response = self._request("GET", "/inbox/packets", params=params)
        where = f"GET {API}/inbox/packets"
        try:
            items = _batch_records(response.content)
            cursor, more = int(response.headers["x-lianjie-cursor"]), response.headers["x-lianjie-more"] == "1"
        except (KeyError, TypeError, ValueError) as exc:
            raise PlatformFailed(f"{where}: malformed batch ({type(exc).__name__})") from None
        return InboxBatch(items, cursor, more)

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


def _batch_records(body: bytes) -> tuple[tuple[InboxItem, bytes], ...]:
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


def _transport_error(method: str, path: str, exc: Exception) -> PlatformError:
    text = repr(exc) + repr(exc.__context__) + repr(getattr(exc, "__cause__", None))
    if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc.__context__, ssl.SSLCertVerificationError):
        return PlatformUntrusted(f"{method} {path}: platform certificate not trusted")
    if "alert" in text.lower() or "certificate required" in text.lower():
        return TerminalRefused(f"{method} {path}: TLS refused by the platform: {type(exc).__name__}")
    return PlatformUnreachable(f"{method} {path}: {type(exc).__name__}")


def _http_error(response: httpx.Response) -> AppError:
    try:
        body = response.json()
    except ValueError:
        body = None
    code, message = _refusal(body)
    status = response.status_code
    where = f"{response.request.method} {response.request.url.path}: HTTP {status} {code}"
    if status == 422:
        cls = rejection_classes().get(code, PacketRejected)
        return cls(where, user_message=f"平台拒收：{message}" if message else None)
    if status == 409:
        return PlatformConflict(where)
    if status in (401, 403):
        return TerminalRefused(where, user_message=message or None)
    if status == 404:
        return PlatformNotFound(where, user_message=message or None)
    return PlatformFailed(where, user_message=message or None)
