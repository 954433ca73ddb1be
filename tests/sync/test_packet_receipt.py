"""Platform receipts and the office's signed publications: verified offline, by us and by stock OpenSSL."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from app.sync.packet import ChainValidator, Receipt, sign_receipt, verify_receipt
from app.sync.packet.errors import PublishedDocumentInvalid, ReceiptInvalid
from app.sync.packet.manifest import BEIJING
from app.sync.packet.published import AGENCY_DIRECTORY, HOLIDAY_CALENDAR, sign_document, verify_crl, verify_document
from tests.sync.packet_support import PacketWorld, make_root, write_pem


def validator(world: PacketWorld) -> ChainValidator:
    return ChainValidator([world.root.certificate], world.crls())


def a_receipt(world: PacketWorld) -> Receipt:
    return Receipt(
        packet_id=uuid.uuid4(),
        manifest_sha256="ab" * 32,
        packet_sha256="cd" * 32,
        sender=world.enforcement_code,
        received_at=dt.datetime.now(BEIJING),
        seq=42,
        platform="兴庆区两法衔接平台",
    )


def test_receipt_verifies_offline_and_says_what_was_received(world: PacketWorld) -> None:
    receipt = a_receipt(world)
    signed = sign_receipt(receipt, world.office_operator)
    got = verify_receipt(
        signed.receipt_json,
        signed.signature,
        validator(world),
        platform_agency=world.office_code,
        packet_id=receipt.packet_id,
        manifest_sha256=receipt.manifest_sha256,
    )
    assert got == receipt
    assert b"+08:00" in signed.receipt_json


def test_tampered_or_foreign_receipts_are_refused(world: PacketWorld) -> None:
    signed = sign_receipt(a_receipt(world), world.office_operator)
    later = signed.receipt_json.replace(b'"seq":42', b'"seq":43')
    with pytest.raises(ReceiptInvalid):
        verify_receipt(later, signed.signature, validator(world), platform_agency=world.office_code)
    by_agency = sign_receipt(a_receipt(world), world.police_operator)
    with pytest.raises(ReceiptInvalid):
        verify_receipt(by_agency.receipt_json, by_agency.signature, validator(world), platform_agency=world.office_code)
    with pytest.raises(ReceiptInvalid):
        verify_receipt(
            signed.receipt_json,
            signed.signature,
            validator(world),
            platform_agency=world.office_code,
            packet_id=uuid.uuid4(),
        )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command not installed")
def test_stock_openssl_verifies_receipts(tmp_path: Path, world: PacketWorld) -> None:
    signed = sign_receipt(a_receipt(world), world.office_operator)
    (tmp_path / "receipt.json").write_bytes(signed.receipt_json)
    (tmp_path / "receipt.p7s").write_bytes(signed.signature)
    write_pem(tmp_path / "root.pem", world.root.certificate)
    command = [
        "openssl",
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "receipt.p7s",
        "-content",
        "receipt.json",
    ]
    command += ["-CAfile", "root.pem", "-purpose", "any", "-out", "/dev/null"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_signed_document_round_trip_and_refusals(world: PacketWorld) -> None:
    content = world.directory_json()
    data = sign_document(world.office_operator, doc_type=AGENCY_DIRECTORY, version=3, content=content)
    document = verify_document(data, validator(world), office_code=world.office_code, expected_type=AGENCY_DIRECTORY)
    assert (document.version, document.content, document.signer.agency_code) == (3, content, world.office_code)
    with pytest.raises(PublishedDocumentInvalid):
        verify_document(data, validator(world), office_code=world.office_code, expected_type=HOLIDAY_CALENDAR)
    by_police = sign_document(world.police_operator, doc_type=AGENCY_DIRECTORY, version=4, content=content)
    with pytest.raises(PublishedDocumentInvalid):
        verify_document(by_police, validator(world), office_code=world.office_code, expected_type=AGENCY_DIRECTORY)
    tampered = bytearray(data)
    tampered[len(tampered) // 2] ^= 1
    with pytest.raises(PublishedDocumentInvalid):
        verify_document(
            bytes(tampered), validator(world), office_code=world.office_code, expected_type=AGENCY_DIRECTORY
        )


def test_crl_must_come_from_a_trusted_issuer(world: PacketWorld) -> None:
    pem = world.root.crl_pem()
    assert verify_crl(pem, [world.root.certificate]).issuer == world.root.certificate.subject
    with pytest.raises(PublishedDocumentInvalid):
        verify_crl(make_root("外部CA").crl_pem(), [world.root.certificate])
