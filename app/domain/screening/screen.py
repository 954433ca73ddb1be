"""以罚代刑 screening: each penalty case gets the warnings that fire, with the rule and the figures, in Chinese.

Four rules, all driven by the published ``ScreeningRules``:
- THRESHOLD: a figure reaches the prosecution threshold (立案追诉标准) — the case should have been transferred
  (310号令 Art.3, Art.11: no penalty in place of transfer);
- NEAR_THRESHOLD: a figure reaches the configured share (default 80%) of it — 降格处理 risk;
- REPEATED: the same party (统一社会信用代码 or 公民身份号码) penalised repeatedly within a window;
- SPLIT: 化整为零 — same party, same offence, within a window, each case under the threshold, together over it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from app.domain.lifecycle.state import CaseState, PenaltyStatus
from app.domain.screening.rules import Offence, ScreeningRules, Threshold


class WarningRule(enum.StrEnum):
    """Which screening rule fired."""

    THRESHOLD = "threshold"
    NEAR_THRESHOLD = "near_threshold"
    REPEATED = "repeated"
    SPLIT = "split"


@dataclass(frozen=True, slots=True)
class PenaltyRecord:
    """What screening needs of a penalty case."""

    case_id: str
    agency_code: str
    party_id: str
    party_name: str
    offence_code: str
    decided_at: dt.datetime
    measures: Mapping[str, Decimal]

    @classmethod
    def from_state(cls, state: CaseState) -> PenaltyRecord | None:
        """The penalty of a case, or None when no penalty has been decided."""
        if state.penalty is PenaltyStatus.NONE or state.penalty_decided_at is None:
            return None
        return cls(
            state.case_id, state.agency_code, state.party_id, state.party_name, state.offence_code,
            state.penalty_decided_at, MappingProxyType(dict(state.measures)),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScreeningWarning:
    """One warning on a case: the rule, the figures, the other cases involved, and the sentence the operator reads."""

    case_id: str
    rule: WarningRule
    offence_code: str
    message: str
    figures: tuple[tuple[str, str], ...]
    related_cases: tuple[str, ...] = ()


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _threshold_warnings(record: PenaltyRecord, offence: Offence, rules: ScreeningRules) -> list[ScreeningWarning]:
    warnings = []
    for t in offence.thresholds:
        value = record.measures.get(t.measure)
        if value is None:
            continue
        figures = (("measure", t.measure), ("value", _amount(value)), ("threshold", _amount(t.value)))
        if value >= t.value:
            message = (
                f"{offence.name}（{offence.article}）：{t.label}{_amount(value)}{t.unit}，已达到立案追诉标准"
                f"{_amount(t.value)}{t.unit}（{offence.basis}），涉嫌以罚代刑，应当依法移送公安机关（310号令第3、11条）。"
            )
            warnings.append(ScreeningWarning(record.case_id, WarningRule.THRESHOLD, offence.code, message, figures))
        elif value >= t.value * rules.near_share:
            share = (value / t.value * 100).quantize(Decimal("0.1"))
            message = (
                f"{offence.name}（{offence.article}）：{t.label}{_amount(value)}{t.unit}，"
                f"为立案追诉标准{_amount(t.value)}{t.unit}的{share}%（预警比例{_amount(rules.near_share * 100)}%），"
                "请核查是否存在降格处理。"
            )
            warnings.append(
                ScreeningWarning(
                    record.case_id,
                    WarningRule.NEAR_THRESHOLD,
                    offence.code,
                    message,
                    (*figures, ("share_percent", str(share))),
                )
            )
    return warnings


def _within(a: PenaltyRecord, b: PenaltyRecord, days: int) -> bool:
    return abs((a.decided_at - b.decided_at).days) <= days


def _repeat_warning(
    record: PenaltyRecord, party: list[PenaltyRecord], offence: Offence | None, rules: ScreeningRules
) -> ScreeningWarning | None:
    # the offence's own rule (e.g. 污染环境: a second penalty within 2 years) counts the same offence only
    rule = offence.repeat if offence and offence.repeat else rules.repeat
    same_offence = offence is not None and offence.repeat is not None
    earlier = [
        r for r in party
        if r.case_id != record.case_id and r.decided_at <= record.decided_at
        and (record.decided_at - r.decided_at).days <= rule.window_days
        and (not same_offence or r.offence_code == record.offence_code)
    ]  # fmt: skip
    count = len(earlier) + 1
    if count < rule.min_penalties:
        return None
    what = f"因{offence.name}相关违法行为" if same_offence and offence else ""
    message = (
        f"当事人{record.party_name}（{record.party_id}）{rule.window_days}天内{what}已受行政处罚{count}次"
        f"（达到{rule.min_penalties}次预警），请核查是否涉嫌犯罪、是否应当移送"
        + (f"（{offence.basis}）。" if same_offence and offence else "。")
    )
    figures = (("count", str(count)), ("window_days", str(rule.window_days)), ("min", str(rule.min_penalties)))
    related = tuple(r.case_id for r in earlier)
    return ScreeningWarning(record.case_id, WarningRule.REPEATED, record.offence_code, message, figures, related)


def _split_warnings(
    record: PenaltyRecord, party: list[PenaltyRecord], offence: Offence, rules: ScreeningRules
) -> list[ScreeningWarning]:
    window = rules.split_window_days
    group = [r for r in party if r.offence_code == record.offence_code and _within(r, record, window)]
    if len(group) < 2:
        return []
    warnings = []
    for t in offence.thresholds:
        values = [(r, r.measures.get(t.measure)) for r in group]
        present = [(r, v) for r, v in values if v is not None]
        if len(present) < 2 or any(v >= t.value for _, v in present):
            continue  # each case must be under the threshold; one over it is a THRESHOLD warning already
        total = sum((v for _, v in present), Decimal(0))
        if total < t.value:
            continue
        listing = "、".join(f"{_amount(v)}{t.unit}" for _, v in present)
        message = (
            f"当事人{record.party_name}（{record.party_id}）{window}天内有{len(present)}起{offence.name}相关案件，"
            f"{t.label}分别为{listing}，单起均未达到立案追诉标准，合计{_amount(total)}{t.unit}已达到标准"
            f"{_amount(t.value)}{t.unit}（{offence.basis}），疑似化整为零。"
        )
        figures = (("measure", t.measure), ("total", _amount(total)), ("threshold", _amount(t.value)))
        related = tuple(r.case_id for r, _ in present if r.case_id != record.case_id)
        warnings.append(ScreeningWarning(record.case_id, WarningRule.SPLIT, offence.code, message, figures, related))
    return warnings


def screen(records: Iterable[PenaltyRecord], rules: ScreeningRules) -> Mapping[str, tuple[ScreeningWarning, ...]]:
    """The warnings of every penalty case, by case id (cases without warnings are absent)."""
    records = list(records)
    by_party: dict[str, list[PenaltyRecord]] = defaultdict(list)
    for r in records:
        by_party[r.party_id].append(r)
    result: dict[str, tuple[ScreeningWarning, ...]] = {}
    for record in records:
        offence = rules.offences.get(record.offence_code)
        party = by_party[record.party_id]
        found: list[ScreeningWarning] = []
        if offence is not None:
            found += _threshold_warnings(record, offence, rules)
            found += _split_warnings(record, party, offence, rules)
        repeat = _repeat_warning(record, party, offence, rules)
        if repeat is not None:
            found.append(repeat)
        if found:
            result[record.case_id] = tuple(found)
    return MappingProxyType(result)


__all__ = ["PenaltyRecord", "ScreeningWarning", "Threshold", "WarningRule", "screen"]
