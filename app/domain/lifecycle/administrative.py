"""Moves of the administrative case: penalty, transfer suggestion, reports to the supervision organ, early
intervention (seed §3, §8, §12; 310号令 Art.10–11)."""

from __future__ import annotations

from app.domain.agencies import AgencyKind
from app.domain.deadlines.rules import DeadlineRuleId
from app.domain.events import (
    CaseOpened,
    EventKind,
    InterventionInvited,
    InterventionSent,
    MisconductHandled,
    MisconductReported,
    PenaltyDecided,
    PenaltyEffective,
    TransferSuggested,
)
from app.domain.lifecycle.guards import (
    bind_procuratorate,
    close_obligations,
    has_open,
    open_obligation,
    refuse,
    require_owner,
)
from app.domain.lifecycle.move import ALL_STAGES, Move
from app.domain.lifecycle.state import CaseStage, CaseState, PenaltyStatus

S = CaseStage

# 310号令 Art.10–11: after a transfer the agency may not penalise in place of it; it acts again once police decline,
# withdraw or send the case back, or after 不起诉 / judgment.
PENALTY_STAGES = frozenset({
    S.ADMINISTRATIVE, S.NOT_FILED, S.NOT_FILED_UPHELD, S.NOT_FILED_CONFIRMED, S.WITHDRAWN, S.RETURNED,
    S.NOT_PROSECUTED, S.JUDGED,
})  # fmt: skip


def open_case(event: CaseOpened) -> CaseState:
    """The initial state of a case from its first record."""
    return CaseState(
        case_id=event.case_id,
        agency_code=event.agency_code,
        case_number=event.case_number,
        title=event.title,
        offence_code=event.offence_code,
        party_name=event.party_name,
        party_id=event.party_id,
        opened_at=event.occurred_at,
        serious=event.serious,
    )


def _penalty_decided(state: CaseState, event: PenaltyDecided) -> CaseState:
    require_owner(state, event)
    if state.penalty is not PenaltyStatus.NONE:
        raise refuse(event, "本案已录入行政处罚决定；如需更正，请录入更正记录。")
    if event.fine < 0 or any(amount < 0 for _, amount in event.measures):
        raise refuse(event, "金额不能为负数。")
    return state.evolve(
        penalty=PenaltyStatus.DECIDED,
        penalty_procedure=event.procedure,
        penalty_decided_at=event.occurred_at,
        fine=event.fine,
        measures=event.measures,
    )


def _penalty_effective(state: CaseState, event: PenaltyEffective) -> CaseState:
    require_owner(state, event)
    if state.penalty is not PenaltyStatus.DECIDED:
        raise refuse(event, "须先录入行政处罚决定。")
    return state.evolve(penalty=PenaltyStatus.EFFECTIVE)


def _transfer_suggested(state: CaseState, event: TransferSuggested) -> CaseState:
    state = bind_procuratorate(state, event)
    return state.evolve(transfer_suggested=True)


def _misconduct_reported(state: CaseState, event: MisconductReported) -> CaseState:
    require_owner(state, event)
    return state.evolve(reports=(*state.reports, event.event_id))


def _misconduct_handled(state: CaseState, event: MisconductHandled) -> CaseState:
    if event.report_id not in state.reports:
        raise refuse(event, "本案没有该报告。")
    return state


def _intervention_invited(state: CaseState, event: InterventionInvited) -> CaseState:
    require_owner(state, event)
    if not event.written:
        raise refuse(event, "邀请提前介入应当书面邀请（兴庆区实施意见第12条）。")
    if event.invited_kind not in (AgencyKind.POLICE, AgencyKind.PROCURATORATE):
        raise refuse(event, "只能邀请公安机关或人民检察院提前介入（兴庆区实施意见第12条）。")
    return open_obligation(state, event, DeadlineRuleId.INTERVENTION, event.invited_code, subject=event.event_id)


def _intervention_sent(state: CaseState, event: InterventionSent) -> CaseState:
    invitation = next(
        (o for o in state.obligations if o.rule is DeadlineRuleId.INTERVENTION and o.subject == event.invitation_id),
        None,
    )
    if invitation is None or not has_open(state, DeadlineRuleId.INTERVENTION, event.invitation_id):
        raise refuse(event, "没有待派员的提前介入邀请。")
    if invitation.agency_code != event.agency_code:
        raise refuse(event, "只有受邀请的机关可以派员提前介入。")
    if not event.officers:
        raise refuse(event, "须写明派员姓名。")
    return close_obligations(state, event, [DeadlineRuleId.INTERVENTION], fulfilled=True, subject=event.invitation_id)


MOVES = (
    Move(EventKind.PENALTY_DECIDED, PENALTY_STAGES, (), "兴庆区实施意见第8条；310号令第10、11条",
         "移送后、公安机关作出决定前不得以行政处罚代替移送（310号令第11条）。", _penalty_decided),
    Move(EventKind.PENALTY_EFFECTIVE, ALL_STAGES, (), "兴庆区实施意见第8条", "", _penalty_effective),
    Move(EventKind.TRANSFER_SUGGESTED, frozenset({S.ADMINISTRATIVE}), (), "兴庆区实施意见第8条；310号令第14条",
         "只能对尚未移送的案件建议移送。", _transfer_suggested),
    Move(EventKind.MISCONDUCT_REPORTED, ALL_STAGES, (), "兴庆区实施意见第3条", "", _misconduct_reported),
    Move(EventKind.MISCONDUCT_HANDLED, ALL_STAGES, (), "兴庆区实施意见第4条", "", _misconduct_handled),
    Move(EventKind.INTERVENTION_INVITED, frozenset({S.ADMINISTRATIVE, S.TRANSFER_REPORTED, S.TRANSFER_APPROVED}), (),
         "兴庆区实施意见第12条", "提前介入限于行政执法机关查处阶段（兴庆区实施意见第12条）。", _intervention_invited),
    Move(EventKind.INTERVENTION_SENT, ALL_STAGES, (), "兴庆区实施意见第12条", "", _intervention_sent),
)  # fmt: skip
