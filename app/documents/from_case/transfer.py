"""The transfer package (310号令 Art.5–6, 12) from the enforcement agency's records.

移送书 ← Transferred (文号, date, police, 抄送, materials) + TransferReported (承办人, 简要案情) + CaseOpened;
调查报告 ← TransferReported + CaseOpened + PenaltyDecided (figures) + TransferSuggested (source);
涉案物品清单 ← SeizedItemsHandedOver (items) + Transferred (移送文号);
移送材料目录 ← Transferred (materials, 移送文号); copies and pages are left blank for the officer (the record holds
the kinds of material, not their paper).
"""

from __future__ import annotations

from app.documents.content import Issue, Officers, cn_date
from app.documents.from_case.context import CaseContext, NotInHistory, amount_text
from app.documents.from_case.history import Facts, case_ref, day, measures_text, sentence
from app.documents.from_case.source import Source
from app.documents.templates import transfer as t
from app.domain.events import (
    CaseOpened,
    Event,
    PenaltyDecided,
    SeizedItemsHandedOver,
    TransferMaterial,
    Transferred,
    TransferReported,
    TransferSuggested,
)


def opened_case(facts: Facts, event: Event, template_name: str) -> CaseOpened:
    """The entry of the case ``event`` belongs to (the domain guarantees it exists in a legal history)."""
    opened = facts.opened(event.case_id)
    if opened is None:
        raise NotInHistory(template_name, "案件录入")
    return opened


def transfer_notice(facts: Facts, sent: Transferred, context: CaseContext) -> t.TransferNoticeFields:
    """涉嫌犯罪案件移送书 from the transfer record; the letter's attachments are the other Art.6 materials."""
    opened = opened_case(facts, sent, "涉嫌犯罪案件移送书")
    report = facts.latest(TransferReported, before=sent)
    issued_on = day(sent)
    figures = measures_text(facts, opened, context)
    summary = sentence(report.summary if report else opened.title) + (f"经查，{figures}。" if figures else "")
    return t.TransferNoticeFields(
        issue=Issue(
            context.name(sent.agency_code),
            context.number_for("transfer_notice", sent.agency_code, issued_on, sent.document_number),
            issued_on,
        ),
        police=context.name(sent.police_code),
        procuratorate=context.name(sent.procuratorate_code),
        case=case_ref(opened, context),
        summary=summary,
        officers=Officers(report.officers if report else (), context.profile(sent.agency_code).head),
        materials=tuple(m.label for m in sent.materials if m is not TransferMaterial.TRANSFER_LETTER),
    )


def investigation_report(facts: Facts, report: TransferReported, context: CaseContext) -> t.InvestigationReportFields:
    """涉嫌犯罪案件情况调查报告 from the case team's report (Art.5), with the penalty's figures and the offence."""
    opened = opened_case(facts, report, "涉嫌犯罪案件情况调查报告")
    case = case_ref(opened, context)
    owner = context.name(opened.agency_code)
    source = f"本案系{owner}于{cn_date(day(opened))}录入查处的行政案件（{opened.case_number}）。"
    suggested = facts.latest(TransferSuggested, before=report)
    if suggested is not None:
        source += f"{cn_date(day(suggested))}，{context.name(suggested.agency_code)}建议将本案移送公安机关。"
    found = [sentence(report.summary)]
    evidence: list[str] = []
    penalty = facts.latest(PenaltyDecided, before=report)
    figures = measures_text(facts, opened, context)
    if penalty is not None:
        found.append(
            f"{cn_date(day(penalty))}，{owner}作出行政处罚决定（{penalty.decision_number}），"
            f"罚款{amount_text(penalty.fine)}元。" + (f"经查，{figures}。" if figures else "")
        )
        evidence.append(f"行政处罚决定书（{penalty.decision_number}）")
    offence = context.offence(opened.offence_code)
    reasoning = f"当事人{opened.party_name}" + (f"{figures}，" if figures else "的行为")
    if offence is not None:
        reasoning += f"涉嫌违反{offence.article}的规定，依照{offence.basis}，涉嫌{case.offence}，应当依法追究刑事责任。"
    return t.InvestigationReportFields(
        issue=Issue(context.name(report.agency_code), "", day(report)),
        case=case,
        source=source,
        facts=tuple(found),
        evidence=tuple(evidence),
        reasoning=reasoning,
        officers=Officers(report.officers, context.profile(report.agency_code).head),
    )


def evidence_list(facts: Facts, handover: SeizedItemsHandedOver, context: CaseContext) -> t.EvidenceListFields:
    """涉案物品清单 of the items handed over after filing (Art.12); the record gives only the items' names."""
    opened = opened_case(facts, handover, "涉案物品清单")
    sent = facts.latest(Transferred, before=handover)
    return t.EvidenceListFields(
        issue=Issue(context.name(handover.agency_code), sent.document_number if sent else "", day(handover)),
        case=case_ref(opened, context),
        items=tuple(t.SeizedItem(name, "", "", "", "", "") for name in handover.items),
    )


def materials_catalogue(facts: Facts, sent: Transferred, context: CaseContext) -> t.MaterialsCatalogueFields:
    """移送材料目录 from the transfer record: one row per Art.6 material handed over, in the record's order."""
    opened = opened_case(facts, sent, "移送材料目录")
    issued_on = day(sent)
    return t.MaterialsCatalogueFields(
        issue=Issue(
            context.name(sent.agency_code),
            context.number_for("transfer_notice", sent.agency_code, issued_on, sent.document_number),
            issued_on,
        ),
        case=case_ref(opened, context),
        materials=tuple(t.TransferMaterial(m.label, None, None) for m in sent.materials),
    )


SOURCES = (
    Source("transfer_notice", Transferred, "移送涉嫌犯罪案件", transfer_notice),
    Source("materials_catalogue", Transferred, "移送涉嫌犯罪案件", materials_catalogue),
    Source("investigation_report", TransferReported, "涉嫌犯罪案件移送报告", investigation_report),
    Source("evidence_list", SeizedItemsHandedOver, "移交涉案物品", evidence_list),
)
