"""The batch download's fast path (``BodyFetcher``): the same bytes as the regular client, and ``None`` (the regular
client asks again) for every answer it does not fully understand, never a wrong or partial body."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from app.sync.platform_client import API, PlatformClient, PlatformUnreachable
from app.sync.platform_fetch import BodyFetcher, FetchTimedOut
from app.sync.platform_tls import client_ssl_context
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_support import Side

Answer = Callable[[int], bytes]  # the request's number on its connection -> the bytes sent back


class ScriptedServer:
    """A loopback TLS server with the platform's certificate that answers every GET with ``answer``."""

    def __init__(self, pki: PlatformPki, folder: Path, answer: Answer, *, close_after: bool = False) -> None:
        key, certificate = pki.server
        (folder / "server.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        (folder / "server.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )  # fmt: skip
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(folder / "server.pem", folder / "server.key")
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.answer, self.close_after, self.connections = answer, close_after, 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(raw,), daemon=True).start()

    def _connection(self, raw: socket.socket) -> None:
        try:
            with self._context.wrap_socket(raw, server_side=True) as conn:
                for number in range(100):
                    request = b""
                    while b"\r\n\r\n" not in request:
                        chunk = conn.recv(4096)
                        if not chunk:
                            return
                        request += chunk
                    conn.sendall(self.answer(number))
                    if self.close_after:
                        return
        except OSError:
            return

    def close(self) -> None:
        self._listener.close()


def _fetcher(pki: PlatformPki, port: int) -> BodyFetcher:
    context = client_ssl_context(pki.credentials("police"), [pki.world.root.certificate])
    return BodyFetcher("127.0.0.1", port, context, timeout=5, connect=5)


@pytest.fixture
def scripted(pki: PlatformPki, tmp_path: Path) -> Iterator[Callable[..., tuple[ScriptedServer, BodyFetcher]]]:
    made: list[tuple[ScriptedServer, BodyFetcher]] = []

    def make(answer: Answer, *, close_after: bool = False) -> tuple[ScriptedServer, BodyFetcher]:
        server = ScriptedServer(pki, tmp_path, answer, close_after=close_after)
        made.append((server, _fetcher(pki, server.port)))
        return made[-1]

    yield make
    for server, fetcher in made:
        fetcher.close()
        server.close()


def _ok(body: bytes, *extra: str) -> bytes:
    head = "\r\n".join(("HTTP/1.1 200 OK", f"Content-Length: {len(body)}", "X-Lianjie-Cursor: 7", *extra))
    return head.encode() + b"\r\n\r\n" + body


def test_the_fast_path_reads_the_platforms_batch_exactly(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform
) -> None:
    transferred_case(agency, pki, "银兴市监立〔2026〕401号")
    agency.engine.run_once()
    fetcher = _fetcher(pki, int(platform.url.rsplit(":", 1)[1]))
    try:
        fetched = fetcher.get(f"{API}/inbox/packets?after=0&limit=64")
        assert fetched is not None
        with platform.client("police") as client:
            response = client._http.get(f"{API}/inbox/packets", params={"after": 0, "limit": 64})
        assert fetched.body == response.content and len(fetched.body) > 1000
        assert fetched.headers["x-lianjie-cursor"] == response.headers["x-lianjie-cursor"]
        # The regular client, with its fast path, returns the same packets as without it.
        with platform.client("police") as client:
            fast = client.inbox_packets(after=0, limit=64)
            client._bodies = None
            assert client.inbox_packets(after=0, limit=64) == fast and fast.items
    finally:
        fetcher.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Encoding: gzip\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly part of the body",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nmore than declared",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n" + b"X-Padding: " + b"x" * 70_000 + b"\r\n\r\nhello",
        b"not http at all\r\n\r\n",
    ],
    ids=["404", "chunked", "gzip", "huge", "cut", "overlong", "repeated", "http10", "long-head", "garbage"],
)
def test_anything_but_a_plain_complete_200_is_left_to_the_regular_client(
    scripted: Callable[..., tuple[ScriptedServer, BodyFetcher]], answer: bytes
) -> None:
    _server, fetcher = scripted(lambda _n: answer, close_after=True)
    assert fetcher.get("/api/v1/inbox/packets?after=0") is None


def test_a_connection_closed_by_the_platform_is_opened_again_once(
    scripted: Callable[..., tuple[ScriptedServer, BodyFetcher]],
) -> None:
    server, fetcher = scripted(lambda n: _ok(b"page %d" % n), close_after=True)  # closes without saying so
    first, second = fetcher.get("/a"), fetcher.get("/b")
    assert first is not None and second is not None
    assert (first.body, second.body, server.connections) == (b"page 0", b"page 0", 2)


def test_keep_alive_carries_the_next_request_and_connection_close_ends_it(
    scripted: Callable[..., tuple[ScriptedServer, BodyFetcher]],
) -> None:
    server, fetcher = scripted(lambda n: _ok(b"page %d" % n, *(["Connection: close"] if n == 1 else [])))
    bodies = [getattr(fetcher.get(f"/{i}"), "body", None) for i in range(3)]
    assert bodies == [b"page 0", b"page 1", b"page 0"] and server.connections == 2


def test_an_unreachable_platform_is_none_not_an_exception(pki: PlatformPki) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    assert _fetcher(pki, port).get("/api/v1/inbox/packets") is None


def test_a_platform_that_never_answers_times_out_once_and_the_fetcher_can_go_on(pki: PlatformPki) -> None:
    # The kernel accepts the connection into the listener's backlog; nothing ever speaks TLS on it.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        context = client_ssl_context(pki.credentials("police"), [pki.world.root.certificate])
        fetcher = BodyFetcher("127.0.0.1", silent.getsockname()[1], context, timeout=0.5, connect=0.5)
        started = time.monotonic()
        with pytest.raises(FetchTimedOut, match=r"within 0\.5 s"):
            fetcher.get("/api/v1/inbox/packets?after=0")
        assert time.monotonic() - started < 0.85  # one timeout, not one per attempt
        assert fetcher._socket is None  # closed: the next request connects afresh


def test_the_client_says_unreachable_after_one_timeout_not_three(pki: PlatformPki) -> None:
    """Before, the fast path's timeout was followed by the same GET through httpx: twice the wait (three times on a
    kept connection) before the terminal showed itself offline."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"https://127.0.0.1:{silent.getsockname()[1]}"
        roots = [pki.world.root.certificate]
        with PlatformClient(url, pki.credentials("police"), roots, timeout=0.5, connect_timeout=0.5) as client:
            started = time.monotonic()
            with pytest.raises(PlatformUnreachable) as raised:
                client.inbox_packets(after=0, limit=64)
            elapsed = time.monotonic() - started
    assert elapsed < 0.85, elapsed
    assert "timeout" in str(raised.value) and raised.value.user_message
