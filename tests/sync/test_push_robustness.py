"""One packet must not hold back the outbox or the pull: a packet the platform will never take, a sent packet the
platform no longer has, a receipt that did not survive the way back, a terminal offline for days. Real platform
on loopback TLS, real stores and packets; the platform's answer is garbled only where the test says so."""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

from app.domain.agencies import AgencyKind
from app.domain.events.base import EventKind
from app.models.sync_tables import OutboxRow
from app.sync.engine_backoff import EngineSettings, backoff_delay
from app.sync.engine_push import Pusher
from app.sync.outbox import outbox_entries
from app.sync.packet import Attachment, BuiltPacket, build_packet
from app.sync.packet.kinds import may_send
from app.sync.platform_client import PlatformClient
from app.sync.state import SyncPhase
from tests.server.platform_support import PlatformPki, RunningPlatform, free_port
from tests.sync.test_batch_push import _queue
from tests.sync.test_engine_support import FAST, Side, make_side

# A record the police may send (the platform refuses other kinds from it with 422, before anything else).
POLICE_KIND = next(kind.value for kind in EventKind if may_send(AgencyKind.POLICE.value, kind.value))


def _packet(pki: PlatformPki, *, police: bool = False) -> BuiltPacket:
    world = pki.world
    return build_packet(
        world.police_operator if police else world.enforcement_operator,
        kind=POLICE_KIND if police else "case.opened", case_id=f"CASE-{uuid.uuid4().hex[:8]}",
        recipients=[world.enforcement_code if police else world.police_code], payload={"案由": "涉嫌生产销售伪劣产品"},
        attachments=[Attachment("材料.bin", "application/octet-stream", uuid.uuid4().bytes)],
    )  # fmt: skip


def _states(side: Side) -> dict[str, tuple[str, str]]:
    return {entry.packet_id: (entry.state, entry.reason) for entry in side.store.read(outbox_entries)}


def _waiting_in_the_agencys_inbox(pki: PlatformPki, platform: RunningPlatform) -> None:
    """A packet the police sent the agency: the agency's pull receives it only if its pass gets that far."""
    with platform.client("police") as client:
        packet = build_packet(
            pki.world.police_operator, kind=POLICE_KIND, case_id=f"CASE-{uuid.uuid4().hex[:8]}",
            recipients=[pki.world.enforcement_code], payload={"案由": "移送回函"},
        )  # fmt: skip
        client.upload(packet.packet_id, packet.data)


def test_a_packet_of_another_agency_fails_alone_and_the_pass_goes_on(
    agency: Side, pki: PlatformPki, platform: RunningPlatform
) -> None:
    """A packet signed for another agency (a certificate re-issued for another agency code, a restored store) is
    refused by the platform (403 not-sender). It was taken for the terminal's own refusal: every pass ended there,
    before the pull, and the packet stayed queued for ever."""
    foreign, good = _packet(pki, police=True), _packet(pki)
    _queue(agency, [foreign, good])
    _waiting_in_the_agencys_inbox(pki, platform)
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.UP_TO_DATE, report.status.reason
    assert (report.pushed, report.failed) == (1, 1) and report.received >= 1
    state, reason = _states(agency)[str(foreign.packet_id)]
    assert state == "failed" and reason.startswith("平台拒收：终端只能上传本单位发出的数据包。")
    assert _states(agency)[str(good.packet_id)][0] == "receipted"


def test_a_sent_packet_the_platform_no_longer_has_is_queued_again_and_holds_nothing_back(
    agency: Side, pki: PlatformPki, platform: RunningPlatform
) -> None:
    """'Sent' (taken, receipt not yet verified), then the platform is restored from a backup without it: fetching
    its receipt gets 404. That used to end every pass before any other packet went up and before the pull."""
    lost, good = _packet(pki), _packet(pki)
    _queue(agency, [lost, good])
    agency.store.write(
        lambda s: s.execute(update(OutboxRow).where(OutboxRow.packet_id == str(lost.packet_id)).values(state="sent"))
    )
    _waiting_in_the_agencys_inbox(pki, platform)
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.UP_TO_DATE, report.status.reason
    assert report.received >= 1 and report.pushed == 2  # sent again, as new
    assert {_states(agency)[str(p.packet_id)][0] for p in (lost, good)} == {"receipted"}


class GarblesUploadAnswers(PlatformClient):
    """The platform stores the packet, but its answer arrives with an unreadable receipt (a proxy mangled it)."""

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = super()._send(method, path, **kwargs)
        if method == "PUT" and response.status_code in (200, 201):
            return httpx.Response(response.status_code, json={"receipt": "%%%", "signature": "%%%"})
        return response


def test_a_packet_taken_whose_receipt_is_garbled_is_sent_not_failed(
    agency: Side, pki: PlatformPki, platform: RunningPlatform
) -> None:
    lone = _packet(pki)
    _queue(agency, [lone])
    client = GarblesUploadAnswers(platform.url, pki.credentials("enforcement"), [pki.world.root.certificate])
    agency.engine.trust_source.refresh(agency.store, client)
    try:
        pusher = Pusher(agency.store, client, agency.engine.trust_source, agency.engine.clock, random.Random(1), FAST)
        assert pusher.push() == {"pushed": 1, "receipts": 0, "failed": 0}
    finally:
        client.close()
    state, reason = _states(agency)[str(lone.packet_id)]
    assert state == "sent" and "平台已接收该数据包" in reason and "隔离" not in reason
    report = agency.engine.run_once()  # the receipt, fetched again from the platform, verifies
    assert report.receipts == 1 and _states(agency)[str(lone.packet_id)][0] == "receipted"


def test_the_backoff_stays_capped_after_any_number_of_failures() -> None:
    settings = EngineSettings(backoff_base=2.0, backoff_cap=300.0)
    rng = random.Random(7)
    for failures in (1, 9, 1024, 1025, 10**6):  # 2.0 ** 1024 overflowed: the engine's thread died after ≈ 64 h
        assert 0 < backoff_delay(failures, settings, rng) <= 300.0


def test_an_engine_offline_for_days_keeps_trying(tmp_path: Path, pki: PlatformPki) -> None:
    unreachable = f"https://127.0.0.1:{free_port()}"
    side = make_side(tmp_path, pki, "enforcement", pki.world.enforcement_operator, AgencyKind.ENFORCEMENT, unreachable)
    try:
        side.engine._failures = 1030  # about 64 hours of passes at the 300 s cap
        side.engine.start()
        deadline = time.monotonic() + 10
        while side.engine.status.phase is not SyncPhase.OFFLINE and time.monotonic() < deadline:
            time.sleep(0.05)
        thread = side.engine._thread
        assert thread is not None and thread.is_alive()
        assert side.engine.status.phase is SyncPhase.OFFLINE and side.engine._failures == 1031
    finally:
        side.engine.stop(timeout=5)
        side.store.close()
