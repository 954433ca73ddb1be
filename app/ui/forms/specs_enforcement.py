"""Forms of the enforcement agency (行政执法机关): the penalty case and what follows a transfer (310号令)."""

from __future__ import annotations

from typing import Any

from app.domain.agencies import AgencyKind
from app.domain.events import PenaltyProcedure, SupervisionTarget
from app.services import case_actions_transfer as transfer
from app.services.cases import CaseDesk, open_penalty_case
from app.services.changes import Changes
from app.ui.forms.fields import FieldSpec
from app.ui.forms.spec import FormSpec, choice, named, yes_no

NEW_CASE_KEY = "case.opened"


def _open_case(desk: CaseDesk, case_id: str, values: dict[str, Any]) -> Changes:
    return open_penalty_case(desk, **values)


NEW_CASE = FormSpec(
    NEW_CASE_KEY,
    "录入行政处罚案件",
    (
        FieldSpec("case_number", "案件编号(&N)", placeholder="兴市监罚〔2026〕1号"),
        FieldSpec("title", "案件名称(&M)"),
        FieldSpec("party_name", "当事人(&P)"),
        FieldSpec("party_id", "统一社会信用代码或公民身份号码(&I)", "party_id"),
        FieldSpec("offence_code", "案由(&R)", "choice"),  # choices: the screening rules' offences
        yes_no("serious", "案情(&S)", "重大案件", "一般案件"),
    ),
    _open_case,
    note="当事人为单位填写18位统一社会信用代码，为个人填写18位公民身份号码（seed §8）。",
)

PENALTY_DECIDED = FormSpec(
    "penalty.decided",
    "行政处罚决定",
    (
        FieldSpec("decision_number", "决定书文号(&N)"),
        choice("procedure", "程序(&P)", PenaltyProcedure, {"general": "普通程序", "simple": "简易程序"}),
        FieldSpec("fine", "罚没金额（元）(&F)", "amount", placeholder="12000.00"),
        FieldSpec("summary", "处罚内容(&S)", "long", required=False),
    ),
    named(transfer.record_penalty_decision),
    note="310号令第11条：移送期间不得以行政处罚代替移送。",
)

FORMS: tuple[FormSpec, ...] = (
    NEW_CASE,
    PENALTY_DECIDED,
    FormSpec("penalty.effective", "行政处罚决定生效", (), named(transfer.record_penalty_effective)),
    FormSpec(
        "reconsideration.requested",
        "提请复议",
        (FieldSpec("reasons", "复议理由(&R)", "long"),),
        named(transfer.request_reconsideration),
        note="310号令第9条：收到不予立案决定书后3日内提请复议。",
    ),
    FormSpec(
        "supervision.suggested",
        "建议人民检察院立案监督",
        (
            choice("target", "监督事项(&T)", SupervisionTarget, {"non_filing": "不予立案", "withdrawal": "撤销案件"}),
            FieldSpec("procuratorate_code", "人民检察院统一社会信用代码(&C)", "credit_code"),
            FieldSpec("reasons", "理由(&R)", "long"),
        ),
        named(transfer.suggest_supervision),
    ),
    FormSpec(
        "items.handed_over",
        "移交涉案物品",
        (FieldSpec("items", "物品（以顿号分隔）(&I)", "list"),),
        named(transfer.hand_over_items),
        note="310号令第12条：接到立案通知书后3日内移交。",
    ),
    FormSpec(
        "misconduct.reported",
        "向监察机关报告",
        (
            FieldSpec("supervision_code", "监察机关统一社会信用代码(&C)", "credit_code"),
            FieldSpec("summary", "情况(&S)", "long"),
        ),
        named(transfer.report_misconduct),
    ),
    FormSpec(
        "intervention.invited",
        "提前介入邀请",
        (
            FieldSpec("invited_code", "受邀单位统一社会信用代码(&C)", "credit_code"),
            choice(
                "invited_kind",
                "受邀单位类别(&K)",
                AgencyKind,
                {"police": AgencyKind.POLICE.label, "procuratorate": AgencyKind.PROCURATORATE.label},
            ),
            yes_no("written", "邀请方式(&W)", "书面邀请", "其他方式"),
            FieldSpec("reasons", "事由(&R)", "long"),
        ),
        named(transfer.invite_intervention),
    ),
)
