"""Received packets are kept as encrypted blobs beside the store (r0006), and read back byte for byte."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

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

ROWS = text("SELECT packet_id, length(data), blob_id FROM sync_inbox ORDER BY seq, packet_id")


def _received(agency: Side, police: Side, pki: PlatformPki, number: str) -> list[bytes]:
    packets = _packets_of(agency, transferred_case(agency, pki, number))
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    outcomes = police.receiver().receive_batch([Incoming(data, "removable") for data in packets])
    assert outcomes == [Received.APPLIED] * len(packets)
    return packets


def _held(side: Side, packet_id: str) -> bytes | None:
    return side.store.read(lambda s: packet_bytes(s, packet_id))


def test_a_received_packet_is_a_blob_and_reads_back_exactly(agency: Side, police: Side, pki: PlatformPki) -> None:
    packets = _received(agency, police, pki, "银兴市监立〔2026〕301号")
    rows = police.store.read(lambda s: [tuple(r) for r in s.execute(ROWS)])
    assert len(rows) == len(packets)
    assert all(length == 0 and blob_id == packet_id for packet_id, length, blob_id in rows)  # nothing inline
    held = {str(row[0]): _held(police, str(row[0])) for row in rows}
    assert sorted(data or b"" for data in held.values()) == sorted(packets)  # byte for byte
    for packet_id, data in held.items():
        blob = police.store.blobs.path_of(uuid.UUID(packet_id)).read_bytes()
        assert data and data not in blob and data[-200:] not in blob  # encrypted at rest, like attachments
    # The retry of deferred packets reads its bytes from the blob too.
    first = rows[0][0]
    police.store.write(
        lambda s: s.execute(text("UPDATE sync_inbox SET applied = 0 WHERE packet_id = :p"), {"p": first})
    )
    assert police.store.read(unapplied) == ((first, police.store.read(lambda s: packet_bytes(s, first))),)


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
    inline = text("UPDATE sync_inbox SET data = :d, blob_id = NULL WHERE packet_id = :p")
    police.store.write(lambda s: s.execute(inline, {"d": original, "p": first[0]}))
    police.store.blobs.discard(uuid.UUID(first[0]))  # as an older program left it: no blob
    assert police.store.read(lambda s: packet_bytes(s, first[0])) == original
    assert original in packets


def test_downgrading_below_r0006_is_refused_while_packets_are_blobs(
    agency: Side, police: Side, pki: PlatformPki
) -> None:
    _received(agency, police, pki, "银兴市监立〔2026〕303号")

    def down(session: object) -> None:
        downgrade(session.connection(), "r0005")  # type: ignore[attr-defined]

    with pytest.raises(RuntimeError, match="received packets are kept as blobs"):
        police.store.write(down)
    assert police.store.read(lambda s: s.execute(text("SELECT count(blob_id) FROM sync_inbox")).scalar()) == 4
