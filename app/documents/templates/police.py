"""The police's decisions on a transfer (310号令 Art.8) and the reconsideration round (Art.9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.documents.content import CaseRef, Issue, cn_date
from app.documents.model import Document, FieldRow
from app.documents.templates.common import FormSpec, form_document
from app.documents.templates.transfer import REGULATION

CPL = "《中华人民共和国刑事诉讼法》"


@dataclass(frozen=True)
class TransferRef:
    """The transfer a decision answers: who sent it, under which 文号, when it was received."""

    agency: str
    number: str
    received_on: date


@dataclass(frozen=True)
class FilingNoticeFields:
    """立案通知书: the police file the transferred case (Art.8) and ask for the items within 3 days (Art.12)."""

    issue: Issue
    transfer: TransferRef
    case: CaseRef
    handler: str
    approver: str
    procuratorate: str


def build_filing_notice(f: FilingNoticeFields) -> Document:
    """存根 + 正本; the 正本 cites 刑事诉讼法第一百一十二条 and 310号令第八条、第十二条."""
    body = (
        f"你单位于{cn_date(f.transfer.received_on)}移送的{f.case.name}（{f.transfer.number}），我局经审查认为有犯罪事实，"
        f"需要追究刑事责任，根据{CPL}第一百一十二条和{REGULATION}第八条之规定，决定立案侦查。",
        f"请你单位自接到本通知书之日起三日内，依照{REGULATION}第十二条之规定，将涉案物品以及与案件有关的其他材料移交我局。",
    )
    return form_document(
        FormSpec(
            agency=f.issue.issuer,
            title="立案通知书",
            number=f.issue.number,
            stub=(
                FieldRow("案件名称", f.case.name),
                FieldRow("移送机关", f.transfer.agency),
                FieldRow("移送文号", f.transfer.number),
                FieldRow("立案罪名", f.case.offence),
                FieldRow("批准人", f.approver),
                FieldRow("办案人", f.handler),
                FieldRow("填发时间", f.issue.date_text),
            ),
            addressee=f.transfer.agency,
            body=body,
            signer=f.issue.issuer,
            date_text=f.issue.date_text,
            after_signature=(f"抄送：{f.procuratorate}",),
        )
    )


@dataclass(frozen=True)
class NonFilingNoticeFields:
    """不予立案通知书: no crime or no criminal liability (Art.8), with reasons; the file goes back."""

    issue: Issue
    transfer: TransferRef
    case: CaseRef
    reasons: str
    handler: str
    approver: str
    procuratorate: str


def build_non_filing_notice(f: NonFilingNoticeFields) -> Document:
    """存根 + 正本 + 回执; the 正本 states the reasons and the Art.9 remedies (复议 within 3 days, 立案监督)."""
    body = (
        f"你单位于{cn_date(f.transfer.received_on)}移送的{f.case.name}（{f.transfer.number}），我局经审查认为：{f.reasons}"
        f"根据{CPL}第一百一十二条和{REGULATION}第八条之规定，决定不予立案。现将案卷材料退回你单位。",
        f"你单位如对本决定有异议，可以自接到本通知书之日起三日内向我局提请复议；对复议决定仍有异议的，"
        f"可以自收到复议决定之日起三日内建议人民检察院依法进行立案监督（{REGULATION}第九条）。",
    )
    return form_document(
        FormSpec(
            agency=f.issue.issuer,
            title="不予立案通知书",
            number=f.issue.number,
            stub=(
                FieldRow("案件名称", f.case.name),
                FieldRow("移送机关", f.transfer.agency),
                FieldRow("移送文号", f.transfer.number),
                FieldRow("不立案理由", f.reasons),
                FieldRow("批准人", f.approver),
                FieldRow("办案人", f.handler),
                FieldRow("填发时间", f.issue.date_text),
            ),
            addressee=f.transfer.agency,
            body=body,
            signer=f.issue.issuer,
            date_text=f.issue.date_text,
            after_signature=(f"抄送：{f.procuratorate}",),
            receipt_title="不予立案通知书回执",
            receipt_agency=f.transfer.agency,
            receipt_body=(f"你局{f.issue.number}不予立案通知书及退回的{f.case.name}案卷材料已收到。",),
            receipt_rows=(FieldRow("签收人", ""), FieldRow("签收时间", ""), FieldRow("单位印章", "")),
        )
    )


@dataclass(frozen=True)
class ReconsiderationRequestFields:
    """复议申请书 (提请复议): the agency contests the non-filing within 3 days (Art.9)."""

    issue: Issue
    police: str
    non_filing_number: str
    non_filing_received: date
    case: CaseRef
    grounds: tuple[str, ...]
    approver: str
    handler: str


def build_reconsideration_request(f: ReconsiderationRequestFields) -> Document:
    """存根 + 正本; the 正本 gives the grounds and asks for a decision within 3 days (Art.9)."""
    body = (
        f"我单位于{cn_date(f.non_filing_received)}收到你局{f.non_filing_number}不予立案通知书，"
        f"决定对{f.case.name}不予立案。我单位认为该决定有误，理由如下：",
        *f.grounds,
        f"根据{REGULATION}第九条之规定，特提请你局复议，请自收到本申请书之日起三日内作出复议决定，并书面通知我单位。",
    )
    return form_document(
        FormSpec(
            agency=f.issue.issuer,
            title="复议申请书",
            number=f.issue.number,
            stub=(
                FieldRow("案件名称", f.case.name),
                FieldRow("复议机关", f.police),
                FieldRow("原决定", f.non_filing_number),
                FieldRow("批准人", f.approver),
                FieldRow("承办人", f.handler),
                FieldRow("填发时间", f.issue.date_text),
            ),
            addressee=f.police,
            body=body,
            signer=f.issue.issuer,
            date_text=f.issue.date_text,
        )
    )


@dataclass(frozen=True)
class ReconsiderationDecisionFields:
    """复议决定书: the police decide within 3 days (Art.9) to uphold or revoke the non-filing."""

    issue: Issue
    agency: str
    request_number: str
    request_received: date
    case: CaseRef
    upheld: bool
    reasons: str
    approver: str
    handler: str
    procuratorate: str


def build_reconsideration_decision(f: ReconsiderationDecisionFields) -> Document:
    """存根 + 正本; an upheld non-filing states the next remedy (立案监督 by the procuratorate)."""
    if f.upheld:
        outcome = "决定维持原不予立案决定。"
        remedy = (
            f"你单位对本复议决定仍有异议的，可以自收到本决定书之日起三日内建议人民检察院依法进行立案监督"
            f"（{REGULATION}第九条）。"
        )
    else:
        outcome = f"决定撤销原不予立案决定，对{f.case.name}立案侦查。"
        remedy = f"请你单位自接到本决定书之日起三日内将涉案物品及有关材料移交我局（{REGULATION}第十二条）。"
    body = (
        f"你单位{f.request_number}复议申请书于{cn_date(f.request_received)}收悉。经复议，我局认为：{f.reasons}"
        f"根据{REGULATION}第九条之规定，{outcome}",
        remedy,
    )
    return form_document(
        FormSpec(
            agency=f.issue.issuer,
            title="复议决定书",
            number=f.issue.number,
            stub=(
                FieldRow("案件名称", f.case.name),
                FieldRow("申请机关", f.agency),
                FieldRow("复议结果", "维持原决定" if f.upheld else "撤销原决定，立案侦查"),
                FieldRow("批准人", f.approver),
                FieldRow("办案人", f.handler),
                FieldRow("填发时间", f.issue.date_text),
            ),
            addressee=f.agency,
            body=body,
            signer=f.issue.issuer,
            date_text=f.issue.date_text,
            after_signature=(f"抄送：{f.procuratorate}",),
        )
    )
