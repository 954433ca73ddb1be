"""The procuratorate's supervision documents (DOMAIN: 刑诉规则 2019 Art.559–564, 刑诉法 Art.113 and 177; seed §5)."""

from __future__ import annotations

from dataclasses import dataclass

from app.documents.content import CaseRef, Issue
from app.documents.model import Document, FieldRow
from app.documents.templates.common import FormSpec, form_document, official_document
from app.documents.templates.police import CPL
from app.documents.templates.transfer import REGULATION

RULES = "《人民检察院刑事诉讼规则》"
ORGANIC_LAW = "《中华人民共和国人民检察院组织法》"
LINKAGE_OPINIONS = "《关于加强行政执法与刑事司法衔接工作的意见》（中办发〔2011〕8号）"


def _supervision_form(
    issue: Issue,
    title: str,
    recipient: str,
    case: CaseRef,
    body: tuple[str, ...],
    stub_extra: tuple[FieldRow, ...],
    receipt_days: str = "",
) -> Document:
    """A procuratorial form: 存根 + 正本, and a 回执 when the recipient owes an answer within a deadline."""
    receipt = bool(receipt_days)
    return form_document(
        FormSpec(
            agency=issue.issuer,
            title=title,
            number=issue.number,
            stub=(
                FieldRow("案件名称", case.name),
                FieldRow("送达单位", recipient),
                *stub_extra,
                FieldRow("填发时间", issue.date_text),
            ),
            addressee=recipient,
            body=body,
            signer=issue.issuer,
            date_text=issue.date_text,
            receipt_title=f"{title}回执" if receipt else "",
            receipt_agency=recipient,
            receipt_body=(f"你院{issue.number}{title}已收到，我单位将在{receipt_days}内依法办理并书面回复。",)
            if receipt
            else (),
            receipt_rows=(FieldRow("签收人", ""), FieldRow("签收时间", ""), FieldRow("单位印章", ""))
            if receipt
            else (),
        )
    )


@dataclass(frozen=True)
class TransferSuggestionFields:
    """建议移送涉嫌犯罪案件函: the procuratorate suggests that an agency transfer a case (seed §8)."""

    issue: Issue
    agency: str
    case: CaseRef
    findings: str
    copy_to: tuple[str, ...] = ()


def build_transfer_suggestion(f: TransferSuggestionFields) -> Document:
    """A 函 in 文件格式, citing 310号令第十四条 and 中办发〔2011〕8号."""
    body = (
        f"我院在履行法律监督职责中发现，你单位办理的{f.case.name}，{f.findings}"
        f"当事人{f.case.party}的行为涉嫌{f.case.offence}，依法应当追究刑事责任。",
        f"根据{REGULATION}第十四条和{LINKAGE_OPINIONS}的规定，建议你单位依照该规定第三条、第六条将该案移送公安机关"
        "依法处理，并将移送情况在三个工作日内录入两法衔接信息共享平台，书面告知我院。",
    )
    return official_document(
        issue=f.issue,
        mark=f"{f.issue.issuer}",
        title="建议移送涉嫌犯罪案件函",
        addressee=f.agency,
        body=body,
        copy_to=f.copy_to,
    )


@dataclass(frozen=True)
class ExplainNonFilingFields:
    """要求说明不立案理由通知书 (刑诉法 Art.113; 刑诉规则 Art.560: police explain within 7 days)."""

    issue: Issue
    police: str
    case: CaseRef
    source: str
    prosecutor: str


def build_explain_non_filing(f: ExplainNonFilingFields) -> Document:
    """存根 + 正本 + 回执 (7 days)."""
    body = (
        f"{f.source}你局对{f.case.name}不予立案。根据{CPL}第一百一十三条和{RULES}第五百六十条之规定，"
        "请你局在收到本通知书后七日以内，书面说明不立案的理由，连同有关证据材料回复我院。",
    )
    stub = (FieldRow("当事人", f.case.party), FieldRow("承办检察官", f.prosecutor))
    return _supervision_form(f.issue, "要求说明不立案理由通知书", f.police, f.case, body, stub, "七日")


@dataclass(frozen=True)
class NoticeToFileFields:
    """通知立案书 (刑诉法 Art.113; 刑诉规则 Art.563: police file within 15 days)."""

    issue: Issue
    police: str
    case: CaseRef
    reasons: str
    prosecutor: str


def build_notice_to_file(f: NoticeToFileFields) -> Document:
    """存根 + 正本 + 回执 (15 days)."""
    body = (
        f"你局对{f.case.name}作出不予立案决定。经审查，我院认为：{f.reasons}你局不立案理由不能成立。",
        f"根据{CPL}第一百一十三条和{RULES}第五百六十三条之规定，通知你局在收到本通知书后十五日以内立案，"
        "并将立案决定书复印件送达我院。",
    )
    stub = (FieldRow("涉嫌罪名", f.case.offence), FieldRow("承办检察官", f.prosecutor))
    return _supervision_form(f.issue, "通知立案书", f.police, f.case, body, stub, "十五日")


@dataclass(frozen=True)
class CorrectionNoticeFields:
    """纠正违法通知书 (刑诉规则 Art.564; 人民检察院组织法 Art.21)."""

    issue: Issue
    recipient: str
    case: CaseRef
    violation: str
    demand: str
    prosecutor: str


def build_correction_notice(f: CorrectionNoticeFields) -> Document:
    """存根 + 正本 + 回执; the recipient reports the correction in writing."""
    body = (
        f"经查，你单位在办理{f.case.name}过程中，{f.violation}",
        f"根据{ORGANIC_LAW}第二十一条和{RULES}第五百六十四条之规定，现通知你单位予以纠正：{f.demand}"
        "请将纠正情况书面回复我院。",
    )
    stub = (FieldRow("违法事项", f.violation), FieldRow("承办检察官", f.prosecutor))
    return _supervision_form(f.issue, "纠正违法通知书", f.recipient, f.case, body, stub, "十五日")


@dataclass(frozen=True)
class ProcuratorialOpinionFields:
    """检察意见书 (反向衔接: 刑诉法 Art.177 ¶3, 刑诉规则 Art.373), after a 不起诉 decision."""

    issue: Issue
    agency: str
    case: CaseRef
    non_prosecution: str
    opinion: str
    reply_within: str = "两个月"  # ⚠ DOMAIN: not fixed by statute; configured per platform
    prosecutor: str = ""


def build_procuratorial_opinion(f: ProcuratorialOpinionFields) -> Document:
    """存根 + 正本: the facts, the opinion (an administrative penalty) and the reply the agency owes."""
    body = (
        f"我院办理的{f.case.name}，已于{f.non_prosecution}。被不起诉人{f.case.party}的行为虽不需要追究刑事责任，"
        "但依法应当给予行政处罚。",
        f"根据{CPL}第一百七十七条第三款和{RULES}第三百七十三条之规定，提出如下检察意见：{f.opinion}",
        f"请你单位依法处理，并自收到本意见书之日起{f.reply_within}内将处理结果书面通知我院。",
    )
    stub = (FieldRow("被不起诉人", f.case.party), FieldRow("承办检察官", f.prosecutor))
    return _supervision_form(f.issue, "检察意见书", f.agency, f.case, body, stub)


@dataclass(frozen=True)
class ProcuratorialSuggestionFields:
    """检察建议书 (人民检察院组织法 Art.21; seed §5: the recipient studies, rectifies and replies in writing)."""

    issue: Issue
    recipient: str
    case: CaseRef
    problems: str
    suggestions: tuple[str, ...]
    reply_within: str = "两个月"
    prosecutor: str = ""


def build_procuratorial_suggestion(f: ProcuratorialSuggestionFields) -> Document:
    """存根 + 正本 + 回执; numbered suggestions."""
    numbered = tuple(f"{'一二三四五六七八九十'[i]}、{s}" for i, s in enumerate(f.suggestions))
    body = (
        f"我院在办理{f.case.name}中发现，{f.problems}",
        f"根据{ORGANIC_LAW}第二十一条之规定，特提出如下建议：",
        *numbered,
        f"请你单位认真研究，及时整改，并自收到本建议书之日起{f.reply_within}内将采纳建议和整改情况书面回复我院。",
    )
    stub = (FieldRow("承办检察官", f.prosecutor),)
    return _supervision_form(f.issue, "检察建议书", f.recipient, f.case, body, stub, f.reply_within)


@dataclass(frozen=True)
class UrgeProsecutionFields:
    """督促起诉意见书 (seed §5): the procuratorate urges an agency to sue for a loss of state assets."""

    issue: Issue
    recipient: str
    case: CaseRef
    loss: str
    demand: str
    reply_within: str = "三个月"
    prosecutor: str = ""


def build_urge_prosecution(f: UrgeProsecutionFields) -> Document:
    """存根 + 正本: the loss, the duty and the demand."""
    body = (
        f"我院在办理{f.case.name}中发现，{f.loss}",
        f"根据{ORGANIC_LAW}第二十条、第二十一条之规定，督促你单位依法履行监督管理职责：{f.demand}",
        f"请你单位自收到本意见书之日起{f.reply_within}内将办理情况书面回复我院。",
    )
    stub = (FieldRow("承办检察官", f.prosecutor),)
    return _supervision_form(f.issue, "督促起诉意见书", f.recipient, f.case, body, stub)
