"""Who signed: the certificate profile, the chain to the trust anchors, and the CRL — with a per-run cache.

INTERIM: the identity engineer's validator (``app.crypto.validation``) will replace ``ChainValidator``'s internals;
callers depend only on ``CertificateValidator`` (``validate(certificate, intermediates, at)``), so the swap is local.
Chains use cryptography's ``x509.verification``; revocation is checked against the CRL of each issuer in the chain.
A validated chain is cached by (certificate fingerprint, intermediates), and the CRLs are fixed for a validator's
lifetime (a new CRL means a new validator), so verifying thousands of packets of one operator costs one chain build.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.domain.identifiers import InvalidCreditCode, validate_credit_code
from app.sync.packet.errors import (
    RevocationUnknown,
    SignerCertificateExpired,
    SignerCertificateRevoked,
    SignerCertificateUntrusted,
    SignerProfileViolation,
)


@dataclass(frozen=True)
class CertificateHolder:
    """What the profile puts in a subject: CN (person or machine), O (agency), OU (统一社会信用代码), serialNumber."""

    name: str
    agency_code: str
    agency_name: str
    operator_id: str


def _attr(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    if len(values) != 1:
        return ""
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def holder_of(cert: x509.Certificate, *, operator: bool = True) -> CertificateHolder:
    """The holder named by ``cert``; operators must carry a serialNumber and signing key usage."""
    try:
        code = validate_credit_code(_attr(cert, NameOID.ORGANIZATIONAL_UNIT_NAME))
    except InvalidCreditCode as exc:
        raise SignerProfileViolation(
            "certificate OU is not a valid USCC", user_message=f"证书中的统一社会信用代码无效：{exc.user_message}"
        ) from None
    holder = CertificateHolder(
        name=_attr(cert, NameOID.COMMON_NAME),
        agency_code=code,
        agency_name=_attr(cert, NameOID.ORGANIZATION_NAME),
        operator_id=_attr(cert, NameOID.SERIAL_NUMBER),
    )
    if not holder.name:
        raise SignerProfileViolation("certificate without CN", user_message="证书缺少持有人名称（CN）。")
    if operator:
        if not holder.operator_id:
            raise SignerProfileViolation(
                "operator certificate without serialNumber", user_message="操作员证书缺少操作员编号。"
            )
        try:
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            usage = None
        if usage is None or not (usage.digital_signature and usage.content_commitment):
            raise SignerProfileViolation(
                "operator certificate lacks digitalSignature+nonRepudiation",
                user_message="证书的密钥用途不是签名（digitalSignature + nonRepudiation）。",
            )
    return holder


def has_client_auth(cert: x509.Certificate) -> bool:
    """Whether ``cert`` may authenticate a terminal (EKU clientAuth)."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.CLIENT_AUTH in eku


def fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


@dataclass(frozen=True)
class ValidatedChain:
    """A chain from a certificate to a trust anchor, valid at some time and not revoked then."""

    chain: tuple[x509.Certificate, ...]
    warnings: tuple[str, ...] = ()


class CertificateValidator(Protocol):
    """What packet, receipt and document verification ask of certificate validation."""

    def validate(
        self, certificate: x509.Certificate, intermediates: Sequence[x509.Certificate], at: dt.datetime
    ) -> ValidatedChain: ...


@dataclass(frozen=True)
class _CachedChain:
    chain: tuple[x509.Certificate, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    revoked_at: dt.datetime | None
    warnings: tuple[str, ...]


@dataclass
class ChainValidator:
    """Chains to ``roots`` and checks each issued certificate against its issuer's CRL from ``crls``.

    ``require_crl``: a certificate whose issuer has no usable CRL here is refused (the platform); otherwise it passes
    with a warning (``lianjie packet verify`` without ``--crl``). A CRL past nextUpdate plus ``crl_grace`` is stale:
    refused when ``refuse_stale_crl``, otherwise a warning.
    """

    roots: Sequence[x509.Certificate]
    crls: Sequence[x509.CertificateRevocationList] = ()
    require_crl: bool = True
    crl_grace: dt.timedelta = dt.timedelta(hours=24)
    refuse_stale_crl: bool = False
    _cache: dict[tuple[bytes, ...], _CachedChain] = field(default_factory=dict, init=False, repr=False)

    def validate(
        self, certificate: x509.Certificate, intermediates: Sequence[x509.Certificate], at: dt.datetime
    ) -> ValidatedChain:
        """The validated chain of ``certificate`` at time ``at``, or a precise ``PacketRejected``."""
        key = (fingerprint(certificate), *(fingerprint(c) for c in intermediates))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._build(certificate, intermediates, at)
            self._cache[key] = cached
        if not cached.not_before <= at <= cached.not_after:
            raise SignerCertificateExpired(f"chain not valid at {at.isoformat()}")
        if cached.revoked_at is not None and cached.revoked_at <= at:
            raise SignerCertificateRevoked(
                f"revoked at {cached.revoked_at.isoformat()}",
                user_message=f"签名证书已于 {cached.revoked_at.astimezone(_BEIJING):%Y-%m-%d %H:%M} 被吊销。",
            )
        return ValidatedChain(cached.chain, cached.warnings)

    def _build(
        self, certificate: x509.Certificate, intermediates: Sequence[x509.Certificate], at: dt.datetime
    ) -> _CachedChain:
        if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
            raise SignerCertificateExpired(
                "certificate outside its validity period",
                user_message=(
                    f"签名证书不在有效期内（{certificate.not_valid_before_utc.astimezone(_BEIJING):%Y-%m-%d} 至 "
                    f"{certificate.not_valid_after_utc.astimezone(_BEIJING):%Y-%m-%d}）。"
                ),
            )
        builder = (
            verification.PolicyBuilder()
            .store(verification.Store(list(self.roots)))
            .time(at)
            .extension_policies(
                ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=verification.ExtensionPolicy.permit_all(),
            )
        )
        try:
            verified = builder.build_client_verifier().verify(certificate, list(intermediates))
        except verification.VerificationError as exc:
            raise SignerCertificateUntrusted(f"no trusted chain: {exc}") from None
        chain = tuple(verified.chain)
        revoked_at, warnings = self._revocation(chain, at)
        return _CachedChain(
            chain=chain,
            not_before=max(c.not_valid_before_utc for c in chain),
            not_after=min(c.not_valid_after_utc for c in chain),
            revoked_at=revoked_at,
            warnings=warnings,
        )

    def _revocation(
        self, chain: tuple[x509.Certificate, ...], at: dt.datetime
    ) -> tuple[dt.datetime | None, tuple[str, ...]]:
        """The earliest revocation date in the chain (None if none), and warnings about missing or stale CRLs."""
        warnings: list[str] = []
        earliest: dt.datetime | None = None
        for cert, issuer in itertools.pairwise(chain):
            crl = self._crl_for(issuer)
            if crl is None:
                if self.require_crl:
                    raise RevocationUnknown(f"no valid CRL for issuer {issuer.subject.rfc4514_string()}")
                warnings.append(f"未检查吊销状态：缺少签发者“{_attr(issuer, NameOID.COMMON_NAME)}”的证书吊销列表。")
                continue
            next_update = crl.next_update_utc
            if next_update is None or next_update + self.crl_grace < at:
                if self.refuse_stale_crl:
                    raise RevocationUnknown("CRL is stale", user_message="证书吊销列表已过期，无法确认证书状态。")
                warnings.append("证书吊销列表已过期，吊销状态可能不是最新的。")
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None:
                when = entry.revocation_date_utc
                earliest = when if earliest is None else min(earliest, when)
        return earliest, tuple(warnings)

    def _crl_for(self, issuer: x509.Certificate) -> x509.CertificateRevocationList | None:
        best: x509.CertificateRevocationList | None = None
        for crl in self.crls:
            if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                continue
            if best is None or crl.last_update_utc > best.last_update_utc:
                best = crl
        return best


_BEIJING = dt.timezone(dt.timedelta(hours=8))
