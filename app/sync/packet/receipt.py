"""The platform's receipt: proof of when a packet was entered (seed §8: the 3-working-day rule is judged on it).

A receipt is canonical JSON (``receipt.json``) with a detached CMS signature (``receipt.p7s``) by the platform's
receipt certificate, so a terminal verifies it offline, years later, and stock OpenSSL can too:
``openssl cms -verify -binary -inform DER -in receipt.p7s -content receipt.json -CAfile root.pem -purpose any``.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from app.crypto.keys import Signer
from app.sync.packet import cms
from app.sync.packet.canonical import NotCanonicalJson, canonical_json, parse_canonical_json
from app.sync.packet.errors import PacketRejected, ReceiptInvalid
from app.sync.packet.manifest import BEIJING
from app.sync.packet.trust import CertificateHolder, CertificateValidator

RECEIPT_FORMAT = 1


@dataclass(frozen=True)
class Receipt:
    """Packet ``packet_id`` with manifest ``manifest_sha256`` from ``sender`` was accepted at ``received_at``."""

    packet_id: uuid.UUID
    manifest_sha256: str
    packet_sha256: str
    sender: str
    received_at: dt.datetime
    seq: int
    platform: str

    def to_json(self) -> bytes:
        """The canonical ``receipt.json`` bytes."""
        return canonical_json(
            {
                "format": RECEIPT_FORMAT,
                "type": "receipt",
                "packet_id": str(self.packet_id),
                "manifest_sha256": self.manifest_sha256,
                "packet_sha256": self.packet_sha256,
                "sender": self.sender,
                "received_at": self.received_at.astimezone(BEIJING).isoformat(timespec="microseconds"),
                "seq": self.seq,
                "platform": self.platform,
            }
        )


@dataclass(frozen=True)
class SignedReceipt:
    """A receipt as stored and sent: its JSON bytes and the platform's detached CMS signature over them."""

    receipt: Receipt
    receipt_json: bytes
    signature: bytes

    def to_wire(self) -> dict[str, Any]:
        """The JSON object the platform answers with (bytes in base64)."""
        return {
            "receipt": base64.b64encode(self.receipt_json).decode("ascii"),
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }


def sign_receipt(receipt: Receipt, signer: Signer) -> SignedReceipt:
    """The platform signs ``receipt`` with its receipt key."""
    receipt_json = receipt.to_json()
    return SignedReceipt(receipt, receipt_json, cms.sign(receipt_json, signer))


def parse_receipt(receipt_json: bytes) -> Receipt:
    """The receipt in ``receipt_json`` (canonical JSON), without checking its signature."""
    try:
        raw = parse_canonical_json(receipt_json)
        if raw["format"] != RECEIPT_FORMAT or raw["type"] != "receipt":
            raise ReceiptInvalid("not a receipt of a supported format")
        received = dt.datetime.fromisoformat(_text(raw["received_at"]))
        if received.utcoffset() is None:
            raise ReceiptInvalid("received_at without a time zone")
        return Receipt(
            packet_id=uuid.UUID(_text(raw["packet_id"])),
            manifest_sha256=str(raw["manifest_sha256"]),
            packet_sha256=str(raw["packet_sha256"]),
            sender=str(raw["sender"]),
            received_at=received,
            seq=int(raw["seq"]),
            platform=str(raw["platform"]),
        )
    except (NotCanonicalJson, KeyError, TypeError, ValueError) as exc:
        raise ReceiptInvalid(f"receipt unreadable: {exc}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{type(value).__name__} where text belongs")
    return value


def receipt_from_wire(body: dict[str, Any]) -> tuple[bytes, bytes]:
    """(receipt.json, receipt.p7s) from the platform's JSON answer."""
    try:
        return base64.b64decode(body["receipt"], validate=True), base64.b64decode(body["signature"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReceiptInvalid(f"receipt missing from the answer: {exc}") from None


def verify_receipt(
    receipt_json: bytes,
    signature: bytes,
    validator: CertificateValidator,
    *,
    platform_agency: str,
    packet_id: uuid.UUID | None = None,
    manifest_sha256: str | None = None,
) -> Receipt:
    """The receipt, if signed by a valid certificate of ``platform_agency`` (and about the expected packet)."""
    receipt = parse_receipt(receipt_json)
    try:
        signed = cms.verify(signature, receipt_json)
        chain = validator.validate(signed.signer_certificate, list(signed.certificates[1:]), receipt.received_at)
        holder: CertificateHolder = chain.holder
    except PacketRejected as exc:
        raise ReceiptInvalid(f"receipt signature: {exc}", user_message=f"平台回执无效：{exc.user_message}") from None
    if holder.agency_code != platform_agency:
        raise ReceiptInvalid(f"receipt signed by {holder.agency_code}, not the platform {platform_agency}")
    if packet_id is not None and receipt.packet_id != packet_id:
        raise ReceiptInvalid("receipt is for another packet")
    if manifest_sha256 is not None and receipt.manifest_sha256 != manifest_sha256:
        raise ReceiptInvalid("receipt is for other content")
    return receipt
