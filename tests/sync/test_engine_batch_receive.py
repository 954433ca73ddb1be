"""Receiving a batch in one transaction, and pulling the inbox page by page with the next page fetched ahead.

Real platform on loopback TLS, real encrypted stores; each packet of a batch is judged alone (applied, duplicate,
quarantined, rolled back by itself), and the cursor only moves with the page that was applied.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace

import pytest

from app.models.attachments import list_attachments
from app.models.events import case_events, count_case_events
from app.sync.apply_payload import case_payload
from app.sync.engine_pull import Puller
from app.sync.engine_receive import Incoming, Received
from app.sync.inbox import cursor, inbox_entries
from app.sync.outbox import outbox_entries, packet_bytes
from app.sync.packet import build_packet
from app.sync.platform_client import InboxBatch, InboxItem, PlatformClient, PlatformNotFound, PlatformUnreachable
from app.sync.state import SyncPhase, SyncStatus
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_support import FAST, Side


def _packets_of(side: Side, case_id: str) -> list[bytes]:
    entries = [e for e in side.store.read(outbox_entries) if e.case_id == case_id]
    return [side.store.read(lambda s, p=e.packet_id: packet_bytes(s, p)) or b"" for e in entries]  # type: ignore[misc]


def test_a_batch_is_judged_packet_by_packet_in_one_transaction(agency: Side, police: Side, pki: PlatformPki) -> None:
    first = transferred_case(agency, pki, "银兴市监立〔2026〕201号")
    second = transferred_case(agency, pki, "银兴市监立〔2026〕202号")
    one, two = _packets_of(agency, first), _packets_of(agency, second)
    tampered = bytearray(two[0])
    tampered[len(tampered) // 2] ^= 0x01
    # Signed by the agency's real operator and verifiable, but its content is no case record: refused on apply.
    hollow = build_packet(
        pki.world.enforcement_operator, kind="case.opened", case_id="CASE-HOLLOW", recipients=[pki.world.police_code],
        payload={"format": 1, "event": {"kind": "case.opened"}, "history": []},
    ).data  # fmt: skip
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    receiver = police.receiver()
    assert receiver.receive(Incoming(one[0], "removable")) is Received.APPLIED  # held before the batch
    batch = [one[0], *one[1:], one[1], hollow, bytes(tampered), *two[1:]]
    outcomes = receiver.receive_batch([Incoming(data, "removable") for data in batch], cursor=77)

    expected = [Received.DUPLICATE, *[Received.APPLIED] * 3, Received.DUPLICATE, Received.QUARANTINED]
    expected += [Received.QUARANTINED, *[Received.APPLIED] * 3]
    assert outcomes == expected
    counts = police.store.read(lambda s: (count_case_events(s, first), count_case_events(s, second)))
    # The second case's opening packet was the tampered one; its record also travels in the later packets' history.
    assert counts == (4, 4)
    assert [a.name for a in police.store.read(lambda s: list_attachments(s, first))] == ["移送书.pdf"]
    assert police.store.read(cursor) == 77
    held = {e.packet_id for e in police.store.read(inbox_entries)}
    assert len(held) == 4 + 3 and all(uuid.UUID(p) for p in held)  # the hollow and tampered packets are not kept
    quarantined = sorted((police.engine.trust_source.quarantine_dir).glob("*"))
    assert len([p for p in quarantined if p.suffix != ".json"]) >= 2

    # The untampered opening packet still arrives: kept, nothing added twice.
    assert receiver.receive_batch([Incoming(two[0], "removable")]) == [Received.APPLIED]
    assert police.store.read(lambda s: count_case_events(s, second)) == 4
    assert len(police.store.read(inbox_entries)) == 8


def test_a_packet_whose_records_collide_with_held_ones_is_refused_alone(
    agency: Side, police: Side, pki: PlatformPki
) -> None:
    first = transferred_case(agency, pki, "银兴市监立〔2026〕211号")
    records = agency.store.read(lambda s: case_events(s, first))
    copied = [replace(r, case_id="CASE-COPY") for r in records]  # the same record ids, said of another case
    *earlier, last = copied
    copy = build_packet(
        pki.world.enforcement_operator, kind=str(last.kind), case_id="CASE-COPY", recipients=[pki.world.police_code],
        payload=case_payload(last, earlier),
    ).data  # fmt: skip
    second = transferred_case(agency, pki, "银兴市监立〔2026〕212号")
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    receiver = police.receiver()
    batch = [*_packets_of(agency, first), copy, *_packets_of(agency, second)]
    outcomes = receiver.receive_batch([Incoming(data, "removable") for data in batch])
    assert outcomes == [*[Received.APPLIED] * 4, Received.QUARANTINED, *[Received.APPLIED] * 4]
    assert police.store.read(lambda s: count_case_events(s, "CASE-COPY")) == 0
    assert police.store.read(lambda s: count_case_events(s, second)) == 4
    reasons = [json.loads(p.read_text())["code"] for p in police.engine.trust_source.quarantine_dir.glob("*.json")]
    assert reasons == ["record-conflict"]
    # The batch was rolled back and applied again packet by packet: the first try's pack file is gone.
    files = sorted(p.name for p in police.store.blobs.directory.rglob("*") if p.is_file())
    assert len(files) == 1 and files[0].endswith(".pack"), files
    # The same packet alone, by the single path: refused the same way, nothing stored.
    assert receiver.receive(Incoming(copy, "removable")) is Received.QUARANTINED


def test_the_engine_thread_survives_a_defect_and_says_so(police: Side) -> None:
    statuses: list[SyncStatus] = []

    def broken() -> PlatformClient:
        raise RuntimeError("a defect, not a platform answer")

    engine = replace(police.engine, connect=broken, listener=statuses.append, settings=FAST)
    engine.start()
    try:
        deadline = time.monotonic() + 10
        while not [s for s in statuses if s.phase is SyncPhase.ERROR] and time.monotonic() < deadline:
            time.sleep(0.02)
        errors = [s for s in statuses if s.phase is SyncPhase.ERROR]
        assert errors and "内部错误" in errors[0].reason and "RuntimeError" in errors[0].reason
        assert engine._thread is not None and engine._thread.is_alive()
    finally:
        engine.stop()


class OldPlatform(PlatformClient):
    """A protocol 1.0 platform as the terminal sees it: no batch download."""

    def inbox_packets(self, after: int, limit: int = 50, max_bytes: int | None = None) -> InboxBatch:
        raise PlatformNotFound("GET /api/v1/inbox/packets: 404")


class FailsOnSecondPage(PlatformClient):
    calls = 0

    def inbox_packets(self, after: int, limit: int = 50, max_bytes: int | None = None) -> InboxBatch:
        self.calls += 1
        if self.calls == 2:
            raise PlatformUnreachable("connection reset")
        return super().inbox_packets(after, limit, max_bytes)


def _client(police: Side, pki: PlatformPki, platform: RunningPlatform, kind: type[PlatformClient]) -> PlatformClient:
    return kind(platform.url, pki.credentials("police"), [pki.world.root.certificate])


@pytest.mark.parametrize("client_kind", [PlatformClient, OldPlatform], ids=["batch-download", "protocol-1.0"])
def test_pull_drains_the_inbox_page_by_page(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform, client_kind: type[PlatformClient]
) -> None:
    series = 3 if client_kind is PlatformClient else 5
    cases = [transferred_case(agency, pki, f"银兴市监立〔2026〕{series}{i:02d}号") for i in range(3)]
    assert agency.engine.run_once().receipts == 12
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    start = police.store.read(cursor)
    with _client(police, pki, platform, client_kind) as client:
        listed = client.inbox(after=start, limit=500)
        counts = Puller(police.store, client, police.receiver(), page_size=5, transaction_size=2).pull()
    # The police get the transfers (each rebuilds its case from the sender's history), over several pages, each in
    # transactions of two packets.
    assert counts["received"] == len(listed.items) >= 3 and counts["quarantined"] == 0
    assert all(police.store.read(lambda s, c=c: count_case_events(s, c)) == 4 for c in cases)  # type: ignore[misc]
    assert police.store.read(cursor) == listed.cursor


def test_a_failed_page_leaves_the_cursor_after_the_last_applied_page(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform
) -> None:
    transferred_case(agency, pki, "银兴市监立〔2026〕401号")
    transferred_case(agency, pki, "银兴市监立〔2026〕402号")
    agency.engine.run_once()
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    start = police.store.read(cursor)
    with _client(police, pki, platform, PlatformClient) as probe:
        first_page = probe.inbox_packets(after=start, limit=1)
        everything = probe.inbox(after=start, limit=500).items
    with _client(police, pki, platform, FailsOnSecondPage) as client:
        puller = Puller(police.store, client, police.receiver(), page_size=1)
        with pytest.raises(PlatformUnreachable):
            puller.pull()
    assert police.store.read(cursor) == first_page.cursor
    assert len(police.store.read(inbox_entries)) == 1
    # The next pass goes on from there and gets the rest, each once.
    with _client(police, pki, platform, PlatformClient) as client:
        replace(puller, client=client).pull()
    assert len(everything) >= 2 and len(police.store.read(inbox_entries)) == len(everything)


def test_a_packet_with_the_receipt_of_another_is_refused(agency: Side, police: Side, pki: PlatformPki) -> None:
    transferred_case(agency, pki, "银兴市监立〔2026〕231号")
    transferred_case(agency, pki, "银兴市监立〔2026〕232号")
    agency.engine.run_once()  # pushed: the police's inbox holds both transfers with their receipts
    with police.engine.connect() as client:
        police.engine.trust_source.refresh(police.store, client)
        (first, first_data), (second, _), *_ = client.inbox_packets(after=0, limit=64).items
    reasons: list[str] = []
    receiver = replace(police.receiver(), on_refused=lambda _incoming, refused: reasons.append(refused.for_operator()))

    def incoming(data: bytes, receipt_of: InboxItem) -> Incoming:
        return Incoming(data, "platform", first.seq, (receipt_of.receipt_json, receipt_of.receipt_signature))

    # Both receipts are genuine and signed by the platform, but the second says nothing of the first packet.
    assert receiver.receive_batch([incoming(first_data, second)]) == [Received.QUARANTINED]
    assert len(reasons) == 1 and "平台回执与所附数据包不符" in reasons[0]
    assert police.store.read(inbox_entries) == ()
    assert receiver.receive_batch([incoming(first_data, first)]) != [Received.QUARANTINED]
    assert [e.packet_id for e in police.store.read(inbox_entries)] == [str(first.packet_id)]
