"""Group commit and the batch download (protocol 1.1), against SQLite and PostgreSQL.

Uploads that arrive together share one transaction and one commit, yet each keeps its own answer: a receipt for
a new packet, the stored receipt for the same packet again (even twice in one batch), 409 for other content under
a taken id. The batch download returns exactly what ``inbox`` + ``download`` would, to exactly the same agencies.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy.exc import DataError

from app.sync.packet import AgencyDirectory, PacketVerifier, VerifiedPacket, verify_receipt
from app.sync.packet.errors import ReceiptInvalid
from app.sync.platform_client import PlatformClient, UploadResult, _batch_records
from server.app import receipt_signer
from server.config import load_platform_config
from server.store import BatchItem, PacketConflict, PacketStore
from server.writer import GroupCommitWriter
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.server.test_platform_api import transfer, validator


def verifier(pki: PlatformPki) -> PacketVerifier:
    world = pki.world
    return PacketVerifier(validator(pki), AgencyDirectory.from_json(world.directory_json()))


def latest(client: PlatformClient) -> int:
    """The end of this agency's inbox now."""
    cursor, more = 0, True
    while more:
        page = client.inbox(after=cursor, limit=500)
        cursor, more = page.cursor, page.more
    return cursor


def test_concurrent_uploads_each_get_their_own_signed_receipt(platform: RunningPlatform, pki: PlatformPki) -> None:
    packets = [transfer(pki) for _ in range(24)]
    local = threading.local()

    def upload(index: int) -> UploadResult:
        if not hasattr(local, "client"):
            local.client = platform.client("enforcement")
        packet = packets[index]
        return local.client.upload(packet.packet_id, packet.data)  # type: ignore[no-any-return]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(upload, range(len(packets))))
    seqs = []
    for packet, result in zip(packets, results, strict=True):
        assert result.created
        receipt = verify_receipt(
            result.receipt_json,
            result.receipt_signature,
            validator(pki),
            platform_agency=pki.world.office_code,
            packet_id=packet.packet_id,
            manifest_sha256=packet.manifest_sha256,
        )
        seqs.append(receipt.seq)
    assert len(set(seqs)) == len(packets)


def test_one_batch_keeps_idempotency_and_the_conflict_rule(platform: RunningPlatform, pki: PlatformPki) -> None:
    # The store directly, so that the duplicates certainly share one transaction.
    config = load_platform_config(platform.config)
    store = PacketStore(config.effective_database_url)
    check = verifier(pki)
    packet, stored_before = transfer(pki), transfer(pki)
    impostor = transfer(pki, packet_id=packet.packet_id, payload={"案由": "改过的内容"})
    sign = receipt_signer(config.name, pki.receipt_signer)
    now = dt.datetime.now(dt.UTC)
    writer = GroupCommitWriter(store, sign)
    try:
        first = writer.submit(check.verify(stored_before.data), now).result(30)
        futures = [
            writer.submit(check.verify(data), now)
            for data in (packet.data, packet.data, impostor.data, stored_before.data)
        ]
        new, again = futures[0].result(30), futures[1].result(30)
        with pytest.raises(PacketConflict):
            futures[2].result(30)
        assert futures[3].result(30) == (first[0], False)
    finally:
        writer.close()
        store.engine.dispose()
        store.reader.dispose()
    assert new[1] and again == (new[0], False)
    assert store.count(str(packet.packet_id)) == 1


def test_batch_download_equals_inbox_and_download(platform: RunningPlatform, pki: PlatformPki) -> None:
    packets = [transfer(pki) for _ in range(5)]
    with platform.client("enforcement") as sender:
        for packet in packets:
            sender.upload(packet.packet_id, packet.data)
    with platform.client("police") as police:
        start = latest(police) - len(packets)
        page = police.inbox(after=start, limit=500)
        batch = police.inbox_packets(after=start, limit=3)
        assert [item for item, _ in batch.items] == list(page.items[:3]) and batch.more
        rest = police.inbox_packets(after=batch.cursor, limit=50)
        assert not rest.more and rest.cursor == page.cursor
        received = {item.packet_id: data for item, data in (*batch.items, *rest.items)}
        for packet in packets:
            assert received[packet.packet_id] == police.download(packet.packet_id) == packet.data
            verifier(pki).verify(received[packet.packet_id])


def test_batch_download_respects_the_byte_budget_but_always_moves(platform: RunningPlatform, pki: PlatformPki) -> None:
    packets = [transfer(pki) for _ in range(3)]
    with platform.client("enforcement") as sender:
        for packet in packets:
            sender.upload(packet.packet_id, packet.data)
    with platform.client("police") as police:
        start = latest(police) - len(packets)
        one = police.inbox_packets(after=start, limit=50, max_bytes=1)
        assert len(one.items) == 1 and one.more and one.cursor > start


def test_batch_download_shows_nothing_to_an_agency_that_may_not_see(
    platform: RunningPlatform, pki: PlatformPki
) -> None:
    packet = transfer(pki)
    with platform.client("enforcement") as sender:
        sender.upload(packet.packet_id, packet.data)
    with platform.client("other") as other:
        seen: set[uuid.UUID] = set()
        cursor, more = 0, True
        while more:
            batch = other.inbox_packets(after=cursor, limit=200)
            seen.update(item.packet_id for item, _ in batch.items)
            cursor, more = batch.cursor, batch.more
        assert packet.packet_id not in seen
    with platform.client("procuratorate") as procuratorate:
        start = latest(procuratorate) - 1
        assert [item.packet_id for item, _ in procuratorate.inbox_packets(after=start).items] == [packet.packet_id]


def test_platform_announces_protocol_1_2(platform: RunningPlatform) -> None:
    with platform.client("police") as police:
        assert police.whoami()["protocol"] == "1.2"


@pytest.mark.parametrize("body", [b'\x00\x00\x00\x09{"seq":1}', b"\x00\x00\x01\x00{}", b"\x00\x00"])
def test_a_truncated_or_malformed_batch_is_refused(body: bytes) -> None:
    with pytest.raises((KeyError, TypeError, ValueError, ReceiptInvalid)):
        _batch_records(body)


def test_one_packet_the_database_refuses_does_not_fail_the_others_of_its_commit(
    platform: RunningPlatform, pki: PlatformPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error of one row (PostgreSQL refused a NUL in a text column) failed every upload of the same
    group commit, and again at each retry. Made to happen here for one packet id (no such row can be had for real
    any more: the manifest refuses control characters)."""
    config = load_platform_config(platform.config)
    store = PacketStore(config.effective_database_url)
    check = verifier(pki)
    good, poison, also_good = transfer(pki), transfer(pki), transfer(pki)
    accept, accept_batch = PacketStore.accept, PacketStore.accept_batch

    def refuses(items: Sequence[BatchItem]) -> None:
        if any(item.packet.packet_id == poison.packet_id for item in items):
            raise DataError("INSERT", {}, Exception("invalid byte sequence for encoding UTF8: 0x00"))

    def one(self: PacketStore, packet: VerifiedPacket, *args: Any) -> Any:
        refuses([BatchItem(packet, dt.datetime.now(dt.UTC))])
        return accept(self, packet, *args)

    def many(self: PacketStore, items: Sequence[BatchItem], *args: Any) -> Any:
        refuses(items)
        return accept_batch(self, items, *args)

    monkeypatch.setattr(PacketStore, "accept", one)
    monkeypatch.setattr(PacketStore, "accept_batch", many)
    writer = GroupCommitWriter(store, receipt_signer(config.name, pki.receipt_signer))
    try:
        packets = [check.verify(p.data) for p in (good, poison, also_good)]
        outcomes = writer.submit_many(packets, dt.datetime.now(dt.UTC)).result(30)
    finally:
        writer.close()
        store.engine.dispose()
        store.reader.dispose()
    assert isinstance(outcomes[1], DataError)
    assert [outcome[1] for outcome in (outcomes[0], outcomes[2])] == [True, True]  # type: ignore[index]
    assert [store.count(str(p.packet_id)) for p in (good, poison, also_good)] == [1, 0, 1]
