"""Received packets are kept as encrypted blobs beside the store (r0006), and read back byte for byte; their
attachments are read from them (r0007), never from a copy."""

from __future__ import annotations

import itertools
import uuid

import pytest
from sqlalchemy import text

from app.crypto.blobcipher import BlobDamaged
from app.models.attachments import attachment_chunks, list_attachments
from app.models.migrate import downgrade
from app.services.case_view import operator_names
from app.sync.engine_receive import Incoming, Received
from app.sync.inbox import unapplied
from app.sync.outbox import packet_bytes
from app.sync.packet import holder_of
from tests.server.platform_support import PlatformPki
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_batch_receive import _packets_of
from tests.sync.test_engine_support import Side

ROWS = text("SELECT packet_id, length(data), blob_id, pack_id, pack_offset, pack_length FROM sync_inbox ORDER BY seq")


def _received(agency: Side, police: Side, pki: PlatformPki, number: str) -> list[bytes]:
    packets = _packets_of(agency, transferred_case(agency, pki, number))
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    outcomes = police.receiver().receive_batch([Incoming(data, "removable") for data in packets])
    assert outcomes == [Received.APPLIED] * len(packets)
    return packets


def _held(side: Side, packet_id: str) -> bytes | None:
    return side.store.read(lambda s: packet_bytes(s, packet_id))


def test_packets_received_together_are_one_pack_and_read_back_exactly(
    agency: Side, police: Side, pki: PlatformPki
) -> None:
    packets = _received(agency, police, pki, "银兴市监立〔2026〕301号")
    rows = police.store.read(lambda s: [tuple(r) for r in s.execute(ROWS)])
    assert len(rows) == len(packets)
    assert all(length == 0 and blob_id == packet_id for packet_id, length, blob_id, *_ in rows)  # nothing inline
    assert len({row[3] for row in rows}) == 1  # one pack file for the batch, each packet its own window in it
    windows = sorted((offset, length) for *_, offset, length in rows)
    assert windows[0][0] == 0 and all(a + n == b for (a, n), (b, _) in itertools.pairwise(windows))
    held = {str(row[0]): _held(police, str(row[0])) for row in rows}
    assert sorted(data or b"" for data in held.values()) == sorted(packets)  # byte for byte
    (pack,) = police.store.blobs.directory.rglob("*.pack")
    assert pack.stat().st_size == windows[-1][0] + windows[-1][1] and pack.stat().st_mode & 0o077 == 0
    for data in held.values():
        assert data and data not in pack.read_bytes() and data[-200:] not in pack.read_bytes()  # encrypted at rest
    # The retry of deferred packets reads its bytes from the pack too.
    first = rows[0][0]
    police.store.write(
        lambda s: s.execute(text("UPDATE sync_inbox SET applied = 0 WHERE packet_id = :p"), {"p": first})
    )
    assert police.store.read(unapplied) == ((first, police.store.read(lambda s: packet_bytes(s, first))),)


def test_a_packet_read_at_another_packets_place_is_refused(agency: Side, police: Side, pki: PlatformPki) -> None:
    _received(agency, police, pki, "银兴市监立〔2026〕308号")
    first, second = police.store.read(lambda s: [tuple(r) for r in s.execute(ROWS)])[:2]
    swap = text("UPDATE sync_inbox SET pack_offset = :o, pack_length = :n WHERE packet_id = :p")
    police.store.write(lambda s: s.execute(swap, {"o": second[4], "n": second[5], "p": first[0]}))
    with pytest.raises(BlobDamaged, match="belongs to another"):
        _held(police, first[0])


def test_the_case_view_names_the_signers_of_received_packets(agency: Side, police: Side, pki: PlatformPki) -> None:
    case_id = transferred_case(agency, pki, "银兴市监立〔2026〕304号")
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    police.receiver().receive_batch([Incoming(data, "removable") for data in _packets_of(agency, case_id)])
    signer = holder_of(pki.world.enforcement_operator.certificate)
    names = police.store.read(lambda s: operator_names(s, case_id))
    assert names == {signer.operator_id: signer.name}  # read from the packets kept as blobs


def test_a_packet_kept_inline_before_r0006_still_reads_back(agency: Side, police: Side, pki: PlatformPki) -> None:
    packets = _received(agency, police, pki, "银兴市监立〔2026〕302号")
    first = police.store.read(lambda s: s.execute(ROWS).first())
    assert first is not None
    original = police.store.read(lambda s: packet_bytes(s, first[0]))
    police.store.write(lambda s: s.execute(INLINE, {"d": original, "p": first[0]}))  # as an older program left it
    assert police.store.read(lambda s: packet_bytes(s, first[0])) == original
    assert original in packets


INLINE = text("UPDATE sync_inbox SET data = :d, blob_id = NULL, pack_id = NULL WHERE packet_id = :p")


def test_downgrading_is_refused_while_packets_or_attachments_need_blobs(
    agency: Side, police: Side, pki: PlatformPki
) -> None:
    _received(agency, police, pki, "银兴市监立〔2026〕303号")

    def down(session: object) -> None:
        downgrade(session.connection(), "r0005")  # type: ignore[attr-defined]

    with pytest.raises(RuntimeError, match="4 received packets are kept in packs and 1 received attachments"):
        police.store.write(down)
    # As if an older program had received them (r0006): blobs of their own, the attachment a blob of its own.
    police.store.write(lambda s: s.execute(text("UPDATE attachments SET in_packet = NULL")))
    police.store.write(lambda s: s.execute(text("UPDATE sync_inbox SET pack_id = NULL")))
    with pytest.raises(RuntimeError, match="received packets are kept as blobs"):
        police.store.write(down)
    assert police.store.read(lambda s: s.execute(text("SELECT count(blob_id) FROM sync_inbox")).scalar()) == 4


PLACE = text("SELECT pack_offset FROM sync_inbox WHERE packet_id = :p")
SENT = b"%PDF-1.7 transfer letter"  # the attachment of ``transferred_case``
ATTACHMENT_ROW = text("SELECT id, in_packet, packet_offset FROM attachments")


def _received_attachment(agency: Side, police: Side, pki: PlatformPki, number: str) -> tuple[str, str, int]:
    _received(agency, police, pki, number)
    ((attachment_id, in_packet, offset),) = police.store.read(lambda s: s.execute(ATTACHMENT_ROW).all())
    return attachment_id, in_packet, offset


def test_a_received_attachment_is_read_from_its_packet(agency: Side, police: Side, pki: PlatformPki) -> None:
    attachment_id, in_packet, offset = _received_attachment(agency, police, pki, "银兴市监立〔2026〕305号")
    assert not police.store.blobs.path_of(uuid.UUID(attachment_id)).exists()  # no second copy
    assert _held(police, in_packet)[offset : offset + len(SENT)] == SENT  # type: ignore[index]
    assert b"".join(attachment_chunks(police.store, attachment_id)) == SENT
    (record,) = police.store.read(lambda s: list_attachments(s, _case_of(police, attachment_id)))
    assert (record.name, record.size) == ("移送书.pdf", len(SENT))


def _case_of(side: Side, attachment_id: str) -> str:
    query = text("SELECT case_id FROM attachments WHERE id = :a")
    return str(side.store.read(lambda s: s.execute(query, {"a": attachment_id}).scalar()))


def test_a_received_attachment_reads_from_a_packet_kept_inline(agency: Side, police: Side, pki: PlatformPki) -> None:
    attachment_id, in_packet, _offset = _received_attachment(agency, police, pki, "银兴市监立〔2026〕306号")
    original = _held(police, in_packet)
    police.store.write(lambda s: s.execute(INLINE, {"d": original, "p": in_packet}))
    assert b"".join(attachment_chunks(police.store, attachment_id)) == SENT


def test_a_damaged_packet_or_a_wrong_offset_is_an_error_never_wrong_bytes(
    agency: Side, police: Side, pki: PlatformPki
) -> None:
    attachment_id, in_packet, _offset = _received_attachment(agency, police, pki, "银兴市监立〔2026〕307号")
    police.store.write(lambda s: s.execute(text("UPDATE attachments SET packet_offset = packet_offset + 1")))
    with pytest.raises(BlobDamaged, match="does not match its recorded size and hash"):
        b"".join(attachment_chunks(police.store, attachment_id))
    police.store.write(lambda s: s.execute(text("UPDATE attachments SET packet_offset = packet_offset - 1")))
    offset = police.store.read(lambda s: s.execute(PLACE, {"p": in_packet}).scalar_one())
    (pack,) = police.store.blobs.directory.rglob("*.pack")
    damaged = bytearray(pack.read_bytes())
    damaged[offset + 100] ^= 1
    pack.write_bytes(bytes(damaged))
    with pytest.raises(BlobDamaged):
        b"".join(attachment_chunks(police.store, attachment_id))


def test_a_packet_received_alone_is_a_blob_of_its_own_and_its_attachment_reads_from_it(
    agency: Side, police: Side, pki: PlatformPki
) -> None:
    packets = _packets_of(agency, transferred_case(agency, pki, "银兴市监立〔2026〕309号"))
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    receiver = police.receiver()
    assert [receiver.receive(Incoming(data, "removable")) for data in packets] == [Received.APPLIED] * len(packets)
    rows = police.store.read(lambda s: [tuple(r) for r in s.execute(ROWS)])
    assert all(pack_id is None for _p, _n, _b, pack_id, *_ in rows)  # outside a batch: no pack
    ((attachment_id, in_packet, _offset),) = police.store.read(lambda s: s.execute(ATTACHMENT_ROW).all())
    assert police.store.blobs.path_of(uuid.UUID(in_packet)).exists()
    assert b"".join(attachment_chunks(police.store, attachment_id)) == SENT
