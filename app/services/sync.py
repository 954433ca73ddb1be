"""Sync for a logged-in operator: the desk whose records go out, and the engine that sends and receives them.

Everything the engine needs comes from this terminal's identity (trust anchors, installed CRL, the terminal
certificate and its key sealed in the store) and its configuration (``platform_url``; the office's code as
``office_code`` in ``config.toml``, which is whom the platform's receipts and publications must be signed by).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.config import ConfigInvalid, TerminalConfig
from app.domain.agencies import AgencyKind
from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, WorkingCalendar
from app.domain.identifiers import is_valid_credit_code
from app.models.meta import read_meta
from app.services.cases import CaseDesk
from app.services.enrollment import TERMINAL_CERT_META, terminal_private_key_der
from app.services.identity import install_crl, installed_crls, load_terminal_identity, trust_anchors
from app.services.login import OperatorSession
from app.services.sync_outgoing import PacketOutbox
from app.sync.engine import SyncEngine
from app.sync.engine_backoff import EngineSettings
from app.sync.engine_trust import DirectoryMissing, TrustSource
from app.sync.office_files import OfficeFiles
from app.sync.packet import AgencyDirectory
from app.sync.packet.errors import PublishedDocumentInvalid
from app.sync.packet.kinds import SUPERVISING_KINDS
from app.sync.platform_client import PlatformClient, TerminalCredentials
from app.sync.state import StatusListener

log = logging.getLogger("lianjie.services.sync")


@dataclass(frozen=True)
class SyncSettings:
    """Where the platform is, whose signature its receipts carry, and the engine's timing."""

    platform_url: str
    office_code: str
    engine: EngineSettings = field(default_factory=EngineSettings)


def sync_settings(config: TerminalConfig) -> SyncSettings:
    """The settings from ``config.toml`` (``platform_url``, ``office_code``), or ``ConfigInvalid``."""
    office = str(config.extra.get("office_code", ""))
    if not config.platform_url or not is_valid_credit_code(office):
        raise ConfigInvalid(
            "platform_url or office_code missing",
            user_message="未配置平台地址（platform_url）或领导小组办公室代码（office_code），无法同步。",
        )
    return SyncSettings(config.platform_url, office)


def trust_source(config: TerminalConfig, office_code: str) -> TrustSource:
    """The anchors installed at enrollment (self-signed ones are roots), the installed CRLs, the quarantine folder;
    each CRL the platform publishes is installed for login too (it checked the enrollment day's list for ever)."""
    installed = trust_anchors(config)
    return TrustSource(
        roots=tuple(c for c in installed if c.subject == c.issuer),
        intermediates=tuple(c for c in installed if c.subject != c.issuer),
        office_code=office_code,
        quarantine_dir=config.data_dir / "quarantine",
        initial_crls=tuple(installed_crls(config)),
        on_crl=lambda data: install_crl(config, data),
        crl_grace=dt.timedelta(hours=config.crl_grace_hours),
    )


def terminal_credentials(session: OperatorSession) -> TerminalCredentials:
    """The terminal's mTLS identity, unsealed from the open store."""
    key = serialization.load_der_private_key(terminal_private_key_der(session), None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError("terminal key must be RSA or EC")
    pem = session.store.read(lambda s: read_meta(s, TERMINAL_CERT_META)) or ""
    return TerminalCredentials(x509.load_pem_x509_certificate(pem.encode("ascii")), key)


def build_engine(
    session: OperatorSession, config: TerminalConfig, settings: SyncSettings, *, listener: StatusListener | None = None
) -> SyncEngine:
    """The sync engine of this terminal for the logged-in operator (not started)."""
    identity = load_terminal_identity(config)
    source = trust_source(config, settings.office_code)
    credentials = terminal_credentials(session)

    def connect() -> PlatformClient:
        return PlatformClient(settings.platform_url, credentials, source.roots)

    return SyncEngine(
        store=session.store, connect=connect, trust_source=source, agency_code=identity.agency_code,
        terminal=identity.terminal_name, operator=session.operator_id, settings=settings.engine, listener=listener,
    )  # fmt: skip


def sending_desk(
    session: OperatorSession, config: TerminalConfig, settings: SyncSettings, *, agency_kind: AgencyKind,
    calendar: WorkingCalendar | None = None, policy: DeadlinePolicy = DEFAULT_POLICY,
) -> CaseDesk:  # fmt: skip
    """The operator's desk with the outbox: every case or affair record entered through it is signed and queued in
    the same transaction."""
    identity = load_terminal_identity(config)
    source = trust_source(config, settings.office_code)
    try:
        directory = _held_directory(source, session)
        supervisors = tuple(sorted(c for c, a in directory.agencies.items() if a.kind in SUPERVISING_KINDS))
        members = tuple(sorted(directory.agencies))
    except DirectoryMissing:
        supervisors = members = (settings.office_code,)
    outbox = PacketOutbox(session.store, session.signer, supervisors, members, settings.office_code)
    calendar = calendar or OfficeFiles(source).calendar(session.store)  # the years the office published too
    return CaseDesk(
        store=session.store, operator_id=session.operator_id, agency_code=identity.agency_code,
        agency_kind=agency_kind, terminal=identity.terminal_name, calendar=calendar,
        policy=policy, operator_name=session.verdict.holder.common_name, outgoing=outbox,
    )  # fmt: skip


def _held_directory(source: TrustSource, session: OperatorSession) -> AgencyDirectory:
    """The agency directory held, to address what the operator records. Offline is normal: once the CRL held is
    past its grace, the directory is taken as verified on the day of the newest list held (it was verified against
    it then), so that records can still be entered and queued; receiving stays refused until a fresh list."""
    try:
        return source.load(session.store).directory
    except DirectoryMissing:
        raise
    except PublishedDocumentInvalid:
        crls = source.load_crls(session.store)
        if not crls:
            raise
        newest = max(crl.last_update_utc for crl in crls)
        log.warning("the CRL held is past its grace: the agency directory is taken as of %s", newest.isoformat())
        return source.load(session.store, at=newest).directory
