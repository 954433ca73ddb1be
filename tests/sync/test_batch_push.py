"""Pushing the outbox in batches (protocol 1.2) against a real platform on loopback TLS.

Every packet keeps its own outcome as a lone upload would: its receipt verified and kept beside it, a refusal for
its content failing it for good with the platform's reason, a batch refused as a whole sent again one by one.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.agencies import AgencyKind
from app.models.sync_tables import ReceiptRow
from app.sync.engine_push import Pusher
from app.sync.outbox import outbox_entries, queue_packet
from app.sync.packet import Attachment, BuiltPacket, build_packet
from app.sync.platform_client import PlatformClient, PlatformUnreachable, UploadOutcome, UploadResult
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.test_engine_support import FAST, Side, make_side


class CountingClient(PlatformClient):
    """The real client, counting the batch requests and the lone uploads it makes."""

    batches: list[int]
    singles: int

    def _post_batch(self, packets: Sequence[tuple[uuid.UUID, bytes]]) -> list[UploadOutcome] | None:
        self.batches.append(len(packets))
        return super()._post_batch(packets)

    def upload(self, packet_id: uuid.UUID, data: bytes) -> UploadResult:
        self.singles += 1
        return super().upload(packet_id, data)


@pytest.fixture
def agency(tmp_path: Path, pki: PlatformPki, platform: RunningPlatform) -> Iterator[tuple[Side, list[CountingClient]]]:
    side = make_side(tmp_path, pki, "enforcement", pki.world.enforcement_operator, AgencyKind.ENFORCEMENT, platform.url)
    clients: list[CountingClient] = []

    def connect() -> CountingClient:
        client = CountingClient(platform.url, pki.credentials("enforcement"), [pki.world.root.certificate])
        client.batches, client.singles = [], 0
        clients.append(client)
        return client

    side.engine.connect = connect
    yield side, clients
    side.engine.stop()
    side.store.close()


def _packet(pki: PlatformPki, size: int = 0, **overrides: object) -> BuiltPacket:
    world = pki.world
    args: dict[str, object] = {
        "kind": "case.opened", "case_id": f"CASE-{uuid.uuid4().hex[:8]}", "recipients": [world.police_code],
        "payload": {"案由": "涉嫌生产销售伪劣产品"},
        "attachments": [Attachment("材料.bin", "application/octet-stream", uuid.uuid4().bytes + bytes(size))],
    }  # fmt: skip
    args.update(overrides)
    return build_packet(world.enforcement_operator, **args)  # type: ignore[arg-type]


def _queue(side: Side, packets: Sequence[BuiltPacket]) -> None:
    now = dt.datetime.now(dt.UTC)

    def write(session: Session) -> None:
        for index, packet in enumerate(packets):  # distinct times: pushed in this order
            queue_packet(session, packet, event_id=str(uuid.uuid4()), now=now + dt.timedelta(milliseconds=index))

    side.store.write(write)


def _receipts(side: Side) -> dict[str, int]:
    """Packet id → the seq of its kept receipt."""
    rows = side.store.read(lambda s: s.execute(select(ReceiptRow.packet_id, ReceiptRow.seq)).all())
    return {packet_id: seq for packet_id, seq in rows}


def test_the_engine_pushes_a_100_packet_outbox_in_batches_and_keeps_every_receipt(
    agency: tuple[Side, list[CountingClient]], pki: PlatformPki
) -> None:
    side, clients = agency
    packets = [_packet(pki) for _ in range(100)]
    _queue(side, packets)
    report = side.engine.run_once()
    assert (report.pushed, report.receipts, report.failed) == (100, 100, 0), report.status.reason
    (client,) = clients
    assert client.batches == [FAST.push_batch, 100 - FAST.push_batch] and client.singles == 0
    assert {e.state for e in side.store.read(outbox_entries)} == {"receipted"}
    receipts = _receipts(side)
    assert set(receipts) == {str(p.packet_id) for p in packets}
    assert sorted(receipts.values()) == list(range(min(receipts.values()), min(receipts.values()) + 100))


def test_each_refusal_in_a_batch_is_handled_as_a_lone_uploads_would_be(
    agency: tuple[Side, list[CountingClient]], pki: PlatformPki, platform: RunningPlatform
) -> None:
    side, _clients = agency
    good = [_packet(pki) for _ in range(3)]
    taken = _packet(pki)
    with platform.client("enforcement") as other_terminal:  # the id is taken on the platform by other content
        other_terminal.upload(taken.packet_id, _packet(pki, packet_id=taken.packet_id).data)
    flipped = bytearray(good[2].data)
    flipped[len(flipped) // 2] ^= 0x01
    tampered = replace(_packet(pki), data=bytes(flipped))
    _queue(side, [good[0], taken, tampered, good[1]])
    report = side.engine.run_once()
    assert (report.pushed, report.receipts, report.failed) == (2, 2, 2)
    states = {e.packet_id: (e.state, e.reason) for e in side.store.read(outbox_entries)}
    assert states[str(taken.packet_id)] == ("failed", "平台上已有编号相同但内容不同的数据包。请联系系统管理员核查。")
    assert states[str(tampered.packet_id)][0] == "failed" and states[str(tampered.packet_id)][1].startswith("平台拒收")
    assert {states[str(p.packet_id)][0] for p in good[:2]} == {"receipted"}
    assert set(_receipts(side)) == {str(good[0].packet_id), str(good[1].packet_id)}


def test_a_large_packet_goes_alone(agency: tuple[Side, list[CountingClient]], pki: PlatformPki) -> None:
    side, clients = agency
    small = [_packet(pki) for _ in range(4)]
    large = _packet(pki, size=2 * 1024 * 1024)
    _queue(side, [*small[:2], large, *small[2:]])
    report = side.engine.run_once()
    assert (report.pushed, report.receipts) == (5, 5)
    assert clients[-1].batches == [2, 2] and clients[-1].singles == 1


def test_a_batch_refused_whole_is_sent_again_one_by_one(
    agency: tuple[Side, list[CountingClient]], pki: PlatformPki
) -> None:
    side, clients = agency
    small = [_packet(pki) for _ in range(3)]
    oversized = _packet(pki, size=9 * 1024 * 1024)  # above the test platform's max_packet_bytes (8 MiB)
    _queue(side, [small[0], oversized, *small[1:]])
    client = side.engine.connect()
    side.engine.trust_source.refresh(side.store, client)
    patient = replace(FAST, backoff_base=60.0, backoff_cap=300.0)
    pusher = Pusher(side.store, client, side.engine.trust_source, side.engine.clock, random.Random(1), patient,
                    batch_bytes=64 * 1024 * 1024, alone_bytes=64 * 1024 * 1024)  # fmt: skip
    try:
        counts = pusher.push()
    finally:
        client.close()
    assert counts == {"pushed": 3, "receipts": 3, "failed": 1}
    assert clients[-1].batches == [4] and clients[-1].singles == 4
    entries = {e.packet_id: e for e in side.store.read(outbox_entries)}
    # Over the platform's limit: sending it again would change nothing, so it fails for good with the platform's
    # reason (the operator may send it again once the limit is raised), instead of being retried for ever.
    refused = entries[str(oversized.packet_id)]
    assert refused.state == "failed" and "平台拒收" in refused.reason and "超过平台允许的大小" in refused.reason
    assert {entries[str(p.packet_id)].state for p in small} == {"receipted"}


class DropsOnThirdSingle(CountingClient):
    """The platform becomes unreachable during the one-by-one resend, at its third packet."""

    def upload(self, packet_id: uuid.UUID, data: bytes) -> UploadResult:
        if self.singles == 2:
            self.singles += 1
            raise PlatformUnreachable("PUT /packets: connection reset")
        return super().upload(packet_id, data)


def test_an_unreachable_platform_during_the_resend_keeps_the_answers_already_had(
    agency: tuple[Side, list[CountingClient]], pki: PlatformPki, platform: RunningPlatform
) -> None:
    side, _clients = agency
    small = [_packet(pki) for _ in range(3)]
    oversized = _packet(pki, size=9 * 1024 * 1024)
    _queue(side, [small[0], oversized, *small[1:]])
    client = DropsOnThirdSingle(platform.url, pki.credentials("enforcement"), [pki.world.root.certificate])
    client.batches, client.singles = [], 0
    side.engine.trust_source.refresh(side.store, client)
    patient = replace(FAST, backoff_base=60.0, backoff_cap=300.0)
    pusher = Pusher(side.store, client, side.engine.trust_source, side.engine.clock, random.Random(1), patient,
                    batch_bytes=64 * 1024 * 1024, alone_bytes=64 * 1024 * 1024)  # fmt: skip
    try:
        with pytest.raises(PlatformUnreachable):
            pusher.push()
    finally:
        client.close()
    entries = {e.packet_id: e for e in side.store.read(outbox_entries)}
    assert entries[str(small[0].packet_id)].state == "receipted"  # answered before the drop: kept
    assert str(small[0].packet_id) in _receipts(side)
    assert entries[str(oversized.packet_id)].state == "failed"  # refused for good before the drop: kept
    for packet in small[1:]:  # never answered: still queued, untouched
        assert (entries[str(packet.packet_id)].state, entries[str(packet.packet_id)].attempts) == ("queued", 0)
