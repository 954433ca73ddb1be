"""Every operator action of the case lifecycle persists in the store and replays to the same state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.domain.agencies import AgencyKind
from app.domain.events import (
    DocumentType,
    FilingDecision,
    PenaltyProcedure,
    SupervisionTarget,
    TransferMaterial,
    TransferReceipted,
    Verdict,
)
from app.domain.lifecycle import ArrestStatus, CaseStage, IllegalMove, PenaltyStatus, fold
from app.models.cases import get_case
from app.models.events import case_events
from app.models.store import Store
from app.services import case_actions_criminal as crim
from app.services import case_actions_transfer as tr
from app.services.case_queries import case_history, case_state
from app.services.cases import (
    CaseDesk,
    CaseNumberTaken,
    Recorded,
    correct_record,
    new_event,
    record_event,
    retract_record,
)
from app.services.changes import Changes
from tests.domain.factory import COURT, ENFORCEMENT, POLICE, POLICE_2, PROCURATORATE, SUPERVISION
from tests.services.test_case_support import Clock, counts, desk, open_case

MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)


def replays(store: Store, case_id: str) -> CaseStage:
    """The snapshot equals the fold of the stored records; returns the stage."""
    history = case_history(store, case_id)
    stored = store.read(lambda s: case_events(s, case_id))
    assert case_state(store, case_id) == history.state == fold(stored)
    assert case_state(store, case_id).to_dict() == fold(reversed(stored)).to_dict()  # any arrival order
    return history.state.stage


def transferred(store: Store, clock: Clock) -> tuple[str, CaseDesk, CaseDesk, CaseDesk]:
    agency, police, procuratorate = (desk(store, a, clock) for a in (ENFORCEMENT, POLICE, PROCURATORATE))
    case_id = open_case(store, clock)
    clock.advance(hours=2)
    tr.report_transfer(agency, case_id, officers=("张三", "李四"), summary="销售金额8.65万元，涉嫌犯罪")
    clock.advance(hours=2)
    tr.approve_transfer(agency, case_id)
    clock.advance(hours=2)
    changes = tr.transfer_case(
        agency, case_id, police_code=POLICE.code, document_number="银兴市监移〔2026〕1号", materials=MATERIALS,
        testing_applies=False, procuratorate_code=PROCURATORATE.code,
    )  # fmt: skip
    assert changes.agencies == {ENFORCEMENT.code, POLICE.code}  # the 24-hour transfer closed, the receipt opened
    assert changes.outgoing[0].recipients == {POLICE.code, PROCURATORATE.code}
    assert replays(store, case_id) is CaseStage.TRANSFERRED
    return case_id, agency, police, procuratorate


def test_transfer_non_filing_supervision_filing_arrest_prosecution_judgment(store: Store, clock: Clock) -> None:
    case_id, agency, police, procuratorate = transferred(store, clock)
    court = desk(store, COURT, clock)
    steps = [
        (lambda: tr.record_receipt(police, case_id), CaseStage.ACCEPTED),
        (lambda: tr.record_filing_decision(police, case_id, filed=False, document_number="兴公不立字〔2026〕1号",
                                           reasons="情节显著轻微"), CaseStage.NOT_FILED),
        (lambda: tr.request_reconsideration(agency, case_id, reasons="销售金额已达追诉标准"), CaseStage.RECONSIDERING),
        (lambda: tr.decide_reconsideration(police, case_id, reversed=False, document_number="兴公复决字〔2026〕1号",
                                           reasons="维持"), CaseStage.NOT_FILED_UPHELD),
        (lambda: tr.suggest_supervision(agency, case_id, target=SupervisionTarget.NON_FILING,
                                        procuratorate_code=PROCURATORATE.code, reasons="应当立案"),
         CaseStage.SUPERVISION_REQUESTED),
        (lambda: crim.require_explanation(procuratorate, case_id, document_number="兴检侦监说〔2026〕1号"),
         CaseStage.EXPLANATION_REQUIRED),
        (lambda: crim.give_explanation(police, case_id, reasons="证据不足"), CaseStage.EXPLANATION_GIVEN),
        (lambda: crim.notice_filing(procuratorate, case_id, document_number="兴检侦监通立〔2026〕1号"),
         CaseStage.FILING_NOTICED),
        (lambda: tr.record_filing_decision(police, case_id, filed=True, document_number="兴公立字〔2026〕2号"),
         CaseStage.FILED),
        (lambda: tr.hand_over_items(agency, case_id, items=("伪劣电缆200卷",)), CaseStage.FILED),
        (lambda: crim.request_arrest(police, case_id, procuratorate_code=PROCURATORATE.code, suspects=("王某",)),
         CaseStage.FILED),
        (lambda: crim.decide_arrest(procuratorate, case_id, approved=True, document_number="兴检捕〔2026〕1号"),
         CaseStage.FILED),
        (lambda: crim.request_prosecution(police, case_id, procuratorate_code=PROCURATORATE.code,
                                          document_number="兴公诉字〔2026〕1号"), CaseStage.PROSECUTION_REVIEW),
        (lambda: crim.decide_prosecution(procuratorate, case_id, indicted=True, document_number="兴检诉〔2026〕1号"),
         CaseStage.INDICTED),
        (lambda: crim.enter_judgment(court, case_id, judgment_number="（2026）宁0104刑初1号",
                                     verdict=Verdict.CONVICTED, judged_on=dt.date(2026, 3, 5)), CaseStage.JUDGED),
    ]  # fmt: skip
    for action, stage in steps:
        clock.advance(hours=5)
        before = counts(store)
        changes = action()
        assert changes.cases == {case_id} and len(changes.events) == 1
        assert counts(store) == (before[0] + 1, before[1] + 1)  # one record, one audit row, one transaction
        assert replays(store, case_id) is stage
    state = case_state(store, case_id)
    assert state.arrest is ArrestStatus.APPROVED and state.verdict is Verdict.CONVICTED and state.items_handed_over
    row = store.read(lambda s: get_case(s, case_id))
    assert row is not None and row.stage == CaseStage.JUDGED.label  # the case list follows the state


def test_penalty_suggestion_misconduct_and_early_intervention(store: Store, clock: Clock) -> None:
    agency, police, procuratorate = (desk(store, a, clock) for a in (ENFORCEMENT, POLICE, PROCURATORATE))
    supervision = desk(store, SUPERVISION, clock)
    case_id = open_case(store, clock)
    clock.advance(hours=1)
    invited = tr.invite_intervention(
        agency, case_id, invited_code=POLICE.code, invited_kind=AgencyKind.POLICE, written=True, reasons="案情重大"
    )
    clock.advance(hours=1)
    tr.send_intervention(police, case_id, invitation_id=invited.events[0], officers=("赵六",))
    clock.advance(hours=1)
    reported = tr.report_misconduct(agency, case_id, supervision_code=SUPERVISION.code, summary="执法人员涉嫌受贿")
    clock.advance(hours=1)
    tr.record_misconduct_handling(supervision, case_id, report_id=reported.events[0], result="已立案审查")
    clock.advance(hours=1)
    crim_suggestion = tr.suggest_transfer(procuratorate, case_id, reasons="涉嫌犯罪")
    assert crim_suggestion.cases == {case_id}
    clock.advance(hours=1)
    tr.record_penalty_decision(
        agency, case_id, decision_number="银兴市监罚决〔2026〕3号", procedure=PenaltyProcedure.GENERAL,
        fine=Decimal("5000"), measures=(("sales_amount", Decimal("12000")),),
    )  # fmt: skip
    clock.advance(days=2)
    tr.record_penalty_effective(agency, case_id)
    assert replays(store, case_id) is CaseStage.ADMINISTRATIVE
    state = case_state(store, case_id)
    assert state.penalty is PenaltyStatus.EFFECTIVE and state.transfer_suggested
    row = store.read(lambda s: get_case(s, case_id))
    assert row is not None and row.amount_fen == 500000


def test_refused_transfer_forwarding_return_withdrawal_and_accepted_explanation(store: Store, clock: Clock) -> None:
    agency = desk(store, ENFORCEMENT, clock)
    case_id = open_case(store, clock, number="银兴市监立〔2026〕6号")
    clock.advance(hours=1)
    tr.report_transfer(agency, case_id, officers=("张三", "李四"), summary="s")
    clock.advance(hours=1)
    tr.refuse_transfer(agency, case_id, reasons="未达追诉标准")
    assert replays(store, case_id) is CaseStage.ADMINISTRATIVE

    case_id, agency, police, procuratorate = transferred(store, clock_2 := Clock(clock.now))
    police_2 = (
        desk(store, ENFORCEMENT.__class__("11640104MB00000049", AgencyKind.POLICE, "x"), clock_2) if False else None
    )
    del police_2
    clock_2.advance(hours=1)
    tr.record_receipt(police, case_id)
    clock_2.advance(hours=1)
    tr.record_filing_decision(police, case_id, filed=True, document_number="兴公立字〔2026〕3号")
    clock_2.advance(hours=1)
    crim.withdraw_case(police, case_id, document_number="兴公撤字〔2026〕1号", reasons="不构成犯罪")
    clock_2.advance(hours=1)
    tr.suggest_supervision(agency, case_id, target=SupervisionTarget.WITHDRAWAL, procuratorate_code=PROCURATORATE.code,
                           reasons="应当追究")  # fmt: skip
    clock_2.advance(hours=1)
    crim.require_explanation(procuratorate, case_id, document_number="兴检侦监说〔2026〕2号")
    clock_2.advance(hours=1)
    crim.give_explanation(police, case_id, reasons="不构成犯罪")
    clock_2.advance(hours=1)
    crim.accept_explanation(procuratorate, case_id, reasons="理由成立")
    assert replays(store, case_id) is CaseStage.NOT_FILED_CONFIRMED


def test_forwarding_and_return_to_the_agency(store: Store, clock: Clock) -> None:
    case_id, agency, police, _ = transferred(store, clock)
    clock.advance(hours=1)
    tr.record_receipt(police, case_id)
    clock.advance(hours=1)
    tr.return_case(police, case_id, reasons="不构成犯罪，应予行政处罚")
    assert replays(store, case_id) is CaseStage.RETURNED
    other = open_case(store, clock, number="银兴市监立〔2026〕8号")
    clock.advance(hours=1)
    tr.report_transfer(agency, other, officers=("张三", "李四"), summary="s")
    tr.approve_transfer(agency, other, occurred_at=clock.advance(hours=1))
    tr.transfer_case(agency, other, police_code=POLICE.code, document_number="银兴市监移〔2026〕2号",
                     materials=MATERIALS, testing_applies=False, procuratorate_code=PROCURATORATE.code,
                     occurred_at=clock.advance(hours=1))  # fmt: skip
    tr.forward_case(police, other, to_police_code=POLICE_2.code, notice_given=True, occurred_at=clock.advance(hours=1))
    assert replays(store, other) is CaseStage.TRANSFERRED
    assert case_state(store, other).police_code == POLICE_2.code


def test_non_prosecution_opinion_documents_replies_and_follow_up(store: Store, clock: Clock) -> None:
    case_id, agency, police, procuratorate = transferred(store, clock)
    for action in (
        lambda: tr.record_receipt(police, case_id),
        lambda: tr.record_filing_decision(police, case_id, filed=True, document_number="兴公立字〔2026〕4号"),
        lambda: crim.request_prosecution(police, case_id, procuratorate_code=PROCURATORATE.code,
                                         document_number="兴公诉字〔2026〕2号"),
        lambda: crim.decide_prosecution(procuratorate, case_id, indicted=False, document_number="兴检不诉〔2026〕1号",
                                        reasons="情节轻微"),
    ):  # fmt: skip
        clock.advance(hours=3)
        action()
    clock.advance(hours=3)
    opinion = crim.issue_non_prosecution_opinion(
        procuratorate, case_id, document_number="兴检行意〔2026〕1号", recipient_code=ENFORCEMENT.code,
        recommendation="建议给予行政处罚",
    )  # fmt: skip
    assert ENFORCEMENT.code in opinion.agencies  # the agency's to-do gains the reply
    clock.advance(hours=3)
    suggestion = crim.issue_supervisory_document(
        procuratorate, case_id, document_type=DocumentType.PROCURATORIAL_SUGGESTION,
        document_number="兴检建〔2026〕1号", recipient_code=ENFORCEMENT.code, recipient_kind=AgencyKind.ENFORCEMENT,
        summary="建议加强执法",
    )  # fmt: skip
    clock.advance(days=3)
    crim.reply_to_document(agency, case_id, document_id=opinion.events[0], written=True, summary="已作出行政处罚")
    clock.advance(days=1)
    crim.reply_to_document(agency, case_id, document_id=suggestion.events[0], written=True, summary="已整改")
    clock.advance(days=1)
    crim.follow_up_document(procuratorate, case_id, document_id=suggestion.events[0], result="整改到位", closed=True)
    assert replays(store, case_id) is CaseStage.NOT_PROSECUTED
    documents = case_state(store, case_id).documents
    assert all(d.replied_at is not None for d in documents) and len(documents) == 2


def test_an_illegal_move_is_refused_in_chinese_and_writes_nothing(store: Store, clock: Clock) -> None:
    case_id, _, police, _ = transferred(store, clock)
    court = desk(store, COURT, clock)
    before = counts(store)
    with pytest.raises(IllegalMove) as refused:
        tr.record_filing_decision(police, case_id, filed=True, document_number="兴公立字〔2026〕9号")
    assert "回执" in refused.value.user_message or "受理" in refused.value.user_message
    with pytest.raises(IllegalMove) as refused:
        tr.record_filing_decision(court, case_id, filed=True, document_number="n")
    assert "人民法院不能录入" in refused.value.user_message
    with pytest.raises(CaseNumberTaken):
        open_case(store, clock)  # the same case number again
    assert counts(store) == before
    assert replays(store, case_id) is CaseStage.TRANSFERRED


def test_corrections_supersede_and_a_retraction_withdraws(store: Store, clock: Clock) -> None:
    case_id, agency, police, _ = transferred(store, clock)
    clock.advance(hours=1)
    tr.record_receipt(police, case_id)
    clock.advance(hours=1)
    wrong = tr.record_filing_decision(
        police, case_id, filed=False, document_number="兴公不立字〔2026〕9号", reasons="r"
    )
    clock.advance(hours=1)
    fixed = correct_record(
        police, case_id, wrong.events[0], FilingDecision, occurred_at=clock.now - dt.timedelta(hours=1), filed=True,
        document_number="兴公立字〔2026〕9号",
    )  # fmt: skip
    assert replays(store, case_id) is CaseStage.FILED
    history = case_history(store, case_id)
    assert {wrong.events[0], fixed.events[0]} <= {e.event_id for e in history.events}  # nothing edited
    clock.advance(hours=1)
    retract_record(police, case_id, fixed.events[0], reason="误录")
    assert replays(store, case_id) is CaseStage.ACCEPTED
    with pytest.raises(IllegalMove):
        retract_record(agency, case_id, wrong.events[0], reason="不是本单位的记录")


def test_the_same_record_twice_changes_nothing_and_the_hook_runs_in_the_transaction(store: Store, clock: Clock) -> None:
    case_id, _, police, _ = transferred(store, clock)
    clock.advance(hours=1)
    receipt = new_event(police, TransferReceipted, case_id)
    seen: list[Recorded] = []
    assert not record_event(police, receipt, outgoing=lambda s, r: seen.append(r)).empty
    before = counts(store)
    assert record_event(police, receipt) == Changes()
    assert counts(store) == before and [r.event for r in seen] == [receipt]

    def broken_outbox(session: Session, recorded: Recorded) -> None:
        raise OSError("outbox unavailable")

    clock.advance(hours=1)
    decision = new_event(police, FilingDecision, case_id, filed=True, document_number="兴公立字〔2026〕5号")
    with pytest.raises(OSError):
        record_event(police, decision, outgoing=broken_outbox)
    assert counts(store) == before  # the record and its packet commit together or not at all
