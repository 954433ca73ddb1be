"""Letters between members: written replies (seed §5), 司法建议书 (§6), consultation (§11), 提前介入 (§12).

书面回复 ← DocumentReplied + the DocumentIssued / OpinionIssued it answers; 司法建议书 ← DocumentIssued (court)
+ JudgmentEntered; 案件咨询函 ← ConsultationAsked; 答复函 ← ConsultationAnswered + ConsultationAsked;
提前介入邀请函 ← InterventionInvited + the agency's 联络员 (standing data).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.documents.content import CaseRef, cn_date
from app.documents.from_case.context import CaseContext, NotInHistory
from app.documents.from_case.history import Facts, case_ref, day, issue_of, sentence
from app.documents.from_case.source import Source
from app.documents.from_case.transfer import opened_case
from app.documents.templates import correspondence as c
from app.documents.templates.common import Section
from app.domain.events import (
    ConsultationAnswered,
    ConsultationAsked,
    DocumentIssued,
    DocumentReplied,
    DocumentType,
    InterventionInvited,
    JudgmentEntered,
    OpinionIssued,
    Verdict,
)

VERDICT_TEXT: Mapping[Verdict, str] = MappingProxyType(
    {
        Verdict.CONVICTED: "认定被告人有罪",
        Verdict.EXEMPTED: "对被告人免予刑事处罚",
        Verdict.ACQUITTED: "宣告被告人无罪",
    }
)
# a consultation is its own aggregate and names no case (ConsultationAsked has no related case)
NO_CASE = CaseRef(name="", party="", cause="", offence="")


def rectification_reply(facts: Facts, reply: DocumentReplied, context: CaseContext) -> c.RectificationReplyFields:
    """书面回复（整改情况） to the document the reply answers, quoting its 文号 and name."""
    doc = facts.by_id(reply.document_id)
    if isinstance(doc, DocumentIssued):
        received = f"{doc.document_number}{doc.document_type.label}"
    elif isinstance(doc, OpinionIssued):
        received = f"{doc.document_number}检察意见书"
    else:
        raise NotInHistory("书面回复（整改情况）", "制发文书")
    return c.RectificationReplyFields(
        issue=issue_of(context, "rectification_reply", reply),
        recipient=context.name(doc.agency_code),
        received_document=received,
        received_on=day(doc),  # the domain records when it was issued, not when it was received
        measures=(Section("整改落实情况", (sentence(reply.summary),)),),
    )


def judicial_suggestion(facts: Facts, doc: DocumentIssued, context: CaseContext) -> c.JudicialSuggestionFields:
    """司法建议书 (seed §6) after the judgment recorded before it."""
    opened = opened_case(facts, doc, "司法建议书")
    judgment = facts.latest(JudgmentEntered, before=doc)
    if judgment is None:
        raise NotInHistory("司法建议书", "案件判决情况")
    text = f"已于{cn_date(judgment.judged_on)}作出{judgment.judgment_number}判决，{VERDICT_TEXT[judgment.verdict]}。"
    return c.JudicialSuggestionFields(
        issue=issue_of(context, "judicial_suggestion", doc, doc.document_number),
        agency=context.name(doc.recipient_code),
        case=case_ref(opened, context),
        judgment=text + sentence(judgment.summary),
        suggestion=sentence(doc.summary),
    )


def consultation_letter(facts: Facts, asked: ConsultationAsked, context: CaseContext) -> c.ConsultationLetterFields:
    """案件咨询函 (seed §11); its 文号 is the caller's (the record has none)."""
    return c.ConsultationLetterFields(
        issue=issue_of(context, "consultation_letter", asked),
        recipient=context.name(asked.consulted_code),
        case=NO_CASE,
        background="",
        questions=(sentence(asked.question),),
    )


def consultation_reply(facts: Facts, answer: ConsultationAnswered, context: CaseContext) -> c.ConsultationReplyFields:
    """答复函 (seed §11) to the consultation of the same aggregate; the letter is cited by its date."""
    asked = facts.latest(ConsultationAsked, lambda e: e.case_id == answer.case_id, before=answer)
    if asked is None:
        raise NotInHistory("答复函", "案件咨询")
    return c.ConsultationReplyFields(
        issue=issue_of(context, "consultation_reply", answer),
        recipient=context.name(asked.agency_code),
        letter_number=f"{cn_date(day(asked))}来函",
        case=NO_CASE,
        answers=(sentence(answer.answer),),
    )


def early_intervention(facts: Facts, invited: InterventionInvited, context: CaseContext) -> c.EarlyInterventionFields:
    """提前介入邀请函 (seed §12); the contact is the agency's 联络员, else the operator printing."""
    opened = opened_case(facts, invited, "提前介入邀请函")
    return c.EarlyInterventionFields(
        issue=issue_of(context, "early_intervention", invited),
        recipient=context.name(invited.invited_code),
        case=case_ref(opened, context),
        situation=sentence(invited.reasons),
        liaison=context.profile(invited.agency_code).liaison or context.operator,
    )


SOURCES = (
    Source("rectification_reply", DocumentReplied, "书面回复", rectification_reply),
    Source(
        "judicial_suggestion",
        DocumentIssued,
        "制发司法建议书",
        judicial_suggestion,
        lambda d: d.document_type is DocumentType.JUDICIAL_SUGGESTION,
    ),
    Source("consultation_letter", ConsultationAsked, "案件咨询", consultation_letter),
    Source("consultation_reply", ConsultationAnswered, "咨询答复", consultation_reply),
    Source("early_intervention", InterventionInvited, "提前介入邀请", early_intervention),
)
