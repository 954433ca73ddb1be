"""Letters between members: replies on rectification (seed §5), 司法建议书 (§6), consultation (§11), 提前介入 (§12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.documents.content import CaseRef, Issue, cn_date
from app.documents.model import Document
from app.documents.templates.common import Section, official_document

SEED = "《关于进一步加强行政执法与刑事司法衔接工作的实施意见》（银兴党办发〔2018〕18号）"


@dataclass(frozen=True)
class RectificationReplyFields:
    """书面回复 (整改情况): the agency's answer to a 检察建议书/检察意见书/纠正违法通知书/司法建议书 (seed §5)."""

    issue: Issue
    recipient: str
    received_document: str  # e.g. 银兴检建〔2026〕3号检察建议书
    received_on: date
    measures: tuple[Section, ...]
    copy_to: tuple[str, ...] = ()


def build_rectification_reply(f: RectificationReplyFields) -> Document:
    """A 公文 reply with one section per measure taken."""
    body: list[str | Section] = [
        f"你院{f.received_document}于{cn_date(f.received_on)}收悉。我单位高度重视，召开专题会议认真研究，"
        f"逐项制定整改措施，根据{SEED}第5条的要求，现将整改情况回复如下：",
        *f.measures,
        "特此回复。",
    ]
    return official_document(
        issue=f.issue,
        mark=f.issue.issuer,
        title=f"关于{f.received_document}整改情况的回复",
        addressee=f.recipient,
        body=body,
        copy_to=f.copy_to,
    )


@dataclass(frozen=True)
class JudicialSuggestionFields:
    """司法建议书 (seed §6): after an acquittal or exemption, the court suggests an administrative penalty."""

    issue: Issue
    agency: str
    case: CaseRef
    judgment: str
    suggestion: str


def build_judicial_suggestion(f: JudicialSuggestionFields) -> Document:
    """A 公文 citing 刑法第三十七条 and the seed's §6."""
    body = (
        f"本院审理的{f.case.name}，{f.judgment}",
        f"根据《中华人民共和国刑法》第三十七条和{SEED}第6条的规定，被告人{f.case.party}依法应当追究行政责任，"
        f"本院建议：{f.suggestion}",
        "请你单位依法处理，并将处理结果书面函告本院。",
    )
    return official_document(issue=f.issue, mark=f.issue.issuer, title="司法建议书", addressee=f.agency, body=body)


@dataclass(frozen=True)
class ConsultationLetterFields:
    """案件咨询函 (seed §11): a question on prosecution thresholds or evidence."""

    issue: Issue
    recipient: str
    case: CaseRef
    background: str
    questions: tuple[str, ...]


def build_consultation_letter(f: ConsultationLetterFields) -> Document:
    """A 函 asking for a written answer within 3 working days (seed §11)."""
    numbered = [f"{i}.{q}" for i, q in enumerate(f.questions, 1)]
    body = [
        f"我单位在办理{f.case.name}过程中，{f.background}为准确把握刑事案件立案追诉标准和证据固定要求，"
        f"根据{SEED}第11条的规定，现就以下问题向你单位咨询：",
        *numbered,
        "请予研究，并于三个工作日内书面答复。",
    ]
    return official_document(issue=f.issue, mark=f.issue.issuer, title="案件咨询函", addressee=f.recipient, body=body)


@dataclass(frozen=True)
class ConsultationReplyFields:
    """答复函 (seed §11): the written answer to a written consultation."""

    issue: Issue
    recipient: str
    letter_number: str
    case: CaseRef
    answers: tuple[str, ...]


def build_consultation_reply(f: ConsultationReplyFields) -> Document:
    """A 函 answering question by question."""
    numbered = [f"{i}.{a}" for i, a in enumerate(f.answers, 1)]
    body = [
        f"你单位《案件咨询函》（{f.letter_number}）收悉。经研究，现就{f.case.name}有关问题答复如下：",
        *numbered,
        "以上意见供参考。",
    ]
    return official_document(issue=f.issue, mark=f.issue.issuer, title="答复函", addressee=f.recipient, body=body)


@dataclass(frozen=True)
class EarlyInterventionFields:
    """提前介入邀请函 (seed §12): serious cases; police or procuratorate send someone within 3 days."""

    issue: Issue
    recipient: str
    case: CaseRef
    situation: str
    liaison: str


def build_early_intervention(f: EarlyInterventionFields) -> Document:
    """A 函 in 文件格式 giving the situation, the request and a liaison."""
    body = (
        f"我单位在查处{f.case.name}中发现，{f.situation}该案可能涉嫌{f.case.offence}，案情重大、复杂。",
        f"根据{SEED}第12条的规定，特邀请你单位于收到本函之日起三日内派员提前介入案件调查，"
        "就证据收集、固定和案件定性提出意见。",
        f"联系人：{f.liaison}",
    )
    return official_document(
        issue=f.issue, mark=f.issue.issuer, title="提前介入邀请函", addressee=f.recipient, body=body
    )
