"""Moves of filing supervision (刑诉规则 2019 Art.559–564) and of the criminal procedure after filing
(刑诉法 Art.87, 91, 162, 172, 176–177; seed §8)."""

from __future__ import annotations

from app.domain.deadlines.rules import DeadlineRuleId
from app.domain.events import (
    ArrestDecided,
    ArrestRequested,
    CaseWithdrawn,
    EventKind,
    ExplanationAccepted,
    ExplanationGiven,
    ExplanationRequired,
    FilingNoticed,
    JudgmentEntered,
    ProsecutionDecided,
    ProsecutionRequested,
)
from app.domain.lifecycle.guards import (
    bind_procuratorate,
    close_obligations,
    open_obligation,
    refuse,
    require_police,
)
from app.domain.lifecycle.move import ALL_STAGES, Move
from app.domain.lifecycle.state import ArrestStatus, CaseStage, CaseState

S = CaseStage
R = DeadlineRuleId


def _explanation_required(state: CaseState, event: ExplanationRequired) -> CaseState:
    state = bind_procuratorate(state, event)
    state = close_obligations(state, event, [R.RECONSIDERATION_REQUEST, R.SUPERVISION_SUGGESTION], fulfilled=False)
    state = state.evolve(stage=S.EXPLANATION_REQUIRED)
    # 刑诉规则 Art.560: police explain in writing within 7 days of receiving the notice
    return open_obligation(state, event, R.EXPLANATION, state.police_code or "")


def _explanation_given(state: CaseState, event: ExplanationGiven) -> CaseState:
    require_police(state, event)
    if not event.reasons.strip():
        raise refuse(event, "应当书面说明不立案的理由（刑诉规则第560条）。")
    state = close_obligations(state, event, [R.EXPLANATION], fulfilled=True)
    return state.evolve(stage=S.EXPLANATION_GIVEN)


def _explanation_accepted(state: CaseState, event: ExplanationAccepted) -> CaseState:
    state = bind_procuratorate(state, event)
    return state.evolve(stage=S.NOT_FILED_CONFIRMED)


def _filing_noticed(state: CaseState, event: FilingNoticed) -> CaseState:
    state = bind_procuratorate(state, event)
    state = close_obligations(state, event, [R.EXPLANATION], fulfilled=False)
    state = state.evolve(stage=S.FILING_NOTICED)
    # 刑诉规则 Art.563: police file within 15 days of receiving the 通知立案书; Art.564: else 纠正违法通知书
    return open_obligation(state, event, R.FILING_AFTER_NOTICE, state.police_code or "")


def _withdrawn(state: CaseState, event: CaseWithdrawn) -> CaseState:
    require_police(state, event)
    if not event.reasons.strip():
        raise refuse(event, "应当写明撤销案件的理由。")
    state = close_obligations(state, event, [R.ARREST_DECISION], fulfilled=False)
    return state.evolve(stage=S.WITHDRAWN)


def _arrest_requested(state: CaseState, event: ArrestRequested) -> CaseState:
    require_police(state, event)
    if state.arrest in (ArrestStatus.REQUESTED, ArrestStatus.APPROVED):
        raise refuse(event, "已提请批准逮捕，正在审查或已批准。")
    if not event.suspects:
        raise refuse(event, "应当写明提请批准逮捕的犯罪嫌疑人。")
    state = bind_procuratorate(state, event, event.procuratorate_code)
    state = state.evolve(arrest=ArrestStatus.REQUESTED)
    return open_obligation(state, event, R.ARREST_DECISION, event.procuratorate_code)


def _arrest_decided(state: CaseState, event: ArrestDecided) -> CaseState:
    if state.arrest is not ArrestStatus.REQUESTED:
        raise refuse(event, "公安机关尚未提请批准逮捕（刑诉法第87条）。")
    state = bind_procuratorate(state, event)
    state = close_obligations(state, event, [R.ARREST_DECISION], fulfilled=True)
    return state.evolve(arrest=ArrestStatus.APPROVED if event.approved else ArrestStatus.REFUSED)


def _prosecution_requested(state: CaseState, event: ProsecutionRequested) -> CaseState:
    require_police(state, event)
    state = bind_procuratorate(state, event, event.procuratorate_code)
    state = state.evolve(stage=S.PROSECUTION_REVIEW)
    return open_obligation(state, event, R.PROSECUTION_DECISION, event.procuratorate_code)


def _prosecution_decided(state: CaseState, event: ProsecutionDecided) -> CaseState:
    state = bind_procuratorate(state, event)
    if not event.indicted and not event.reasons.strip():
        raise refuse(event, "不起诉的，应当写明理由（刑诉法第177条）。")
    state = close_obligations(state, event, [R.PROSECUTION_DECISION, R.ARREST_DECISION], fulfilled=True)
    return state.evolve(stage=S.INDICTED if event.indicted else S.NOT_PROSECUTED)


def _judgment(state: CaseState, event: JudgmentEntered) -> CaseState:
    if event.judged_on > event.occurred_at.date():
        raise refuse(event, "判决日期不能晚于收到判决的日期。")
    return state.evolve(stage=S.JUDGED, verdict=event.verdict)


_SUPERVISABLE = frozenset({S.NOT_FILED, S.NOT_FILED_UPHELD, S.SUPERVISION_REQUESTED, S.WITHDRAWN})

MOVES = (
    Move(EventKind.EXPLANATION_REQUIRED, _SUPERVISABLE, (S.EXPLANATION_REQUIRED,), "刑诉规则第559、560条",
         "只能对公安机关不予立案或撤销案件进行立案监督（刑诉规则第559条）。", _explanation_required),
    Move(EventKind.EXPLANATION_GIVEN, frozenset({S.EXPLANATION_REQUIRED}), (S.EXPLANATION_GIVEN,), "刑诉规则第560条",
         "人民检察院尚未要求说明不立案理由（刑诉规则第560条）。", _explanation_given),
    Move(EventKind.EXPLANATION_ACCEPTED, frozenset({S.EXPLANATION_GIVEN}), (S.NOT_FILED_CONFIRMED,),
         "刑诉规则第562条", "公安机关尚未说明理由。", _explanation_accepted),
    Move(EventKind.FILING_NOTICED, frozenset({S.EXPLANATION_REQUIRED, S.EXPLANATION_GIVEN}), (S.FILING_NOTICED,),
         "刑诉规则第562、563条", "须先要求公安机关说明不立案理由（刑诉规则第560条）。", _filing_noticed),
    Move(EventKind.CASE_WITHDRAWN, frozenset({S.FILED}), (S.WITHDRAWN,), "兴庆区实施意见第8条",
         "只能撤销已立案的案件。", _withdrawn),
    Move(EventKind.ARREST_REQUESTED, frozenset({S.FILED}), (), "刑诉法第87条；兴庆区实施意见第8条",
         "公安机关立案后方可提请批准逮捕。", _arrest_requested),
    Move(EventKind.ARREST_DECIDED, ALL_STAGES, (), "刑诉法第91条", "", _arrest_decided),
    Move(EventKind.PROSECUTION_REQUESTED, frozenset({S.FILED}), (S.PROSECUTION_REVIEW,), "刑诉法第162条",
         "公安机关立案侦查后方可移送审查起诉。", _prosecution_requested),
    Move(EventKind.PROSECUTION_DECIDED, frozenset({S.PROSECUTION_REVIEW}), (S.INDICTED, S.NOT_PROSECUTED),
         "刑诉法第172、176、177条", "公安机关尚未移送审查起诉。", _prosecution_decided),
    Move(EventKind.JUDGMENT_ENTERED, frozenset({S.INDICTED, S.JUDGED}), (S.JUDGED,), "兴庆区实施意见第6、8条",
         "案件尚未提起公诉。", _judgment),
)  # fmt: skip
