"""Moves of the transfer procedure, 国务院令第310号 (revised by 令第730号) Art.5–9, 12–13."""

from __future__ import annotations

from app.domain.deadlines.rules import DeadlineRuleId
from app.domain.events import (
    CaseReturned,
    EventKind,
    FilingDecision,
    HeadDecision,
    ReconsiderationDecided,
    ReconsiderationRequested,
    SeizedItemsHandedOver,
    SupervisionSuggested,
    SupervisionTarget,
    TransferForwarded,
    TransferMaterial,
    TransferReceipted,
    Transferred,
    TransferReported,
)
from app.domain.lifecycle.guards import (
    bind_procuratorate,
    close_obligations,
    open_obligation,
    refuse,
    require_owner,
    require_police,
)
from app.domain.lifecycle.move import Move
from app.domain.lifecycle.state import CaseStage, CaseState

S = CaseStage
R = DeadlineRuleId

# 310号令 Art.6: the materials every transfer carries; the test report only where items were tested.
MANDATORY_MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)
# stages in which police may file after supervision or on their own reconsideration (刑诉规则 Art.561–563)
_REFILE_STAGES = frozenset({
    S.NOT_FILED, S.NOT_FILED_UPHELD, S.SUPERVISION_REQUESTED, S.EXPLANATION_REQUIRED, S.EXPLANATION_GIVEN,
    S.FILING_NOTICED, S.NOT_FILED_CONFIRMED,
})  # fmt: skip
# the windows of the agency's own remedies close once the procuratorate takes the case up
_REMEDY_WINDOWS = (R.RECONSIDERATION_REQUEST, R.SUPERVISION_SUGGESTION)


def _reported(state: CaseState, event: TransferReported) -> CaseState:
    require_owner(state, event)
    if len({o.strip() for o in event.officers if o.strip()}) < 2:
        raise refuse(event, "专案组应由2名以上行政执法人员组成（310号令第5条）。")
    state = state.evolve(stage=S.TRANSFER_REPORTED)
    return open_obligation(state, event, R.HEAD_DECISION, state.agency_code)


def _head_decision(state: CaseState, event: HeadDecision) -> CaseState:
    require_owner(state, event)
    state = close_obligations(state, event, [R.HEAD_DECISION], fulfilled=True)
    if not event.approved:
        if not event.reasons.strip():
            raise refuse(event, "不批准移送的，应当将不予批准的理由记录在案（310号令第5条）。")
        return state.evolve(stage=S.ADMINISTRATIVE)
    state = state.evolve(stage=S.TRANSFER_APPROVED)
    return open_obligation(state, event, R.TRANSFER, state.agency_code)


def _transferred(state: CaseState, event: Transferred) -> CaseState:
    require_owner(state, event)
    required = list(MANDATORY_MATERIALS)
    if event.testing_applies:
        required.append(TransferMaterial.TEST_REPORT)
    missing = [m.label for m in required if m not in event.materials]
    if missing:
        raise refuse(event, f"缺少移送材料：{'、'.join(missing)}（310号令第6条）。")
    if event.police_code == state.agency_code:
        raise refuse(event, "应当向公安机关移送。")
    if event.procuratorate_code is not None:
        state = bind_procuratorate(state, event, event.procuratorate_code)
    state = close_obligations(state, event, [R.TRANSFER], fulfilled=True)
    state = state.evolve(stage=S.TRANSFERRED, police_code=event.police_code, transferred_at=event.occurred_at)
    return open_obligation(state, event, R.RECEIPT, event.police_code)


def _receipted(state: CaseState, event: TransferReceipted) -> CaseState:
    require_police(state, event)
    state = close_obligations(state, event, [R.RECEIPT], fulfilled=True)
    state = state.evolve(stage=S.ACCEPTED)
    # 310号令 Art.8: the 3 days run from acceptance
    return open_obligation(state, event, R.FILING_DECISION, event.agency_code)


def _forwarded(state: CaseState, event: TransferForwarded) -> CaseState:
    require_police(state, event)
    if not event.notice_given:
        raise refuse(event, "转送的，应当书面告知移送案件的行政执法机关（310号令第7条）。")
    if event.to_police_code == event.agency_code:
        raise refuse(event, "不能转送给本机关。")
    state = close_obligations(state, event, [R.RECEIPT, R.FILING_DECISION], fulfilled=True)
    state = state.evolve(stage=S.TRANSFERRED, police_code=event.to_police_code)
    return open_obligation(state, event, R.RECEIPT, event.to_police_code)


def _filing_decision(state: CaseState, event: FilingDecision) -> CaseState:
    require_police(state, event)
    if not event.filed:
        if state.stage is S.FILING_NOTICED:
            raise refuse(event, "人民检察院通知立案的，公安机关应当在十五日以内立案（刑诉规则第563条）。")
        if state.stage is not S.ACCEPTED:
            raise refuse(event, "本案已作出不予立案决定。")
        if not event.reasons.strip():
            raise refuse(event, "不予立案的，应当书面说明理由（310号令第8条）。")
    state = close_obligations(state, event, [R.FILING_DECISION, R.FILING_AFTER_NOTICE], fulfilled=True)
    if not event.filed:
        state = state.evolve(stage=S.NOT_FILED)
        # 310号令 Art.9: the agency may ask for reconsideration within 3 days of the notice (a right, not a duty)
        return open_obligation(state, event, R.RECONSIDERATION_REQUEST, state.agency_code, optional=True)
    state = close_obligations(state, event, [R.EXPLANATION, *_REMEDY_WINDOWS], fulfilled=False)
    state = state.evolve(stage=S.FILED, filed_at=event.occurred_at)
    # 310号令 Art.12: items and materials handed over within 3 days of the filing notice
    return open_obligation(state, event, R.ITEMS_HANDOVER, state.agency_code)


def _reconsideration_requested(state: CaseState, event: ReconsiderationRequested) -> CaseState:
    require_owner(state, event)
    state = close_obligations(state, event, [R.RECONSIDERATION_REQUEST], fulfilled=True)
    state = state.evolve(stage=S.RECONSIDERING)
    return open_obligation(state, event, R.RECONSIDERATION_DECISION, state.police_code or "")


def _reconsideration_decided(state: CaseState, event: ReconsiderationDecided) -> CaseState:
    require_police(state, event)
    state = close_obligations(state, event, [R.RECONSIDERATION_DECISION], fulfilled=True)
    if event.reversed:
        state = state.evolve(stage=S.FILED, filed_at=event.occurred_at)
        return open_obligation(state, event, R.ITEMS_HANDOVER, state.agency_code)
    state = state.evolve(stage=S.NOT_FILED_UPHELD)
    # 310号令 Art.9 ¶2: within 3 days of the reconsideration decision the agency may suggest supervision
    return open_obligation(state, event, R.SUPERVISION_SUGGESTION, state.agency_code, optional=True)


def _supervision_suggested(state: CaseState, event: SupervisionSuggested) -> CaseState:
    require_owner(state, event)
    expected = SupervisionTarget.WITHDRAWAL if state.stage is S.WITHDRAWN else SupervisionTarget.NON_FILING
    if event.target is not expected:
        raise refuse(
            event, f"本案应针对“{'撤销案件' if expected is SupervisionTarget.WITHDRAWAL else '不予立案'}”决定建议监督。"
        )
    state = bind_procuratorate(state, event, event.procuratorate_code)
    state = close_obligations(state, event, [R.SUPERVISION_SUGGESTION], fulfilled=True)
    state = close_obligations(state, event, [R.RECONSIDERATION_REQUEST], fulfilled=False)
    return state.evolve(stage=S.SUPERVISION_REQUESTED)


def _items_handed_over(state: CaseState, event: SeizedItemsHandedOver) -> CaseState:
    require_owner(state, event)
    if state.filed_at is None:
        raise refuse(event, "公安机关立案后方可移交涉案物品（310号令第12条）。")
    if state.items_handed_over:
        raise refuse(event, "涉案物品已移交。")
    state = close_obligations(state, event, [R.ITEMS_HANDOVER], fulfilled=True)
    return state.evolve(items_handed_over=True)


def _returned(state: CaseState, event: CaseReturned) -> CaseState:
    require_police(state, event)
    if not event.reasons.strip():
        raise refuse(event, "应当写明移送行政执法机关处理的理由（310号令第13条）。")
    state = close_obligations(state, event, [R.FILING_DECISION, R.ITEMS_HANDOVER, R.ARREST_DECISION], fulfilled=False)
    return state.evolve(stage=S.RETURNED)


MOVES = (
    Move(EventKind.TRANSFER_REPORTED, frozenset({S.ADMINISTRATIVE}), (S.TRANSFER_REPORTED,), "310号令第5条",
         "案件已在移送程序中。", _reported),
    Move(EventKind.HEAD_DECISION, frozenset({S.TRANSFER_REPORTED}), (S.TRANSFER_APPROVED, S.ADMINISTRATIVE),
         "310号令第5条", "须先呈报涉嫌犯罪案件移送报告（310号令第5条）。", _head_decision),
    Move(EventKind.TRANSFERRED, frozenset({S.TRANSFER_APPROVED}), (S.TRANSFERRED,), "310号令第5、6条",
         "须经本机关正职负责人批准后方可移送（310号令第5条）。", _transferred),
    Move(EventKind.TRANSFER_RECEIPTED, frozenset({S.TRANSFERRED}), (S.ACCEPTED,), "310号令第7条",
         "没有待签收的移送案件（310号令第7条）。", _receipted),
    Move(EventKind.TRANSFER_FORWARDED, frozenset({S.TRANSFERRED, S.ACCEPTED}), (S.TRANSFERRED,), "310号令第7条",
         "只能转送已移送、尚未作出立案决定的案件（310号令第7条）。", _forwarded),
    Move(EventKind.FILING_DECISION, frozenset({S.ACCEPTED}) | _REFILE_STAGES, (S.FILED, S.NOT_FILED),
         "310号令第8条；刑诉规则第563条", "须先签收回执、受理移送案件（310号令第7、8条）。", _filing_decision),
    Move(EventKind.RECONSIDERATION_REQUESTED, frozenset({S.NOT_FILED}), (S.RECONSIDERING,), "310号令第9条",
         "只能对不予立案决定提请复议（310号令第9条）。", _reconsideration_requested),
    Move(EventKind.RECONSIDERATION_DECIDED, frozenset({S.RECONSIDERING}), (S.FILED, S.NOT_FILED_UPHELD),
         "310号令第9条", "没有待决定的复议（310号令第9条）。", _reconsideration_decided),
    Move(EventKind.SUPERVISION_SUGGESTED, frozenset({S.NOT_FILED, S.NOT_FILED_UPHELD, S.WITHDRAWN}),
         (S.SUPERVISION_REQUESTED,), "310号令第9条；兴庆区实施意见第8条",
         "只能对不予立案或撤销案件决定建议立案监督（310号令第9条）。", _supervision_suggested),
    Move(EventKind.SEIZED_ITEMS_HANDED_OVER,
         frozenset({S.FILED, S.PROSECUTION_REVIEW, S.INDICTED, S.NOT_PROSECUTED, S.JUDGED, S.WITHDRAWN}), (),
         "310号令第12条", "公安机关立案后方可移交涉案物品（310号令第12条）。", _items_handed_over),
    Move(EventKind.CASE_RETURNED, frozenset({S.ACCEPTED, S.FILED, S.WITHDRAWN}), (S.RETURNED,), "310号令第13条",
         "只能对已受理的移送案件移送行政执法机关处理（310号令第13条）。", _returned),
)  # fmt: skip
