"""Signed case packets: build, read, verify; platform receipts; the office's signed publications.

A packet ``<id>.ljp`` is a canonical STORED zip of ``manifest.json`` (canonical JSON), ``manifest.p7s`` (CMS
SignedData, DER, detached over the manifest, by the operator) and ``attachments/<sha256>``. See docs/packets.md.
"""

from app.domain.agencies import Agency, AgencyKind
from app.sync.packet.archive import ArchiveLimits
from app.sync.packet.build import PACKET_SUFFIX, Attachment, BuiltPacket, build_packet
from app.sync.packet.errors import PacketRejected, rejection_classes
from app.sync.packet.kinds import AgencyDirectory, may_send
from app.sync.packet.manifest import AttachmentRef, Manifest, Operator, parse_manifest
from app.sync.packet.quarantine import Quarantine, verify_or_quarantine
from app.sync.packet.receipt import Receipt, SignedReceipt, sign_receipt, verify_receipt
from app.sync.packet.trust import CertificateHolder, CertificateValidator, ChainValidator, holder_of
from app.sync.packet.verify import KnownLookup, PacketVerifier, VerifiedPacket

__all__ = [
    "PACKET_SUFFIX",
    "Agency",
    "AgencyDirectory",
    "AgencyKind",
    "ArchiveLimits",
    "Attachment",
    "AttachmentRef",
    "BuiltPacket",
    "CertificateHolder",
    "CertificateValidator",
    "ChainValidator",
    "KnownLookup",
    "Manifest",
    "Operator",
    "PacketRejected",
    "PacketVerifier",
    "Quarantine",
    "Receipt",
    "SignedReceipt",
    "VerifiedPacket",
    "build_packet",
    "holder_of",
    "may_send",
    "parse_manifest",
    "rejection_classes",
    "sign_receipt",
    "verify_or_quarantine",
    "verify_receipt",
]
