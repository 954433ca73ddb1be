"""Large GET bodies (the batch download) read straight from a TLS connection into one buffer.

httpx hands a body over one TLS record (16 KB) at a time through several layers, ≈ 75 µs each: about 0.6 ms of the
receiving terminal's Python time per 130 KB packet, a tenth of what receiving it costs. ``BodyFetcher`` keeps a
connection of its own (same ``SSLContext``: same anchors, hostname check and client certificate) and reads a
``Content-Length`` body with ``recv_into`` (≈ 0.2 ms per packet).

It is only a fast path for the answer that matters: anything else (a status other than 200, chunked or encoded
bodies, a malformed or oversized head, a connection that fails) is ``None``, and the caller sends the same GET
through its ``httpx`` client, which gives the exact typed error. A GET twice changes nothing on the platform.

A timeout is the exception: ``FetchTimedOut`` at once. Asking again (afresh, then through httpx) would wait out the
same timeout two or three times before the terminal says it is offline.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

MAX_HEAD = 64 * 1024
MAX_BODY = 512 * 1024 * 1024  # a page holds at least one packet, and a packet may be 256 MiB


class FetchTimedOut(Exception):
    """The platform did not connect, complete the handshake or answer within the timeout."""


@dataclass(frozen=True)
class Fetched:
    """A 200 answer: its headers (names in lower case) and its whole body."""

    headers: Mapping[str, str]
    body: bytes | bytearray


class BodyFetcher:
    """One keep-alive connection to ``host:port``; not thread-safe (one per ``PlatformClient``, like its client)."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext, *, timeout: float, connect: float) -> None:
        self._host, self._port, self._context = host, port, context
        self._timeout, self._connect_timeout = timeout, connect
        self._socket: ssl.SSLSocket | None = None

    def close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None

    def get(self, target: str) -> Fetched | None:
        """The 200 answer to ``GET target`` (path and query), or None: ask the regular client instead.

        ``FetchTimedOut`` when the platform did not connect or answer in time; the connection is closed."""
        reused = self._socket is not None
        fetched = self._attempt(target)
        if fetched is None and reused:  # the platform may have closed an idle connection: once more, afresh
            fetched = self._attempt(target)
        return fetched

    def _attempt(self, target: str) -> Fetched | None:
        try:
            if self._socket is None:
                raw = socket.create_connection((self._host, self._port), timeout=self._connect_timeout)
                self._socket = self._context.wrap_socket(raw, server_hostname=self._host)
                self._socket.settimeout(self._timeout)
            request = f"GET {target} HTTP/1.1\r\nHost: {self._host}\r\nAccept-Encoding: identity\r\n\r\n"
            self._socket.sendall(request.encode("ascii"))
            fetched, keep = _read_answer(self._socket)
        except TimeoutError:  # socket.timeout: connecting, the TLS handshake or a read
            self.close()
            raise FetchTimedOut(f"no answer within {self._timeout:g} s (connect {self._connect_timeout:g} s)") from None
        except (OSError, ValueError, UnicodeDecodeError):
            self.close()
            return None
        if not keep:
            self.close()
        return fetched


def _read_answer(sock: ssl.SSLSocket) -> tuple[Fetched | None, bool]:
    """The answer on ``sock`` and whether the connection may carry another request."""
    head = bytearray()
    while (end := head.find(b"\r\n\r\n")) < 0:
        if len(head) > MAX_HEAD:
            raise ValueError("answer head too long")
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed in the answer head")
        head += chunk
    if end > MAX_HEAD:
        raise ValueError("answer head too long")
    status_line, *lines = head[:end].decode("latin-1").split("\r\n")
    version, status, *_reason = status_line.split(" ")
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or name.lower() in headers:
            raise ValueError("malformed or repeated header")
        headers[name.lower()] = value.strip()
    length = int(headers.get("content-length", "-1"))
    plain = "transfer-encoding" not in headers and headers.get("content-encoding", "identity") == "identity"
    if version != "HTTP/1.1" or status != "200" or not plain or not 0 <= length <= MAX_BODY:
        return None, False  # not read to its end: this connection cannot carry another request
    body = bytearray(length)
    view = memoryview(body)
    already = head[end + 4 :]
    if len(already) > length:
        raise ValueError("more bytes than the declared length")
    view[: len(already)] = already
    position = len(already)
    while position < length:
        received = sock.recv_into(view[position:])
        if not received:
            raise ValueError("connection closed in the body")
        position += received
    keep = headers.get("connection", "").lower() != "close"
    return Fetched(headers, body), keep  # not copied: a page may hold a packet of 256 MiB
