"""The sync engine against a real platform on loopback TLS: outbox in the action's transaction, push with receipts,
pull, verify, apply (idempotent, creating unseen cases), deferred apply, offline state with backoff."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from pathlib import Path

import pytest

from app.domain.agencies import AgencyKind
from app.domain.events import TransferMaterial
from app.domain.lifecycle import CaseStage
from app.models.attachments import add_attachment, list_attachments
from app.models.events import count_case_events
from app.models.snapshots import load_case_state
from app.services import case_actions_transfer as tr
from app.services.cases import open_penalty_case
from app.services.sync_outgoing import PacketOutbox, packet_id_for
from app.sync.engine_backoff import EngineSettings, backoff_delay
from app.sync.engine_receive import Incoming, Received
from app.sync.inbox import cursor, inbox_entries
from app.sync.outbox import outbox_entries, packet_bytes
from app.sync.state import SyncPhase, SyncStatus
from tests.domain.factory import PARTY_COMPANY
from tests.server.platform_support import (
    PlatformPki,
    RunningPlatform,
    free_port,
)
from tests.sync.test_engine_support import Side, make_side

MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)


def transferred_case(agency: Side, pki: PlatformPki, number: str) -> str:
    desk = agency.desk
    changes = open_penalty_case(
        desk, case_number=number, title="某商贸公司涉嫌销售伪劣产品案", offence_code="criminal-law-140",
        party_name="某商贸有限公司", party_id=PARTY_COMPANY,
    )  # fmt: skip
    (case_id,) = changes.cases
    add_attachment(agency.store, case_id, io.BytesIO(b"%PDF-1.7 transfer letter"), name="移送书.pdf",
                   media_type="application/pdf")  # fmt: skip
    tr.report_transfer(desk, case_id, officers=("张三", "李四"), summary="销售金额8.65万元")
    tr.approve_transfer(desk, case_id)
    tr.transfer_case(
        desk, case_id, police_code=pki.world.police_code, document_number="银兴市监移〔2026〕1号",
        materials=MATERIALS, testing_applies=False, procuratorate_code=pki.world.procuratorate_code,
    )  # fmt: skip
    return case_id


def test_each_record_is_queued_as_a_signed_packet_in_its_own_transaction(agency: Side, pki: PlatformPki) -> None:
    case_id = transferred_case(agency, pki, "银兴市监立〔2026〕101号")
    entries = agency.store.read(outbox_entries)
    assert [e.kind for e in entries] == ["case.opened", "transfer.reported", "transfer.head_decision", "transfer.sent"]
    assert all(e.state == "queued" and e.case_id == case_id for e in entries)
    transfer = entries[-1]
    assert transfer.recipients == tuple(sorted({pki.world.police_code, pki.world.procuratorate_code}))
    assert entries[0].recipients == tuple(sorted({pki.world.procuratorate_code, pki.world.office_code}))
    assert transfer.packet_id == str(packet_id_for(transfer.event_id))


def test_a_record_whose_signature_fails_is_not_stored_either(agency: Side, pki: PlatformPki) -> None:
    operator = pki.world.enforcement_operator

    class RemovedToken:
        certificate = operator.certificate
        chain = operator.chain

        def sign(self, data: bytes) -> bytes:
            raise RuntimeError("token removed")

    broken = PacketOutbox(agency.store, RemovedToken(), (pki.world.office_code,))
    with pytest.raises(RuntimeError):
        open_penalty_case(
            replace(agency.desk, outgoing=broken), case_number="X-1", title="案", offence_code="criminal-law-140",
            party_name="某公司", party_id=PARTY_COMPANY,
        )  # fmt: skip
    assert agency.store.read(lambda s: (count_case_events(s), len(outbox_entries(s)))) == (0, 0)


def test_transfer_reaches_the_police_and_their_decision_comes_back(
    agency: Side, police: Side, pki: PlatformPki
) -> None:
    case_id = transferred_case(agency, pki, "银兴市监立〔2026〕102号")
    pushed = agency.engine.run_once()
    assert (pushed.pushed, pushed.receipts, pushed.status.phase) == (4, 4, SyncPhase.UP_TO_DATE)
    assert {e.state for e in agency.store.read(outbox_entries)} == {"receipted"}

    received = police.engine.run_once()
    assert received.status.phase is SyncPhase.UP_TO_DATE, received.status.reason
    state = police.store.read(lambda s: load_case_state(s, case_id))
    assert state is not None and state.stage is CaseStage.TRANSFERRED
    assert [a.name for a in police.store.read(lambda s: list_attachments(s, case_id))] == ["移送书.pdf"]
    assert police.store.read(cursor) > 0

    tr.record_receipt(police.desk, case_id)
    tr.record_filing_decision(police.desk, case_id, filed=True, document_number="银公立〔2026〕9号")
    assert police.engine.run_once().pushed == 2
    back = agency.engine.run_once()
    assert back.applied == 2, back
    stage = agency.store.read(lambda s: load_case_state(s, case_id))
    assert stage is not None and stage.stage is CaseStage.FILED


def test_the_same_packet_twice_changes_nothing(agency: Side, police: Side, pki: PlatformPki) -> None:
    case_id = transferred_case(agency, pki, "银兴市监立〔2026〕103号")
    transfer = agency.store.read(outbox_entries)[-1]
    data = agency.store.read(lambda s: packet_bytes(s, transfer.packet_id))
    assert data is not None
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    receiver = police.receiver()
    assert receiver.receive(Incoming(data, "removable")) is Received.APPLIED
    before = police.store.read(lambda s: count_case_events(s, case_id))
    assert receiver.receive(Incoming(data, "removable")) is Received.DUPLICATE
    assert police.store.read(lambda s: count_case_events(s, case_id)) == before == 4


def test_a_packet_waits_until_the_records_it_builds_on_arrive(
    tmp_path: Path, agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform
) -> None:
    case_id = transferred_case(agency, pki, "银兴市监立〔2026〕104号")
    transfer = agency.store.read(outbox_entries)[-1].packet_id
    transfer_bytes = agency.store.read(lambda s: packet_bytes(s, transfer)) or b""
    police.engine.trust_source.refresh(police.store, police.engine.connect())
    police.receiver().receive(Incoming(transfer_bytes, "removable"))
    tr.record_receipt(police.desk, case_id)
    tr.record_filing_decision(police.desk, case_id, filed=False, document_number="银公不立〔2026〕1号", reasons="无")
    filing = police.store.read(outbox_entries)[-1].packet_id
    # The procuratorate gets the police's decision before the agency's transfer (a drive brought it first).
    watcher = make_side(
        tmp_path, pki, "procuratorate", pki.world.police_operator, AgencyKind.PROCURATORATE, platform.url
    )
    try:
        watcher.engine.trust_source.refresh(watcher.store, watcher.engine.connect())
        receiver = watcher.receiver()
        filing_bytes = police.store.read(lambda s: packet_bytes(s, filing)) or b""
        assert receiver.receive(Incoming(filing_bytes, "removable")) is Received.DEFERRED
        (waiting,) = watcher.store.read(inbox_entries)
        assert not waiting.applied and waiting.apply_error
        assert receiver.receive(Incoming(transfer_bytes, "removable")) is Received.APPLIED
        assert receiver.retry_deferred() == 1
        state = watcher.store.read(lambda s: load_case_state(s, case_id))
        assert state is not None and state.stage is CaseStage.NOT_FILED
    finally:
        watcher.store.close()


def test_unreachable_platform_is_offline_with_a_reason_and_packets_stay_queued(
    tmp_path: Path, pki: PlatformPki
) -> None:
    side = make_side(
        tmp_path, pki, "enforcement", pki.world.enforcement_operator, AgencyKind.ENFORCEMENT,
        f"https://127.0.0.1:{free_port()}",
    )  # fmt: skip
    seen: list[SyncStatus] = []
    side.engine.listener = seen.append
    try:
        transferred_case(side, pki, "银兴市监立〔2026〕105号")
        report = side.engine.run_once()
        assert report.status.phase is SyncPhase.OFFLINE and "无法连接平台" in report.status.reason
        assert report.status.pending_out == 4 and report.status.next_attempt is not None
        assert [s.phase for s in seen] == [SyncPhase.SYNCING, SyncPhase.OFFLINE]
        assert {e.state for e in side.store.read(outbox_entries)} == {"queued"}
    finally:
        side.store.close()


def test_backoff_grows_with_failures_and_is_jittered_within_the_cap() -> None:
    settings, rng = EngineSettings(backoff_base=2.0, backoff_cap=60.0), random.Random(7)
    delays = [[backoff_delay(n, settings, rng) for _ in range(50)] for n in (1, 2, 3, 10)]
    assert all(1.0 <= d <= 2.0 for d in delays[0]) and all(2.0 <= d <= 4.0 for d in delays[1])
    assert all(30.0 <= d <= 60.0 for d in delays[3]) and len(set(delays[3])) > 40
