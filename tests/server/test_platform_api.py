"""The platform API against SQLite and PostgreSQL: uploads, receipts, inbox cursors, visibility, publications."""

from __future__ import annotations

import uuid

import pytest

from app.sync.packet import Attachment, BuiltPacket, ChainValidator, build_packet, verify_receipt
from app.sync.packet.archive import write_archive
from app.sync.packet.errors import PacketRejected, SignatureInvalid
from app.sync.packet.published import AGENCY_DIRECTORY, verify_crls, verify_document
from app.sync.platform_client import API, PlatformConflict, PlatformNotFound, TerminalRefused
from server.config import load_platform_config
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.packet_support import packet_parts


def transfer(pki: PlatformPki, **overrides: object) -> BuiltPacket:
    world = pki.world
    args: dict[str, object] = {
        "kind": "transfer.sent",
        "case_id": f"CASE-{uuid.uuid4().hex[:8]}",
        "recipients": [world.police_code],
        "payload": {"案由": "涉嫌生产销售伪劣产品"},
        "attachments": [Attachment("移送书.pdf", "application/pdf", b"%PDF-1.7 " + uuid.uuid4().bytes)],
    }
    args.update(overrides)
    return build_packet(world.enforcement_operator, **args)  # type: ignore[arg-type]


def validator(pki: PlatformPki) -> ChainValidator:
    return ChainValidator([pki.world.root.certificate], pki.world.crls())


def test_upload_returns_a_receipt_the_terminal_verifies_offline(platform: RunningPlatform, pki: PlatformPki) -> None:
    packet = transfer(pki)
    with platform.client("enforcement") as client:
        result = client.upload(packet.packet_id, packet.data)
    assert result.created
    receipt = verify_receipt(
        result.receipt_json,
        result.receipt_signature,
        validator(pki),
        platform_agency=pki.world.office_code,
        packet_id=packet.packet_id,
        manifest_sha256=packet.manifest_sha256,
    )
    assert receipt.sender == pki.world.enforcement_code and receipt.seq > 0


def test_upload_is_idempotent_and_other_content_under_the_same_id_conflicts(
    platform: RunningPlatform, pki: PlatformPki
) -> None:
    packet = transfer(pki)
    with platform.client("enforcement") as client:
        first = client.upload(packet.packet_id, packet.data)
        again = client.upload(packet.packet_id, packet.data)
        assert (again.created, again.receipt_json, again.receipt_signature) == (
            False,
            first.receipt_json,
            first.receipt_signature,
        )
        impostor = transfer(pki, packet_id=packet.packet_id, payload={"案由": "改过的内容"})
        with pytest.raises(PlatformConflict):
            client.upload(packet.packet_id, impostor.data)


def test_hostile_upload_is_refused_with_its_reason_and_quarantined(platform: RunningPlatform, pki: PlatformPki) -> None:
    packet, other = transfer(pki), transfer(pki)
    # A canonical archive whose signature belongs to another manifest: the platform must say "signature".
    tampered = write_archive({**packet_parts(packet.data), "manifest.p7s": packet_parts(other.data)["manifest.p7s"]})
    with platform.client("enforcement") as client:
        with pytest.raises(SignatureInvalid) as caught:
            client.upload(packet.packet_id, tampered)
        assert caught.value.user_message.startswith("平台拒收")
        flipped = bytearray(packet.data)
        flipped[len(flipped) // 2] ^= 0x01
        with pytest.raises(PacketRejected):
            client.upload(packet.packet_id, bytes(flipped))
        with pytest.raises(PlatformNotFound):
            client.download(packet.packet_id)  # nothing of a refused packet is stored
    quarantine = load_platform_config(platform.config).quarantine_dir
    kept = {p.read_bytes() for p in quarantine.glob("*.ljp.quarantined")}
    assert {tampered, bytes(flipped)} <= kept


def test_a_terminal_uploads_only_its_own_agencys_packets(platform: RunningPlatform, pki: PlatformPki) -> None:
    packet = transfer(pki)
    with platform.client("police") as police, pytest.raises(TerminalRefused):
        police.upload(packet.packet_id, packet.data)


def test_inbox_cursor_is_monotonic_and_pages(platform: RunningPlatform, pki: PlatformPki) -> None:
    with platform.client("police") as police:
        start = police.inbox(after=0, limit=500)
        while start.more:
            start = police.inbox(after=start.cursor, limit=500)
        sent = [transfer(pki) for _ in range(5)]
        with platform.client("enforcement") as enforcement:
            for packet in sent:
                enforcement.upload(packet.packet_id, packet.data)
        seen: list[int] = []
        ids: list[uuid.UUID] = []
        cursor = start.cursor
        while True:
            page = police.inbox(after=cursor, limit=2)
            seen += [item.seq for item in page.items]
            ids += [item.packet_id for item in page.items]
            assert page.cursor >= cursor
            cursor = page.cursor
            if not page.more:
                break
        assert seen == sorted(seen) and len(set(seen)) == len(seen)
        assert ids == [p.packet_id for p in sent]
        assert police.inbox(after=cursor).items == ()
        item = police.inbox(after=start.cursor, limit=1).items[0]
        verify_receipt(item.receipt_json, item.receipt_signature, validator(pki), platform_agency=pki.world.office_code)
        assert police.download(item.packet_id) == sent[0].data


def test_only_sender_recipients_procuratorate_and_office_see_a_packet(
    platform: RunningPlatform, pki: PlatformPki
) -> None:
    packet = transfer(pki)
    with platform.client("enforcement") as enforcement:
        enforcement.upload(packet.packet_id, packet.data)
        assert enforcement.download(packet.packet_id) == packet.data
    for name in ("police", "procuratorate", "office"):
        with platform.client(name) as client:
            assert client.download(packet.packet_id) == packet.data
            assert client.receipt(packet.packet_id)[0]
            listed = _all_inbox_ids(client)
            assert packet.packet_id in listed, name
    with platform.client("other") as outsider:
        assert packet.packet_id not in _all_inbox_ids(outsider)
        with pytest.raises(PlatformNotFound):
            outsider.download(packet.packet_id)
        with pytest.raises(PlatformNotFound):
            outsider.receipt(packet.packet_id)


def _all_inbox_ids(client: object) -> set[uuid.UUID]:
    from app.sync.platform_client import PlatformClient

    assert isinstance(client, PlatformClient)
    found: set[uuid.UUID] = set()
    cursor = 0
    while True:
        page = client.inbox(after=cursor, limit=500)
        found |= {item.packet_id for item in page.items}
        cursor = page.cursor
        if not page.more:
            return found


def test_publications_are_served_as_published_and_verify(platform: RunningPlatform, pki: PlatformPki) -> None:
    with platform.client("other") as client:
        directory, etag = client.published(AGENCY_DIRECTORY) or (b"", "")
        document = verify_document(
            directory, validator(pki), office_code=pki.world.office_code, expected_type=AGENCY_DIRECTORY
        )
        assert pki.world.other_code.encode() in document.content
        assert client.published(AGENCY_DIRECTORY, etag=etag) is None
        crl_bundle, _ = client.published("crl") or (b"", "")
        assert len(verify_crls(crl_bundle, [pki.world.root.certificate, pki.world.intermediate.certificate])) == 2
        with pytest.raises(PlatformNotFound):
            client.published("holiday-calendar")


def test_every_refusal_is_the_apis_chinese_json(platform: RunningPlatform, pki: PlatformPki) -> None:
    """Not Starlette's plain-text pages, nor a bare 500 for a cursor beyond a database integer; an id in another
    form than the standard one is refused (it was stored, then never found by its standard form)."""
    packet = transfer(pki)
    with platform.client("enforcement") as client:
        http = client._http
        answers = {
            "upper-case id": http.put(f"{API}/packets/{str(packet.packet_id).upper()}", content=packet.data),
            "urn id": http.put(f"{API}/packets/urn:uuid:{packet.packet_id}", content=packet.data),
            "cursor beyond": http.get(f"{API}/inbox", params={"after": 2**63}),
            "batch cursor beyond": http.get(f"{API}/inbox/packets", params={"after": 2**64}),
            "no such route": http.get(f"{API}/nothing"),
            "wrong method": http.delete(f"{API}/whoami"),
        }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "upper-case id": 400, "urn id": 400, "cursor beyond": 400, "batch cursor beyond": 400, "no such route": 404,
        "wrong method": 405,
    }  # fmt: skip
    for name, answer in answers.items():
        message = answer.json()["error"]["message"]
        assert any("\u4e00" <= char <= "\u9fff" for char in message), (name, message)
