"""The services behind the windows: token library, login, candidates. Heavy (cryptography, SQLAlchemy, SQLCipher,
PKCS#11), so ``app.ui.app`` imports this module on a worker thread after the login window has painted.

Every method here runs on an op runner worker, never on the UI thread. Widgets get the frozen views below.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from app.config import TerminalConfig
from app.crypto.keyslot_errors import TerminalNotInitialized
from app.crypto.pkcs11_token import DEFAULT_MODULE_PATHS, TokenLibrary
from app.crypto.profile import read_holder
from app.crypto.signers import Pkcs12Signer
from app.domain.errors import AppError
from app.models.store import Store
from app.services.enrollment import enroll_terminal
from app.services.identity import LoginCandidate, list_candidates, load_terminal_identity
from app.services.login import LoginService, OperatorSession
from app.ui.login.enrollment import EnrollmentDone, EnrollmentRequest

log = logging.getLogger(__name__)

MEDIUM_LABELS = {"token": "USB Key", "pkcs12": "证书文件"}


@dataclass(frozen=True)
class CandidateView:
    """A certificate on the login picker."""

    key: int
    display_name: str
    where: str
    kind: str
    holder: str
    operator_id: str
    agency_name: str
    not_after: dt.date
    token_label: str | None


@dataclass(frozen=True)
class LoginChoices:
    """What the login window shows: is this terminal initialised, whose is it, which certificates can log in."""

    initialized: bool
    agency_name: str
    terminal_name: str
    candidates: tuple[CandidateView, ...]


@dataclass(frozen=True)
class OperatorView:
    """The logged-in operator as the status bar and the lock screen show them."""

    name: str
    operator_id: str
    agency_name: str
    agency_code: str
    terminal_name: str
    medium: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ActiveSession:
    """A logged-in operator. ``handle`` is the live session (store, signer); only worker code touches it."""

    operator: OperatorView
    candidate_key: int
    token_label: str | None
    handle: OperatorSession

    @property
    def store(self) -> Store:
        return self.handle.store


def find_token_module(config: TerminalConfig) -> str | None:
    """The PKCS#11 module: ``pkcs11_module`` in config.toml, else a SoftHSM/installed default, else none."""
    configured = config.extra.get("pkcs11_module")
    candidates = [str(configured)] if configured else list(DEFAULT_MODULE_PATHS)
    return next((path for path in candidates if Path(path).exists()), None)


class Backend:
    """Login-side services for one terminal; built once per application run."""

    def __init__(self, config: TerminalConfig, tokens: TokenLibrary | None, login: LoginService) -> None:
        self.config = config
        self.tokens = tokens
        self._login = login
        self._candidates: dict[int, LoginCandidate] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, config: TerminalConfig, tokens: TokenLibrary | None = None) -> Backend:
        """Open the token module (if any) and the login service."""
        if tokens is None:
            module = find_token_module(config)
            if module is not None:
                try:
                    tokens = TokenLibrary(module)
                except Exception as exc:  # a broken vendor module must not stop PKCS#12 logins
                    log.warning("PKCS#11 module %s could not be loaded: %s", module, type(exc).__name__)
        return cls(config, tokens, LoginService(config, tokens=tokens))

    def login_choices(self, *, rescan: bool = False) -> LoginChoices:
        """The certificates that can log in here now; ``rescan`` re-reads the token slots (login screen only)."""
        if rescan and self.tokens is not None:
            self.tokens.refresh()
        try:
            identity = load_terminal_identity(self.config)
        except TerminalNotInitialized:
            return LoginChoices(False, "", "", ())
        found = list_candidates(self.config, self.tokens)
        with self._lock:
            self._candidates = dict(enumerate(found))
        views = tuple(_candidate_view(key, candidate) for key, candidate in enumerate(found))
        return LoginChoices(True, identity.agency_name, identity.terminal_name, views)

    def login(self, key: int, pin: str) -> ActiveSession:
        """Log in with the candidate ``key`` and ``pin``; raises the identity service's typed refusals."""
        with self._lock:
            candidate = self._candidates[key]
        handle = self._login.login(candidate, lambda request: pin)
        holder = handle.verdict.holder
        operator = OperatorView(
            name=holder.common_name,
            operator_id=handle.operator_id,
            agency_name=holder.agency_name,
            agency_code=holder.agency_code,
            terminal_name=handle.terminal,
            medium=MEDIUM_LABELS.get(candidate.kind, candidate.kind),
            warnings=handle.verdict.warnings,
        )
        token_label = candidate.location if candidate.kind == "token" else None
        return ActiveSession(operator, key, token_label, handle)

    def enroll(self, request: EnrollmentRequest) -> EnrollmentDone:
        """First-run enrollment of this terminal (see ``enroll``)."""
        return enroll(self.config, request)

    def token_present(self, label: str) -> bool:
        """Whether the operator's token is still inserted (polled by the lock controller)."""
        return self.tokens is not None and self.tokens.is_present(label)

    def close(self) -> None:
        if self.tokens is not None:
            self.tokens.close()


class EnrollmentFileUnreadable(AppError):
    user_message = "所选文件无法读取。"
    next_step = "请确认文件存在且可以读取，然后重新选择。"


def enroll(config: TerminalConfig, request: EnrollmentRequest) -> EnrollmentDone:
    """First run: trust the platform root, take the terminal certificate, enroll the first operator (worker)."""
    try:
        roots = request.platform_roots.read_bytes()
        crl = request.crl.read_bytes() if request.crl is not None else None
    except OSError as exc:
        raise EnrollmentFileUnreadable(f"enrollment file unreadable: {type(exc).__name__}") from None
    terminal_bundle = Pkcs12Signer.from_file(request.terminal_p12, request.terminal_password)
    operator = Pkcs12Signer.from_file(request.operator_p12, request.operator_pin)
    enrolled = enroll_terminal(
        config,
        platform_roots_pem=roots,
        terminal_bundle=terminal_bundle,
        first_operator=operator,
        first_operator_pkcs12=request.operator_p12,
        crl=crl,
    )
    identity = enrolled.identity
    return EnrollmentDone(identity.agency_name, identity.terminal_name, enrolled.recovery_key_text)


def end_session(session: ActiveSession, reason: str) -> None:
    """Lock: audit, log out of the token, close the store (worker thread)."""
    try:
        session.handle.lock(reason)
    except AppError as exc:
        log.warning("locking the session failed: %s", type(exc).__name__)


def _candidate_view(key: int, candidate: LoginCandidate) -> CandidateView:
    try:
        holder = read_holder(candidate.certificate)
        name, operator_id, agency = holder.common_name, holder.operator_id or "", holder.agency_name
    except AppError:
        name, operator_id, agency = candidate.display_name, "", ""
    return CandidateView(
        key=key,
        display_name=candidate.display_name,
        where=f"USB Key {candidate.location}"
        if candidate.kind == "token"
        else f"证书文件 {Path(candidate.location).name}",
        kind=MEDIUM_LABELS.get(candidate.kind, candidate.kind),
        holder=name,
        operator_id=operator_id,
        agency_name=agency,
        not_after=candidate.certificate.not_valid_after_utc.date(),
        token_label=candidate.location if candidate.kind == "token" else None,
    )
