"""Shared by the sync engine tests: terminals (real encrypted store, software operator keys) against a real platform."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.config import TerminalConfig
from app.crypto.keys import SoftwareKey
from app.domain.agencies import AgencyKind
from app.models.store import Store, open_store
from app.services.cases import CaseDesk
from app.services.sync_outgoing import PacketOutbox
from app.sync.apply import Applier
from app.sync.engine import SyncEngine
from app.sync.engine_backoff import EngineSettings
from app.sync.engine_receive import Receiver
from app.sync.engine_trust import TrustSource
from app.sync.packet import holder_of
from app.sync.platform_client import PlatformClient
from tests.models.conftest import HiddenKey
from tests.server.platform_support import PlatformPki, RunningPlatform

FAST = EngineSettings(interval=0.2, backoff_base=0.05, backoff_cap=0.2)


@dataclass
class Side:
    """One terminal: its store, its operator's desk (with the outbox), its engine."""

    name: str
    store: Store
    desk: CaseDesk
    engine: SyncEngine
    trust_source: TrustSource

    def receiver(self) -> Receiver:
        trust = self.trust_source.load(self.store)
        applier = Applier(self.desk.agency_code, self.desk.terminal, self.store.blobs, trust.sender_kinds())
        return Receiver(self.store, trust, applier, self.desk.operator_id, self.engine.clock)


def trust_source_for(pki: PlatformPki, folder: Path) -> TrustSource:
    world = pki.world
    return TrustSource(
        roots=(world.root.certificate,), intermediates=(world.intermediate.certificate,),
        office_code=world.office_code, quarantine_dir=folder / "quarantine",
    )  # fmt: skip


def make_side(tmp_path: Path, pki: PlatformPki, name: str, signer: SoftwareKey, kind: AgencyKind, url: str) -> Side:
    """A terminal of the agency of ``signer`` talking to ``url`` as terminal ``name`` of the test PKI."""
    folder = tmp_path / name
    store = open_store(TerminalConfig(data_dir=folder), HiddenKey(os.urandom(32)), create=True)
    holder = holder_of(signer.certificate)
    world = pki.world
    members = tuple(sorted({world.enforcement_code, world.police_code, world.other_code, world.procuratorate_code,
                            world.office_code}))  # fmt: skip
    outbox = PacketOutbox(store, signer, (world.procuratorate_code, world.office_code), members, world.office_code)
    desk = CaseDesk(
        store=store, operator_id=holder.operator_id, agency_code=holder.agency_code, agency_kind=kind,
        terminal=f"{name}-终端", outgoing=outbox,
    )  # fmt: skip
    source = trust_source_for(pki, folder)

    def connect() -> PlatformClient:
        return PlatformClient(url, pki.credentials(name), [world.root.certificate], timeout=10.0, connect_timeout=2.0)

    engine = SyncEngine(
        store=store, connect=connect, trust_source=source, agency_code=holder.agency_code, terminal=desk.terminal,
        operator=holder.operator_id, settings=FAST,
    )  # fmt: skip
    return Side(name, store, desk, engine, source)


def platform_url(running: RunningPlatform) -> str:
    return running.url
