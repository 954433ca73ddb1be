"""Every statutory period the platform watches, as configuration with a cited default.

Where DOMAIN.md marks a rule ⚠ (not settled by an official text) the default is the conservative reading — the
one that never ends later than any other reading — and an office may override it (``DeadlinePolicy.override``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.domain.deadlines.calendar import WorkingCalendar
from app.domain.deadlines.counting import (
    Due,
    calendar_days_after,
    hours_after,
    months_after,
    working_days_after,
)
from app.domain.errors import DomainError
from app.domain.timezone import CST


class DeadlineUnit(enum.StrEnum):
    """How a period is counted."""

    WORKING_DAYS = "working_days"  # 工作日 (行政处罚法 Art.85; seed §8, §11)
    DAYS = "days"  # 日, 刑诉法 Art.105
    MONTHS = "months"  # 月, 刑诉法 Art.105
    HOURS = "hours"  # 小时


class DeadlineRuleId(enum.StrEnum):
    """The periods of the linkage procedure; stable names used in configuration and the store."""

    ENTRY = "entry"
    HEAD_DECISION = "head_decision"
    TRANSFER = "transfer"
    RECEIPT = "receipt"
    FILING_DECISION = "filing_decision"
    RECONSIDERATION_REQUEST = "reconsideration_request"
    RECONSIDERATION_DECISION = "reconsideration_decision"
    SUPERVISION_SUGGESTION = "supervision_suggestion"
    ITEMS_HANDOVER = "items_handover"
    EXPLANATION = "explanation"
    FILING_AFTER_NOTICE = "filing_after_notice"
    ARREST_DECISION = "arrest_decision"
    PROSECUTION_DECISION = "prosecution_decision"
    DOCUMENT_REPLY = "document_reply"
    OPINION_REPLY = "opinion_reply"
    CONSULTATION_ANSWER = "consultation_answer"
    INTERVENTION = "intervention"


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """One period: its count and unit, whether a last day on a holiday moves on, what it is and where it comes from."""

    rule_id: DeadlineRuleId
    count: int
    unit: DeadlineUnit
    label: str
    citation: str
    extend_on_holiday: bool = True
    settled: bool = True  # False where DOMAIN.md marks the rule ⚠

    def due(self, started_at: dt.datetime, calendar: WorkingCalendar) -> Due:
        """When this period, started at ``started_at``, ends."""
        if self.unit is DeadlineUnit.HOURS:
            return hours_after(started_at, self.count)
        start = started_at.astimezone(CST).date()
        if self.unit is DeadlineUnit.WORKING_DAYS:
            return working_days_after(calendar, start, self.count)
        if self.unit is DeadlineUnit.MONTHS:
            return months_after(calendar, start, self.count, extend_on_holiday=self.extend_on_holiday)
        return calendar_days_after(calendar, start, self.count, extend_on_holiday=self.extend_on_holiday)


_R = DeadlineRuleId
_U = DeadlineUnit
# 310号令's "3日": DOMAIN.md ⚠ — not settled whether working days. Default: calendar days with the Art.105 holiday
# rule, which never ends later than a working-day reading.
_310_DAYS = "310号令“日”按自然日并适用刑诉法第105条（⚠未定，可配置为工作日）"

DEFAULT_RULES: Mapping[DeadlineRuleId, DeadlineRule] = MappingProxyType({
    r.rule_id: r
    for r in (
        DeadlineRule(_R.ENTRY, 3, _U.WORKING_DAYS, "录入信息共享平台", "兴庆区实施意见 第8条（3个工作日）"),
        DeadlineRule(_R.HEAD_DECISION, 3, _U.DAYS, "负责人审批移送", f"310号令 第5条；{_310_DAYS}", settled=False),
        DeadlineRule(_R.TRANSFER, 24, _U.HOURS, "向公安机关移送", "310号令 第5条（批准后24小时内）"),
        DeadlineRule(_R.RECEIPT, 24, _U.HOURS, "签收回执或转送", "310号令 第7条（转送24小时内；签收期限⚠按同一时限）",
                     settled=False),
        DeadlineRule(_R.FILING_DECISION, 3, _U.DAYS, "作出是否立案决定", f"310号令 第8条；{_310_DAYS}", settled=False),
        DeadlineRule(_R.RECONSIDERATION_REQUEST, 3, _U.DAYS, "提请复议", f"310号令 第9条；{_310_DAYS}", settled=False),
        DeadlineRule(_R.RECONSIDERATION_DECISION, 3, _U.DAYS, "作出复议决定", f"310号令 第9条；{_310_DAYS}",
                     settled=False),
        DeadlineRule(_R.SUPERVISION_SUGGESTION, 3, _U.DAYS, "建议立案监督", f"310号令 第9条；{_310_DAYS}",
                     settled=False),
        DeadlineRule(_R.ITEMS_HANDOVER, 3, _U.DAYS, "移交涉案物品", f"310号令 第12条；{_310_DAYS}", settled=False),
        DeadlineRule(_R.EXPLANATION, 7, _U.DAYS, "书面说明不立案理由", "刑诉规则（2019）第560条；刑诉法 第105条"),
        DeadlineRule(_R.FILING_AFTER_NOTICE, 15, _U.DAYS, "接通知后立案", "刑诉规则（2019）第563条；刑诉法 第105条"),
        # custody: 刑诉法 Art.105 ¶3 forbids holiday extension while the suspect is held
        DeadlineRule(_R.ARREST_DECISION, 7, _U.DAYS, "审查批准逮捕", "刑诉法 第91条第3款（在押，不因节假日延长）",
                     extend_on_holiday=False),
        # the suspect may be in custody; without that knowledge the unextended period is the safe one
        DeadlineRule(_R.PROSECUTION_DECISION, 1, _U.MONTHS, "审查起诉决定", "刑诉法 第172条（一个月；在押不延长）",
                     extend_on_holiday=False),
        DeadlineRule(_R.DOCUMENT_REPLY, 2, _U.MONTHS, "书面回复整改情况",
                     "兴庆区实施意见 第5、6条（书面回复）；期限⚠默认两个月，参照《人民检察院检察建议工作规定》",
                     settled=False),
        DeadlineRule(_R.OPINION_REPLY, 2, _U.MONTHS, "回复检察意见处理情况",
                     "刑诉法 第177条第3款；刑诉规则（2019）第373条；期限⚠默认两个月", settled=False),
        DeadlineRule(_R.CONSULTATION_ANSWER, 3, _U.WORKING_DAYS, "答复案件咨询",
                     "兴庆区实施意见 第11条（疑难复杂除外）"),
        DeadlineRule(_R.INTERVENTION, 3, _U.DAYS, "派员提前介入", "兴庆区实施意见 第12条（3日；⚠按自然日）",
                     settled=False),
    )
})  # fmt: skip


class PolicyError(DomainError):
    """A deadline configuration value is not acceptable."""

    user_message = "期限配置不正确。"


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """The periods in force and the configurable requirements of the procedure."""

    rules: Mapping[DeadlineRuleId, DeadlineRule] = dataclasses.field(default_factory=lambda: DEFAULT_RULES)
    # ⚠ 抄送: national opinions and local rules require a copy of the 移送书 to the procuratorate; 310号令 does not
    require_procuratorate_copy: bool = True

    def rule(self, rule_id: DeadlineRuleId) -> DeadlineRule:
        """The rule in force for ``rule_id``."""
        return self.rules[rule_id]

    def due(self, rule_id: DeadlineRuleId, started_at: dt.datetime, calendar: WorkingCalendar) -> Due:
        """When the period ``rule_id`` started at ``started_at`` ends."""
        return self.rules[rule_id].due(started_at, calendar)

    def override(self, settings: Mapping[str, Mapping[str, Any]]) -> DeadlinePolicy:
        """A policy with some rules changed, e.g. ``{"filing_decision": {"unit": "working_days"}}``."""
        rules = dict(self.rules)
        for name, changes in settings.items():
            try:
                rule_id = DeadlineRuleId(name)
            except ValueError:
                raise PolicyError(f"unknown rule {name}", user_message=f"期限配置中没有“{name}”这一项。") from None
            rule = rules[rule_id]
            for key, value in changes.items():
                if key == "count" and isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 366:
                    rule = dataclasses.replace(rule, count=value)
                elif key == "unit" and value in set(DeadlineUnit):
                    rule = dataclasses.replace(rule, unit=DeadlineUnit(value))
                elif key == "extend_on_holiday" and isinstance(value, bool):
                    rule = dataclasses.replace(rule, extend_on_holiday=value)
                else:
                    raise PolicyError(
                        f"bad setting {name}.{key}={value!r}", user_message=f"期限配置“{name}.{key}”的值不正确。"
                    )
            rules[rule_id] = rule
        return dataclasses.replace(self, rules=MappingProxyType(rules))


DEFAULT_POLICY = DeadlinePolicy()
