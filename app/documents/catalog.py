"""Every document type the terminal prints: key → Chinese name, typed fields, builder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.documents.errors import UnknownDocumentType
from app.documents.model import Document
from app.documents.templates import correspondence as c
from app.documents.templates import office as o
from app.documents.templates import police as p
from app.documents.templates import procuratorate as q
from app.documents.templates import transfer as t


@dataclass(frozen=True)
class Template:
    """A document type: its key (CLI, numbering), printed name, fields dataclass and builder."""

    key: str
    name: str
    fields_type: type[Any]
    build: Callable[[Any], Document]


_ALL = (
    Template("transfer_notice", "涉嫌犯罪案件移送书", t.TransferNoticeFields, t.build_transfer_notice),
    Template(
        "investigation_report", "涉嫌犯罪案件情况调查报告", t.InvestigationReportFields, t.build_investigation_report
    ),
    Template("evidence_list", "涉案物品清单", t.EvidenceListFields, t.build_evidence_list),
    Template("materials_catalogue", "移送材料目录", t.MaterialsCatalogueFields, t.build_materials_catalogue),
    Template("filing_notice", "立案通知书", p.FilingNoticeFields, p.build_filing_notice),
    Template("non_filing_notice", "不予立案通知书", p.NonFilingNoticeFields, p.build_non_filing_notice),
    Template("reconsideration_request", "复议申请书", p.ReconsiderationRequestFields, p.build_reconsideration_request),
    Template(
        "reconsideration_decision", "复议决定书", p.ReconsiderationDecisionFields, p.build_reconsideration_decision
    ),
    Template("transfer_suggestion", "建议移送涉嫌犯罪案件函", q.TransferSuggestionFields, q.build_transfer_suggestion),
    Template("explain_non_filing", "要求说明不立案理由通知书", q.ExplainNonFilingFields, q.build_explain_non_filing),
    Template("notice_to_file", "通知立案书", q.NoticeToFileFields, q.build_notice_to_file),
    Template("correction_notice", "纠正违法通知书", q.CorrectionNoticeFields, q.build_correction_notice),
    Template("procuratorial_opinion", "检察意见书", q.ProcuratorialOpinionFields, q.build_procuratorial_opinion),
    Template(
        "procuratorial_suggestion", "检察建议书", q.ProcuratorialSuggestionFields, q.build_procuratorial_suggestion
    ),
    Template("urge_prosecution", "督促起诉意见书", q.UrgeProsecutionFields, q.build_urge_prosecution),
    Template("rectification_reply", "书面回复（整改情况）", c.RectificationReplyFields, c.build_rectification_reply),
    Template("judicial_suggestion", "司法建议书", c.JudicialSuggestionFields, c.build_judicial_suggestion),
    Template("consultation_letter", "案件咨询函", c.ConsultationLetterFields, c.build_consultation_letter),
    Template("consultation_reply", "答复函", c.ConsultationReplyFields, c.build_consultation_reply),
    Template("early_intervention", "提前介入邀请函", c.EarlyInterventionFields, c.build_early_intervention),
    Template("joint_meeting_notice", "联席会议通知", o.JointMeetingNoticeFields, o.build_joint_meeting_notice),
    Template("joint_meeting_minutes", "联席会议纪要", o.JointMeetingMinutesFields, o.build_joint_meeting_minutes),
    Template("filing_record", "两法衔接案件备案表", o.FilingRecordFields, o.build_filing_record),
    Template("inspection_bulletin", "专项检查通报", o.InspectionBulletinFields, o.build_inspection_bulletin),
    Template("assessment_bulletin", "年度考核结果通报", o.AssessmentBulletinFields, o.build_assessment_bulletin),
)

TEMPLATES: Mapping[str, Template] = MappingProxyType({tpl.key: tpl for tpl in _ALL})


def template(key: str) -> Template:
    """The template for ``key``; ``UnknownDocumentType`` names the known keys."""
    try:
        return TEMPLATES[key]
    except KeyError:
        raise UnknownDocumentType(key, TEMPLATES) from None
