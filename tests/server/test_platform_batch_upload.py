"""Protocol 1.2's batch upload against SQLite and PostgreSQL: each packet judged and answered alone, exactly as a
lone PUT; a body that does not add up refused whole with nothing stored; the visibility rules unchanged; and the
client's fallback to one PUT per packet against a platform without the batch endpoint."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from app.sync.packet import build_packet, verify_receipt
from app.sync.packet.archive import write_archive
from app.sync.packet.errors import PacketRejected, SignatureInvalid
from app.sync.platform_batch import batch_body, batch_chunks
from app.sync.platform_client import (
    BatchRefused,
    PacketRefused,
    PlatformConflict,
    PlatformNotFound,
    UploadRefusal,
    UploadResult,
)
from server.config import load_platform_config
from server.runner import build_server, open_platform
from server.store import PacketStore
from tests.server.platform_support import PlatformPki, RunningPlatform, free_port, write_platform
from tests.server.test_platform_api import transfer, validator
from tests.sync.packet_support import packet_parts

BATCH = "application/vnd.lianjie.packet-batch"


def count(platform: RunningPlatform, packet_id: uuid.UUID) -> int:
    store = PacketStore(load_platform_config(platform.config).effective_database_url)
    try:
        return store.count(str(packet_id))
    finally:
        store.engine.dispose()
        store.reader.dispose()


def post(platform: RunningPlatform, body: bytes, media_type: str = BATCH) -> Any:
    with platform.client("enforcement") as client:
        return client._send("POST", "/packets", content=body, headers={"Content-Type": media_type})


def test_a_batch_answers_each_packet_alone_and_stores_only_the_good_ones(
    platform: RunningPlatform, pki: PlatformPki
) -> None:
    world = pki.world
    good, again, stored, taken = transfer(pki), transfer(pki), transfer(pki), transfer(pki)
    impostor = transfer(pki, packet_id=taken.packet_id, payload={"案由": "改过的内容"})
    other = transfer(pki)
    tampered = write_archive({**packet_parts(other.data), "manifest.p7s": packet_parts(good.data)["manifest.p7s"]})
    foreign = build_packet(
        world.police_operator, kind="transfer.receipted", case_id="CASE-POLICE", recipients=[world.enforcement_code],
        payload={"案由": "公安发出的数据包"},
    )  # fmt: skip
    mismatched = transfer(pki)
    with platform.client("enforcement") as client:
        before = client.upload(stored.packet_id, stored.data)
        client.upload(taken.packet_id, taken.data)
        outcomes = client.upload_batch([
            (good.packet_id, good.data),
            (again.packet_id, again.data),
            (again.packet_id, again.data),  # twice in one batch: one copy, the same receipt
            (stored.packet_id, stored.data),  # already on the platform: its receipt, unchanged
            (impostor.packet_id, impostor.data),
            (other.packet_id, tampered),
            (foreign.packet_id, foreign.data),
            (uuid.uuid4(), mismatched.data),
        ])  # fmt: skip
    fresh, second, repeat, known, conflict, refused, not_sender, mismatch = outcomes
    assert isinstance(fresh, UploadResult) and fresh.created
    assert isinstance(second, UploadResult) and second.created
    assert repeat == UploadResult(second.receipt_json, second.receipt_signature, False)
    assert known == UploadResult(before.receipt_json, before.receipt_signature, False)
    for packet, result in ((good, fresh), (again, second)):
        receipt = verify_receipt(
            result.receipt_json, result.receipt_signature, validator(pki), platform_agency=world.office_code,
            packet_id=packet.packet_id, manifest_sha256=packet.manifest_sha256,
        )  # fmt: skip
        assert receipt.sender == world.enforcement_code
    assert isinstance(conflict, UploadRefusal) and (conflict.status, conflict.code) == (409, "conflict")
    assert isinstance(conflict.error, PlatformConflict)
    assert isinstance(refused, UploadRefusal) and refused.status == 422
    assert isinstance(refused.error, SignatureInvalid) and refused.error.user_message.startswith("平台拒收")
    assert isinstance(not_sender, UploadRefusal) and (not_sender.status, not_sender.code) == (403, "not-sender")
    # This packet, not the terminal, is refused: it fails for good while the others go on (not TerminalRefused).
    assert isinstance(not_sender.error, PacketRefused) and not_sender.message == "终端只能上传本单位发出的数据包。"
    assert not_sender.error.user_message == "平台拒收：终端只能上传本单位发出的数据包。"
    assert isinstance(mismatch, UploadRefusal) and (mismatch.status, mismatch.code) == (400, "id-mismatch")
    assert isinstance(mismatch.error, PacketRefused)  # sending the same again would change nothing
    for packet_id, copies in (
        (good.packet_id, 1), (again.packet_id, 1), (stored.packet_id, 1), (taken.packet_id, 1),
        (other.packet_id, 0), (foreign.packet_id, 0), (mismatched.packet_id, 0),
    ):  # fmt: skip
        assert count(platform, packet_id) == copies, packet_id
    quarantine = load_platform_config(platform.config).quarantine_dir
    assert tampered in {p.read_bytes() for p in quarantine.glob("*.ljp.quarantined")}


def test_a_batch_is_stored_in_one_transaction(platform: RunningPlatform, pki: PlatformPki) -> None:
    packets = [transfer(pki) for _ in range(20)]
    with platform.client("enforcement") as client:
        outcomes = client.upload_batch([(p.packet_id, p.data) for p in packets])
    seqs = []
    for outcome in outcomes:
        assert isinstance(outcome, UploadResult) and outcome.created
        seqs.append(json.loads(outcome.receipt_json)["seq"])
    assert seqs == list(range(seqs[0], seqs[0] + len(packets)))  # one commit took consecutive sequence numbers


def _record(packet_id: str, data: bytes, size: int | None = None) -> bytes:
    header = json.dumps({"packet_id": packet_id, "size": len(data) if size is None else size}).encode()
    return len(header).to_bytes(4, "big") + header + data


@pytest.mark.parametrize(
    ("tail", "status", "code"),
    [
        (b"\x00\x00", 400, "batch-truncated"),
        (b"\x00\x00\x00\x05{nop}", 400, "batch-malformed"),
        (b"\x00\x00\x00\x02[]", 400, "batch-malformed"),
        (_record(str(uuid.uuid4()), b"abc", size=10), 400, "batch-truncated"),
        (_record(str(uuid.uuid4()), b"", size=9 * 1024 * 1024), 413, "too-large"),  # above max_packet_bytes
        (b"".join(_record(str(uuid.uuid4()), b"x") for _ in range(200)), 413, "batch-too-many"),
    ],
)
def test_a_batch_that_does_not_add_up_is_refused_whole_and_stores_nothing(
    platform: RunningPlatform, pki: PlatformPki, tail: bytes, status: int, code: str
) -> None:
    good = transfer(pki)
    response = post(platform, _record(str(good.packet_id), good.data) + tail)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert count(platform, good.packet_id) == 0


def test_a_batch_over_the_byte_bound_or_of_another_type_is_refused(platform: RunningPlatform, pki: PlatformPki) -> None:
    good = transfer(pki)
    body = _record(str(good.packet_id), good.data)
    wrong_type = post(platform, body, media_type="application/json")
    assert wrong_type.status_code == 415 and wrong_type.json()["error"]["message"]
    assert post(platform, b"").status_code == 400
    with platform.client("enforcement") as client, pytest.raises(BatchRefused) as caught:
        client._post_batch([(good.packet_id, good.data), (uuid.uuid4(), b"\x00" * (33 * 1024 * 1024))])
    assert caught.value.status == 413 and "批量上传超过平台允许的大小" in caught.value.user_message
    assert count(platform, good.packet_id) == 0


def test_batch_uploaded_packets_keep_the_visibility_rules(platform: RunningPlatform, pki: PlatformPki) -> None:
    packets = [transfer(pki) for _ in range(3)]
    with platform.client("enforcement") as client:
        assert all(isinstance(o, UploadResult) for o in client.upload_batch([(p.packet_id, p.data) for p in packets]))
    with platform.client("other") as other:
        for packet in packets:
            with pytest.raises(PlatformNotFound):
                other.download(packet.packet_id)
        seen: set[uuid.UUID] = set()
        cursor, more = 0, True
        while more:
            page = other.inbox(after=cursor, limit=500)
            seen.update(item.packet_id for item in page.items)
            cursor, more = page.cursor, page.more
        assert not seen & {p.packet_id for p in packets}
    for name in ("police", "procuratorate"):
        with platform.client(name) as reader:
            assert [reader.download(p.packet_id) for p in packets] == [p.data for p in packets]


def test_batches_are_split_at_the_protocol_bounds() -> None:
    packets = [(uuid.uuid4(), b"x" * 100) for _ in range(450)] + [(uuid.uuid4(), b"y" * 5000)]
    chunks = list(batch_chunks(packets, 200, 4000))
    assert [len(c) for c in chunks] == [17] * 26 + [8, 1]  # 17 x 228 B ≤ 4000; the large packet alone
    assert [p for c in chunks for p in c] == packets
    assert len(list(batch_chunks(packets[:450], 200, 10**9))) == 3
    assert batch_body([(packets[0][0], b"abc")]).endswith(b'"size":3}abc')


class _OldPlatform:
    """An ASGI wrapper answering the batch endpoint as a 1.1 platform would (404) or with 405; counts the tries."""

    def __init__(self, app: Any, status: int) -> None:
        self.app, self.status, self.batch_posts, self.puts = app, status, 0, 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/v1/packets":
            self.batch_posts += 1
            await send({"type": "http.response.start", "status": self.status, "headers": []})
            await send({"type": "http.response.body", "body": b"Not Found"})
            return
        if scope["type"] == "http" and scope["method"] == "PUT":
            self.puts += 1
        await self.app(scope, receive, send)


@pytest.fixture(params=[404, 405])
def old_platform(
    request: pytest.FixtureRequest, pki: PlatformPki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningPlatform, _OldPlatform]]:
    config = write_platform(pki, tmp_path_factory.mktemp("old-platform"))
    platform = open_platform(load_platform_config(config))
    port = free_port()
    server = build_server(platform, port=port)
    wrapper = _OldPlatform(server.config.app, request.param)
    server.config.app = wrapper
    thread = threading.Thread(target=server.run, name="old-platform", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "platform did not start"
        time.sleep(0.02)
    yield RunningPlatform(f"https://127.0.0.1:{port}", pki, config), wrapper
    server.should_exit = True
    thread.join(timeout=10)
    platform.writer.close()
    platform.store.engine.dispose()
    platform.store.reader.dispose()


def test_the_client_falls_back_to_single_uploads_on_an_older_platform(
    old_platform: tuple[RunningPlatform, _OldPlatform], pki: PlatformPki
) -> None:
    running, wrapper = old_platform
    packets = [transfer(pki) for _ in range(4)]
    impostor = transfer(pki, packet_id=packets[0].packet_id, payload={"案由": "改过的内容"})
    flipped = bytearray(packets[3].data)
    flipped[len(flipped) // 2] ^= 0x01
    with running.client("enforcement") as client:
        first = client.upload_batch([(p.packet_id, p.data) for p in packets[:3]])
        second = client.upload_batch([(impostor.packet_id, impostor.data), (packets[3].packet_id, bytes(flipped))])
    assert all(isinstance(o, UploadResult) and o.created for o in first)
    conflict, refused = second
    assert isinstance(conflict, UploadRefusal) and isinstance(conflict.error, PlatformConflict)
    assert isinstance(refused, UploadRefusal) and refused.status == 422 and isinstance(refused.error, PacketRejected)
    assert wrapper.batch_posts == 1  # learnt once, then straight to PUT
    assert wrapper.puts == 5
