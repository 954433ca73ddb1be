"""The procuratorate's documents: suggestion to transfer, filing supervision (刑诉规则 Art.559–564), seed §5
documents, and the 检察意见书 of reverse linkage (刑诉法 Art.177 ¶3).

建议移送函 ← TransferSuggested; 要求说明不立案理由通知书 ← ExplanationRequired (+ SupervisionSuggested as source);
通知立案书 ← FilingNoticed; 纠正违法通知书 / 检察建议书 / 督促起诉意见书 ← DocumentIssued of that type;
检察意见书 ← OpinionIssued + the ProsecutionDecided (不起诉) before it.
"""

from __future__ import annotations

from app.documents.content import cn_date
from app.documents.from_case.context import CaseContext, NotInHistory
from app.documents.from_case.history import Facts, case_ref, day, issue_of, sentence
from app.documents.from_case.source import Source
from app.documents.from_case.transfer import opened_case
from app.documents.templates import procuratorate as q
from app.domain.events import (
    CaseWithdrawn,
    DocumentIssued,
    DocumentType,
    Event,
    ExplanationRequired,
    FilingDecision,
    FilingNoticed,
    OpinionIssued,
    ProsecutionDecided,
    SupervisionSuggested,
    TransferSuggested,
)


def _supervised_police(facts: Facts, event: Event) -> str:
    """The police whose non-filing or withdrawal is supervised: who made that decision."""
    decided = facts.latest(FilingDecision, lambda e: not e.filed, before=event)
    withdrawn = facts.latest(CaseWithdrawn, before=event)
    latest = max((e for e in (decided, withdrawn) if e is not None), key=lambda e: e.sort_key, default=None)
    if latest is None:
        raise NotInHistory("立案监督文书", "不予立案或撤销案件决定")
    return latest.agency_code


def transfer_suggestion(facts: Facts, suggested: TransferSuggested, context: CaseContext) -> q.TransferSuggestionFields:
    """建议移送涉嫌犯罪案件函 to the agency that owns the case; its 文号 is the caller's (the record has none)."""
    opened = opened_case(facts, suggested, "建议移送涉嫌犯罪案件函")
    return q.TransferSuggestionFields(
        issue=issue_of(context, "transfer_suggestion", suggested),
        agency=context.name(opened.agency_code),
        case=case_ref(opened, context),
        findings=sentence(suggested.reasons),
    )


def explain_non_filing(facts: Facts, required: ExplanationRequired, context: CaseContext) -> q.ExplainNonFilingFields:
    """要求说明不立案理由通知书 (刑诉规则 Art.560); the source is the agency's suggestion of supervision if any."""
    opened = opened_case(facts, required, "要求说明不立案理由通知书")
    suggestion = facts.latest(SupervisionSuggested, before=required)
    if suggestion is not None:
        source = f"{context.name(suggestion.agency_code)}于{cn_date(day(suggestion))}建议我院依法进行立案监督。"
    else:
        source = "我院在履行法律监督职责中发现，"
    if required.reasons.strip():
        source += sentence(required.reasons)
    if suggestion is not None or required.reasons.strip():
        source += "经审查，"
    return q.ExplainNonFilingFields(
        issue=issue_of(context, "explain_non_filing", required, required.document_number),
        police=context.name(_supervised_police(facts, required)),
        case=case_ref(opened, context),
        source=source,
        prosecutor="",
    )


def notice_to_file(facts: Facts, noticed: FilingNoticed, context: CaseContext) -> q.NoticeToFileFields:
    """通知立案书 (刑诉规则 Art.563); FilingNoticed records no reasons, so only the conclusion is printed."""
    opened = opened_case(facts, noticed, "通知立案书")
    return q.NoticeToFileFields(
        issue=issue_of(context, "notice_to_file", noticed, noticed.document_number),
        police=context.name(_supervised_police(facts, noticed)),
        case=case_ref(opened, context),
        reasons="",
        prosecutor="",
    )


def correction_notice(facts: Facts, doc: DocumentIssued, context: CaseContext) -> q.CorrectionNoticeFields:
    """纠正违法通知书: the record's summary is the violation; it records no separate demand."""
    opened = opened_case(facts, doc, "纠正违法通知书")
    return q.CorrectionNoticeFields(
        issue=issue_of(context, "correction_notice", doc, doc.document_number),
        recipient=context.name(doc.recipient_code),
        case=case_ref(opened, context),
        violation=sentence(doc.summary),
        demand="",
        prosecutor="",
    )


def procuratorial_suggestion(
    facts: Facts, doc: DocumentIssued, context: CaseContext
) -> q.ProcuratorialSuggestionFields:
    """检察建议书 (seed §5): the record's summary states the problems; it records no itemised suggestions."""
    opened = opened_case(facts, doc, "检察建议书")
    return q.ProcuratorialSuggestionFields(
        issue=issue_of(context, "procuratorial_suggestion", doc, doc.document_number),
        recipient=context.name(doc.recipient_code),
        case=case_ref(opened, context),
        problems=sentence(doc.summary),
        suggestions=(),
    )


def urge_prosecution(facts: Facts, doc: DocumentIssued, context: CaseContext) -> q.UrgeProsecutionFields:
    """督促起诉意见书 (seed §5): the record's summary states the loss; it records no separate demand."""
    opened = opened_case(facts, doc, "督促起诉意见书")
    return q.UrgeProsecutionFields(
        issue=issue_of(context, "urge_prosecution", doc, doc.document_number),
        recipient=context.name(doc.recipient_code),
        case=case_ref(opened, context),
        loss=sentence(doc.summary),
        demand="",
    )


def procuratorial_opinion(facts: Facts, opinion: OpinionIssued, context: CaseContext) -> q.ProcuratorialOpinionFields:
    """检察意见书 of reverse linkage: the 不起诉 decision before it and the recommended penalty."""
    opened = opened_case(facts, opinion, "检察意见书")
    decision = facts.latest(ProsecutionDecided, lambda e: not e.indicted, before=opinion)
    if decision is None:
        raise NotInHistory("检察意见书", "不起诉决定")
    return q.ProcuratorialOpinionFields(
        issue=issue_of(context, "procuratorial_opinion", opinion, opinion.document_number),
        agency=context.name(opinion.recipient_code),
        case=case_ref(opened, context),
        non_prosecution=f"{cn_date(day(decision))}作出不起诉决定（{decision.document_number}）",
        opinion=sentence(opinion.recommendation),
    )


SOURCES = (
    Source("transfer_suggestion", TransferSuggested, "建议移送", transfer_suggestion),
    Source("explain_non_filing", ExplanationRequired, "要求说明不立案理由", explain_non_filing),
    Source("notice_to_file", FilingNoticed, "通知立案", notice_to_file),
    Source(
        "correction_notice",
        DocumentIssued,
        "制发纠正违法通知书",
        correction_notice,
        lambda d: d.document_type is DocumentType.CORRECTION_NOTICE,
    ),
    Source(
        "procuratorial_suggestion",
        DocumentIssued,
        "制发检察建议书",
        procuratorial_suggestion,
        lambda d: d.document_type is DocumentType.PROCURATORIAL_SUGGESTION,
    ),
    Source(
        "urge_prosecution",
        DocumentIssued,
        "制发督促起诉意见书",
        urge_prosecution,
        lambda d: d.document_type is DocumentType.PROSECUTION_URGING,
    ),
    Source("procuratorial_opinion", OpinionIssued, "不起诉案件检察意见", procuratorial_opinion),
)
