"""The platform killed (SIGKILL) while a large upload is in flight, then restarted: exactly one copy, one receipt."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from app.sync.packet import Attachment, build_packet
from app.sync.platform_client import PlatformError
from server.config import load_platform_config
from server.store import PacketStore
from tests.server.conftest import BACKENDS, database_url
from tests.server.platform_support import PlatformPki, free_port, start_process, write_platform


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_platform_killed_mid_upload_then_restarted_stores_one_copy(
    tmp_path: Path, pki: PlatformPki, backend: str
) -> None:
    url = database_url(backend)
    config = write_platform(pki, tmp_path / "platform", url)
    store = PacketStore(load_platform_config(config).effective_database_url)
    if url:
        store.drop_schema()
    store.create_schema()
    large = Attachment("现场录像.bin", "application/octet-stream", os.urandom(6 * 1024 * 1024))
    packet = build_packet(
        pki.world.enforcement_operator, kind="transfer.sent", case_id="CRASH-1", recipients=[pki.world.police_code],
        payload={}, attachments=[large],
    )  # fmt: skip
    port = free_port()
    running = start_process(pki, config, port)
    assert running.process is not None
    outcome: list[object] = []

    def upload() -> None:
        # Slow the sender down so the kill lands while the body is still on the wire.
        with running.client("enforcement", timeout=30.0) as client:
            try:
                outcome.append(client.upload(packet.packet_id, _Trickle(packet.data)))  # type: ignore[arg-type]
            except PlatformError as exc:
                outcome.append(exc)

    sender = threading.Thread(target=upload)
    sender.start()
    time.sleep(0.8)
    running.process.send_signal(signal.SIGKILL)
    running.process.wait(timeout=10)
    sender.join(timeout=30)
    assert outcome and isinstance(outcome[0], PlatformError), "the upload must fail when the platform dies"
    assert store.count(str(packet.packet_id)) == 0

    restarted = start_process(pki, config, port)
    try:
        with restarted.client("enforcement") as client:
            first = client.upload(packet.packet_id, packet.data)
            second = client.upload(packet.packet_id, packet.data)
        assert first.created and not second.created
        assert second.receipt_json == first.receipt_json
        assert store.count(str(packet.packet_id)) == 1
    finally:
        assert restarted.process is not None
        restarted.process.terminate()
        restarted.process.wait(timeout=10)
        store.engine.dispose()
        store.reader.dispose()


class _Trickle:
    """An upload body that arrives in small chunks with pauses (httpx streams iterables)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self):  # type: ignore[no-untyped-def]
        for start in range(0, len(self._data), 256 * 1024):
            yield self._data[start : start + 256 * 1024]
            time.sleep(0.1)
