"""What the office publishes through the platform: the CRL, the holiday calendar, the agency directory, the rules.

The calendar, the directory and the rules travel as *signed documents*: a CMS SignedData (DER) with the content
embedded, signed by an operator certificate of the office, whose content is canonical JSON
``{"format", "type", "version", "issued_at", "media_type", "content_sha256", "content" (base64)}``. The platform
serves them as published; each terminal verifies them before use and refuses a version older than the one it has.
The content format of each type belongs to its owner (the domain); here it is opaque bytes with a declared type.
The CRL is served as the CA signed it and checked against the trust anchors.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from app.crypto import validation
from app.crypto.errors import CrlInvalid
from app.crypto.keys import Signer
from app.sync.packet import cms
from app.sync.packet.canonical import NotCanonicalJson, canonical_json, parse_canonical_json
from app.sync.packet.errors import PacketRejected, PublishedDocumentInvalid
from app.sync.packet.manifest import BEIJING
from app.sync.packet.trust import CertificateHolder, CertificateValidator, holder_of

DOCUMENT_FORMAT = 1
HOLIDAY_CALENDAR = "holiday-calendar"
AGENCY_DIRECTORY = "agency-directory"
SCREENING_RULES = "screening-rules"
DOCUMENT_TYPES = frozenset({HOLIDAY_CALENDAR, AGENCY_DIRECTORY, SCREENING_RULES})


def calendar_name(year: int) -> str:
    """The platform's name of one year's calendar publication (each year is served under its own name)."""
    return f"{HOLIDAY_CALENDAR}-{year}"


@dataclass(frozen=True)
class SignedDocument:
    """A verified office publication."""

    type: str
    version: int
    issued_at: dt.datetime
    media_type: str
    content: bytes
    signer: CertificateHolder  # from ``read_own_document``: as the certificate names it, its chain not validated


def sign_document(
    signer: Signer,
    *,
    doc_type: str,
    version: int,
    content: bytes,
    media_type: str = "application/json",
    issued_at: dt.datetime | None = None,
) -> bytes:
    """The office signs a publication; the result is the file the platform serves."""
    if doc_type not in DOCUMENT_TYPES:
        raise ValueError(f"unknown document type {doc_type!r}")
    envelope = canonical_json(
        {
            "format": DOCUMENT_FORMAT,
            "type": doc_type,
            "version": version,
            "issued_at": (issued_at or dt.datetime.now(BEIJING)).astimezone(BEIJING).isoformat(timespec="seconds"),
            "media_type": media_type,
            "content_sha256": hashlib.sha256(content).hexdigest(),
            "content": base64.b64encode(content).decode("ascii"),
        }
    )
    return cms.sign(envelope, signer, detached=False)


def verify_document(
    data: bytes,
    validator: CertificateValidator,
    *,
    office_code: str,
    expected_type: str,
    at: dt.datetime | None = None,
) -> SignedDocument:
    """The publication in ``data``, if signed by a valid certificate of the office and of the expected type."""
    try:
        signed = cms.verify(data)
        when = at or dt.datetime.now(dt.UTC)
        holder = validator.validate(signed.signer_certificate, list(signed.certificates[1:]), when).holder
    except PacketRejected as exc:
        raise PublishedDocumentInvalid(
            f"document signature: {exc}", user_message=f"发布文件无效：{exc.user_message}"
        ) from None
    if holder.agency_code != office_code:
        raise PublishedDocumentInvalid(
            f"document signed by {holder.agency_code}, not the office {office_code}",
            user_message=f"发布文件不是由两法衔接领导小组办公室签名的（签名单位代码 {holder.agency_code}）。",
        )
    document = _envelope(signed.content, holder)
    if document.type != expected_type:
        raise PublishedDocumentInvalid(
            f"document is {document.type}, expected {expected_type}",
            user_message=f"发布文件的类型为“{document.type}”，不是所需的“{expected_type}”。",
        )
    return document


def read_own_document(data: bytes) -> SignedDocument:
    """A publication the platform installed itself after verifying it (``lianjie-platform publish``): its envelope,
    with the CMS signature checked but not the signer's chain as of now (an office certificate that expired or was
    revoked since does not change which version is published). Never for a document from outside."""
    try:
        signed = cms.verify(data)
    except PacketRejected as exc:
        raise PublishedDocumentInvalid(
            f"document signature: {exc}", user_message=f"发布文件无效：{exc.user_message}"
        ) from None
    try:
        holder = holder_of(signed.signer_certificate)
    except PacketRejected as exc:
        raise PublishedDocumentInvalid(
            f"document signer: {exc}", user_message=f"发布文件无效：{exc.user_message}"
        ) from None
    return _envelope(signed.content, holder)


def _envelope(payload: bytes, holder: CertificateHolder) -> SignedDocument:
    try:
        raw = parse_canonical_json(payload)
        content = base64.b64decode(raw["content"], validate=True)
        document = SignedDocument(
            type=str(raw["type"]),
            version=int(raw["version"]),
            issued_at=dt.datetime.fromisoformat(raw["issued_at"]),
            media_type=str(raw["media_type"]),
            content=content,
            signer=holder,
        )
        ok = raw["format"] == DOCUMENT_FORMAT and raw["content_sha256"] == hashlib.sha256(content).hexdigest()
    except (NotCanonicalJson, KeyError, TypeError, ValueError) as exc:
        raise PublishedDocumentInvalid(
            f"document envelope unreadable: {exc}", user_message="发布文件的封装格式无法识别。"
        ) from None
    if not ok:
        raise PublishedDocumentInvalid(
            "document format or content digest wrong", user_message="发布文件的格式版本或内容摘要不符。"
        )
    return document


def load_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    """Every CRL in a PEM bundle (one per CA of the platform's hierarchy), or the one CRL of DER bytes, unverified."""
    try:
        return validation.load_crls(data)
    except CrlInvalid as exc:
        raise PublishedDocumentInvalid(f"CRL unreadable: {exc}", user_message="证书吊销列表无法读取。") from None


def verify_crls(data: bytes, issuers: Sequence[x509.Certificate]) -> list[x509.CertificateRevocationList]:
    """Every CRL of a published bundle, each signed by one of ``issuers`` (trust anchors or known intermediates)."""
    crls = load_crls(data)
    if not all(any(validation.signed_by(crl, issuer) for issuer in issuers) for crl in crls):
        raise PublishedDocumentInvalid(
            "CRL not signed by a trusted issuer", user_message="证书吊销列表不是由受信任的证书机构签发的。"
        )
    return crls


def verify_crl(data: bytes, issuers: Sequence[x509.Certificate]) -> x509.CertificateRevocationList:
    """The one CRL in ``data`` if one of ``issuers`` signed it."""
    crls = verify_crls(data, issuers)
    if len(crls) != 1:
        raise PublishedDocumentInvalid(f"{len(crls)} CRLs where one belongs", user_message="应为一个证书吊销列表。")
    return crls[0]
