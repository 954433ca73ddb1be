"""Hostile packets: each is refused with a precise reason, quarantined, and yields nothing to apply."""

from __future__ import annotations

import hashlib
import io
import json
import random
import stat
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sync.packet import AgencyDirectory, ChainValidator, PacketVerifier, Quarantine, build_packet, cms
from app.sync.packet.archive import ArchiveLimits, write_archive
from app.sync.packet.canonical import canonical_json
from app.sync.packet.errors import (
    ArchiveMalformed,
    ArchiveMissingEntry,
    ArchiveNotCanonical,
    ArchiveTooLarge,
    ArchiveUnexpectedEntry,
    ArchiveUnsafePath,
    AttachmentMismatch,
    ManifestInvalid,
    ManifestNotCanonical,
    ManifestTooLarge,
    PacketRejected,
    SignatureInvalid,
    SignerAgencyMismatch,
)
from app.sync.packet.manifest import parse_manifest
from app.sync.packet.quarantine import verify_or_quarantine
from tests.sync.packet_support import PacketWorld, packet_parts


@pytest.fixture(scope="module")
def verifier(world: PacketWorld) -> PacketVerifier:
    return PacketVerifier(
        ChainValidator([world.root.certificate], world.crls()), AgencyDirectory.from_json(world.directory_json())
    )


def rezip(entries: dict[str, bytes]) -> bytes:
    """A canonical archive of arbitrary entries, as a forger with our writer would make it."""
    return write_archive(entries)


def zip_with(infos: list[tuple[zipfile.ZipInfo | str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for info, data in infos:
            archive.writestr(info, data)
    return out.getvalue()


def test_every_single_bit_flip_anywhere_is_refused(verifier: PacketVerifier, small_packet: bytes) -> None:
    # Exhaustive over byte positions (local headers, data, central directory, end record); the bit rotates.
    for position in range(len(small_packet)):
        tampered = bytearray(small_packet)
        tampered[position] ^= 1 << (position % 8)
        with pytest.raises(PacketRejected):
            verifier.verify(bytes(tampered))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    region=st.sampled_from(["head", "manifest", "signature", "attachment", "directory"]),
    where=st.floats(0, 1),
    bit=st.integers(0, 7),
)
def test_bit_flips_in_each_region_are_refused(
    verifier: PacketVerifier, small_packet: bytes, region: str, where: float, bit: int
) -> None:
    parts = packet_parts(small_packet)
    p7s_at = small_packet.index(parts["manifest.p7s"])
    attachment = next(v for k, v in parts.items() if k.startswith("attachments/"))
    attachment_at = small_packet.index(attachment)
    directory_at = small_packet.rindex(b"PK\x01\x02", 0, len(small_packet))
    bounds = {
        "head": (0, 30),
        "manifest": (small_packet.index(parts["manifest.json"]), p7s_at - 30 - len("manifest.p7s")),
        "signature": (p7s_at, p7s_at + len(parts["manifest.p7s"])),
        "attachment": (attachment_at, attachment_at + len(attachment)),
        "directory": (small_packet.index(b"PK\x01\x02"), len(small_packet)),
    }
    assert directory_at > attachment_at
    start, end = bounds[region]
    position = start + int(where * (end - start - 1))
    tampered = bytearray(small_packet)
    tampered[position] ^= 1 << bit
    with pytest.raises(PacketRejected):
        verifier.verify(bytes(tampered))


def test_tampered_attachment_in_a_rebuilt_archive(verifier: PacketVerifier, small_packet: bytes) -> None:
    parts = packet_parts(small_packet)
    name = next(k for k in parts if k.startswith("attachments/"))
    parts[name] = parts[name][:-1] + b"X"
    with pytest.raises(AttachmentMismatch):
        verifier.verify(rezip(parts))


def test_missing_and_extra_files(verifier: PacketVerifier, small_packet: bytes) -> None:
    parts = packet_parts(small_packet)
    name = next(k for k in parts if k.startswith("attachments/"))
    without_attachment = {k: v for k, v in parts.items() if k != name}
    with pytest.raises(ArchiveMissingEntry):
        verifier.verify(rezip(without_attachment))
    with pytest.raises(ArchiveMissingEntry):
        verifier.verify(rezip({k: v for k, v in parts.items() if k != "manifest.p7s"}))
    extra = dict(parts)
    extra["attachments/" + hashlib.sha256(b"smuggled").hexdigest()] = b"smuggled"
    with pytest.raises(ArchiveUnexpectedEntry):
        verifier.verify(rezip(extra))
    with pytest.raises(ArchiveUnexpectedEntry):
        verifier.verify(rezip({**parts, "readme.txt": b"hi"}))


@pytest.mark.parametrize(
    "name", ["../evil", "attachments/../../etc/passwd", "/etc/passwd", "attachments\\x", "C:/x", "a//b"]
)
def test_paths_escaping_the_archive(verifier: PacketVerifier, small_packet: bytes, name: str) -> None:
    parts = packet_parts(small_packet)
    with pytest.raises(ArchiveUnsafePath):
        verifier.verify(zip_with([*parts.items(), (name, b"x")]))


def test_symlink_entry(verifier: PacketVerifier, small_packet: bytes) -> None:
    link = zipfile.ZipInfo("attachments/" + "a" * 64)
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(ArchiveUnsafePath):
        verifier.verify(zip_with([*packet_parts(small_packet).items(), (link, b"/etc/passwd")]))


def test_zip_bomb_stops_after_bounded_work(verifier: PacketVerifier, small_packet: bytes) -> None:
    parts = packet_parts(small_packet)
    bomb = zip_with([*parts.items(), ("attachments/" + "b" * 64, bytes(200 * 1024 * 1024))], zipfile.ZIP_DEFLATED)
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(ArchiveTooLarge):
        verifier.verify(bomb)
    assert time.perf_counter() - started < 5


def test_declared_sizes_are_not_trusted(verifier: PacketVerifier, small_packet: bytes) -> None:
    # A bomb whose headers claim 100 bytes: the stream is bounded by the ratio and the real count, never the claim.
    bomb = bytearray(zip_with([("attachments/" + "c" * 64, bytes(50 * 1024 * 1024))], zipfile.ZIP_DEFLATED))
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = bomb.index(signature)
        bomb[at + size_at : at + size_at + 4] = (100).to_bytes(4, "little")
    with pytest.raises((ArchiveTooLarge, ArchiveMalformed)):
        verifier.verify(bytes(bomb))
    limited = PacketVerifier(
        verifier.validator, limits=ArchiveLimits(max_attachment_bytes=1000, max_compression_ratio=10**6)
    )
    honest = zip_with([("attachments/" + "d" * 64, bytes(5000))], zipfile.ZIP_DEFLATED)
    with pytest.raises(ArchiveTooLarge):
        limited.verify(honest)


def test_too_many_entries(verifier: PacketVerifier) -> None:
    many = zip_with([(f"attachments/{i:064x}", b"") for i in range(500)])
    with pytest.raises(ArchiveTooLarge):
        verifier.verify(many)


def test_oversized_manifest(world: PacketWorld, verifier: PacketVerifier) -> None:
    big = build_packet(
        world.enforcement_operator,
        kind="transfer.sent",
        case_id="C",
        recipients=[world.police_code],
        payload={"x": "y" * 2_000_000},
    )
    with pytest.raises(ManifestTooLarge):
        verifier.verify(big.data)


def test_non_canonical_archive_and_manifest(world: PacketWorld, verifier: PacketVerifier, small_packet: bytes) -> None:
    parts = packet_parts(small_packet)
    with pytest.raises(ArchiveNotCanonical):
        verifier.verify(zip_with(list(parts.items())))  # same entries, Python's zipfile layout (timestamps etc.)
    pretty = parts["manifest.json"].replace(b",", b", ", 1)
    with pytest.raises(ManifestNotCanonical):
        verifier.verify(rezip({**parts, "manifest.json": pretty}))


@pytest.mark.parametrize("value", [b'"\\ud800"', b"1" * 5000], ids=["lone-surrogate", "huge-integer"])
def test_json_python_cannot_round_trip_is_not_canonical_not_a_crash(
    verifier: PacketVerifier, small_packet: bytes, value: bytes
) -> None:
    parts = packet_parts(small_packet)
    manifest = parts["manifest.json"].replace(b'{"a":"b"}', b'{"a":' + value + b"}", 1)
    assert manifest != parts["manifest.json"]
    with pytest.raises(ManifestNotCanonical):
        verifier.verify(rezip({**parts, "manifest.json": manifest}))


def test_signature_over_other_content(world: PacketWorld, verifier: PacketVerifier, small_packet: bytes) -> None:
    parts = packet_parts(small_packet)
    other = build_packet(
        world.enforcement_operator, kind="transfer.sent", case_id="C-2", recipients=[world.police_code], payload={}
    )
    with pytest.raises(SignatureInvalid):
        verifier.verify(rezip({**parts, "manifest.p7s": packet_parts(other.data)["manifest.p7s"]}))


def test_signer_of_another_agency(world: PacketWorld, verifier: PacketVerifier, small_packet: bytes) -> None:
    # The environment bureau's operator signs a manifest that claims to come from the market regulator.
    parts = packet_parts(small_packet)
    manifest = parts["manifest.json"]
    assert parse_manifest(manifest).sender_agency == world.enforcement_code
    forged = {**parts, "manifest.p7s": cms.sign(manifest, world.other_operator)}
    with pytest.raises(SignerAgencyMismatch):
        verifier.verify(rezip(forged))


def test_refused_packets_are_quarantined_with_their_reason(
    tmp_path: Path, verifier: PacketVerifier, small_packet: bytes
) -> None:
    quarantine = Quarantine(tmp_path / "quarantine")
    tampered = bytearray(small_packet)
    tampered[random.Random(5).randrange(len(tampered))] ^= 0x10
    applied: list[uuid.UUID] = []
    with pytest.raises(PacketRejected) as caught:
        applied.append(verify_or_quarantine(verifier, bytes(tampered), quarantine, origin="test").packet_id)
    assert applied == []
    [kept] = quarantine.entries()
    assert kept.code == caught.value.code and kept.origin == "test"
    assert kept.path.read_bytes() == bytes(tampered)


def test_a_signer_key_on_an_unsupported_curve_is_refused_not_a_crash(
    verifier: PacketVerifier, small_packet: bytes
) -> None:
    # The P-256 curve OID in the signer certificate's key swapped for SM2's: cryptography cannot load that key.
    parts = packet_parts(small_packet)
    p256, sm2 = bytes.fromhex("06082A8648CE3D030107"), bytes.fromhex("06082A811CCF5501822D")
    assert p256 in parts["manifest.p7s"]
    parts["manifest.p7s"] = parts["manifest.p7s"].replace(p256, sm2, 1)
    with pytest.raises(SignatureInvalid):
        cms.verify(parts["manifest.p7s"], parts["manifest.json"])
    with pytest.raises(PacketRejected):
        verifier.verify(write_archive(parts))


@pytest.mark.parametrize("field", ["case_id", "name"])
def test_a_control_character_in_a_manifest_name_or_number_is_refused(
    verifier: PacketVerifier, small_packet: bytes, field: str
) -> None:
    """A NUL in a case number made PostgreSQL refuse the platform's whole commit, other terminals' uploads with it."""
    parts = packet_parts(small_packet)
    manifest = json.loads(parts["manifest.json"])
    if field == "case_id":
        manifest["case_id"] = "CASE\x00-1"
    else:
        manifest["attachments"][0]["name"] = "笔录\x07.txt"
    with pytest.raises(ManifestInvalid, match="控制字符"):
        verifier.verify(rezip({**parts, "manifest.json": canonical_json(manifest)}))
