"""A demo terminal: enrolled with its agency's operators (PKCS#12 files), the agency directory in its store, and
an ``acting`` session for one operator at a time with the desk and the sync engine.

The machine secret of each terminal's key slots lives in a development-file keyring under the demo folder
(``keyrings/<agency-code>.json``), not in the OS keyring: the demo is a throw-away world on one machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from app.config import CONFIG_FILE_NAME, TerminalConfig, load_config
from app.crypto.signers import Pkcs12Signer
from app.demo.agencies import DEMO_AGENCIES, DEMO_PIN, OFFICE, DemoAgency, DemoOperator
from app.demo.pki import DemoPki
from app.domain.agencies import Agency, AgencyKind
from app.files import atomic_write_text
from app.models.directory import DirectoryEntry, save_agency
from app.services.cases import CaseDesk
from app.services.enrollment import enroll_operator, enroll_terminal
from app.services.identity import list_candidates
from app.services.login import LoginService, OperatorSession
from app.services.sync import SyncSettings, build_engine, sending_desk
from app.sync.engine import SyncEngine
from app.sync.engine_backoff import EngineSettings

FAST = EngineSettings(interval=0.5, backoff_base=0.1, backoff_cap=1.0)


@dataclass
class Acting:
    """One logged-in operator on a terminal: the session, the desk whose records go out, the sync engine."""

    operator: DemoOperator
    session: OperatorSession
    desk: CaseDesk
    engine: SyncEngine


@dataclass
class DemoTerminal:
    """An enrolled terminal of a demo agency: its configuration and the operators' PKCS#12 files."""

    agency: DemoAgency
    config: TerminalConfig
    settings: SyncSettings
    operator_files: dict[str, Path] = field(default_factory=dict)  # operator_id → PKCS#12 file
    kept: dict[str, Acting] | None = None  # the operator kept logged in (``DemoWorld.kept_sessions``), else None
    tracker: SyncTracker | None = None
    seen: int = -1  # the tracker's generation this terminal last pulled at

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    @contextmanager
    def acting(self, role: str | None = None, *, sync: bool = True) -> Iterator[Acting]:
        """Log the operator with ``role`` (default: the first) in, pull from the platform, yield, push, lock.

        While the world keeps sessions (``DemoWorld.kept_sessions``) the operator stays logged in between uses, the
        pull is skipped when no terminal pushed since this one last synced, and the lock waits for the end."""
        operator = self.agency.operator(role) if role else self.agency.operators[0]
        if self.kept is not None and self.tracker is not None:
            yield from self._kept(operator, sync, self.kept, self.tracker)
            return
        session = login(self.config, self.operator_files[operator.operator_id])
        try:
            desk = sending_desk(session, self.config, self.settings, agency_kind=self.agency.agency.kind)
            engine = build_engine(session, self.config, self.settings)
            acting = Acting(operator, session, desk, engine)
            try:
                if sync:
                    engine.run_once()
                yield acting
                if sync:
                    engine.run_once()
            finally:
                engine.stop()
        finally:
            session.lock("演示")

    def _kept(
        self, operator: DemoOperator, sync: bool, kept: dict[str, Acting], tracker: SyncTracker
    ) -> Iterator[Acting]:
        acting = kept.get(operator.operator_id)
        if acting is None:  # one store, one session: the operator logged in before logs out first
            self._lock_kept()
            acting = kept[operator.operator_id] = self.open_acting(operator)
        if sync and self.seen != tracker.generation:
            acting.engine.run_once()
            self.seen = tracker.generation
        yield acting
        if sync:
            report = acting.engine.run_once()
            if report.pushed:
                tracker.generation += 1
            self.seen = tracker.generation

    def sync_now(self) -> None:
        """One full pass (push and pull) with a kept session, whatever the tracker says."""
        with self.acting(sync=False) as acting:
            report = acting.engine.run_once()
        if self.tracker is not None:
            self.tracker.generation += 1 if report.pushed else 0
            self.seen = self.tracker.generation

    def open_acting(self, operator: DemoOperator) -> Acting:
        """Log ``operator`` in and build the desk and the sync engine (stopped and locked by ``release``)."""
        session = login(self.config, self.operator_files[operator.operator_id])
        desk = sending_desk(session, self.config, self.settings, agency_kind=self.agency.agency.kind)
        return Acting(operator, session, desk, build_engine(session, self.config, self.settings))

    def release(self) -> None:
        """Stop the kept session's engine and lock it; ``acting`` logs in per use again."""
        self._lock_kept()
        self.kept, self.tracker = None, None

    def _lock_kept(self) -> None:
        while self.kept:
            _, acting = self.kept.popitem()
            try:
                acting.engine.stop()
            finally:
                acting.session.lock("演示")


@dataclass
class SyncTracker:
    """Counts the pushes of the terminals sharing it: a terminal pulls only when someone pushed since its last pull."""

    generation: int = 0


def login(config: TerminalConfig, p12: Path) -> OperatorSession:
    """Log in with the PKCS#12 file ``p12`` and the demo PIN."""
    (candidate,) = [c for c in list_candidates(config, None) if Path(c.location) == p12]
    return LoginService(config).login(candidate, lambda _request: DEMO_PIN)


def write_terminal_config(
    data_dir: Path, keyring: Path, platform_url: str, agency_kind: AgencyKind = AgencyKind.ENFORCEMENT
) -> TerminalConfig:
    """``config.toml`` of a demo terminal: development-file keyring, the embedded platform, the office's code, and
    the kind of agency it serves (the certificate does not carry it; it decides which records the UI offers)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        data_dir / CONFIG_FILE_NAME,
        "# 演示终端：机器密钥保存在演示目录下的开发用密钥文件中（不是操作系统密钥环）。\n"
        f'keyring_policy = "development-file"\ndevelopment_keyring_file = "{keyring.as_posix()}"\n'
        f'platform_url = "{platform_url}"\noffice_code = "{OFFICE.code}"\nidle_lock_minutes = 30\n'
        f'agency_kind = "{agency_kind.value}"\n',
        mode=0o644,
    )
    return load_config(data_dir)


def directory_entries() -> list[DirectoryEntry]:
    """The agency directory as documents print it (name, 机关代字, head)."""
    entries = [DirectoryEntry(a.agency, a.prefix, head=a.head) for a in DEMO_AGENCIES]
    office = Agency(OFFICE.code, OFFICE.kind, OFFICE.name)
    return [*entries, DirectoryEntry(office, "兴衔办", head="刘振华")]


def _save_directory(session: Session) -> None:
    for entry in directory_entries():
        save_agency(session, entry)


def build_terminal(root: Path, pki: DemoPki, agency: DemoAgency, platform_url: str) -> DemoTerminal:
    """Enroll ``agency``'s terminal under ``root/terminals/<code>`` with every operator of the agency."""
    config = write_terminal_config(
        root / "terminals" / agency.code, root / "keyrings" / f"{agency.code}.json", platform_url, agency.agency.kind
    )
    files = {o.operator_id: pki.operator(agency, o, root / "operators" / agency.code) for o in agency.operators}
    first, *others = agency.operators
    first_file = files[first.operator_id]
    enroll_terminal(
        config, platform_roots_pem=pki.root_pem, terminal_bundle=pki.terminal(agency),
        first_operator=Pkcs12Signer.from_file(first_file, DEMO_PIN), first_operator_pkcs12=first_file,
        crl=pki.crl_pem_path.read_bytes(),
    )  # fmt: skip
    session = login(config, first_file)
    try:
        for operator in others:
            path = files[operator.operator_id]
            certificate = Pkcs12Signer.from_file(path, DEMO_PIN).certificate
            enroll_operator(session, config, certificate, pkcs12_path=path, chain=(pki.ca.root,))
        session.store.write(_save_directory)
    finally:
        session.lock("演示")
    settings = SyncSettings(platform_url, OFFICE.code, FAST)
    return DemoTerminal(agency, config, settings, files)
