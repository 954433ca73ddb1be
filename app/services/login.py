"""Operator login: pick a certificate, enter the PIN, and the store opens — or a precise refusal, always audited.

Order: validate the certificate (chain, validity, CRL, profile, this terminal's agency) → is it enrolled here →
PIN (token C_Login, or the PKCS#12 password) → unwrap the operator's key slot → open the store → audit.

Failed attempts happen before the store is open, so they cannot go into the hash-chained audit log at once. They are
appended (who, when, why — never a PIN) to ``identity/pending-attempts.jsonl``, an append-only file fsynced per line,
and moved into the audit log in the same transaction as the next successful login's own row. The file is not
tamper-proof (it sits outside the store); it exists so that failures are not lost, and the application log gets each
attempt as well.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from app.config import TerminalConfig
from app.crypto import keyslots
from app.crypto.errors import WrongPin
from app.crypto.keyslot_errors import OperatorNotEnrolled
from app.crypto.machine_secret import MachineSecretStore
from app.crypto.pkcs11_token import PinPrompter, PinRequest, Pkcs11Signer, TokenLibrary
from app.crypto.signers import Pkcs12Signer
from app.crypto.validation import Verdict
from app.domain.errors import AppError
from app.files import fsync_directory
from app.models.audit import AuditKind, append_audit
from app.models.store import Store, open_store
from app.services.identity import (
    LoginCandidate,
    build_validator,
    fingerprint,
    identity_dir,
    load_terminal_identity,
)

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class OperatorSession:
    """A logged-in operator: open store, signer, verdict. ``lock`` ends it (the next unlock asks for the PIN)."""

    store: Store
    signer: Pkcs11Signer | Pkcs12Signer
    verdict: Verdict
    candidate: LoginCandidate
    operator_id: str
    terminal: str
    master_key: bytes = field(repr=False)
    locked: bool = False

    def lock(self, reason: str) -> None:
        """Record why, log out of the token, close the store and forget the master key."""
        if self.locked:
            return
        self.locked = True
        try:
            self.store.write(
                lambda s: append_audit(
                    s, AuditKind.LOGOUT, operator=self.operator_id, terminal=self.terminal, details={"reason": reason}
                )
            )
        finally:
            if isinstance(self.signer, Pkcs11Signer):
                self.signer.close()
            self.store.close()
            self.master_key = b""


class LoginService:
    """Logs operators in on this terminal."""

    def __init__(
        self,
        config: TerminalConfig,
        *,
        tokens: TokenLibrary | None = None,
        machine_secrets: MachineSecretStore | None = None,
        clock: Clock = _utcnow,
    ) -> None:
        self._config = config
        self._tokens = tokens
        self._machine_secrets = machine_secrets
        self._clock = clock

    def login(self, candidate: LoginCandidate, prompter: PinPrompter) -> OperatorSession:
        """Log in with ``candidate``, asking ``prompter`` for the PIN; every outcome is audited."""
        identity = load_terminal_identity(self._config)
        subject = candidate.certificate.subject.rfc4514_string()
        try:
            verdict = build_validator(self._config).validate(
                candidate.certificate, role="operator", agency_code=identity.agency_code, now=self._clock()
            )
            if keyslots.find_operator(self._config, candidate.certificate) is None:
                raise OperatorNotEnrolled(f"certificate {fingerprint(candidate.certificate)} has no slot")
            signer = self._open_signer(candidate, prompter)
        except AppError as exc:
            self._record_failure(candidate, subject, exc)
            raise
        try:
            master_key = keyslots.unlock_with_operator(self._config, signer, machine_secrets=self._machine_secrets)
            store = open_store(self._config, master_key)
        except AppError as exc:
            if isinstance(signer, Pkcs11Signer):
                signer.close()
            self._record_failure(candidate, subject, exc)
            raise
        operator_id = verdict.holder.operator_id or subject
        pending = self._take_pending()
        details: dict[str, str | int | bool | None] = {
            "medium": candidate.kind,
            "certificate": fingerprint(candidate.certificate),
            "warnings": len(verdict.warnings),
        }

        def record(session: Session) -> None:
            for attempt in pending:
                append_audit(
                    session,
                    AuditKind.UNLOCK_FAILED,
                    operator=attempt["operator"],
                    terminal=identity.terminal_name,
                    subject=attempt["subject"],
                    details={"reason": attempt["reason"], "certificate": attempt["certificate"]},
                    now=dt.datetime.fromisoformat(attempt["at"]),
                )
            append_audit(
                session,
                AuditKind.LOGIN,
                operator=operator_id,
                terminal=identity.terminal_name,
                subject=subject,
                details=details,
                now=self._clock(),
            )

        store.write(record)
        self._clear_pending()
        log.info("operator %s logged in with %s", operator_id, candidate.kind)
        return OperatorSession(store, signer, verdict, candidate, operator_id, identity.terminal_name, master_key)

    def pending_attempts(self) -> list[dict[str, str]]:
        """Failed attempts not yet moved into the audit log."""
        path = self._pending_path()
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _open_signer(self, candidate: LoginCandidate, prompter: PinPrompter) -> Pkcs11Signer | Pkcs12Signer:
        if candidate.kind == "token":
            if self._tokens is None:
                raise OperatorNotEnrolled("no PKCS#11 module configured")
            return self._tokens.login(candidate.location, prompter, candidate.key_id)
        password = prompter(PinRequest(Path(candidate.location).name))
        if password is None:
            raise WrongPin("password entry cancelled")
        try:
            signer = Pkcs12Signer.from_file(Path(candidate.location), password)
        finally:
            password = None
        return signer

    def _record_failure(self, candidate: LoginCandidate, subject: str, error: AppError) -> None:
        reason = getattr(error, "reason", type(error).__name__)
        operators = candidate.certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
        attempt = {
            "at": self._clock().isoformat(),
            "operator": str(operators[0].value) if operators else "",
            "subject": subject,
            "certificate": fingerprint(candidate.certificate),
            "reason": str(reason),
        }
        log.warning("login refused (%s) for %s", attempt["reason"], subject)
        path = self._pending_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(attempt, ensure_ascii=False) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_directory(path.parent)

    def _take_pending(self) -> list[dict[str, str]]:
        return self.pending_attempts()

    def _clear_pending(self) -> None:
        # After the audit rows committed; a crash in between may repeat them (visible duplicates, never a loss).
        self._pending_path().unlink(missing_ok=True)
        fsync_directory(self._pending_path().parent)

    def _pending_path(self) -> Path:
        return identity_dir(self._config) / "pending-attempts.jsonl"
