"""The case state machine: each rule with the article it implements."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from app.domain.agencies import AgencyKind
from app.domain.deadlines import DEFAULT_POLICY, DeadlineRuleId
from app.domain.events import (
    ArrestDecided,
    ArrestRequested,
    CaseWithdrawn,
    DocumentFollowedUp,
    DocumentIssued,
    DocumentReplied,
    DocumentType,
    Event,
    EventKind,
    ExplanationGiven,
    ExplanationRequired,
    FilingDecision,
    FilingNoticed,
    HeadDecision,
    InterventionInvited,
    InterventionSent,
    JudgmentEntered,
    OpinionIssued,
    PenaltyEffective,
    ProsecutionDecided,
    ProsecutionRequested,
    ReconsiderationDecided,
    ReconsiderationRequested,
    Retraction,
    SeizedItemsHandedOver,
    SupervisionSuggested,
    SupervisionTarget,
    TransferForwarded,
    TransferMaterial,
    TransferReceipted,
    Transferred,
    TransferReported,
    Verdict,
)
from app.domain.lifecycle import (
    ArrestStatus,
    CaseHistory,
    CaseStage,
    CaseState,
    IllegalMove,
    PenaltyStatus,
    SnapshotOutdated,
    admit,
    allowed_moves,
    apply,
    fold,
    transition_table,
)
from tests.domain.factory import (
    ALL_MATERIALS,
    COURT,
    ENFORCEMENT,
    ENFORCEMENT_2,
    POLICE,
    POLICE_2,
    PROCURATORATE,
    Script,
    at,
)


def _refused(history: list[Event], event: Event, fragment: str) -> IllegalMove:
    state = fold(history)
    with pytest.raises(IllegalMove) as caught:
        apply(state, event)
    assert fragment in caught.value.user_message, caught.value.user_message
    return caught.value


def test_court_cannot_record_a_filing_decision() -> None:
    # 310号令 Art.8: the filing decision is the police's
    s = Script()
    history = s.to_acceptance()
    event = s.make(FilingDecision, COURT, filed=True, document_number="x")
    error = _refused(history, event, "人民法院不能录入此项，应由公安机关录入")
    assert "立案决定" in error.user_message


def test_no_filing_decision_before_the_receipt() -> None:
    # 310号令 Art.7–8: police decide within 3 days of *accepting* the case, which the receipt records
    s = Script()
    history = s.to_acceptance()[:-1]
    _refused(history, s.make(FilingDecision, POLICE, filed=True, document_number="x"), "须先签收回执")


def test_no_transfer_without_head_approval() -> None:
    # 310号令 Art.5: the head (正职负责人) approves before the transfer
    s = Script()
    history = [s.opened(), s.make(TransferReported, ENFORCEMENT, officers=("张三", "李四"), summary="s")]
    event = s.make(
        Transferred,
        ENFORCEMENT,
        police_code=POLICE.code,
        document_number="n",
        materials=ALL_MATERIALS,
        testing_applies=False,
        procuratorate_code=PROCURATORATE.code,
    )
    _refused(history, event, "须经本机关正职负责人批准后方可移送（310号令第5条）")


def test_transfer_missing_a_mandatory_material_names_it() -> None:
    # 310号令 Art.6: 移送书, 调查报告, 涉案物品清单; 检验报告/鉴定结论 where items were tested
    s = Script()
    history = s.to_acceptance()[:3]
    without_list = s.make(
        Transferred,
        ENFORCEMENT,
        police_code=POLICE.code,
        document_number="n",
        testing_applies=True,
        materials=(TransferMaterial.TRANSFER_LETTER, TransferMaterial.INVESTIGATION_REPORT),
    )
    error = _refused(history, without_list, "涉案物品清单")
    assert "检验报告或者鉴定结论" in error.user_message and "310号令第6条" in error.user_message


def test_transfer_report_needs_two_officers_and_refusal_needs_reasons() -> None:
    # 310号令 Art.5: a case team of two or more officers; a refusal's reasons are recorded
    s = Script()
    opened = s.opened()
    _refused([opened], s.make(TransferReported, ENFORCEMENT, officers=("张三",), summary="s"), "2名以上")
    reported = s.make(TransferReported, ENFORCEMENT, officers=("张三", "李四"), summary="s")
    _refused([opened, reported], s.make(HeadDecision, ENFORCEMENT, approved=False), "理由记录在案")
    refused = s.make(HeadDecision, ENFORCEMENT, approved=False, reasons="证据不足")
    assert fold([opened, reported, refused]).stage is CaseStage.ADMINISTRATIVE


def test_only_the_police_transferred_to_may_act_and_forwarding_needs_notice() -> None:
    # 310号令 Art.7: receipt by the police addressed; forwarding within 24 hours with written notice
    s = Script()
    history = s.to_acceptance()[:-1]
    _refused(history, s.make(TransferReceipted, POLICE_2), "其他公安机关不能录入")
    _refused(history, s.make(TransferForwarded, POLICE, to_police_code=POLICE_2.code, notice_given=False), "书面告知")
    forwarded = s.make(TransferForwarded, POLICE, to_police_code=POLICE_2.code, notice_given=True)
    receipt = s.make(TransferReceipted, POLICE_2)
    state = fold([*history, forwarded, receipt])
    assert state.stage is CaseStage.ACCEPTED and state.police_code == POLICE_2.code
    assert [o.rule for o in state.open_obligations()] == [DeadlineRuleId.FILING_DECISION]


def test_not_filing_needs_reasons_and_opens_the_reconsideration_window() -> None:
    # 310号令 Art.8 (不予立案 with written reasons) and Art.9 (复议 within 3 days — a right, not a duty)
    s = Script()
    history = s.to_acceptance()
    _refused(history, s.make(FilingDecision, POLICE, filed=False, document_number="n"), "书面说明理由")
    state = fold(s.to_not_filed())
    assert state.stage is CaseStage.NOT_FILED
    (window,) = state.open_obligations()
    assert window.rule is DeadlineRuleId.RECONSIDERATION_REQUEST and window.optional


def test_reconsideration_supervision_and_notice_to_file() -> None:
    # 310号令 Art.9; 刑诉规则 Art.560 (explain within 7 days), Art.563 (file within 15 days)
    s = Script()
    history = [
        *s.to_not_filed(),
        s.make(ReconsiderationRequested, ENFORCEMENT, reasons="销售金额已达标准"),
        s.make(ReconsiderationDecided, POLICE, reversed=False, document_number="复1"),
        s.make(
            SupervisionSuggested,
            ENFORCEMENT,
            target=SupervisionTarget.NON_FILING,
            procuratorate_code=PROCURATORATE.code,
            reasons="r",
        ),
        s.make(ExplanationRequired, PROCURATORATE, document_number="检1"),
    ]
    state = fold(history)
    assert state.stage is CaseStage.EXPLANATION_REQUIRED
    assert [o.rule for o in state.open_obligations()] == [DeadlineRuleId.EXPLANATION]
    history += [
        s.make(ExplanationGiven, POLICE, reasons="不构成犯罪"),
        s.make(FilingNoticed, PROCURATORATE, document_number="检2"),
    ]
    _refused(history, s.make(FilingDecision, POLICE, filed=False, document_number="n", reasons="r"), "十五日以内立案")
    history.append(s.make(FilingDecision, POLICE, filed=True, document_number="立2"))
    state = fold(history)
    assert state.stage is CaseStage.FILED
    notice = next(o for o in state.obligations if o.rule is DeadlineRuleId.FILING_AFTER_NOTICE)
    assert notice.fulfilled and notice.closed_at is not None


def test_no_penalty_in_place_of_a_pending_transfer() -> None:
    # 310号令 Art.11: 不得以行政处罚代替移送; Art.10: after 不予立案 the agency handles it administratively
    s = Script()
    _refused(s.to_acceptance(), s.penalty(), "310号令第11条")
    s2 = Script("case-2")
    history = [*s2.to_not_filed(), s2.penalty()]
    history.append(s2.make(PenaltyEffective, ENFORCEMENT))
    assert fold(history).penalty is PenaltyStatus.EFFECTIVE


def test_items_handed_over_after_filing_once() -> None:
    # 310号令 Art.12: within 3 days of the filing notice
    s = Script()
    history = s.to_filed()
    handed = s.make(SeizedItemsHandedOver, ENFORCEMENT, items=("伪劣产品100箱",))
    state = fold([*history, handed])
    assert state.items_handed_over and not state.open_obligations()
    _refused([*history, handed], s.make(SeizedItemsHandedOver, ENFORCEMENT, items=("x",)), "已移交")


def test_withdrawal_and_its_supervision() -> None:
    # seed §8: the agency may suggest supervision of a 撤销案件 decision
    s = Script()
    history = [*s.to_filed(), s.make(CaseWithdrawn, POLICE, document_number="撤1", reasons="r")]
    wrong = s.make(
        SupervisionSuggested,
        ENFORCEMENT,
        target=SupervisionTarget.NON_FILING,
        procuratorate_code=PROCURATORATE.code,
        reasons="r",
    )
    _refused(history, wrong, "撤销案件")
    right = s.make(
        SupervisionSuggested,
        ENFORCEMENT,
        target=SupervisionTarget.WITHDRAWAL,
        procuratorate_code=PROCURATORATE.code,
        reasons="r",
    )
    assert fold([*history, right]).stage is CaseStage.SUPERVISION_REQUESTED


def test_arrest_prosecution_non_prosecution_opinion_and_reply() -> None:
    # 刑诉法 Art.87/91 (arrest), Art.172 (prosecution decision), Art.177 ¶3 + 刑诉规则 Art.373 (检察意见), seed §5
    s = Script()
    history = s.to_filed()
    _refused(history, s.make(ArrestDecided, PROCURATORATE, approved=True, document_number="n"), "尚未提请批准逮捕")
    history += [
        s.make(ArrestRequested, POLICE, procuratorate_code=PROCURATORATE.code, suspects=("王五",)),
        s.make(ArrestDecided, PROCURATORATE, approved=True, document_number="捕1"),
        s.make(ProsecutionRequested, POLICE, procuratorate_code=PROCURATORATE.code, document_number="诉1"),
    ]
    _refused(
        history,
        s.make(OpinionIssued, PROCURATORATE, document_number="n", recipient_code=ENFORCEMENT.code, recommendation="r"),
        "不起诉决定",
    )
    history.append(
        s.make(ProsecutionDecided, PROCURATORATE, indicted=False, document_number="不诉1", reasons="情节轻微")
    )
    opinion = s.make(
        OpinionIssued,
        PROCURATORATE,
        document_number="检意1",
        recipient_code=ENFORCEMENT.code,
        recommendation="建议给予行政处罚",
    )
    history.append(opinion)
    state = fold(history)
    assert state.arrest is ArrestStatus.APPROVED and state.stage is CaseStage.NOT_PROSECUTED
    assert [o.rule for o in state.open_obligations() if o.agency_code == ENFORCEMENT.code] == [
        DeadlineRuleId.ITEMS_HANDOVER,
        DeadlineRuleId.OPINION_REPLY,
    ]
    _refused(
        history,
        s.make(DocumentReplied, ENFORCEMENT, document_id=opinion.event_id, written=False, summary="s"),
        "书面回复",
    )
    history.append(s.make(DocumentReplied, ENFORCEMENT, document_id=opinion.event_id, written=True, summary="已处罚"))
    history.append(s.penalty())  # 310号令 Art.10–11: the agency penalises after 不起诉
    state = fold(history)
    assert state.document(opinion.event_id).replied_at is not None  # type: ignore[union-attr]
    assert state.penalty is PenaltyStatus.DECIDED


def test_judgment_and_judicial_suggestion_with_reply_and_follow_up() -> None:
    # seed §6: the court sends 司法建议书 after acquittal; seed §5: written reply, issuer's follow-up
    s = Script()
    history = [
        *s.to_filed(),
        s.make(ProsecutionRequested, POLICE, procuratorate_code=PROCURATORATE.code, document_number="诉1"),
        s.make(ProsecutionDecided, PROCURATORATE, indicted=True, document_number="起1"),
        s.make(
            JudgmentEntered, COURT, judgment_number="刑初1", verdict=Verdict.ACQUITTED, judged_on=at(2025, 3, 3).date()
        ),
    ]
    wrong_issuer = s.make(
        DocumentIssued,
        PROCURATORATE,
        document_type=DocumentType.JUDICIAL_SUGGESTION,
        document_number="n",
        recipient_code=ENFORCEMENT.code,
        recipient_kind=AgencyKind.ENFORCEMENT,
        summary="s",
    )
    _refused(history, wrong_issuer, "司法建议书由人民法院制发")
    suggestion = s.make(
        DocumentIssued,
        COURT,
        document_type=DocumentType.JUDICIAL_SUGGESTION,
        document_number="司建1",
        recipient_code=ENFORCEMENT.code,
        recipient_kind=AgencyKind.ENFORCEMENT,
        summary="建议处罚",
    )
    history.append(suggestion)
    _refused(
        history,
        s.make(DocumentFollowedUp, COURT, document_id=suggestion.event_id, result="r", closed=True),
        "尚未书面回复",
    )
    _refused(
        history,
        s.make(DocumentReplied, ENFORCEMENT_2, document_id=suggestion.event_id, written=True, summary="s"),
        "收文机关",
    )
    history += [
        s.make(DocumentReplied, ENFORCEMENT, document_id=suggestion.event_id, written=True, summary="已处罚"),
        s.make(DocumentFollowedUp, COURT, document_id=suggestion.event_id, result="已整改", closed=True),
    ]
    state = fold(history)
    assert state.stage is CaseStage.JUDGED and state.verdict is Verdict.ACQUITTED
    assert state.documents[0].closed


def test_early_intervention_is_written_and_answered_by_the_invited() -> None:
    # seed §12: a written invitation; the invited police or procuratorate send someone within 3 days
    s = Script()
    opened = s.opened(serious=True)
    _refused(
        [opened],
        s.make(
            InterventionInvited,
            ENFORCEMENT,
            invited_code=POLICE.code,
            invited_kind=AgencyKind.POLICE,
            written=False,
            reasons="食品安全",
        ),
        "书面邀请",
    )
    invite = s.make(
        InterventionInvited,
        ENFORCEMENT,
        invited_code=POLICE.code,
        invited_kind=AgencyKind.POLICE,
        written=True,
        reasons="食品安全",
    )
    _refused(
        [opened, invite],
        s.make(InterventionSent, POLICE_2, invitation_id=invite.event_id, officers=("赵六",)),
        "受邀请的机关",
    )
    state = fold([opened, invite, s.make(InterventionSent, POLICE, invitation_id=invite.event_id, officers=("赵六",))])
    assert not state.open_obligations()


def test_a_correction_supersedes_and_a_retraction_withdraws_never_editing() -> None:
    # ARCHITECTURE.md "Packets": a correction is a new record that supersedes the old one
    s = Script()
    history = s.to_acceptance()
    wrong = s.make(FilingDecision, POLICE, filed=False, document_number="n", reasons="r")
    corrected = s.make(FilingDecision, POLICE, filed=True, document_number="n2", supersedes=wrong.event_id)
    assert fold([*history, wrong]).stage is CaseStage.NOT_FILED
    assert fold([*history, wrong, corrected]).stage is CaseStage.FILED
    retract = s.make(Retraction, POLICE, reason="误录", supersedes=corrected.event_id)
    assert fold([*history, wrong, corrected, retract]).stage is CaseStage.ACCEPTED
    by_other = s.make(FilingDecision, ENFORCEMENT, filed=True, document_number="n3", supersedes=wrong.event_id)
    with pytest.raises(IllegalMove) as caught:
        fold([*history, wrong, by_other])
    assert "本机关" in caught.value.user_message
    twice = s.make(FilingDecision, POLICE, filed=True, document_number="n4", supersedes=wrong.event_id)
    with pytest.raises(IllegalMove):
        fold([*history, wrong, corrected, twice])


def test_history_append_is_idempotent_and_refolds_out_of_order_records() -> None:
    s = Script()
    events = s.to_filed()
    transfer = events[3]
    # a record that happened later (the procuratorate's suggestion) arrives before the transfer it follows
    late_comer = s.make(
        DocumentIssued,
        PROCURATORATE,
        document_type=DocumentType.PROCURATORIAL_SUGGESTION,
        document_number="检建1",
        recipient_code=ENFORCEMENT.code,
        recipient_kind=AgencyKind.ENFORCEMENT,
        summary="s",
        when=transfer.occurred_at + dt.timedelta(minutes=30),
    )
    history = CaseHistory.of([*events[:3], late_comer]).append(transfer)
    assert history.state.stage is CaseStage.TRANSFERRED and len(history.state.documents) == 1
    assert history.state == fold([*events[:4], late_comer])
    full = CaseHistory.of(events)
    assert full.append(events[2]) is full  # the same packet twice changes nothing
    assert CaseHistory.of(reversed(events)).state == full.state


def test_admit_requires_the_copy_to_the_procuratorate_by_default() -> None:
    # ⚠ 抄送 is required by national opinions, not by 310号令: configurable, on by default
    s = Script()
    history = CaseHistory.of(s.to_acceptance()[:3])
    no_copy = s.make(
        Transferred,
        ENFORCEMENT,
        police_code=POLICE.code,
        document_number="n",
        materials=ALL_MATERIALS,
        testing_applies=False,
    )
    with pytest.raises(IllegalMove):
        admit(history, no_copy)
    relaxed = DEFAULT_POLICY.__class__(require_procuratorate_copy=False)
    assert admit(history, no_copy, relaxed).state.stage is CaseStage.TRANSFERRED


def test_allowed_moves_per_agency_kind() -> None:
    state = fold(Script().to_acceptance())
    assert allowed_moves(state, AgencyKind.COURT) <= {
        EventKind.DOCUMENT_ISSUED,
        EventKind.DOCUMENT_FOLLOWED_UP,
        EventKind.DOCUMENT_REPLIED,
    }
    police = allowed_moves(state, AgencyKind.POLICE)
    assert {EventKind.FILING_DECISION, EventKind.TRANSFER_FORWARDED} <= police
    assert EventKind.TRANSFERRED not in allowed_moves(state, AgencyKind.ENFORCEMENT)
    assert all(row[4] for row in transition_table())  # every move cites its article


def test_snapshot_round_trips_through_json_and_refuses_other_versions() -> None:
    s = Script()
    state = fold([*s.to_filed(), s.make(SeizedItemsHandedOver, ENFORCEMENT, items=("a",))])
    data = json.loads(json.dumps(state.to_dict()))
    assert CaseState.from_dict(data) == state
    with pytest.raises(SnapshotOutdated):
        CaseState.from_dict({**data, "version": 0})


def test_penalty_figures_survive_the_fold() -> None:
    s = Script()
    state = fold([s.opened(), s.penalty("48000")])
    assert dict(state.measures) == {"sales_amount": Decimal("48000")}
