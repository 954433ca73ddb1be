"""Procuratorial, court, correspondence and office documents printed from legal histories (seed §2, §5–6, §10–14,
§18; 刑诉规则 Art.560, 563; 刑诉法 Art.177 ¶3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.documents.from_case import assessment_bulletin, fields_for, templates_available
from app.documents.render import DocumentRenderer
from app.domain.agencies import AgencyKind
from app.domain.assessment import CaseRecords, assess
from app.domain.deadlines import WorkingCalendar
from app.domain.events import (
    ConsultationAnswered,
    ConsultationAsked,
    DocumentIssued,
    DocumentReplied,
    DocumentType,
    Event,
    ExplanationGiven,
    ExplanationRequired,
    FilingDecision,
    FilingNoticed,
    InspectionConducted,
    InspectionNoticePublished,
    InterventionInvited,
    JudgmentEntered,
    LinkageFiled,
    LinkageType,
    MeetingConvened,
    MeetingHeld,
    MeetingType,
    OpinionIssued,
    ProsecutionDecided,
    ProsecutionRequested,
    SupervisionSuggested,
    SupervisionTarget,
    TransferSuggested,
    Verdict,
)
from app.domain.lifecycle import fold
from tests.documents.test_from_case import filed_history, legal, not_filed_history
from tests.documents.test_from_case_support import PARTY, TITLE, case_script, context, opened, printed
from tests.domain.factory import COURT, ENFORCEMENT, LEGAL_AFFAIRS, OFFICE, POLICE, PROCURATORATE, Script, at


def supervised_history() -> list[Event]:
    """Non-filing upheld → the agency suggests supervision → 要求说明理由 → 通知立案 → police file."""
    s = case_script()
    return legal([
        *not_filed_history(s),
        s.make(SupervisionSuggested, ENFORCEMENT, when=at(2026, 3, 17), target=SupervisionTarget.NON_FILING,
               procuratorate_code=PROCURATORATE.code, reasons="不予立案决定认定事实有误"),
        s.make(ExplanationRequired, PROCURATORATE, when=at(2026, 3, 20), document_number="兴检侦监说〔2026〕2号"),
        s.make(ExplanationGiven, POLICE, when=at(2026, 3, 25), reasons="证据不足"),
        s.make(FilingNoticed, PROCURATORATE, when=at(2026, 3, 30), document_number="兴检侦监通立〔2026〕1号"),
        s.make(FilingDecision, POLICE, when=at(2026, 4, 8), filed=True, document_number="兴公立字〔2026〕41号"),
    ])  # fmt: skip


def test_filing_supervision_documents(renderer: DocumentRenderer, tmp_path: Path) -> None:
    history = supervised_history()
    explain = printed(renderer, "explain_non_filing", fields_for("explain_non_filing", history, context()), tmp_path)
    for expected in ("兴检侦监说〔2026〕2号", "兴庆区市场监督管理局于2026年3月17日建议我院", "银川市公安局兴庆区分局",
                     "第五百六十条", "2026年3月20日", TITLE, PARTY):  # fmt: skip
        assert expected in explain, expected
    notice = printed(renderer, "notice_to_file", fields_for("notice_to_file", history, context()), tmp_path)
    for expected in ("兴检侦监通立〔2026〕1号", "第五百六十三条", "2026年3月30日", "生产、销售伪劣产品罪"):
        assert expected in notice, expected
    # the filing the procuratorate obtained is the latest decision to file
    assert fields_for("filing_notice", history, context()).issue.number == "兴公立字〔2026〕41号"


def not_prosecuted_history() -> list[Event]:
    """Filed → sent for prosecution → 不起诉 → 检察意见 to the agency → its written reply; seed §5 documents."""
    s = case_script()
    events = [
        *filed_history(s),
        s.make(ProsecutionRequested, POLICE, when=at(2026, 4, 20), procuratorate_code=PROCURATORATE.code,
               document_number="兴公诉字〔2026〕9号"),
        s.make(ProsecutionDecided, PROCURATORATE, when=at(2026, 5, 18), indicted=False,
               document_number="兴检刑不诉〔2026〕5号", reasons="犯罪情节轻微"),
        s.make(OpinionIssued, PROCURATORATE, when=at(2026, 5, 20), event_id="opinion-1",
               document_number="兴检行意〔2026〕3号", recipient_code=ENFORCEMENT.code,
               recommendation="对某商贸有限公司依法给予没收违法所得并处罚款的行政处罚"),
        s.make(DocumentReplied, ENFORCEMENT, when=at(2026, 6, 10), document_id="opinion-1", written=True,
               summary="已于2026年6月8日作出没收违法所得并处罚款的行政处罚决定"),
        s.make(DocumentIssued, PROCURATORATE, when=at(2026, 6, 11), document_type=DocumentType.CORRECTION_NOTICE,
               document_number="兴检纠违〔2026〕2号", recipient_code=POLICE.code, recipient_kind=AgencyKind.POLICE,
               summary="未在受理后三日内作出立案决定"),
        s.make(DocumentIssued, PROCURATORATE, when=at(2026, 6, 12),
               document_type=DocumentType.PROCURATORIAL_SUGGESTION, document_number="兴检建〔2026〕6号",
               recipient_code=ENFORCEMENT.code, recipient_kind=AgencyKind.ENFORCEMENT,
               summary="对电线电缆经营户的抽检覆盖不足"),
        s.make(DocumentIssued, PROCURATORATE, when=at(2026, 6, 15), document_type=DocumentType.PROSECUTION_URGING,
               document_number="兴检民督〔2026〕1号", recipient_code=ENFORCEMENT.code,
               recipient_kind=AgencyKind.ENFORCEMENT, summary="罚没款人民币5000元至今未追缴入库"),
    ]  # fmt: skip
    return legal(events)


def test_reverse_linkage_opinion_and_the_agencys_reply(renderer: DocumentRenderer, tmp_path: Path) -> None:
    history = not_prosecuted_history()
    opinion = printed(
        renderer, "procuratorial_opinion", fields_for("procuratorial_opinion", history, context()), tmp_path
    )
    for expected in ("兴检行意〔2026〕3号", "2026年5月18日作出不起诉决定（兴检刑不诉〔2026〕5号）",
                     "没收违法所得并处罚款", "第一百七十七条第三款", "被不起诉人某商贸有限公司"):  # fmt: skip
        assert expected in opinion, expected
    reply_fields = fields_for("rectification_reply", history, context(number="银兴市监函〔2026〕21号"))
    reply = printed(renderer, "rectification_reply", reply_fields, tmp_path)
    for expected in ("银兴市监函〔2026〕21号", "兴检行意〔2026〕3号检察意见书", "2026年5月20日",
                     "已于2026年6月8日作出没收违法所得并处罚款的行政处罚决定", "兴庆区人民检察院"):  # fmt: skip
        assert expected in reply, expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("correction_notice", ("兴检纠违〔2026〕2号", "未在受理后三日内作出立案决定", "银川市公安局兴庆区分局")),
        ("procuratorial_suggestion", ("兴检建〔2026〕6号", "对电线电缆经营户的抽检覆盖不足", "兴庆区市场监督管理局")),
        ("urge_prosecution", ("兴检民督〔2026〕1号", "罚没款人民币5000元至今未追缴入库", "2026年6月15日")),
    ],
)
def test_seed_section_5_documents(
    renderer: DocumentRenderer, tmp_path: Path, key: str, expected: tuple[str, ...]
) -> None:
    text = printed(renderer, key, fields_for(key, not_prosecuted_history(), context()), tmp_path)
    for value in (*expected, TITLE):
        assert value in text, value


def test_judicial_suggestion_after_an_exemption(renderer: DocumentRenderer, tmp_path: Path) -> None:
    s = case_script()
    history = legal([
        *filed_history(s),
        s.make(ProsecutionRequested, POLICE, when=at(2026, 4, 20), procuratorate_code=PROCURATORATE.code,
               document_number="兴公诉字〔2026〕9号"),
        s.make(ProsecutionDecided, PROCURATORATE, when=at(2026, 5, 18), indicted=True,
               document_number="兴检刑诉〔2026〕8号"),
        s.make(JudgmentEntered, COURT, when=at(2026, 7, 3), judgment_number="（2026）宁0104刑初88号",
               verdict=Verdict.EXEMPTED, judged_on=dt.date(2026, 7, 1)),
        s.make(DocumentIssued, COURT, when=at(2026, 7, 6), document_type=DocumentType.JUDICIAL_SUGGESTION,
               document_number="兴法司建〔2026〕2号", recipient_code=ENFORCEMENT.code,
               recipient_kind=AgencyKind.ENFORCEMENT, summary="对某商贸有限公司依法给予行政处罚"),
    ])  # fmt: skip
    text = printed(renderer, "judicial_suggestion", fields_for("judicial_suggestion", history, context()), tmp_path)
    for expected in ("兴法司建〔2026〕2号", "2026年7月1日作出（2026）宁0104刑初88号判决", "免予刑事处罚",
                     "对某商贸有限公司依法给予行政处罚", "兴庆区人民法院", TITLE):  # fmt: skip
        assert expected in text, expected


def test_transfer_suggestion_and_early_intervention(renderer: DocumentRenderer, tmp_path: Path) -> None:
    s = case_script()
    history = legal([
        opened(s),
        s.make(TransferSuggested, PROCURATORATE, when=at(2026, 3, 3), reasons="销售金额已达立案追诉标准"),
        s.make(InterventionInvited, ENFORCEMENT, when=at(2026, 3, 4), invited_code=POLICE.code,
               invited_kind=AgencyKind.POLICE, written=True, reasons="涉案电线已流入多个在建小区"),
    ])  # fmt: skip
    assert templates_available(history) == ["transfer_suggestion", "early_intervention"]
    suggestion = printed(
        renderer, "transfer_suggestion", fields_for("transfer_suggestion", history, context()), tmp_path
    )
    for expected in ("兴检移建〔2026〕　　号", "销售金额已达立案追诉标准", "兴庆区市场监督管理局", "2026年3月3日"):
        assert squash_spaces(expected) in suggestion, expected
    invite = printed(renderer, "early_intervention", fields_for("early_intervention", history, context()), tmp_path)
    for expected in ("涉案电线已流入多个在建小区", "银川市公安局兴庆区分局", "王明0951-5012345", "2026年3月4日"):
        assert expected in invite, expected


def squash_spaces(text: str) -> str:
    """A value as pdftotext returns it after whitespace is removed (the draft's blank serial is spaces)."""
    return "".join(text.split())


def test_consultation_letter_and_reply(renderer: DocumentRenderer, tmp_path: Path) -> None:
    s = Script("consult-1", start=at(2026, 4, 1))
    history = [
        s.make(ConsultationAsked, ENFORCEMENT, when=at(2026, 4, 1), consulted_code=PROCURATORATE.code,
               consulted_kind=AgencyKind.PROCURATORATE, written=True, question="尚未销售的电线货值能否计入销售金额"),
        s.make(ConsultationAnswered, PROCURATORATE, when=at(2026, 4, 3), written=True,
               answer="尚未销售的货值不计入销售金额，但可按刑法第一百四十条的未遂处理"),
    ]  # fmt: skip
    assert templates_available(history) == ["consultation_letter", "consultation_reply"]
    letter = printed(renderer, "consultation_letter", fields_for("consultation_letter", history, context()), tmp_path)
    assert "尚未销售的电线货值能否计入销售金额" in letter and "兴庆区人民检察院" in letter
    reply = printed(renderer, "consultation_reply", fields_for("consultation_reply", history, context()), tmp_path)
    for expected in ("2026年4月1日来函", "尚未销售的货值不计入销售金额", "兴庆区市场监督管理局", "2026年4月3日"):
        assert expected in reply, expected


def test_joint_meeting_notice_and_minutes(renderer: DocumentRenderer, tmp_path: Path) -> None:
    s = Script("meeting-2026", start=at(2026, 3, 10))
    members = (ENFORCEMENT.code, POLICE.code, PROCURATORATE.code)
    history = [
        s.make(MeetingConvened, OFFICE, when=at(2026, 3, 10), meeting_type=MeetingType.ANNUAL,
               scheduled_for=dt.date(2026, 3, 26), participants=members, agenda="通报2025年度工作\n研究移送中的问题"),
        s.make(MeetingHeld, OFFICE, when=at(2026, 3, 26, 15), attendees=members[:2],
               minutes="各行政执法机关对涉嫌犯罪案件应当依法及时移送\n三个工作日内录入平台"),
    ]  # fmt: skip
    notice = printed(renderer, "joint_meeting_notice", fields_for("joint_meeting_notice", history, context()), tmp_path)
    for expected in ("2026年度兴庆区“两法衔接”工作联席会议", "2026年3月26日", "通报2025年度工作", "研究移送中的问题",
                     "兴庆区人民检察院"):  # fmt: skip
        assert expected in notice, expected
    minutes = printed(
        renderer, "joint_meeting_minutes", fields_for("joint_meeting_minutes", history, context()), tmp_path
    )
    for expected in (
        "三个工作日内录入平台",
        "出席：兴庆区市场监督管理局、银川市公安局兴庆区分局",
        "请假：兴庆区人民检察院",
    ):
        assert expected in minutes, expected


def test_filing_record_of_a_transferred_case(renderer: DocumentRenderer, tmp_path: Path) -> None:
    s = Script("filing-1", start=at(2026, 3, 11))
    filing = s.make(LinkageFiled, ENFORCEMENT, when=at(2026, 3, 11), linkage=LinkageType.ADMIN_CRIMINAL,
                    recipient_code=PROCURATORATE.code, recipient_kind=AgencyKind.PROCURATORATE,
                    related_case_id="case-1", summary="移送涉嫌销售伪劣产品案")  # fmt: skip
    history = [*filed_history(), filing]
    assert "filing_record" in templates_available(history)
    text = printed(renderer, "filing_record", fields_for("filing_record", history, context()), tmp_path)
    for expected in (TITLE, "行政执法机关与刑事司法机关之间", "银川市公安局兴庆区分局", "2026年3月9日",
                     "涉嫌犯罪案件移送书（银兴市监移〔2026〕18号）", "兴庆区人民检察院", "王明"):  # fmt: skip
        assert expected in text, expected


def test_inspection_bulletin(renderer: DocumentRenderer, tmp_path: Path) -> None:
    s = Script("inspection-2026", start=at(2026, 9, 1))
    history = [
        s.make(InspectionConducted, OFFICE, when=at(2026, 9, 1), inspected_codes=(ENFORCEMENT.code, LEGAL_AFFAIRS.code),
               findings="个别单位未在三个工作日内录入处罚案件"),
        s.make(InspectionNoticePublished, OFFICE, when=at(2026, 9, 20), document_number="兴两法办发〔2026〕4号",
               summary="限期补录并说明原因"),
    ]  # fmt: skip
    text = printed(renderer, "inspection_bulletin", fields_for("inspection_bulletin", history, context()), tmp_path)
    for expected in ("兴两法办发〔2026〕4号", "个别单位未在三个工作日内录入处罚案件", "限期补录并说明原因",
                     "兴庆区市场监督管理局、兴庆区司法局", "2026年9月1日"):  # fmt: skip
        assert expected in text, expected


def test_assessment_bulletin_from_the_domains_assessment(renderer: DocumentRenderer, tmp_path: Path) -> None:
    events = filed_history()
    case = CaseRecords(events, fold(events))
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    calendar = WorkingCalendar()
    results = [assess(a.code, *year, [case], calendar, now=at(2027, 1, 5)) for a in (ENFORCEMENT, POLICE)]
    fields = assessment_bulletin(
        results,
        context(),
        issuer_code=OFFICE.code,
        issued_on=dt.date(2027, 1, 20),
        grades={ENFORCEMENT.code: ("96", "优秀")},
    )
    text = printed(renderer, "assessment_bulletin", fields, tmp_path)
    assert results[0].transfers_made == 1
    for expected in ("2026年度", "移送涉嫌犯罪案件1件", f"录入{results[0].records_entered}条", "兴庆区市场监督管理局",
                     "银川市公安局兴庆区分局", "优秀", "兴两法办发〔2027〕"):  # fmt: skip
        assert expected in text, expected
