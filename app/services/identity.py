"""What this terminal knows about identities: the platform root, the latest CRL, its own agency and certificate,
and which operator certificates can log in here (on inserted tokens, or enrolled PKCS#12 files).

Kept under ``<data_dir>/identity/``: ``trust.pem`` (trust anchors), ``crl.pem`` (latest verified CRL),
``terminal.json`` (agency, terminal certificate fingerprint, enrolled PKCS#12 files), ``terminal.pem``.
None of it is secret; the terminal's private key is sealed in the encrypted store (see enrollment).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.config import TerminalConfig
from app.crypto import keyslots
from app.crypto.errors import CrlInvalid, IdentityError
from app.crypto.keyslot_crypto import certificate_fingerprint
from app.crypto.keyslot_errors import TerminalNotInitialized
from app.crypto.pkcs11_token import TokenLibrary
from app.crypto.validation import CertificateValidator, load_certificates, load_crls, newest_per_issuer, signed_by
from app.files import atomic_write_bytes, atomic_write_text


@dataclass(frozen=True)
class TerminalIdentity:
    """This terminal: its agency (from its certificate's OU) and the PKCS#12 files its operators use."""

    agency_code: str
    agency_name: str
    terminal_name: str
    terminal_fingerprint: str
    pkcs12_files: tuple[tuple[str, str], ...] = ()  # (fingerprint, path)


@dataclass(frozen=True)
class LoginCandidate:
    """A certificate the operator can pick on the login screen."""

    kind: Literal["token", "pkcs12"]
    location: str  # token label, or PKCS#12 file path
    certificate: x509.Certificate
    key_id: bytes | None = None

    @property
    def display_name(self) -> str:
        """What the picker shows: holder name and where the key is."""
        names = self.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        holder = str(names[0].value) if names else self.certificate.subject.rfc4514_string()
        where = f"介质 {self.location}" if self.kind == "token" else f"证书文件 {Path(self.location).name}"
        return f"{holder}（{where}）"


def identity_dir(config: TerminalConfig) -> Path:
    return config.data_dir / "identity"


def load_terminal_identity(config: TerminalConfig) -> TerminalIdentity:
    """This terminal's identity; ``TerminalNotInitialized`` before enrollment."""
    path = identity_dir(config) / "terminal.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TerminalNotInitialized(f"{path} missing") from None
    return TerminalIdentity(
        agency_code=data["agency_code"],
        agency_name=data["agency_name"],
        terminal_name=data["terminal_name"],
        terminal_fingerprint=data["terminal_fingerprint"],
        pkcs12_files=tuple((fp, p) for fp, p in data.get("pkcs12_files", [])),
    )


def save_terminal_identity(config: TerminalConfig, identity: TerminalIdentity) -> None:
    """Write ``terminal.json`` atomically."""
    document = {
        "agency_code": identity.agency_code,
        "agency_name": identity.agency_name,
        "terminal_name": identity.terminal_name,
        "terminal_fingerprint": identity.terminal_fingerprint,
        "pkcs12_files": [list(pair) for pair in identity.pkcs12_files],
    }
    atomic_write_text(identity_dir(config) / "terminal.json", json.dumps(document, ensure_ascii=False, indent=2))


def save_trust_anchors(config: TerminalConfig, anchors: list[x509.Certificate]) -> None:
    """Install the platform root(s) this terminal trusts."""
    pem = b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in anchors)
    atomic_write_bytes(identity_dir(config) / "trust.pem", pem, mode=0o644)


def trust_anchors(config: TerminalConfig) -> list[x509.Certificate]:
    """The installed platform root(s)."""
    try:
        return load_certificates((identity_dir(config) / "trust.pem").read_bytes())
    except FileNotFoundError:
        raise TerminalNotInitialized("no trust anchors installed") from None


def install_crl(config: TerminalConfig, data: bytes) -> list[x509.CertificateRevocationList]:
    """Verify every CRL of ``data`` (one, or the platform's PEM bundle of one per CA; hostile until each signature
    checks) and keep, per issuer, the newer of it and the one held; the CRLs now installed."""
    anchors = trust_anchors(config)
    fresh = load_crls(data)
    # (an intermediate in trust.pem may issue a CRL; its own chain was checked when it was installed)
    if not all(any(signed_by(crl, cert) for cert in anchors) for crl in fresh):
        raise CrlInvalid("CRL not signed by a trust anchor")
    kept, _older = newest_per_issuer(installed_crls(config), fresh)  # never roll back to an older list
    pem = b"".join(crl.public_bytes(serialization.Encoding.PEM) for crl in kept)
    atomic_write_bytes(identity_dir(config) / "crl.pem", pem, mode=0o644)
    return kept


def installed_crls(config: TerminalConfig) -> list[x509.CertificateRevocationList]:
    """The CRLs installed, one per CA (re-verified by the validator on every use)."""
    path = identity_dir(config) / "crl.pem"
    return load_crls(path.read_bytes()) if path.exists() else []


def installed_crl(config: TerminalConfig) -> x509.CertificateRevocationList | None:
    """Of the CRLs installed, the one due for update first (whose freshness the trust status shows)."""
    crls = installed_crls(config)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return min(crls, key=lambda crl: crl.next_update_utc or far) if crls else None


def build_validator(config: TerminalConfig) -> CertificateValidator:
    """The validator login uses: installed anchors and CRL, the configured grace and stale-CRL policy."""
    installed = trust_anchors(config)
    # trust.pem may carry the platform's intermediate CA too: self-signed certificates are the anchors.
    return CertificateValidator(
        [cert for cert in installed if cert.subject == cert.issuer],
        intermediates=[cert for cert in installed if cert.subject != cert.issuer],
        crls=installed_crls(config),
        crl_grace=dt.timedelta(hours=config.crl_grace_hours),
        stale_crl_policy=config.stale_crl_policy,
    )


def list_candidates(config: TerminalConfig, tokens: TokenLibrary | None) -> list[LoginCandidate]:
    """Certificates on inserted tokens and the enrolled PKCS#12 files (whose certificates the slots keep).

    Those enrolled on this terminal come first, so the preselected one is one that can log in here; a token's
    certificate that is not enrolled stays in the list, and picking it says why it cannot log in.
    """
    found: list[LoginCandidate] = []
    if tokens is not None:
        for item in tokens.certificates():
            found.append(LoginCandidate("token", item.token_label, item.certificate, item.key_id))
    try:
        identity = load_terminal_identity(config)
        enrolled = {op.fingerprint_sha256: op.certificate for op in keyslots.list_operators(config)}
    except (TerminalNotInitialized, IdentityError, FileNotFoundError):
        return found
    for fingerprint, path in identity.pkcs12_files:
        if fingerprint in enrolled and Path(path).exists():
            found.append(LoginCandidate("pkcs12", path, enrolled[fingerprint]))
    return sorted(found, key=lambda c: certificate_fingerprint(c.certificate) not in enrolled)


def fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 fingerprint the key slots use for ``certificate``."""
    return certificate_fingerprint(certificate)
