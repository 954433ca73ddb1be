"""Every record entered through a desk with an outbox goes out — corrections, retractions and records outside a case
(a consultation asked and answered) — and is applied on the receiving terminal (real platform, loopback TLS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.affairs import ConsultationState
from app.domain.agencies import AgencyKind
from app.services import case_actions_transfer as tr
from app.services.affairs import affair_state, answer_consultation, ask_consultation
from app.services.cases import open_penalty_case, retract_record
from app.sync.outbox import outbox_entries
from app.sync.state import SyncPhase
from tests.domain.factory import PARTY_COMPANY
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.test_engine_support import Side, make_side


@pytest.fixture
def sides(tmp_path: Path, pki: PlatformPki, platform: RunningPlatform) -> Iterator[tuple[Side, Side]]:
    w = pki.world
    agency = make_side(tmp_path, pki, "enforcement", w.enforcement_operator, AgencyKind.ENFORCEMENT, platform.url)
    police = make_side(tmp_path, pki, "police", w.police_operator, AgencyKind.POLICE, platform.url)
    yield agency, police
    for side in (agency, police):
        side.engine.stop()
        side.store.close()


def test_a_retraction_goes_out_in_its_own_transaction(sides: tuple[Side, Side], pki: PlatformPki) -> None:
    agency, _police = sides
    (case_id,) = open_penalty_case(
        agency.desk, case_number="银兴市监立〔2026〕301号", title="涉嫌销售伪劣产品案", offence_code="criminal-law-140",
        party_name="某商贸有限公司", party_id=PARTY_COMPANY,
    ).cases  # fmt: skip
    (reported,) = tr.report_transfer(agency.desk, case_id, officers=("张三", "李四"), summary="销售金额8.65万元").events
    retract_record(agency.desk, case_id, reported, reason="录入错误")
    kinds = [e.kind for e in agency.store.read(outbox_entries)]
    assert kinds == ["case.opened", "transfer.reported", "record.retracted"]
    sent = agency.engine.run_once()
    assert (sent.pushed, sent.receipts, sent.status.phase) == (3, 3, SyncPhase.UP_TO_DATE), sent.status.reason


def test_a_consultation_reaches_the_asked_agency_and_the_answer_comes_back(
    sides: tuple[Side, Side], pki: PlatformPki
) -> None:
    agency, police = sides
    w = pki.world
    (affair_id,) = ask_consultation(
        agency.desk, consulted_code=w.police_code, consulted_kind=AgencyKind.POLICE, written=True,
        question="销售金额8.65万元是否达到立案追诉标准？",
    ).affairs  # fmt: skip
    (asked,) = agency.store.read(outbox_entries)
    assert (asked.kind, asked.recipients) == ("consultation.asked", (w.police_code,))
    assert agency.engine.run_once().receipts == 1

    received = police.engine.run_once()
    assert received.applied == 1, received
    on_police = affair_state(police.store, affair_id)
    assert isinstance(on_police, ConsultationState) and on_police.consulted_code == w.police_code
    assert on_police.answered_at is None

    answer_consultation(police.desk, affair_id, written=True, answer="已达到追诉标准，建议移送。")
    (answered,) = police.store.read(outbox_entries)
    assert (answered.kind, answered.recipients) == ("consultation.answered", (w.enforcement_code,))
    assert police.engine.run_once().receipts == 1
    back = agency.engine.run_once()
    assert back.applied == 1 and back.quarantined == 0, back
    on_agency = affair_state(agency.store, affair_id)
    assert isinstance(on_agency, ConsultationState) and on_agency.answered_at is not None
    assert agency.engine.run_once().applied == 0  # the same packets again change nothing
