"""Forms of the police, the procuratorate, the court and the supervision organ (310号令 Art.7–13; 刑诉规则 2019)."""

from __future__ import annotations

from app.domain.agencies import AgencyKind
from app.domain.events import DocumentType, Verdict
from app.services import case_actions_criminal as criminal
from app.services import case_actions_transfer as transfer
from app.ui.forms.fields import FieldSpec
from app.ui.forms.spec import FormSpec, choice, named, yes_no

_NUMBER = FieldSpec("document_number", "文书文号(&N)", placeholder="银兴公刑立字〔2026〕5号")
_REASONS = FieldSpec("reasons", "理由(&R)", "long")
_REASONS_OPTIONAL = FieldSpec("reasons", "理由(&R)", "long", required=False)
_PROCURATORATE = FieldSpec("procuratorate_code", "人民检察院统一社会信用代码(&C)", "credit_code")

POLICE: tuple[FormSpec, ...] = (
    FormSpec("transfer.receipted", "签收回执", (), named(transfer.record_receipt), note="310号令第7条。"),
    FormSpec(
        "transfer.forwarded",
        "转送有管辖权的机关",
        (
            FieldSpec("to_police_code", "受转送公安机关统一社会信用代码(&C)", "credit_code"),
            yes_no("notice_given", "书面告知(&W)", "已书面告知移送机关", "未告知"),
        ),
        named(transfer.forward_case),
        note="310号令第7条：24小时内转送并书面告知。",
    ),
    FormSpec(
        "filing.decision",
        "立案决定",
        (yes_no("filed", "决定(&D)", "立案", "不予立案"), _NUMBER, _REASONS_OPTIONAL),
        named(transfer.record_filing_decision),
        note="310号令第8条：受理后3日内决定；不予立案须写明理由。",
    ),
    FormSpec(
        "reconsideration.decided",
        "复议决定",
        (yes_no("reversed", "复议结果(&D)", "撤销原决定，立案", "维持不予立案"), _NUMBER, _REASONS_OPTIONAL),
        named(transfer.decide_reconsideration),
    ),
    FormSpec("case.returned", "移送行政执法机关处理", (_REASONS,), named(transfer.return_case)),
    FormSpec("supervision.explanation_given", "说明不立案理由", (_REASONS,), named(criminal.give_explanation)),
    FormSpec("case.withdrawn", "撤销案件", (_NUMBER, _REASONS), named(criminal.withdraw_case)),
    FormSpec(
        "arrest.requested",
        "提请批准逮捕",
        (_PROCURATORATE, FieldSpec("suspects", "犯罪嫌疑人（以顿号分隔）(&S)", "list")),
        named(criminal.request_arrest),
    ),
    FormSpec("prosecution.requested", "移送审查起诉", (_PROCURATORATE, _NUMBER), named(criminal.request_prosecution)),
)

PROCURATORATE: tuple[FormSpec, ...] = (
    FormSpec("transfer.suggested", "建议移送", (_REASONS,), named(transfer.suggest_transfer)),
    FormSpec(
        "supervision.explanation_required",
        "要求说明不立案理由",
        (_NUMBER, _REASONS_OPTIONAL),
        named(criminal.require_explanation),
        note="刑诉规则第560条：公安机关7日内说明理由。",
    ),
    FormSpec(
        "supervision.explanation_accepted",
        "认为不立案理由成立",
        (_REASONS_OPTIONAL,),
        named(criminal.accept_explanation),
    ),
    FormSpec(
        "supervision.filing_noticed",
        "通知立案",
        (_NUMBER,),
        named(criminal.notice_filing),
        note="刑诉规则第563条：公安机关15日内立案。",
    ),
    FormSpec(
        "arrest.decided",
        "审查逮捕决定",
        (yes_no("approved", "决定(&D)", "批准逮捕", "不批准逮捕"), _NUMBER),
        named(criminal.decide_arrest),
    ),
    FormSpec(
        "prosecution.decided",
        "审查起诉决定",
        (yes_no("indicted", "决定(&D)", "提起公诉", "不起诉"), _NUMBER, _REASONS_OPTIONAL),
        named(criminal.decide_prosecution),
    ),
    FormSpec(
        "document.non_prosecution_opinion",
        "不起诉案件检察意见",
        (
            _NUMBER,
            FieldSpec("recipient_code", "行政执法机关统一社会信用代码(&C)", "credit_code"),
            FieldSpec("recommendation", "检察意见(&O)", "long"),
        ),
        named(criminal.issue_non_prosecution_opinion),
    ),
)

_VERDICTS = {"convicted": "有罪判决", "exempted": "免予刑事处罚", "acquitted": "无罪判决"}
JUDGMENT = FormSpec(
    "judgment.entered", "案件判决情况",
    (FieldSpec("judgment_number", "判决书文号(&N)"),
     choice("verdict", "判决结果(&V)", Verdict, _VERDICTS),
     FieldSpec("judged_on", "判决日期(&J)", "date", placeholder="2026-03-09"),
     FieldSpec("summary", "判决情况(&S)", "long", required=False)),
    named(criminal.enter_judgment), note="seed §8：收到判决后3个工作日内录入。",
)  # fmt: skip

DOCUMENT_ISSUED = FormSpec(
    "document.issued", "制发文书",
    (choice("document_type", "文书种类(&T)", DocumentType), _NUMBER,
     FieldSpec("recipient_code", "收文单位统一社会信用代码(&C)", "credit_code"),
     choice("recipient_kind", "收文单位类别(&K)", AgencyKind),
     FieldSpec("summary", "主要内容(&S)", "long")),
    named(criminal.issue_supervisory_document),
)  # fmt: skip

COURT: tuple[FormSpec, ...] = (JUDGMENT, DOCUMENT_ISSUED)
SUPERVISION: tuple[FormSpec, ...] = (
    FormSpec(
        "misconduct.handled",
        "监察机关处理情况",
        (FieldSpec("report_id", "报告记录编号(&N)"), FieldSpec("result", "处理结果(&R)", "long")),
        named(transfer.record_misconduct_handling),
    ),
)
