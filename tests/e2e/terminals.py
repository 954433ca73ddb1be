"""Real terminals for the end-to-end tests: a SoftHSM token operator each, enrolled, logged in with the PIN, an
encrypted store, and the sync engine talking to the platform over mutual TLS."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from app.config import TerminalConfig
from app.crypto.pkcs11_token import TokenLibrary
from app.crypto.signers import Pkcs12Signer
from app.domain.agencies import AgencyKind
from app.services.cases import CaseDesk
from app.services.enrollment import enroll_terminal
from app.services.identity import list_candidates
from app.services.login import LoginService, OperatorSession
from app.services.sync import SyncSettings, build_engine, sending_desk
from app.sync.engine import SyncEngine
from app.sync.engine_backoff import EngineSettings
from tests.crypto.conftest import SO_PIN, USER_PIN, SoftHsm
from tests.sync.packet_support import Authority, _name

FAST = EngineSettings(interval=0.2, backoff_base=0.05, backoff_cap=0.2)


@dataclass
class Terminal:
    """One agency's terminal with its logged-in token operator."""

    config: TerminalConfig
    session: OperatorSession
    desk: CaseDesk
    engine: SyncEngine

    def close(self) -> None:
        self.engine.stop()
        self.session.lock("测试结束")


def new_tokens(softhsm: SoftHsm, library: TokenLibrary, labels: list[str]) -> None:
    """Initialise fresh SoftHSM tokens and make the loaded module see them (before anyone logs in: a refresh
    invalidates open sessions)."""
    for label in labels:
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", USER_PIN, "--so-pin", SO_PIN],
            check=True, capture_output=True, env={**os.environ, "SOFTHSM2_CONF": str(softhsm.conf)},
        )  # fmt: skip
    library.refresh()


def token_operator(
    root: Authority, library: TokenLibrary, label: str, name: str, code: str, agency: str, operator_id: str
) -> x509.Certificate:
    """A key generated on the token, its operator certificate from the platform root written back to the token."""
    public = library.generate_key(label, USER_PIN, "p256", b"\x01", "operator")
    builder = root._builder(_name(name, agency, code, operator_id), public, 365, None)
    builder = root._end_entity(builder).add_extension(
        x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
    )
    certificate = builder.sign(root.key, hashes.SHA256())
    library.store_certificate(label, USER_PIN, certificate, b"\x01", "operator")
    return certificate


def open_terminal(
    folder: Path, library: TokenLibrary, label: str, *, root: Authority, intermediate: Authority,
    terminal: tuple[object, x509.Certificate],
    kind: AgencyKind, settings: SyncSettings,
) -> Terminal:  # fmt: skip
    """Enroll a terminal with the token operator as first operator, log in with the PIN, build desk and engine."""
    config = TerminalConfig(
        data_dir=folder / "data", keyring_policy="development-file", development_keyring_file=folder / "keyring.json",
        platform_url=settings.platform_url, extra={"office_code": settings.office_code},
    )  # fmt: skip
    key, certificate = terminal
    enroll_terminal(
        config, platform_roots_pem=root.pem + intermediate.pem,
        terminal_bundle=Pkcs12Signer(key, certificate),  # type: ignore[arg-type]
        first_operator=library.login(label, lambda _request: USER_PIN), crl=root.crl_pem(),
    )  # fmt: skip
    (candidate,) = [c for c in list_candidates(config, library) if c.location == label]
    session = LoginService(config, tokens=library).login(candidate, lambda _request: USER_PIN)
    fast = SyncSettings(settings.platform_url, settings.office_code, FAST)
    return Terminal(
        config, session, sending_desk(session, config, fast, agency_kind=kind), build_engine(session, config, fast)
    )
