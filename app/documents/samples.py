"""Realistic sample fields for every template (fictitious people and numbers): previews, tests, the benchmark."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.documents.content import CaseRef, Issue, Officers
from app.documents.templates import correspondence as c
from app.documents.templates import office as o
from app.documents.templates import police as p
from app.documents.templates import procuratorate as q
from app.documents.templates import transfer as t
from app.documents.templates.common import Section

AMR = "银川市兴庆区市场监督管理局"
POLICE = "银川市公安局兴庆区分局"
PROCURATORATE = "银川市兴庆区人民检察院"
COURT = "银川市兴庆区人民法院"
OFFICE = "兴庆区“两法衔接”工作领导小组办公室"
MEMBERS = "区“两法衔接”工作领导小组各成员单位"

CASE = CaseRef(
    name="张某某涉嫌销售伪劣产品案",
    party="张某某（男，1978年5月12日出生，住银川市兴庆区解放西街，系兴庆区鑫源五金建材店经营者）",
    cause="销售不合格电线电缆",
    offence="销售伪劣产品罪",
    offence_article="《中华人民共和国刑法》第一百四十条",
)
OFFICERS = Officers(("王明", "李娜"), "赵建国")
MATERIALS = (
    "涉嫌犯罪案件情况调查报告",
    "涉案物品清单",
    "宁夏回族自治区产品质量检验研究院检验报告",
    "现场检查笔录、询问笔录及销售台账等有关材料",
)
SUMMARY = (
    "2026年1月5日，我局执法人员对兴庆区鑫源五金建材店进行监督检查，发现该店销售的“鑫达”牌BV-2.5平方毫米"
    "聚氯乙烯绝缘电线经检验导体电阻、绝缘厚度等项目不合格。经查，当事人自2025年6月起购进并销售上述电线，"
    "销售金额共计人民币86500元，已达到《最高人民检察院、公安部关于公安机关管辖的刑事案件立案追诉标准的规定（一）》"
    "第十六条规定的追诉标准。"
)


def _issue(issuer: str, number: str, day: date, contact: str = "") -> Issue:
    return Issue(issuer, number, day, contact)


def transfer_notice(summary: str = SUMMARY) -> t.TransferNoticeFields:
    """The 移送书 of the sample case; pass a longer ``summary`` to make it run over pages (benchmark)."""
    return t.TransferNoticeFields(
        issue=_issue(AMR, "银兴市监移〔2026〕18号", date(2026, 3, 2)),
        police=POLICE,
        procuratorate=PROCURATORATE,
        case=CASE,
        summary=summary,
        officers=OFFICERS,
        materials=MATERIALS,
    )


def seized_items(count: int) -> tuple[t.SeizedItem, ...]:
    """``count`` lines of seized goods (a long list spans pages)."""
    kinds = (
        ("聚氯乙烯绝缘电线", "BV-2.5平方毫米", "卷"),
        ("聚氯乙烯绝缘电线", "BV-4平方毫米", "卷"),
        ("铜芯护套软电缆", "RVV-3×1.5平方毫米", "卷"),
        ("销售台账", "2025年6月至12月", "本"),
    )
    return tuple(
        t.SeizedItem(kind[0], kind[1], str(10 + i * 3), kind[2], "外包装完好，已封存", "我局罚没物品仓库A区")
        for i, kind in ((i, kinds[i % len(kinds)]) for i in range(count))
    )


def evidence_list(count: int = 8) -> t.EvidenceListFields:
    """涉案物品清单 with ``count`` items."""
    return t.EvidenceListFields(_issue(AMR, "银兴市监移〔2026〕18号", date(2026, 3, 2)), CASE, seized_items(count))


def all_samples() -> dict[str, Any]:
    """Sample fields for every template key of ``catalog.TEMPLATES``."""
    transfer_ref = p.TransferRef(AMR, "银兴市监移〔2026〕18号", date(2026, 3, 2))
    return {
        "transfer_notice": transfer_notice(),
        "investigation_report": t.InvestigationReportFields(
            issue=_issue(AMR, "", date(2026, 2, 26)),
            case=CASE,
            source="2026年1月5日，我局执法人员在日常监督检查中发现，经负责人批准于同日立案调查。",
            facts=(SUMMARY,),
            evidence=("现场检查笔录及现场照片", "当事人询问笔录", "产品质量检验报告", "进货单据及销售台账"),
            reasoning=f"当事人销售不合格产品，销售金额达86500元，超过5万元的追诉标准，涉嫌{CASE.offence}"
            f"（{CASE.offence_article}）。",
            officers=OFFICERS,
        ),
        "evidence_list": evidence_list(),
        "materials_catalogue": t.MaterialsCatalogueFields(
            _issue(AMR, "银兴市监移〔2026〕18号", date(2026, 3, 2)),
            CASE,
            (
                t.TransferMaterial("涉嫌犯罪案件移送书", 1, 2),
                t.TransferMaterial("涉嫌犯罪案件情况调查报告", 1, 4),
                t.TransferMaterial("涉案物品清单", 1, 1),
                t.TransferMaterial("产品质量检验报告", 1, 12, "复印件，原件存档"),
                t.TransferMaterial("现场检查笔录、询问笔录", 1, 18),
                t.TransferMaterial("进货单据及销售台账", 1, 36, "复印件加盖公章"),
            ),
        ),
        "filing_notice": p.FilingNoticeFields(
            _issue(POLICE, "银兴公（经）立字〔2026〕7号", date(2026, 3, 4)),
            transfer_ref,
            CASE,
            "马强",
            "刘卫东",
            PROCURATORATE,
        ),
        "non_filing_notice": p.NonFilingNoticeFields(
            _issue(POLICE, "银兴公（经）不立字〔2026〕2号", date(2026, 3, 4)),
            transfer_ref,
            CASE,
            "现有证据不能证明当事人明知所售电线为不合格产品，且部分销售金额无法核实，尚未达到追诉标准。",
            "马强",
            "刘卫东",
            PROCURATORATE,
        ),
        "reconsideration_request": p.ReconsiderationRequestFields(
            _issue(AMR, "银兴市监复〔2026〕1号", date(2026, 3, 6)),
            POLICE,
            "银兴公（经）不立字〔2026〕2号",
            date(2026, 3, 5),
            CASE,
            (
                "一、当事人进货价格明显低于市场价格，且在执法人员检查时转移部分库存，足以推定其明知；",
                "二、销售台账、转账记录与供货商陈述相互印证，销售金额86500元可以认定。",
            ),
            "赵建国",
            "王明",
        ),
        "reconsideration_decision": p.ReconsiderationDecisionFields(
            _issue(POLICE, "银兴公（经）复决字〔2026〕1号", date(2026, 3, 9)),
            AMR,
            "银兴市监复〔2026〕1号",
            date(2026, 3, 6),
            CASE,
            False,
            "你单位补充的转账记录等证据能够证明销售金额已达追诉标准，原不予立案决定认定事实不清。",
            "刘卫东",
            "马强",
            PROCURATORATE,
        ),
        "transfer_suggestion": q.TransferSuggestionFields(
            _issue(PROCURATORATE, "银兴检移建〔2026〕2号", date(2026, 2, 20), "联系人：陈静，电话：0951-6012345"),
            AMR,
            CASE,
            "你单位已于2026年2月10日作出罚款人民币3万元的行政处罚决定，但未将案件移送公安机关。",
            (OFFICE,),
        ),
        "explain_non_filing": q.ExplainNonFilingFields(
            _issue(PROCURATORATE, "银兴检侦监说〔2026〕1号", date(2026, 3, 10)),
            POLICE,
            CASE,
            f"{AMR}建议我院进行立案监督，反映",
            "陈静",
        ),
        "notice_to_file": q.NoticeToFileFields(
            _issue(PROCURATORATE, "银兴检侦监通立〔2026〕1号", date(2026, 3, 20)),
            POLICE,
            CASE,
            "当事人销售不合格电线电缆，销售金额86500元，有检验报告、销售台账和转账记录证实，已达到追诉标准。",
            "陈静",
        ),
        "correction_notice": q.CorrectionNoticeFields(
            _issue(PROCURATORATE, "银兴检纠违〔2026〕1号", date(2026, 4, 8)),
            POLICE,
            CASE,
            "在收到我院银兴检侦监通立〔2026〕1号通知立案书后，超过十五日仍未立案，也未说明理由。",
            "请你局立即对该案立案侦查，并将立案决定书复印件送达我院。",
            "陈静",
        ),
        "procuratorial_opinion": q.ProcuratorialOpinionFields(
            _issue(PROCURATORATE, "银兴检行意〔2026〕3号", date(2026, 6, 15)),
            AMR,
            CASE,
            "2026年6月10日依照《中华人民共和国刑事诉讼法》第一百七十七条第二款作出不起诉决定",
            "对被不起诉人张某某销售不合格产品的行为依照《中华人民共和国产品质量法》第四十九条给予行政处罚，"
            "没收违法所得，并对库存不合格产品依法处理。",
            prosecutor="陈静",
        ),
        "procuratorial_suggestion": q.ProcuratorialSuggestionFields(
            _issue(PROCURATORATE, "银兴检建〔2026〕3号", date(2026, 5, 6)),
            AMR,
            CASE,
            "你单位在查处该案时，对达到追诉标准的案件先行作出罚款处罚后未及时移送，存在以罚代刑的风险。",
            (
                "建立涉嫌犯罪案件移送审查制度，对可能达到追诉标准的案件在作出处罚决定前进行会商；",
                "按照规定在三个工作日内将行政处罚案件信息录入两法衔接信息共享平台；",
                "加强执法人员刑事追诉标准和证据固定规则的培训。",
            ),
            prosecutor="陈静",
        ),
        "urge_prosecution": q.UrgeProsecutionFields(
            _issue(PROCURATORATE, "银兴检民督〔2026〕1号", date(2026, 5, 20)),
            "银川市兴庆区财政局",
            CaseRef("鑫源五金建材店骗取专项补贴案", "兴庆区鑫源五金建材店", "骗取补贴", "诈骗罪"),
            "兴庆区鑫源五金建材店以虚假材料骗取小微企业专项补贴资金人民币12万元，国家利益受到损害，至今未予追回。",
            "依法向人民法院提起民事诉讼或者采取其他有效措施追回上述补贴资金。",
            prosecutor="陈静",
        ),
        "rectification_reply": c.RectificationReplyFields(
            _issue(AMR, "银兴市监函〔2026〕21号", date(2026, 6, 30), "联系人：王明，电话：0951-6098765"),
            PROCURATORATE,
            "银兴检建〔2026〕3号检察建议书",
            date(2026, 5, 8),
            (
                Section(
                    "建立移送会商制度", ("制定《涉嫌犯罪案件移送会商办法》，对涉案金额达到追诉标准80%的案件一律会商。",)
                ),
                Section("规范平台信息录入", ("明确专人负责，2026年以来的行政处罚案件已全部录入信息共享平台。",)),
                Section("开展业务培训", ("邀请检察官授课两次，培训执法人员86人次。",)),
            ),
            (OFFICE,),
        ),
        "judicial_suggestion": c.JudicialSuggestionFields(
            _issue(COURT, "（2026）宁0104司建3号", date(2026, 9, 1)),
            AMR,
            CASE,
            "本院经审理认为被告人张某某犯罪情节轻微，于2026年8月20日判决免予刑事处罚，判决已发生法律效力。",
            "依照《中华人民共和国产品质量法》的有关规定对张某某给予行政处罚。",
        ),
        "consultation_letter": c.ConsultationLetterFields(
            _issue(AMR, "银兴市监函〔2026〕5号", date(2026, 1, 20), "联系人：王明，电话：0951-6098765"),
            POLICE,
            CASE,
            "当事人销售金额约8.6万元，但部分交易以现金结算、缺少凭证。",
            (
                "现金交易部分能否结合当事人供述和证人证言认定销售金额？",
                "检验报告应由何种资质机构出具方可作为移送依据？",
            ),
        ),
        "consultation_reply": c.ConsultationReplyFields(
            _issue(POLICE, "银兴公函〔2026〕3号", date(2026, 1, 22)),
            AMR,
            "银兴市监函〔2026〕5号",
            CASE,
            (
                "现金交易部分可以结合当事人供述、证人证言、账目记录等证据综合认定。",
                "应由具有法定资质的产品质量检验机构出具检验报告。",
            ),
        ),
        "early_intervention": c.EarlyInterventionFields(
            _issue(AMR, "银兴市监函〔2026〕9号", date(2026, 2, 3)),
            POLICE,
            CaseRef("兴庆区某小区火灾事故涉及电线质量问题案", "银川某建材有限公司", "销售不合格电线", "销售伪劣产品罪"),
            "2026年2月1日兴庆区某小区发生火灾，初步调查显示起火原因与所用电线质量不合格有关，涉及住户126户。",
            "王明，电话：0951-6098765",
        ),
        "joint_meeting_notice": o.JointMeetingNoticeFields(
            _issue(OFFICE, "银兴两法办发〔2026〕1号", date(2026, 3, 16), "联系人：陈静，电话：0951-6012345"),
            MEMBERS,
            "2026年度“两法衔接”工作联席会议",
            "2026年3月26日（星期四）上午9时30分，兴庆区人民检察院三楼第一会议室。",
            ("通报2025年度“两法衔接”工作情况", "研究涉嫌犯罪案件移送中的重大问题", "部署2026年度重点工作"),
            ("各成员单位分管领导和联络员参加。", "请于3月23日前将参会人员名单报领导小组办公室。"),
        ),
        "joint_meeting_minutes": o.JointMeetingMinutesFields(
            _issue(OFFICE, "第1期", date(2026, 3, 27)),
            "兴庆区“两法衔接”工作联席会议纪要",
            "2026年度“两法衔接”工作联席会议",
            "2026年3月26日，领导小组办公室在区人民检察院召开2026年度“两法衔接”工作联席会议。",
            "会议通报了2025年度工作情况，研究了涉嫌犯罪案件移送中的问题。",
            (
                Section("严格落实案件移送", ("各行政执法机关对涉嫌犯罪案件应当依法及时移送，禁止以罚代刑。",)),
                Section("规范平台信息录入", ("各成员单位应当在规定的三个工作日内录入案件信息。",)),
            ),
            "区检察院、区公安分局、区市场监管局、区生态环境局、区司法局",
            "区税务局（外出公务）",
            "区人民法院",
        ),
        "filing_record": o.FilingRecordFields(
            _issue(AMR, "银兴市监备〔2026〕4号", date(2026, 3, 3)),
            PROCURATORATE,
            CASE.name,
            "行政执法机关与刑事司法机关之间",
            AMR,
            POLICE,
            "2026年3月2日",
            "涉嫌犯罪案件移送书（银兴市监移〔2026〕18号）及附件",
            SUMMARY,
            "王明",
        ),
        "inspection_bulletin": o.InspectionBulletinFields(
            _issue(OFFICE, "银兴两法办发〔2026〕6号", date(2026, 11, 20)),
            MEMBERS,
            "2026年度“两法衔接”工作专项监督检查",
            "2026年10月至11月，检查组对16家成员单位进行了检查，抽查行政处罚案件卷宗312件。",
            ("各成员单位普遍落实了专人专机和数字证书登录制度。", "涉嫌犯罪案件移送数量同比上升。"),
            ("个别单位案件信息录入超过三个工作日。", "部分移送案件缺少检验报告，影响公安机关审查。"),
            ("对检查发现的问题于2026年12月31日前整改完毕。", "整改情况书面报送领导小组办公室。"),
        ),
        "assessment_bulletin": o.AssessmentBulletinFields(
            _issue(OFFICE, "银兴两法办发〔2027〕1号", date(2027, 1, 15)),
            MEMBERS,
            2026,
            "考核结果如下。",
            (
                o.AssessmentScore(AMR, "19", "28", "29", "19", "95", "优秀"),
                o.AssessmentScore("银川市兴庆区生态环境局", "18", "26", "27", "18", "89", "良好"),
                o.AssessmentScore("国家税务总局银川市兴庆区税务局", "17", "25", "26", "17", "85", "良好"),
                o.AssessmentScore(POLICE, "20", "29", "28", "19", "96", "优秀"),
            ),
            ("区绩效考评工作领导小组办公室",),
        ),
    }
