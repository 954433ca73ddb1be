"""Terminal enrollment: the first run installs the platform root, the terminal's own certificate and key, and the
first operator; afterwards a logged-in operator enrolls or removes others. Every change is audited.

The terminal's private key (software, for mTLS) is sealed in the encrypted store's ``meta`` table, never on disk
in clear; its certificate is also kept beside the store (``identity/terminal.pem``) for display.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from app.config import TerminalConfig
from app.crypto import keyslots
from app.crypto.errors import IdentityError
from app.crypto.keyslot_errors import OperatorKeyMismatch
from app.crypto.machine_secret import MachineSecretStore
from app.crypto.pkcs11_token import Pkcs11Signer
from app.crypto.signers import Pkcs12Signer
from app.crypto.validation import Verdict, load_certificates
from app.files import atomic_write_bytes
from app.models.audit import AuditKind, append_audit
from app.models.meta import read_meta, write_meta
from app.models.store import open_store
from app.services.identity import (
    TerminalIdentity,
    build_validator,
    fingerprint,
    identity_dir,
    install_crl,
    load_terminal_identity,
    save_terminal_identity,
    save_trust_anchors,
)
from app.services.login import OperatorSession

TERMINAL_KEY_META = "terminal_private_key_pkcs8"
TERMINAL_CERT_META = "terminal_certificate_pem"


@dataclass(frozen=True)
class EnrolledTerminal:
    """The outcome of first-run enrollment. The recovery key is shown (printed) once and never stored."""

    identity: TerminalIdentity
    recovery_key_text: str = field(repr=False)


def enroll_terminal(
    config: TerminalConfig,
    *,
    platform_roots_pem: bytes,
    terminal_bundle: Pkcs12Signer,
    first_operator: Pkcs11Signer | Pkcs12Signer,
    first_operator_pkcs12: Path | None = None,
    crl: bytes | None = None,
    machine_secrets: MachineSecretStore | None = None,
    now: dt.datetime | None = None,
) -> EnrolledTerminal:
    """First run: trust the platform root, take the terminal certificate + key, initialise the key slots with the
    first operator (who has already proved the PIN by opening ``first_operator``)."""
    save_trust_anchors(config, load_certificates(platform_roots_pem))
    if crl is not None:
        install_crl(config, crl)
    validator = build_validator(config)
    terminal = validator.validate(terminal_bundle.certificate, role="terminal", chain=terminal_bundle.chain, now=now)
    operator = validator.validate(
        first_operator.certificate,
        role="operator",
        chain=first_operator.chain,
        agency_code=terminal.holder.agency_code,
        now=now,
    )
    identity = TerminalIdentity(
        agency_code=terminal.holder.agency_code,
        agency_name=terminal.holder.agency_name,
        terminal_name=terminal.holder.common_name,
        terminal_fingerprint=fingerprint(terminal.certificate),
        pkcs12_files=_pkcs12_entry(first_operator, first_operator_pkcs12),
    )
    initialized = keyslots.initialize_terminal(config, first_operator.certificate, machine_secrets=machine_secrets)
    # Prove the slot opens with the operator's real key before anything depends on it.
    if keyslots.unlock_with_operator(config, first_operator, machine_secrets=machine_secrets) != initialized.master_key:
        raise OperatorKeyMismatch("first operator cannot open the slot just written")
    key_der = terminal_bundle.private_key_der()
    with open_store(config, initialized.master_key, create=True) as store:

        def seal(session: Session) -> None:
            write_meta(session, TERMINAL_KEY_META, base64.b64encode(key_der).decode("ascii"))
            write_meta(session, TERMINAL_CERT_META, _pem(terminal.certificate))
            _audit_enrollment(session, identity, operator, "enroll_first_operator", AuditKind.OPERATOR_ENROLLED)

        store.write(seal)
    atomic_write_bytes(identity_dir(config) / "terminal.pem", _pem(terminal.certificate).encode(), mode=0o644)
    save_terminal_identity(config, identity)
    return EnrolledTerminal(identity, initialized.recovery_key_text)


def enroll_operator(
    session: OperatorSession,
    config: TerminalConfig,
    certificate: x509.Certificate,
    *,
    pkcs12_path: Path | None = None,
    chain: tuple[x509.Certificate, ...] = (),
    machine_secrets: MachineSecretStore | None = None,
    now: dt.datetime | None = None,
) -> Verdict:
    """A logged-in operator enrolls another operator of the same agency (its certificate's public key is enough)."""
    identity = load_terminal_identity(config)
    verdict = build_validator(config).validate(
        certificate, role="operator", chain=chain, agency_code=identity.agency_code, now=now
    )
    keyslots.enroll_operator(config, session.master_key, certificate, machine_secrets=machine_secrets)
    if pkcs12_path is not None:
        files = (*identity.pkcs12_files, (fingerprint(certificate), str(pkcs12_path)))
        save_terminal_identity(config, replace(identity, pkcs12_files=files))
    session.store.write(
        lambda s: _audit_enrollment(
            s, identity, verdict, "enroll_operator", AuditKind.OPERATOR_ENROLLED, by=session.operator_id
        )
    )
    return verdict


def remove_operator(
    session: OperatorSession,
    config: TerminalConfig,
    certificate: x509.Certificate,
    *,
    machine_secrets: MachineSecretStore | None = None,
) -> None:
    """A logged-in operator removes another operator's key slot (the last one always stays)."""
    identity = load_terminal_identity(config)
    target = fingerprint(certificate)
    keyslots.remove_operator(config, session.master_key, target, machine_secrets=machine_secrets)
    remaining = tuple(pair for pair in identity.pkcs12_files if pair[0] != target)
    save_terminal_identity(config, replace(identity, pkcs12_files=remaining))

    def record(s: Session) -> None:
        append_audit(
            s,
            AuditKind.OPERATOR_REMOVED,
            operator=session.operator_id,
            terminal=identity.terminal_name,
            subject=f"operator-slot:{target}",
            details={"action": "remove_operator", "holder": certificate.subject.rfc4514_string()},
        )

    session.store.write(record)


def terminal_private_key_der(session: OperatorSession) -> bytes:
    """The terminal's mTLS private key (PKCS#8 DER), unsealed from the open store."""
    value = session.store.read(lambda s: read_meta(s, TERMINAL_KEY_META))
    if value is None:
        raise IdentityError("terminal key missing", user_message="终端私钥不存在，请重新办理终端登记。")
    return base64.b64decode(value)


def _audit_enrollment(
    session: Session, identity: TerminalIdentity, verdict: Verdict, action: str, kind: AuditKind, by: str = ""
) -> None:
    append_audit(
        session,
        kind,
        operator=by or verdict.holder.operator_id or "",
        terminal=identity.terminal_name,
        subject=f"operator-slot:{fingerprint(verdict.certificate)}",
        details={"action": action, "holder": verdict.holder.common_name, "operator_id": verdict.holder.operator_id},
    )


def _pkcs12_entry(signer: Pkcs11Signer | Pkcs12Signer, path: Path | None) -> tuple[tuple[str, str], ...]:
    if isinstance(signer, Pkcs12Signer) and path is not None:
        return ((fingerprint(signer.certificate), str(path)),)
    return ()


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
