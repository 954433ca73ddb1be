"""Packets: build, verify, what the verification establishes, stock OpenSSL agreement, and the CLI."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.commands import packet as packet_command
from app.sync.packet import (
    AgencyDirectory,
    Attachment,
    ChainValidator,
    PacketVerifier,
    build_packet,
)
from app.sync.packet.errors import (
    KindNotPermitted,
    PacketIdReused,
    PacketReplayed,
    RevocationUnknown,
    SignerCertificateExpired,
    SignerCertificateRevoked,
    SignerCertificateUntrusted,
    UnknownAgency,
)
from tests.sync.packet_support import PacketWorld, make_root, make_world, packet_parts, write_pem

OPENSSL = shutil.which("openssl") or ""


def verifier_for(world: PacketWorld, **kwargs: object) -> PacketVerifier:
    validator = ChainValidator([world.root.certificate], world.crls())
    return PacketVerifier(validator, AgencyDirectory.from_json(world.directory_json()), **kwargs)  # type: ignore[arg-type]


def transfer(world: PacketWorld, **overrides: object):
    args: dict[str, object] = {
        "kind": "transfer.sent",
        "case_id": "银兴市监〔2026〕18号",
        "recipients": [world.police_code, world.procuratorate_code],
        "payload": {"案由": "涉嫌销售伪劣产品", "金额_分": 6_000_000, "当事人": ["某公司"]},
        "attachments": [
            Attachment("移送书.pdf", "application/pdf", b"%PDF-1.7 transfer letter"),
            Attachment("清单.txt", "text/plain", b"item"),
        ],
    }
    args.update(overrides)
    return build_packet(world.enforcement_operator, **args)  # type: ignore[arg-type]


def test_valid_packet_verifies_and_names_its_signer(world: PacketWorld) -> None:
    built = transfer(world)
    verified = verifier_for(world).verify(built.data)
    assert verified.packet_id == built.packet_id
    assert verified.manifest_sha256 == built.manifest_sha256
    assert verified.manifest.sender_agency == world.enforcement_code
    assert verified.signer.name == "张执法" and verified.signer.operator_id == "ENF-001"
    assert verified.manifest.payload["金额_分"] == 6_000_000
    assert sorted(verified.attachments.values()) == [b"%PDF-1.7 transfer letter", b"item"]
    assert verified.manifest.created_at.utcoffset() == dt.timedelta(hours=8)
    assert b'"created_at":"' in verified.manifest_bytes and b"+08:00" in verified.manifest_bytes
    assert verified.warnings == ()


def test_manifest_is_canonical_json(world: PacketWorld) -> None:
    manifest = packet_parts(transfer(world).data)["manifest.json"]
    assert b" " not in manifest.replace("涉嫌销售伪劣产品".encode(), b"")
    assert "案由".encode() in manifest  # UTF-8, not \\u escapes


@pytest.mark.skipif(not OPENSSL, reason="openssl command not installed")
@pytest.mark.parametrize("key_kind", ["rsa", "ec"])
def test_stock_openssl_verifies_our_packets(tmp_path: Path, key_kind: str) -> None:
    world = make_world(key_kind)
    parts = packet_parts(transfer(world).data)
    (tmp_path / "manifest.json").write_bytes(parts["manifest.json"])
    (tmp_path / "manifest.p7s").write_bytes(parts["manifest.p7s"])
    write_pem(tmp_path / "root.pem", world.root.certificate)
    command = [OPENSSL, "cms", "-verify", "-binary", "-inform", "DER", "-in", "manifest.p7s"]
    command += ["-content", "manifest.json", "-CAfile", "root.pem", "-purpose", "any", "-out", "/dev/null"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    (tmp_path / "manifest.json").write_bytes(parts["manifest.json"].replace(b"C", b"D", 1))
    tampered = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert tampered.returncode != 0


def test_police_may_not_send_a_transfer(world: PacketWorld) -> None:
    built = build_packet(
        world.police_operator, kind="transfer.sent", case_id="C", recipients=[world.enforcement_code], payload={}
    )
    with pytest.raises(KindNotPermitted) as caught:
        verifier_for(world).verify(built.data)
    assert "公安分局" in caught.value.user_message


def test_unknown_recipient_is_refused(world: PacketWorld) -> None:
    from tests.sync.packet_support import make_uscc

    built = transfer(world, recipients=[make_uscc(999)])
    with pytest.raises(UnknownAgency):
        verifier_for(world).verify(built.data)


def test_replayed_packet_and_reused_id_are_refused(world: PacketWorld) -> None:
    built = transfer(world)
    verifier = verifier_for(world)
    with pytest.raises(PacketReplayed):
        verifier.verify(built.data, known=lambda pid: built.manifest_sha256 if pid == built.packet_id else None)
    with pytest.raises(PacketIdReused):
        verifier.verify(built.data, known=lambda pid: "0" * 64)
    assert verifier.verify(built.data, known=lambda pid: None).packet_id == built.packet_id


def test_certificate_from_a_foreign_ca_is_refused(world: PacketWorld) -> None:
    foreign = make_root("外部CA")
    impostor = foreign.issue_operator("张执法", world.enforcement_code, "市场监督管理局", "ENF-001")
    built = build_packet(impostor, kind="transfer.sent", case_id="C", recipients=[world.police_code], payload={})
    with pytest.raises(SignerCertificateUntrusted):
        verifier_for(world).verify(built.data)


def test_revoked_signer_is_refused_now_but_not_for_a_receipt_time_before_revocation() -> None:
    world = make_world("ec")
    built = transfer(world)
    revoked_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    world.intermediate.revoke(world.enforcement_operator.certificate, revoked_at)
    verifier = verifier_for(world)
    with pytest.raises(SignerCertificateRevoked) as caught:
        verifier.verify(built.data)
    assert "吊销" in caught.value.user_message
    earlier = verifier.verify(built.data, at=revoked_at - dt.timedelta(seconds=30))
    assert earlier.packet_id == built.packet_id


def test_expired_signer_is_refused(world: PacketWorld) -> None:
    old = world.intermediate.issue_operator(
        "张执法",
        world.enforcement_code,
        "市场监督管理局",
        "ENF-001",
        not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        days=30,
    )
    built = build_packet(old, kind="transfer.sent", case_id="C", recipients=[world.police_code], payload={})
    with pytest.raises(SignerCertificateExpired):
        verifier_for(world).verify(built.data)


def test_missing_crl_is_refused_when_required_and_a_warning_otherwise(world: PacketWorld) -> None:
    built = transfer(world)
    strict = PacketVerifier(ChainValidator([world.root.certificate], [world.root.crl()]))
    with pytest.raises(RevocationUnknown):
        strict.verify(built.data)
    lenient = PacketVerifier(ChainValidator([world.root.certificate], require_crl=False))
    assert any("吊销" in w for w in lenient.verify(built.data).warnings)


def test_chain_is_validated_once_per_signer_within_a_run(world: PacketWorld) -> None:
    validator = ChainValidator([world.root.certificate], world.crls())
    verifier = PacketVerifier(validator, AgencyDirectory.from_json(world.directory_json()))
    for _ in range(5):
        verifier.verify(transfer(world, packet_id=uuid.uuid4()).data)
    assert len(validator._cache) == 1


def test_a_cached_chain_is_not_reused_past_its_validity_or_after_the_trust_changes() -> None:
    world = make_world("ec")
    built = transfer(world)
    crls = world.crls()
    validator = ChainValidator([world.root.certificate], crls)
    verifier = PacketVerifier(validator, AgencyDirectory.from_json(world.directory_json()))
    verifier.verify(built.data)
    expiry = world.enforcement_operator.certificate.not_valid_after_utc
    with pytest.raises(SignerCertificateExpired):
        verifier.verify(built.data, at=expiry + dt.timedelta(seconds=1))
    world.intermediate.revoke(world.enforcement_operator.certificate)
    crls[1] = world.intermediate.crl()  # the CRL replaced in the list the validator was given
    with pytest.raises(SignerCertificateRevoked):
        verifier.verify(built.data)
    validator.crls = world.crls()[:1]  # the intermediate's CRL gone: revocation of its operators unknown
    with pytest.raises(RevocationUnknown):
        verifier.verify(built.data)
    validator.crls = [world.root.crl(), world.intermediate.crl(), world.intermediate.crl()]
    with pytest.raises(SignerCertificateRevoked):
        verifier.verify(built.data)
    validator.roots = [make_root("外部CA").certificate]
    with pytest.raises(SignerCertificateUntrusted):
        verifier.verify(built.data)


def test_a_certificate_parsed_again_finds_its_cached_chain_and_copies_do_not_pile_up(world: PacketWorld) -> None:
    validator = ChainValidator([world.root.certificate], world.crls())
    operator = world.enforcement_operator
    der_bytes = [c.public_bytes(serialization.Encoding.DER) for c in (operator.certificate, *operator.chain)]
    now = dt.datetime.now(dt.UTC)
    first = validator.validate(operator.certificate, list(operator.chain), now)
    for _ in range(600):
        leaf, *chain = (x509.load_der_x509_certificate(d) for d in der_bytes)
        assert validator.validate(leaf, chain, now) is first
    assert len(validator._cache) == 1
    assert len(validator._by_identity) <= 512


def run_cli(*argv: str | Path) -> int:
    parser = argparse.ArgumentParser()
    packet_command.add_arguments(parser)
    return packet_command.run(parser.parse_args([str(a) for a in argv]))


def test_cli_verify_exit_codes_and_show(tmp_path: Path, world: PacketWorld, capsys: pytest.CaptureFixture[str]) -> None:
    path = transfer(world).write(tmp_path)
    root = write_pem(tmp_path / "root.pem", world.root.certificate)
    crls = [
        write_pem(tmp_path / "root.crl", world.root.crl()),
        write_pem(tmp_path / "inter.crl", world.intermediate.crl()),
    ]
    directory = tmp_path / "agencies.json"
    directory.write_bytes(world.directory_json())
    assert run_cli("verify", path, "--trust", root, "--crl", crls[0], "--crl", crls[1], "--directory", directory) == 0
    assert "有效" in capsys.readouterr().out
    assert run_cli("verify", path, "--trust", root) == 0
    assert "警告" in capsys.readouterr().out
    foreign = write_pem(tmp_path / "foreign.pem", make_root("外部CA").certificate)
    quarantine = tmp_path / "quarantine"
    assert run_cli("verify", path, "--trust", foreign, "--quarantine", quarantine) == 1
    assert "signer-untrusted" in capsys.readouterr().out
    assert len(list(quarantine.glob("*.ljp.quarantined"))) == 1
    assert run_cli("show", path) == 0
    shown = capsys.readouterr().out
    assert "未经签名校验" in shown and "移送书.pdf" in shown and "涉嫌销售伪劣产品" in shown


def test_cli_verify_reads_every_crl_of_a_bundle(
    tmp_path: Path, world: PacketWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    """The platform publishes one PEM bundle (a CRL per CA): only its first CRL was read, so a valid packet was
    refused as revocation-unknown, or, the other way round, a revocation by the second CA was missed (exit 0)."""
    path = transfer(world).write(tmp_path)
    root = write_pem(tmp_path / "root.pem", world.root.certificate)
    bundle = tmp_path / "crl.pem"
    bundle.write_bytes(world.root.crl_pem() + world.intermediate.crl_pem())
    assert run_cli("verify", path, "--trust", root, "--crl", bundle) == 0, capsys.readouterr().out
    assert "有效" in capsys.readouterr().out
    revoked = world.enforcement_operator.certificate.serial_number
    world.intermediate.revoke(world.enforcement_operator.certificate)
    try:
        bundle.write_bytes(world.root.crl_pem() + world.intermediate.crl_pem())
        assert run_cli("verify", path, "--trust", root, "--crl", bundle) == 1
        assert "signer-revoked" in capsys.readouterr().out
    finally:
        world.intermediate.revoked.pop(revoked)


def test_cli_does_not_read_a_file_larger_than_any_packet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.ljp"
    with huge.open("wb") as sparse:  # sparse: its size is what the check looks at, no gigabyte is written
        sparse.truncate(packet_command.MAX_FILE_BYTES + 1)
    assert run_cli("show", huge) == 2
    assert "超过" in capsys.readouterr().out
