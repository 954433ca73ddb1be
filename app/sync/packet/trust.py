"""Who signed: the identity engineer's validator (chain, CRL, profile) adapted to packets, with a per-run cache.

``app.crypto.validation.CertificateValidator`` does the work; this module maps its refusals to packet refusals
(``PacketRejected`` subclasses with stable wire codes), caches verdicts by (role, certificate, intermediates) for as
long as the validator's anchors, CRLs and policy stay what they were (a new CRL normally means a new validator; one
assigned or appended in place empties the cache), and adds one rule packets need: a certificate revoked *after* the
trusted time of a packet (the platform's received-at) does not void it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cryptography import x509

from app.config import StaleCrlPolicy
from app.crypto.errors import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRevoked,
    CrlInvalid,
    CrlStale,
    IdentityError,
    ProfileViolation,
    UnknownIssuer,
    WrongAgency,
)
from app.crypto.profile import CertificateRole, check_profile
from app.crypto.validation import CertificateValidator as IdentityValidator
from app.crypto.validation import Verdict
from app.sync.packet.errors import (
    PacketRejected,
    RevocationUnknown,
    SignerAgencyMismatch,
    SignerCertificateExpired,
    SignerCertificateRevoked,
    SignerCertificateUntrusted,
    SignerProfileViolation,
)

_REFUSALS: tuple[tuple[type[IdentityError], type[PacketRejected]], ...] = (
    (CertificateExpired, SignerCertificateExpired),
    (CertificateNotYetValid, SignerCertificateExpired),
    (CertificateRevoked, SignerCertificateRevoked),
    (UnknownIssuer, SignerCertificateUntrusted),
    (ProfileViolation, SignerProfileViolation),
    (WrongAgency, SignerAgencyMismatch),
    (CrlInvalid, RevocationUnknown),
    (CrlStale, RevocationUnknown),
)


def as_packet_refusal(error: IdentityError) -> PacketRejected:
    """The packet refusal for an identity refusal, keeping the operator's sentence."""
    for identity_class, packet_class in _REFUSALS:
        if isinstance(error, identity_class):
            return packet_class(str(error), user_message=error.user_message)
    return SignerCertificateUntrusted(str(error), user_message=error.user_message)


@dataclass(frozen=True)
class CertificateHolder:
    """What the profile puts in a subject: CN (person or machine), O (agency), OU (统一社会信用代码), serialNumber."""

    name: str
    agency_code: str
    agency_name: str
    operator_id: str


def holder_of(cert: x509.Certificate, *, role: CertificateRole = "operator") -> CertificateHolder:
    """The holder named by ``cert``, checked against the profile for ``role``."""
    try:
        holder = check_profile(cert, role)
    except IdentityError as exc:
        raise as_packet_refusal(exc) from None
    return CertificateHolder(holder.common_name, holder.agency_code, holder.agency_name, holder.operator_id or "")


@dataclass(frozen=True)
class ValidatedChain:
    """A chain from a certificate to a trust anchor, valid at some time and not revoked then."""

    chain: tuple[x509.Certificate, ...]
    holder: CertificateHolder
    warnings: tuple[str, ...] = ()


# A verdict and the span of time it holds for.
_CacheEntry = tuple[ValidatedChain, dt.datetime, dt.datetime]
_MAX_IDENTITIES = 512


class CertificateValidator(Protocol):
    """What packet, receipt and document verification ask of certificate validation."""

    def validate(
        self,
        certificate: x509.Certificate,
        intermediates: Sequence[x509.Certificate],
        at: dt.datetime,
        *,
        role: CertificateRole = "operator",
    ) -> ValidatedChain: ...


@dataclass
class ChainValidator:
    """Validates signers against ``roots`` and ``crls`` through ``app.crypto.validation``; caches verdicts.

    ``require_crl``: a certificate whose issuer has no current CRL here is refused (the platform, the sync engine);
    otherwise it passes with a warning (``lianjie packet verify`` without ``--crl``).
    """

    roots: Sequence[x509.Certificate]
    crls: Sequence[x509.CertificateRevocationList] = ()
    require_crl: bool = True
    crl_grace: dt.timedelta = dt.timedelta(hours=24)
    _cache: dict[tuple[object, ...], _CacheEntry] = field(default_factory=dict, init=False, repr=False)
    _cached_under: tuple[object, ...] = field(default=(), init=False, repr=False)
    # The same certificate objects come back from every signature (cms keeps them), and hashing a certificate costs
    # more than the rest of a hit: (role, ids) → (key, entry). Each entry holds its certificate objects, so their ids
    # cannot be reused by other objects while it exists.
    _by_identity: dict[tuple[object, ...], tuple[tuple[object, ...], _CacheEntry]] = field(
        default_factory=dict, init=False, repr=False
    )

    def _identity(self, crls: Sequence[x509.CertificateRevocationList], *, strict: bool) -> IdentityValidator:
        policy: StaleCrlPolicy = "refuse" if strict else "warn"
        return IdentityValidator(self.roots, crls=crls, crl_grace=self.crl_grace, stale_crl_policy=policy)

    def validate(
        self,
        certificate: x509.Certificate,
        intermediates: Sequence[x509.Certificate],
        at: dt.datetime,
        *,
        role: CertificateRole = "operator",
    ) -> ValidatedChain:
        """The validated chain of ``certificate`` at ``at``, or a precise ``PacketRejected``."""
        trust = (tuple(self.roots), tuple(self.crls), self.require_crl, self.crl_grace)
        if trust != self._cached_under:
            self._cache.clear()
            self._by_identity.clear()
            self._cached_under = trust
        ids = (role, id(certificate), *[id(c) for c in intermediates])
        known = self._by_identity.get(ids)
        if known is None:
            # Certificates compare and hash by their DER bytes: as exact as a fingerprint, and cheaper.
            key: tuple[object, ...] = (role, certificate, *intermediates)
            cached = self._cache.get(key)
        else:
            key, cached = known
        if cached is not None and cached[1] <= at <= cached[2]:
            if known is None:
                self._remember(ids, key, cached)
            return cached[0]
        result = self._validate(certificate, intermediates, at, role)
        if not result.warnings:
            # Valid while every certificate of the chain is, and while the CRLs are fresh; warnings are not cached.
            fresh_until = [crl.next_update_utc + self.crl_grace for crl in self.crls if crl.next_update_utc]
            not_before = max(c.not_valid_before_utc for c in result.chain)
            not_after = min([c.not_valid_after_utc for c in result.chain] + fresh_until)
            self._cache[key] = (result, not_before, not_after)
            self._remember(ids, key, self._cache[key])
        return result

    def _remember(self, ids: tuple[object, ...], key: tuple[object, ...], entry: _CacheEntry) -> None:
        if len(self._by_identity) >= _MAX_IDENTITIES:  # objects parsed afresh each time must not pile up here
            self._by_identity.clear()
        self._by_identity[ids] = (key, entry)

    def _validate(
        self,
        certificate: x509.Certificate,
        intermediates: Sequence[x509.Certificate],
        at: dt.datetime,
        role: CertificateRole,
    ) -> ValidatedChain:
        try:
            verdict = self._identity(self.crls, strict=self.require_crl).validate(
                certificate, role=role, chain=intermediates, now=at
            )
        except CertificateRevoked as revoked:
            verdict = self._revoked_later(certificate, intermediates, at, role, revoked)
        except IdentityError as exc:
            raise as_packet_refusal(exc) from None
        return ValidatedChain(verdict.chain, _holder(verdict), verdict.warnings)

    def _revoked_later(
        self,
        certificate: x509.Certificate,
        intermediates: Sequence[x509.Certificate],
        at: dt.datetime,
        role: CertificateRole,
        revoked: CertificateRevoked,
    ) -> Verdict:
        """Accept a certificate revoked only after ``at`` (a packet received before its signer was revoked)."""
        entries = [
            entry
            for crl in self.crls
            if crl.issuer == certificate.issuer
            and (entry := crl.get_revoked_certificate_by_serial_number(certificate.serial_number)) is not None
        ]
        if not entries or min(e.revocation_date_utc for e in entries) <= at:
            raise as_packet_refusal(revoked) from None
        try:
            # Chain and profile only: revocation was just settled above from the CRL's own revocation date.
            verdict = self._identity((), strict=False).validate(certificate, role=role, chain=intermediates, now=at)
        except IdentityError as exc:
            raise as_packet_refusal(exc) from None
        # The warning also keeps this verdict out of the cache: at a later time the certificate is revoked.
        return Verdict(
            holder=verdict.holder,
            role=verdict.role,
            certificate=verdict.certificate,
            chain=verdict.chain,
            not_before=verdict.not_before,
            not_after=verdict.not_after,
            revocation_checked=True,
            warnings=("签名证书在此之后已被吊销；该数据包签署于吊销之前，仍然有效。",),
        )


def _holder(verdict: Verdict) -> CertificateHolder:
    h = verdict.holder
    return CertificateHolder(h.common_name, h.agency_code, h.agency_name, h.operator_id or "")
