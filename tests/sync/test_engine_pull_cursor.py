"""The pull's cursor never stands past a packet that is not kept, also when a page brings nothing to keep.

A 1.0 platform's page whose every download is refused (422) has no packet but a later cursor: the pull checkpoints
that cursor alone. It must first see the part still being committed (``Receiver.keep_soon``) through: were that part
to fail, or to be rolled back and applied again packet by packet, after the checkpoint committed, the cursor would
stand past packets the store does not hold, and no later pull would fetch them. Real platform, stores and packets.
"""

from __future__ import annotations

import uuid

import pytest

from app.models.blobstore import BlobBatch
from app.sync.engine_pull import Puller
from app.sync.engine_receive import Keeping, Received
from app.sync.inbox import cursor, inbox_entries, set_cursor
from app.sync.packet import PacketRejected
from app.sync.platform_client import InboxPage, PlatformClient
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_batch_receive import OldPlatform
from tests.sync.test_engine_keep_soon import upload_hollow
from tests.sync.test_engine_support import Side


def _refusing(refused: uuid.UUID) -> type[OldPlatform]:
    class Refusing(OldPlatform):  # a 1.0 platform that answers 422 to the download of one packet
        def download(self, packet_id: uuid.UUID) -> bytes:
            if packet_id == refused:
                raise PacketRejected("422 on download")
            return super().download(packet_id)

    return Refusing


def _held(police: Side) -> set[str]:
    return {entry.packet_id for entry in police.store.read(inbox_entries)}


def _listed(police: Side, platform: RunningPlatform, pki: PlatformPki) -> InboxPage:
    """The police's inbox on the platform after its stored cursor."""
    with PlatformClient(platform.url, pki.credentials("police"), [pki.world.root.certificate]) as probe:
        return probe.inbox(after=police.store.read(cursor), limit=500)


def _past_earlier_tests(police: Side, platform: RunningPlatform, pki: PlatformPki) -> None:
    """The police's cursor after what earlier tests of this module left on the (shared) platform."""
    with PlatformClient(platform.url, pki.credentials("police"), [pki.world.root.certificate]) as probe:
        start = probe.inbox(after=0, limit=1000).cursor
    police.store.write(lambda session: set_cursor(session, start))


def test_a_part_that_fails_behind_an_empty_page_leaves_the_cursor_before_it(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    _past_earlier_tests(police, platform, pki)
    transferred_case(agency, pki, "银兴市监立〔2026〕901号")
    transferred_case(agency, pki, "银兴市监立〔2026〕902号")
    agency.engine.run_once()
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    credentials, roots = pki.credentials("police"), [pki.world.root.certificate]
    listed = _listed(police, platform, pki)
    (t1, t2), (seq1, _seq2) = [i.packet_id for i in listed.items], [i.seq for i in listed.items]
    real_sync = BlobBatch.sync

    def disk_full(self: BlobBatch) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(BlobBatch, "sync", disk_full)  # t1's part fails while the empty page after it is read
    with _refusing(t2)(platform.url, credentials, roots) as client, pytest.raises(OSError, match="No space left"):
        Puller(police.store, client, police.receiver(), page_size=1, transaction_size=1).pull()
    assert police.store.read(cursor) < seq1 and str(t1) not in _held(police)
    monkeypatch.setattr(BlobBatch, "sync", real_sync)  # space again: the next pull fetches both
    with PlatformClient(platform.url, credentials, roots) as client:
        counts = Puller(police.store, client, police.receiver(), page_size=1).pull()
    assert counts["applied"] == 2 and {str(t1), str(t2)} <= _held(police)
    assert police.store.read(cursor) == listed.cursor


def test_a_part_applied_again_packet_by_packet_is_kept_before_an_empty_page_moves_the_cursor(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    _past_earlier_tests(police, platform, pki)
    transferred_case(agency, pki, "银兴市监立〔2026〕911号")
    agency.engine.run_once()
    hollow = upload_hollow(agency, pki)
    transferred_case(agency, pki, "银兴市监立〔2026〕912号")
    agency.engine.run_once()
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    credentials, roots = pki.credentials("police"), [pki.world.root.certificate]
    listed = _listed(police, platform, pki)
    (t1, middle, t2), seq1 = [i.packet_id for i in listed.items], listed.items[0].seq
    assert middle == hollow.packet_id
    durable: list[tuple[int, bool]] = []  # what a power cut would leave, each time a part's outcome is collected
    result = Keeping.result

    def observed(self: Keeping) -> list[Received]:
        durable.append((police.store.read(cursor), str(t1) in _held(police)))
        return result(self)

    monkeypatch.setattr(Keeping, "result", observed)
    # [t1, hollow] is one part, rolled back whole and applied again packet by packet; then a page with t2 refused.
    with _refusing(t2)(platform.url, credentials, roots) as client:
        counts = Puller(police.store, client, police.receiver(), page_size=2, transaction_size=2).pull()
    assert counts == {"received": 2, "applied": 1, "duplicates": 0, "quarantined": 1, "deferred": 0}
    assert durable and all(held or at < seq1 for at, held in durable), durable
    assert str(t1) in _held(police) and police.store.read(cursor) == listed.cursor
