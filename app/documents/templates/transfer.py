"""The transfer package of 国务院令第310号 Art.6: 移送书 (with 存根 and 回执), 调查报告, 涉案物品清单, 移送材料目录."""

from __future__ import annotations

from dataclasses import dataclass

from app.documents.content import CaseRef, Issue, Officers, cn_date
from app.documents.geometry import SIZE_XIAO4
from app.documents.model import Align, BlankLines, Block, Column, Document, FieldList, FieldRow, Paragraph, Table
from app.documents.templates.common import FormSpec, Section, body_blocks, form_document, plain_document

REGULATION = "《行政执法机关移送涉嫌犯罪案件的规定》（国务院令第310号，根据国务院令第730号修订）"


@dataclass(frozen=True)
class TransferNoticeFields:
    """涉嫌犯罪案件移送书: the transfer decided by the agency head (Art.5) and sent to the police (Art.6)."""

    issue: Issue
    police: str
    procuratorate: str
    case: CaseRef
    summary: str  # 简要案情
    officers: Officers
    materials: tuple[str, ...]


def build_transfer_notice(f: TransferNoticeFields) -> Document:
    """存根 + 正本 + 回执 of the 移送书; the 正本 cites Art.3 and Art.6 and is copied to the procuratorate."""
    body = (
        f"我单位在依法查处{f.case.name}过程中，发现当事人{f.case.party}涉嫌{f.case.offence}"
        f"{'（' + f.case.offence_article + '）' if f.case.offence_article else ''}。"
        f"根据{REGULATION}第三条、第六条之规定，现将该案移送你局，请依法审查，"
        "并于受理之日起三日内作出立案或者不予立案的决定，书面告知我单位。",
        f"简要案情：{f.summary}",
    )
    return form_document(
        FormSpec(
            agency=f.issue.issuer,
            title="涉嫌犯罪案件移送书",
            number=f.issue.number,
            stub=(
                FieldRow("案由", f"涉嫌{f.case.offence}"),
                FieldRow("当事人", f.case.party),
                FieldRow("移送机关", f.issue.issuer),
                FieldRow("接收机关", f.police),
                FieldRow("移送材料", "；".join(f.materials)),
                FieldRow("批准人", f.officers.approver),
                FieldRow("承办人", f.officers.handlers_text),
                FieldRow("填发时间", f.issue.date_text),
            ),
            addressee=f.police,
            body=body,
            attachments=f.materials,
            signer=f.issue.issuer,
            date_text=f.issue.date_text,
            after_signature=(f"抄送：{f.procuratorate}",),
            receipt_title="涉嫌犯罪案件移送回执",
            receipt_agency=f.police,
            receipt_body=(
                f"你单位于{f.issue.date_text}移送的{f.case.name}（{f.issue.number}）及附件材料共{len(f.materials)}项已收到。"
                f"我局将依照{REGULATION}第七条、第八条之规定进行审查。",
            ),
            receipt_rows=(FieldRow("接收人", ""), FieldRow("接收时间", ""), FieldRow("公安机关印章", "")),
        )
    )


@dataclass(frozen=True)
class InvestigationReportFields:
    """涉嫌犯罪案件情况调查报告 (Art.6 item 2), written by the case team (Art.5: at least two officers)."""

    issue: Issue
    case: CaseRef
    source: str
    facts: tuple[str, ...]
    evidence: tuple[str, ...]
    reasoning: str
    officers: Officers


def build_investigation_report(f: InvestigationReportFields) -> Document:
    """A report in sections 一、… (7.3.3), signed by the officers and dated."""
    body: list[str | Section] = [
        Section("当事人基本情况", (f.case.party,)),
        Section("案件来源", (f.source,)),
        Section("调查认定的事实", f.facts),
        Section("相关证据", tuple(f"{i}.{e}" for i, e in enumerate(f.evidence, 1))),
        Section("涉嫌犯罪的理由和法律依据", (f.reasoning,)),
        Section(
            "处理意见",
            (
                f"当事人的行为涉嫌{f.case.offence}，依照{REGULATION}第三条、第五条之规定，"
                "建议将本案移送公安机关依法处理。妥否，请负责人审批。",
            ),
        ),
    ]
    blocks: list[Block] = [
        FieldList((FieldRow("案件名称", f.case.name), FieldRow("承办单位", f.issue.issuer))),
        BlankLines(1),
        *body_blocks(body),
        BlankLines(2),
        Paragraph(f"承办人：{f.officers.handlers_text}", indent=0, right_indent=4, align=Align.RIGHT),
        Paragraph(f.issue.date_text, indent=0, right_indent=4, align=Align.RIGHT),
    ]
    return plain_document(title="涉嫌犯罪案件情况调查报告", blocks=blocks, author=f.issue.issuer)


@dataclass(frozen=True)
class SeizedItem:
    """One line of the 涉案物品清单."""

    name: str
    specification: str
    quantity: str
    unit: str
    condition: str
    location: str


@dataclass(frozen=True)
class EvidenceListFields:
    """涉案物品清单 (Art.6 item 3; handed over after filing under Art.12)."""

    issue: Issue
    case: CaseRef
    items: tuple[SeizedItem, ...]


def build_evidence_list(f: EvidenceListFields) -> Document:
    """A table that breaks between rows and repeats its header; signatures of both sides at the end."""
    table = Table(
        (
            Column("序号", 0.55, Align.CENTER),
            Column("物品名称", 1.7),
            Column("规格型号", 1.3),
            Column("数量", 0.7, Align.RIGHT),
            Column("单位", 0.55, Align.CENTER),
            Column("特征状态", 1.3),
            Column("存放地点", 1.3),
        ),
        tuple(
            (str(i), it.name, it.specification, it.quantity, it.unit, it.condition, it.location)
            for i, it in enumerate(f.items, 1)
        ),
        size=SIZE_XIAO4,
    )
    blocks: list[Block] = [
        FieldList(
            (
                FieldRow("案件名称", f.case.name),
                FieldRow("移送机关", f.issue.issuer),
                FieldRow("移送文号", f.issue.number),
            )
        ),
        table,
        Paragraph(f"以上物品共{len(f.items)}项，经双方清点无误。", indent=2),
        BlankLines(1),
        FieldList((FieldRow("移送人", ""), FieldRow("接收人", ""), FieldRow("交接日期", "")), label_chars=4),
    ]
    return plain_document(title="涉案物品清单", blocks=blocks, author=f.issue.issuer)


@dataclass(frozen=True)
class TransferMaterial:
    """One entry of the 移送材料目录."""

    title: str
    # None: the record does not hold it, and the officer fills it in by hand when the package is bound.
    copies: int | None
    pages: int | None
    remark: str = ""


@dataclass(frozen=True)
class MaterialsCatalogueFields:
    """移送材料目录: the Art.6 materials actually handed over."""

    issue: Issue
    case: CaseRef
    materials: tuple[TransferMaterial, ...]


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def build_materials_catalogue(f: MaterialsCatalogueFields) -> Document:
    """A table of the materials with copies and pages, and the totals."""
    table = Table(
        (
            Column("序号", 0.6, Align.CENTER),
            Column("材料名称", 4.0),
            Column("份数", 0.8, Align.CENTER),
            Column("页数", 0.8, Align.CENTER),
            Column("备注", 1.6),
        ),
        tuple((str(i), m.title, _count(m.copies), _count(m.pages), m.remark) for i, m in enumerate(f.materials, 1)),
    )
    pages = [m.pages for m in f.materials]
    total = f"共{len(f.materials)}项材料，合计{sum(p for p in pages if p is not None)}页。"
    if any(p is None for p in pages):
        total = f"共{len(f.materials)}项材料，合计　　页。"  # left for the officer, never a false sum
    blocks: list[Block] = [
        FieldList((FieldRow("案件名称", f.case.name), FieldRow("移送文号", f.issue.number))),
        table,
        Paragraph(total, indent=2),
        Paragraph(f"移送机关：{f.issue.issuer}　　{cn_date(f.issue.date)}", indent=0, align=Align.RIGHT),
    ]
    return plain_document(title="移送材料目录", blocks=blocks, author=f.issue.issuer)
