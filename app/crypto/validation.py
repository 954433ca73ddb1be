"""Is this certificate acceptable here and now? Chain, validity, revocation (CRL), profile, agency.

Chain building uses cryptography's ``x509.verification`` with our own end-entity extension policy (operator
certificates carry keyUsage but need no clientAuth EKU; the profile check below is stricter where it matters).
Revocation is checked here, against the latest CRL of each issuer, whose signature is verified first: a CRL file is
hostile input. A CRL past nextUpdate + grace is stale: a warning in the verdict under policy "warn", a refusal under
"refuse" — never a silent pass. tests/crypto/test_openssl_interop.py checks that we agree with ``openssl verify
-crl_check``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification

from app.config import StaleCrlPolicy
from app.crypto.errors import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRevoked,
    CrlInvalid,
    CrlStale,
    UnknownIssuer,
    WrongAgency,
)
from app.crypto.profile import CertificateRole, Holder, check_profile

BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class Verdict:
    """An accepted certificate: who, for what, until when, and any warning the operator must see."""

    holder: Holder
    role: CertificateRole
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    revocation_checked: bool
    warnings: tuple[str, ...] = ()


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM text (one or many) or a single DER certificate."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from PEM or DER; ``CrlInvalid`` for anything else. Its signature is checked later, against its issuer."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError:
        raise CrlInvalid("CRL does not parse") from None


def load_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    """Every CRL of a PEM bundle (the platform publishes one per CA of its hierarchy), or the one CRL of DER bytes;
    ``CrlInvalid`` for anything else."""
    if not data.lstrip().startswith(b"-----BEGIN"):
        return [load_crl(data)]
    marker = b"-----BEGIN X509 CRL-----"
    blocks = [marker + part for part in data.split(marker)[1:]]
    if not blocks:
        raise CrlInvalid("no CRL in PEM data")
    return [load_crl(block) for block in blocks]


def crl_order(crl: x509.CertificateRevocationList) -> tuple[int, dt.datetime]:
    """Which of two CRLs of one issuer is the newer: its CRL number (-1 without one), then its this-update."""
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = -1
    return number, crl.last_update_utc


def newest_per_issuer(
    held: Sequence[x509.CertificateRevocationList], fresh: Sequence[x509.CertificateRevocationList]
) -> tuple[list[x509.CertificateRevocationList], list[x509.CertificateRevocationList]]:
    """Per issuer, the newer of the list held and the fresh one (``crl_order``; a list never goes back, and of two
    equal in order the one held stays), and the fresh lists that were older than the ones held."""
    kept = {crl.issuer: crl for crl in held}
    older = []
    for crl in fresh:
        current = kept.get(crl.issuer)
        if current is None or crl == current or crl_order(crl) > crl_order(current):
            kept[crl.issuer] = crl
        else:
            older.append(crl)
    return list(kept.values()), older


class CertificateValidator:
    """Validates certificates against the terminal's trust anchors and the platform's CRLs."""

    def __init__(
        self,
        anchors: Sequence[x509.Certificate],
        *,
        intermediates: Sequence[x509.Certificate] = (),
        crls: Sequence[x509.CertificateRevocationList] = (),
        crl_grace: dt.timedelta = dt.timedelta(hours=24),
        stale_crl_policy: StaleCrlPolicy = "warn",
    ) -> None:
        if not anchors:
            raise UnknownIssuer("no trust anchors configured", user_message="终端未配置平台根证书。")
        self._anchors = tuple(anchors)
        self._intermediates = tuple(intermediates)
        self._crls = tuple(crls)
        self._grace = crl_grace
        self._policy = stale_crl_policy

    def validate(
        self,
        certificate: x509.Certificate,
        *,
        role: CertificateRole = "operator",
        chain: Sequence[x509.Certificate] = (),
        agency_code: str | None = None,
        now: dt.datetime | None = None,
    ) -> Verdict:
        """A ``Verdict`` if login (or mTLS) would accept ``certificate``; otherwise the typed refusal."""
        moment = now or dt.datetime.now(dt.UTC)
        path = self._build_chain(certificate, [*chain, *self._intermediates], moment)
        warnings = self._check_revocation(path, moment)
        holder = check_profile(certificate, role)
        if agency_code is not None and holder.agency_code != agency_code.strip().upper():
            raise WrongAgency(f"certificate agency {holder.agency_code} is not this terminal's {agency_code}")
        return Verdict(
            holder=holder,
            role=role,
            certificate=certificate,
            chain=tuple(path),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            revocation_checked=True,
            warnings=tuple(warnings),
        )

    def _build_chain(
        self, leaf: x509.Certificate, intermediates: list[x509.Certificate], moment: dt.datetime
    ) -> list[x509.Certificate]:
        try:
            return self._verify_at(leaf, intermediates, moment)
        except verification.VerificationError as exc:
            first_failure = str(exc)
        # Tell "expired" and "not yet valid" apart from "unknown issuer": was it signed by a CA we know?
        known = self._signed_by_known_ca(leaf, intermediates)
        if known and moment > leaf.not_valid_after_utc:
            raise CertificateExpired(
                "certificate expired",
                user_message=f"证书已于 {_local(leaf.not_valid_after_utc)} 过期。",
            )
        if known and moment < leaf.not_valid_before_utc:
            raise CertificateNotYetValid(
                "certificate not yet valid",
                user_message=f"证书自 {_local(leaf.not_valid_before_utc)} 起才生效。",
            )
        raise UnknownIssuer(f"no path to a trust anchor: {first_failure}")

    def _signed_by_known_ca(self, leaf: x509.Certificate, intermediates: list[x509.Certificate]) -> bool:
        for candidate in (*self._anchors, *intermediates):
            if candidate.subject != leaf.issuer:
                continue
            try:
                leaf.verify_directly_issued_by(candidate)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return True
        return False

    def _verify_at(
        self, leaf: x509.Certificate, intermediates: list[x509.Certificate], moment: dt.datetime
    ) -> list[x509.Certificate]:
        verifier = (
            verification.PolicyBuilder()
            .store(verification.Store(list(self._anchors)))
            .time(moment)
            .extension_policies(
                ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
                # The profile (check_profile) decides keyUsage/EKU per role; the chain check must not demand
                # clientAuth from an operator certificate that carries only digitalSignature + nonRepudiation.
                ee_policy=verification.ExtensionPolicy.permit_all(),
            )
            .build_client_verifier()
        )
        return list(verifier.verify(leaf, intermediates).chain)

    def _check_revocation(self, path: list[x509.Certificate], moment: dt.datetime) -> list[str]:
        warnings: list[str] = []
        # Every certificate below the anchor: the leaf needs a CRL; an intermediate is checked where one exists.
        for position, (subject, issuer) in enumerate(itertools.pairwise(path)):
            crl = self._latest_crl(issuer)
            if crl is None:
                if position == 0:
                    warnings += self._stale_or_missing("no CRL from the issuer", "未找到该证书签发机构的吊销列表。")
                continue
            entry = crl.get_revoked_certificate_by_serial_number(subject.serial_number)
            if entry is not None:
                raise CertificateRevoked(
                    f"serial {subject.serial_number:X} revoked",
                    user_message=f"证书已于 {_local(entry.revocation_date_utc)} 被吊销。"
                    if position == 0
                    else "证书的签发机构证书已被吊销。",
                )
            next_update = crl.next_update_utc
            if next_update is None or moment > next_update + self._grace:
                shown = _local(next_update) if next_update else "未注明"
                warnings += self._stale_or_missing(
                    "CRL past nextUpdate + grace", f"证书吊销列表已过期（应于 {shown} 前更新）。"
                )
        return warnings

    def _stale_or_missing(self, log_message: str, fact: str) -> list[str]:
        if self._policy == "refuse":
            raise CrlStale(log_message, user_message=f"{fact}无法确认证书未被吊销。")
        return [f"{fact}吊销状态可能不是最新的，请尽快连接平台更新吊销列表。"]

    def _latest_crl(self, issuer: x509.Certificate) -> x509.CertificateRevocationList | None:
        candidates = [crl for crl in self._crls if crl.issuer == issuer.subject]
        for crl in candidates:
            if not signed_by(crl, issuer):
                raise CrlInvalid("CRL signature does not verify against its issuer")
        if not candidates:
            return None
        return max(candidates, key=crl_order)


def signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` (named as the CRL's issuer) signed ``crl``."""
    if crl.issuer != issuer.subject:
        return False
    key = issuer.public_key()
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return False
    return crl.is_signature_valid(key)


def _local(moment: dt.datetime) -> str:
    """Times shown to operators are Beijing time."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
