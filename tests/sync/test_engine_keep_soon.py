"""A part verified while the part before it is still being committed (``Receiver.check`` / ``keep_soon``).

Real platform and stores. The replay check belongs to the transaction that keeps a part, not to its verification:
a part checked before the part ahead of it was kept still sees that part's packets as held.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from app.models.blobstore import BlobBatch
from app.models.events import count_case_events
from app.sync.engine_pull import Puller
from app.sync.engine_receive import Checked, Incoming, Received, Receiver
from app.sync.inbox import cursor, inbox_entries
from app.sync.packet import BuiltPacket, build_packet
from app.sync.platform_client import PlatformClient
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_batch_receive import _packets_of
from tests.sync.test_engine_support import Side


def test_a_part_checked_before_the_one_ahead_was_kept_sees_its_packets(
    agency: Side, police: Side, pki: PlatformPki
) -> None:
    first = transferred_case(agency, pki, "银兴市监立〔2026〕241号")
    second = transferred_case(agency, pki, "银兴市监立〔2026〕242号")
    one, two = _packets_of(agency, first), _packets_of(agency, second)
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    receiver = police.receiver()
    ahead = receiver.check([Incoming(data, "removable") for data in one])
    behind = receiver.check([Incoming(data, "removable") for data in (one[0], *two)])  # one[0] again
    assert receiver.keep(ahead, cursor=10) == [Received.APPLIED] * 4
    assert receiver.keep(behind, cursor=20) == [Received.DUPLICATE, *[Received.APPLIED] * 4]
    assert police.store.read(lambda s: (count_case_events(s, first), count_case_events(s, second))) == (4, 4)
    assert len(police.store.read(inbox_entries)) == 8
    assert police.store.read(cursor) == 20
    assert not list(police.engine.trust_source.quarantine_dir.glob("*"))


@pytest.fixture
def held_sync(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Every pack's fsync waits until the test lets it go (then runs for real)."""
    release = threading.Event()
    sync = BlobBatch.sync

    def held(self: BlobBatch) -> None:
        if not release.wait(30):
            raise TimeoutError("the test never released the pack's fsync")
        sync(self)

    monkeypatch.setattr(BlobBatch, "sync", held)
    yield release
    release.set()


def _a_checked_case(agency: Side, police: Side, pki: PlatformPki, number: str) -> tuple[Receiver, str, Checked]:
    """A case transferred by the agency, its packets verified by the police's receiver (not kept yet)."""
    case_id = transferred_case(agency, pki, number)
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    receiver = police.receiver()
    return receiver, case_id, receiver.check([Incoming(d, "removable") for d in _packets_of(agency, case_id)])


def test_keep_soon_hands_back_while_the_part_is_made_durable(
    agency: Side, police: Side, pki: PlatformPki, held_sync: threading.Event
) -> None:
    receiver, case_id, checked = _a_checked_case(agency, police, pki, "银兴市监立〔2026〕243号")
    keeping = receiver.keep_soon(checked)
    # Its records are written, its pack not yet durable: nothing is committed, nothing visible to readers.
    assert not keeping.future.done()
    assert police.store.read(inbox_entries) == ()
    held_sync.set()
    assert keeping.result() == [Received.APPLIED] * 4
    assert police.store.read(lambda s: count_case_events(s, case_id)) == 4


def test_keep_soon_hands_back_a_part_that_failed_before_its_work_was_done(
    agency: Side, police: Side, pki: PlatformPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver, _case_id, checked = _a_checked_case(agency, police, pki, "银兴市监立〔2026〕244号")

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("app.sync.engine_receive.set_cursor", disk_full)
    keeping = receiver.keep_soon(checked, cursor=5)  # returns: the failure ends the wait, it is not waited out
    with pytest.raises(OSError, match="No space left"):
        keeping.result()
    assert police.store.read(inbox_entries) == () and police.store.read(cursor) == 0
    assert not [p for p in police.store.blobs.directory.rglob("*") if p.is_file()]  # its pack was abandoned


def upload_hollow(agency: Side, pki: PlatformPki) -> BuiltPacket:
    """A packet signed by the agency's real operator and taken by the platform, whose content is no case record."""
    hollow = build_packet(
        pki.world.enforcement_operator, kind="case.opened", case_id="CASE-HOLLOW", recipients=[pki.world.police_code],
        payload={"format": 1, "event": {"kind": "case.opened"}, "history": []},
    )  # fmt: skip
    with agency.engine.connect() as client:
        client.upload(hollow.packet_id, hollow.data)
    return hollow


def test_a_pull_applies_a_part_again_packet_by_packet_while_the_next_part_is_already_checked(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform
) -> None:
    before = [transferred_case(agency, pki, f"银兴市监立〔2026〕25{i}号") for i in range(3)]
    agency.engine.run_once()
    hollow = upload_hollow(agency, pki)
    after = [transferred_case(agency, pki, f"银兴市监立〔2026〕26{i}号") for i in range(2)]
    agency.engine.run_once()
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    start = police.store.read(cursor)
    credentials = pki.credentials("police")
    with PlatformClient(platform.url, credentials, [pki.world.root.certificate]) as client:
        listed = client.inbox(after=start, limit=500)
        # The police's transfers t1 t2 t3 | hollow t4 t5 in pages of 3 and parts of 2: the part [hollow, t4] is
        # rolled back and applied again packet by packet after [t5] was verified; everything lands once.
        counts = Puller(police.store, client, police.receiver(), page_size=3, transaction_size=2).pull()
    assert [item.packet_id for item in listed.items][3] == hollow.packet_id and len(listed.items) == 6
    assert counts == {"received": 6, "applied": 5, "duplicates": 0, "quarantined": 1, "deferred": 0}
    held = police.store.read(lambda s: [count_case_events(s, case) for case in (*before, *after, "CASE-HOLLOW")])
    assert held == [4, 4, 4, 4, 4, 0]
    assert police.store.read(cursor) == listed.cursor
    assert len(police.store.read(inbox_entries)) == 5


def test_a_part_whose_commit_fails_after_its_pack_was_made_durable_leaves_no_pack(
    agency: Side, police: Side, pki: PlatformPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver, case_id, checked = _a_checked_case(agency, police, pki, "银兴市监立〔2026〕245号")
    keep_checked = Receiver._keep_checked

    def then_the_commit_fails(self: Receiver, *args: Any, **kwargs: Any) -> list[Received]:
        keep_checked(self, *args, **kwargs)  # rows written, pack durable under its name
        raise OSError(28, "No space left on device")  # where the commit's error would surface

    monkeypatch.setattr(Receiver, "_keep_checked", then_the_commit_fails)
    with pytest.raises(OSError, match="No space left"):
        receiver.keep(checked, cursor=5)
    packs = lambda: [p for p in police.store.blobs.directory.rglob("*") if p.is_file()]  # noqa: E731
    assert police.store.read(inbox_entries) == () and police.store.read(cursor) == 0
    assert packs() == []  # nothing names it: removed, not left to fill the disk
    monkeypatch.setattr(Receiver, "_keep_checked", keep_checked)
    assert receiver.keep(checked, cursor=5) == [Received.APPLIED] * 4  # space again: kept in a pack of its own
    assert len(packs()) == 1 and police.store.read(lambda s: count_case_events(s, case_id)) == 4
