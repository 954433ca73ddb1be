"""End to end: the real platform (a child process, loopback TLS) and real terminals (SoftHSM token operators,
SQLCipher stores). An enforcement agency transfers a case with attachments; the police receive it, sign the
receipt and decide on filing; the agency sees the decision. Then: the platform killed mid-upload and restarted,
a duplicate upload, a tampered packet, a revoked terminal, and a third agency that must not see the case."""

from __future__ import annotations

import io
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.crypto.pkcs11_token import TokenLibrary
from app.domain.agencies import AgencyKind
from app.domain.events import TransferMaterial
from app.domain.lifecycle import CaseStage
from app.models.attachments import add_attachment, list_attachments
from app.models.snapshots import load_case_state
from app.services import case_actions_transfer as tr
from app.services.cases import open_penalty_case
from app.services.sync import SyncSettings, terminal_credentials
from app.sync.engine_receive import Received
from app.sync.inbox import inbox_entries
from app.sync.outbox import outbox_entries, packet_bytes
from app.sync.platform_client import PlatformClient, TerminalRefused, UploadResult
from app.sync.sneakernet import import_packets
from app.sync.state import SyncPhase
from server.config import load_platform_config
from server.store import PacketStore
from tests.crypto.conftest import SoftHsm, softhsm, token_library  # noqa: F401  (session fixtures)
from tests.domain.factory import PARTY_COMPANY
from tests.e2e.terminals import Terminal, new_tokens, open_terminal, token_operator
from tests.server.platform_support import (
    PlatformPki,
    RunningPlatform,
    free_port,
    make_pki,
    start_process,
    write_platform,
)
from tests.sync.test_engine_support import Side

pytestmark = pytest.mark.slow
MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)


@dataclass
class World:
    pki: PlatformPki
    config: Path
    port: int
    platform: RunningPlatform
    agency: Terminal
    police: Terminal
    other: Terminal

    def restart(self) -> None:
        self.platform = start_process(self.pki, self.config, self.port)


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
    softhsm: SoftHsm,  # noqa: F811
    token_library: TokenLibrary,  # noqa: F811
) -> Iterator[World]:
    pki = make_pki()
    folder = tmp_path_factory.mktemp("e2e")
    config = write_platform(pki, folder / "platform")
    port = free_port()
    platform = start_process(pki, config, port)
    settings = SyncSettings(platform.url, pki.world.office_code)
    root, w = pki.world.root, pki.world
    terminals = {}
    agencies = (
        ("enforcement", w.enforcement_code, "市场监督管理局", AgencyKind.ENFORCEMENT),
        ("police", w.police_code, "公安分局", AgencyKind.POLICE),
        ("other", w.other_code, "生态环境局", AgencyKind.ENFORCEMENT),
    )
    labels = {name: f"e2e-{name}-{uuid.uuid4().hex[:6]}" for name, *_ in agencies}
    new_tokens(softhsm, token_library, list(labels.values()))
    for name, code, agency, kind in agencies:
        label = labels[name]
        token_operator(root, token_library, label, f"{name}操作员", code, agency, f"{name.upper()}-01")
        terminals[name] = open_terminal(
            folder / name, token_library, label, root=root, intermediate=w.intermediate,
            terminal=pki.terminals[name], kind=kind, settings=settings,
        )  # fmt: skip
    state = World(pki, config, port, platform, terminals["enforcement"], terminals["police"], terminals["other"])
    yield state
    for terminal in terminals.values():
        terminal.close()
    if state.platform.process is not None:
        state.platform.process.terminate()
        state.platform.process.wait(timeout=10)


def _stage(terminal: Terminal, case_id: str) -> CaseStage | None:
    state = terminal.session.store.read(lambda s: load_case_state(s, case_id))
    return None if state is None else state.stage


def test_transfer_with_attachments_reaches_the_police_and_the_decision_comes_back(world: World) -> None:
    desk, store = world.agency.desk, world.agency.session.store
    (case_id,) = open_penalty_case(
        desk, case_number="银兴市监立〔2026〕501号", title="某商贸公司涉嫌销售伪劣产品案",
        offence_code="criminal-law-140", party_name="某商贸有限公司", party_id=PARTY_COMPANY,
    ).cases  # fmt: skip
    for name in ("移送书.pdf", "调查报告.pdf"):
        add_attachment(store, case_id, io.BytesIO(f"%PDF-1.7 {name}".encode()), name=name, media_type="application/pdf")
    tr.report_transfer(desk, case_id, officers=("张三", "李四"), summary="销售金额8.65万元，涉嫌犯罪")
    tr.approve_transfer(desk, case_id)
    tr.transfer_case(
        desk, case_id, police_code=world.pki.world.police_code, document_number="银兴市监移〔2026〕5号",
        materials=MATERIALS, testing_applies=False, procuratorate_code=world.pki.world.procuratorate_code,
    )  # fmt: skip
    sent = world.agency.engine.run_once()
    assert (sent.pushed, sent.receipts, sent.status.phase) == (4, 4, SyncPhase.UP_TO_DATE), sent.status.reason

    received = world.police.engine.run_once()
    assert received.status.phase is SyncPhase.UP_TO_DATE and received.applied == 1, received
    assert _stage(world.police, case_id) is CaseStage.TRANSFERRED
    police_store = world.police.session.store
    assert sorted(a.name for a in police_store.read(lambda s: list_attachments(s, case_id))) == [
        "移送书.pdf",
        "调查报告.pdf",
    ]

    tr.record_receipt(world.police.desk, case_id)
    tr.record_filing_decision(world.police.desk, case_id, filed=True, document_number="银公立〔2026〕15号")
    assert world.police.engine.run_once().receipts == 2
    back = world.agency.engine.run_once()
    assert back.applied == 2 and _stage(world.agency, case_id) is CaseStage.FILED

    # The third agency's terminal is not a recipient: nothing of the case reaches it.
    other = world.other.engine.run_once()
    assert other.status.phase is SyncPhase.UP_TO_DATE and other.received == 0
    assert world.other.session.store.read(inbox_entries) == () and _stage(world.other, case_id) is None


class _TrickleClient(PlatformClient):
    """Sends a packet body in small pieces with pauses, so the platform can be killed while it arrives."""

    def upload(self, packet_id: uuid.UUID, data: bytes) -> UploadResult:
        def pieces() -> Iterator[bytes]:
            for start in range(0, len(data), 256 * 1024):
                yield data[start : start + 256 * 1024]
                time.sleep(0.1)

        return super().upload(packet_id, pieces())  # type: ignore[arg-type]


def _push_until_killed(world: World, slow_client: type[PlatformClient]) -> None:
    """The agency pushes through ``slow_client`` (which sends its bodies slowly) and the platform is SIGKILLed 1 s
    into the upload: the pass must end offline. The agency's normal client is back afterwards."""
    agency = world.agency
    credentials = terminal_credentials(agency.session)
    normal_connect = agency.engine.connect
    agency.engine.connect = lambda: slow_client(world.platform.url, credentials, [world.pki.world.root.certificate])
    agency.engine.stop()  # drop the pooled connection so the slow client is used
    outcome = []
    runner = threading.Thread(target=lambda: outcome.append(agency.engine.run_once()))
    runner.start()
    time.sleep(1.0)
    assert world.platform.process is not None
    world.platform.process.send_signal(signal.SIGKILL)
    world.platform.process.wait(timeout=10)
    runner.join(timeout=60)
    assert outcome and outcome[0].status.phase is SyncPhase.OFFLINE
    agency.engine.connect = normal_connect
    agency.engine.stop()


def _restart_and_push(world: World) -> None:
    world.restart()
    again = world.agency.engine.run_once()
    assert again.status.phase is SyncPhase.UP_TO_DATE, again.status.reason


def _platform_counts(world: World, packet_ids: list[str]) -> list[int]:
    """How many copies of each packet the platform's database holds (read directly, not through the API)."""
    platform_store = PacketStore(load_platform_config(world.config).effective_database_url)
    try:
        return [platform_store.count(packet_id) for packet_id in packet_ids]
    finally:
        platform_store.engine.dispose()
        platform_store.reader.dispose()


def test_platform_killed_mid_upload_then_restarted_keeps_one_copy_and_one_receipt(world: World) -> None:
    agency = world.agency
    store = agency.session.store
    (case_id,) = open_penalty_case(
        agency.desk, case_number="银兴市监立〔2026〕502号", title="涉嫌非法经营案", offence_code="criminal-law-225",
        party_name="某商贸有限公司", party_id=PARTY_COMPANY,
    ).cases  # fmt: skip
    add_attachment(store, case_id, io.BytesIO(b"\x00" * (5 * 1024 * 1024)), name="现场录像.bin",
                   media_type="application/octet-stream")  # fmt: skip
    tr.report_transfer(agency.desk, case_id, officers=("张三", "李四"), summary="经营数额巨大")
    tr.approve_transfer(agency.desk, case_id)
    tr.transfer_case(
        agency.desk, case_id, police_code=world.pki.world.police_code, document_number="银兴市监移〔2026〕6号",
        materials=MATERIALS, testing_applies=False, procuratorate_code=world.pki.world.procuratorate_code,
    )  # fmt: skip
    transfer = store.read(outbox_entries)[-1]
    _push_until_killed(world, _TrickleClient)
    assert _platform_counts(world, [transfer.packet_id]) == [0]
    _restart_and_push(world)
    assert _platform_counts(world, [transfer.packet_id]) == [1]
    assert {e.state for e in store.read(outbox_entries)} == {"receipted"}
    # A duplicate upload of the same packet: the platform answers with the receipt already kept.
    data = store.read(lambda s: packet_bytes(s, transfer.packet_id))
    assert data is not None
    credentials = terminal_credentials(agency.session)
    with PlatformClient(world.platform.url, credentials, [world.pki.world.root.certificate]) as client:
        duplicate = client.upload(uuid.UUID(transfer.packet_id), data)
        assert not duplicate.created
        assert duplicate.receipt_json == client.receipt(uuid.UUID(transfer.packet_id))[0]
    police = world.police.engine.run_once()
    assert police.applied == 1 and _stage(world.police, case_id) is CaseStage.TRANSFERRED


class _TrickleBatchClient(PlatformClient):
    """Sends each batch upload's body in small pieces with pauses (protocol 1.2), so the platform can be killed
    while a batch arrives."""

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        body = kwargs.get("content")
        if method == "POST" and isinstance(body, bytes):

            def pieces() -> Iterator[bytes]:
                for start in range(0, len(body), 1024):  # a few KB per packet: ≥ 3 s for this batch
                    yield body[start : start + 1024]
                    time.sleep(0.2)

            kwargs["content"] = pieces()
        return super()._send(method, path, **kwargs)


def test_platform_killed_mid_batch_upload_then_restarted_stores_each_packet_once(world: World) -> None:
    agency = world.agency
    store = agency.session.store
    (case_id,) = open_penalty_case(
        agency.desk, case_number="银兴市监立〔2026〕504号", title="涉嫌生产销售有毒有害食品案",
        offence_code="criminal-law-144", party_name="某食品厂", party_id=PARTY_COMPANY,
    ).cases  # fmt: skip
    tr.report_transfer(agency.desk, case_id, officers=("张三", "李四"), summary="检出非食品原料")
    tr.approve_transfer(agency.desk, case_id)
    queued = [e.packet_id for e in store.read(outbox_entries) if e.case_id == case_id]
    assert len(queued) == 3  # small packets: they go in one batch
    _push_until_killed(world, _TrickleBatchClient)
    assert _platform_counts(world, queued) == [0, 0, 0]  # the batch never arrived whole
    assert {e.state for e in store.read(outbox_entries) if e.case_id == case_id} == {"queued"}
    _restart_and_push(world)
    assert _platform_counts(world, queued) == [1, 1, 1]
    assert {e.state for e in store.read(outbox_entries) if e.case_id == case_id} == {"receipted"}


def test_tampered_packet_is_quarantined_and_not_applied(world: World, tmp_path: Path) -> None:
    agency = world.agency
    (case_id,) = open_penalty_case(
        agency.desk, case_number="银兴市监立〔2026〕503号", title="涉嫌销售假药案", offence_code="criminal-law-141",
        party_name="某药店", party_id=PARTY_COMPANY,
    ).cases  # fmt: skip
    tr.report_transfer(agency.desk, case_id, officers=("张三", "李四"), summary="假药")
    tr.approve_transfer(agency.desk, case_id)
    tr.transfer_case(
        agency.desk, case_id, police_code=world.pki.world.police_code, document_number="银兴市监移〔2026〕7号",
        materials=MATERIALS, testing_applies=False, procuratorate_code=world.pki.world.procuratorate_code,
    )  # fmt: skip
    transfer = agency.session.store.read(outbox_entries)[-1]
    data = bytearray(agency.session.store.read(lambda s: packet_bytes(s, transfer.packet_id)) or b"")
    data[len(data) // 2] ^= 0x01
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / f"{transfer.packet_id}.ljp").write_bytes(bytes(data))
    police = world.police
    side = Side("police", police.session.store, police.desk, police.engine, police.engine.trust_source)
    report = import_packets(side.receiver(), drive)
    assert report.count(Received.QUARANTINED) == 1
    assert _stage(police, case_id) is None
    assert list((police.config.data_dir / "quarantine").glob("*.ljp.quarantined"))


def test_revoked_terminal_is_refused(world: World) -> None:
    with (
        PlatformClient(world.platform.url, world.pki.credentials("revoked"), [world.pki.world.root.certificate]) as c,
        pytest.raises(TerminalRefused),
    ):
        c.whoami()
