"""The police's decisions on a transfer (310号令 Art.8) and the reconsideration round (Art.9).

立案通知书 / 不予立案通知书 ← FilingDecision (filed, 文号, reasons, date) + Transferred + TransferReceipted;
复议申请书 ← ReconsiderationRequested (reasons) + the FilingDecision it contests;
复议决定书 ← ReconsiderationDecided (reversed, 文号, reasons) + ReconsiderationRequested (date).
"""

from __future__ import annotations

from app.documents.content import Issue
from app.documents.from_case.context import CaseContext, NotInHistory
from app.documents.from_case.history import Facts, case_ref, day, sentence
from app.documents.from_case.source import Source
from app.documents.from_case.transfer import opened_case
from app.documents.templates import police as p
from app.domain.events import (
    Event,
    FilingDecision,
    ReconsiderationDecided,
    ReconsiderationRequested,
    TransferReceipted,
    Transferred,
)


def procuratorate_code(facts: Facts) -> str | None:
    """The same-level procuratorate of the case: the 抄送 of the 移送书, or the one supervising it."""
    sent = facts.latest(Transferred)
    if sent is not None and sent.procuratorate_code:
        return sent.procuratorate_code
    return facts.state.procuratorate_code if facts.state is not None else None


def transfer_ref(facts: Facts, decision: Event, context: CaseContext, template_name: str) -> p.TransferRef:
    """The transfer a police decision answers: who sent it, its 文号, when the deciding police signed the 回执."""
    sent = facts.latest(Transferred, before=decision)
    receipt = facts.latest(TransferReceipted, lambda e: e.agency_code == decision.agency_code, before=decision)
    receipt = receipt or facts.latest(TransferReceipted, before=decision)
    if sent is None or receipt is None:
        raise NotInHistory(template_name, "移送涉嫌犯罪案件、签收回执")
    return p.TransferRef(context.name(sent.agency_code), sent.document_number, day(receipt))


def filing_notice(facts: Facts, decision: FilingDecision, context: CaseContext) -> p.FilingNoticeFields:
    """立案通知书 to the transferring agency (Art.8), asking for the items within 3 days (Art.12)."""
    opened = opened_case(facts, decision, "立案通知书")
    issued_on = day(decision)
    return p.FilingNoticeFields(
        issue=Issue(
            context.name(decision.agency_code),
            context.number_for("filing_notice", decision.agency_code, issued_on, decision.document_number),
            issued_on,
        ),
        transfer=transfer_ref(facts, decision, context, "立案通知书"),
        case=case_ref(opened, context),
        handler="",
        approver=context.profile(decision.agency_code).head,
        procuratorate=context.name(procuratorate_code(facts)),
    )


def non_filing_notice(facts: Facts, decision: FilingDecision, context: CaseContext) -> p.NonFilingNoticeFields:
    """不予立案通知书 with the reasons the decision records (Art.8)."""
    opened = opened_case(facts, decision, "不予立案通知书")
    issued_on = day(decision)
    return p.NonFilingNoticeFields(
        issue=Issue(
            context.name(decision.agency_code),
            context.number_for("non_filing_notice", decision.agency_code, issued_on, decision.document_number),
            issued_on,
        ),
        transfer=transfer_ref(facts, decision, context, "不予立案通知书"),
        case=case_ref(opened, context),
        reasons=sentence(decision.reasons),
        handler="",
        approver=context.profile(decision.agency_code).head,
        procuratorate=context.name(procuratorate_code(facts)),
    )


def reconsideration_request(
    facts: Facts, request: ReconsiderationRequested, context: CaseContext
) -> p.ReconsiderationRequestFields:
    """复议申请书 contesting the latest 不予立案 decision (Art.9); its 文号 is the caller's (the record has none)."""
    opened = opened_case(facts, request, "复议申请书")
    decision = facts.latest(FilingDecision, lambda e: not e.filed, before=request)
    if decision is None:
        raise NotInHistory("复议申请书", "不予立案决定")
    issued_on = day(request)
    return p.ReconsiderationRequestFields(
        issue=Issue(
            context.name(request.agency_code),
            context.number_for("reconsideration_request", request.agency_code, issued_on),
            issued_on,
        ),
        police=context.name(decision.agency_code),
        non_filing_number=decision.document_number,
        non_filing_received=day(decision),  # the domain records no separate receipt of the notice
        case=case_ref(opened, context),
        grounds=(sentence(request.reasons),),
        approver=context.profile(request.agency_code).head,
        handler="",
    )


def reconsideration_decision(
    facts: Facts, decision: ReconsiderationDecided, context: CaseContext
) -> p.ReconsiderationDecisionFields:
    """复议决定书: upheld (维持) unless the record reverses the non-filing (Art.9)."""
    opened = opened_case(facts, decision, "复议决定书")
    request = facts.latest(ReconsiderationRequested, before=decision)
    if request is None:
        raise NotInHistory("复议决定书", "提请复议")
    issued_on = day(decision)
    return p.ReconsiderationDecisionFields(
        issue=Issue(
            context.name(decision.agency_code),
            context.number_for("reconsideration_decision", decision.agency_code, issued_on, decision.document_number),
            issued_on,
        ),
        agency=context.name(request.agency_code),
        request_number="",  # ReconsiderationRequested carries no 文号
        request_received=day(request),
        case=case_ref(opened, context),
        upheld=not decision.reversed,
        reasons=sentence(decision.reasons),
        approver=context.profile(decision.agency_code).head,
        handler="",
        procuratorate=context.name(procuratorate_code(facts)),
    )


def _filed(decision: FilingDecision) -> bool:
    return decision.filed


def _not_filed(decision: FilingDecision) -> bool:
    return not decision.filed


SOURCES = (
    Source("filing_notice", FilingDecision, "立案决定（立案）", filing_notice, _filed),
    Source("non_filing_notice", FilingDecision, "立案决定（不予立案）", non_filing_notice, _not_filed),
    Source("reconsideration_request", ReconsiderationRequested, "提请复议", reconsideration_request),
    Source("reconsideration_decision", ReconsiderationDecided, "复议决定", reconsideration_decision),
)
