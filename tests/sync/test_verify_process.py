"""Verification in the verifying process judges exactly as in this process: the same verified packets, the same
refusals with the same texts; a new trust is sent before it is used; a lost process is verified around, not trusted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from app.sync.engine_receive import PROCESS_PART, Incoming, Receiver
from app.sync.packet import PacketRejected, VerifiedPacket, build_packet
from app.sync.verify_process import VerifyingProcess
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.packet_support import make_root
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_support import Side


@pytest.fixture
def verifying() -> Iterator[VerifyingProcess]:
    process = VerifyingProcess()
    yield process
    process.close()


def _pulled(agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform, number: str) -> list[Incoming]:
    """The police's inbox as the platform serves it: packets with their receipts (two transfers)."""
    transferred_case(agency, pki, number)
    transferred_case(agency, pki, number.replace("号", "-2号"))
    agency.engine.run_once()
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    with platform.client("police") as client:
        items = client.inbox_packets(after=0, limit=64).items
    return [Incoming(data, "platform", i.seq, (i.receipt_json, i.receipt_signature)) for i, data in items]


def _hostile(incomings: list[Incoming], pki: PlatformPki) -> list[Incoming]:
    """Each a different refusal: a flipped bit, a signer of a foreign CA, garbage, a receipt's signature broken."""
    good = incomings[0]
    flipped = bytearray(good.data)
    flipped[len(flipped) // 3] ^= 0x10
    impostor = make_root("外部CA").issue_operator("张执法", pki.world.enforcement_code, "市场监督管理局", "ENF-001")
    foreign = build_packet(
        impostor, kind="transfer.sent", case_id="C-F", recipients=[pki.world.police_code], payload={}
    ).data  # fmt: skip
    return [
        dataclasses.replace(good, data=bytes(flipped)),
        Incoming(foreign, "removable"),
        Incoming(b"PK\x03\x04 not a packet", "removable"),
        dataclasses.replace(good, receipt=(good.receipt[0], b"\x30\x00") if good.receipt else None),
    ]


def _outcome(verdict: tuple[int, VerifiedPacket, object] | tuple[int, PacketRejected]) -> tuple[object, ...]:
    if isinstance(verdict[1], PacketRejected):
        rejection = verdict[1]
        return (verdict[0], type(rejection), str(rejection), rejection.user_message, rejection.next_step)
    index, packet, receipt = verdict  # type: ignore[misc]
    fields = {f.name: getattr(packet, f.name) for f in dataclasses.fields(VerifiedPacket)}
    fields["signer_certificate"] = packet.signer_certificate.public_bytes(Encoding.DER)
    fields["attachments"] = dict(packet.attachments)
    fields["attachment_offsets"] = dict(packet.attachment_offsets)
    return (index, receipt, fields)


def _judged(receiver: Receiver, incomings: list[Incoming]) -> list[tuple[object, ...]]:
    judged = receiver.judge(incomings)
    return sorted((_outcome(v) for v in (*judged.verified, *judged.refused)), key=lambda o: o[0])  # type: ignore[arg-type, return-value]


def test_the_process_judges_every_packet_as_this_process_does(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform, verifying: VerifyingProcess
) -> None:
    incomings = _pulled(agency, police, pki, platform, "银兴市监立〔2026〕501号")
    part = incomings + _hostile(incomings, pki)
    assert len(part) >= PROCESS_PART
    here = police.receiver()
    there = dataclasses.replace(here, verifying=verifying)
    expected = _judged(here, part)
    assert _judged(there, part) == expected
    assert sum(1 for o in expected if len(o) == 3) == len(incomings)  # the real ones verified, the others refused
    assert verifying._connection is not None  # it was the process that judged, not the fallback


def test_a_new_trust_reaches_the_process_before_it_is_used(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform, verifying: VerifyingProcess
) -> None:
    incomings = _pulled(agency, police, pki, platform, "银兴市监立〔2026〕502号") * PROCESS_PART
    receiver = dataclasses.replace(police.receiver(), verifying=verifying)
    assert not receiver.judge(incomings).refused
    assert receiver.trust.spec is not None
    # The same terminal with no CRL it trusts for the issuer: every packet is refused (revocation unknown).
    bare = dataclasses.replace(receiver.trust.spec, crls=())
    bare_trust = dataclasses.replace(receiver.trust, spec=bare, verifier=bare.verifier())
    refused = dataclasses.replace(receiver, trust=bare_trust).judge(incomings).refused
    assert len(refused) == len(incomings)
    assert not receiver.judge(incomings).refused  # and back


def test_a_lost_process_is_verified_around(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform, verifying: VerifyingProcess
) -> None:
    incomings = _pulled(agency, police, pki, platform, "银兴市监立〔2026〕503号") * PROCESS_PART
    here = police.receiver()
    there = dataclasses.replace(here, verifying=verifying)
    assert there.judge(incomings).verified
    verifying._process.kill()  # as if the operating system had ended it
    verifying._process.join(5)
    assert _judged(there, incomings) == _judged(here, incomings)  # judged here instead, the same way
    assert verifying._failed and verifying._connection is None
    assert there.trust.spec is not None
    assert verifying.judge(there.trust.spec, [(incomings[0].data, incomings[0].receipt)]) is None  # not restarted


def test_small_parts_and_imports_are_judged_here(verifying: VerifyingProcess, police: Side) -> None:
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    receiver = dataclasses.replace(police.receiver(), verifying=verifying)
    receiver.judge([Incoming(b"garbage", "removable")] * (PROCESS_PART - 1))
    assert verifying._connection is None  # never started for a part this small
