"""The to-do list: an agency's open deadlines, due soon / due today / overdue, derived at ``now`` — never stored.

It reads only the obligation ledger of each case's state, so the store can keep folded snapshots and the list is
computed without replaying histories.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, DeadlineRuleId, Due, WorkingCalendar
from app.domain.deadlines.counting import working_days_after
from app.domain.lifecycle.state import Obligation
from app.domain.timezone import CST


class Urgency(enum.StrEnum):
    """How pressing an item is at ``now``."""

    OVERDUE = "overdue"  # 已逾期
    DUE_TODAY = "due_today"  # 今日到期
    DUE_SOON = "due_soon"  # 即将到期
    UPCOMING = "upcoming"  # 未到期

    @property
    def label(self) -> str:
        """The operator's word for it."""
        return {"overdue": "已逾期", "due_today": "今日到期", "due_soon": "即将到期", "upcoming": "未到期"}[self.value]


class HasObligations(Protocol):
    """A case state, or a small aggregate (consultation), with an obligation ledger."""

    @property
    def case_id(self) -> str: ...

    def open_obligations(self) -> tuple[Obligation, ...]: ...


@dataclass(frozen=True, slots=True)
class TodoItem:
    """One open deadline of the agency."""

    case_id: str
    obligation: Obligation
    label: str
    citation: str
    due: Due
    urgency: Urgency

    @property
    def optional(self) -> bool:
        """A right with a time limit (e.g. 提请复议) rather than a duty."""
        return self.obligation.optional


def todo_list(
    agency_code: str,
    states: Iterable[HasObligations],
    now: dt.datetime,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy = DEFAULT_POLICY,
    *,
    soon_working_days: int = 2,
) -> tuple[TodoItem, ...]:
    """The agency's open deadlines, most pressing first. A lapsed optional right is dropped, not overdue."""
    today = now.astimezone(CST).date()
    soon_limit = working_days_after(calendar, today, soon_working_days).last_day
    due_memo: dict[tuple[DeadlineRuleId, dt.date], Due] = {}
    items: list[TodoItem] = []
    for state in states:
        for obligation in state.open_obligations():
            if obligation.agency_code != agency_code:
                continue
            rule = policy.rule(obligation.rule)
            if rule.unit == "hours":
                due = rule.due(obligation.started_at, calendar)
            else:
                key = (obligation.rule, obligation.started_at.astimezone(CST).date())
                due = due_memo.get(key) or due_memo.setdefault(key, rule.due(obligation.started_at, calendar))
            if due.is_late(now):
                if obligation.optional:
                    continue
                urgency = Urgency.OVERDUE
            elif due.last_day == today:
                urgency = Urgency.DUE_TODAY
            elif due.last_day <= soon_limit:
                urgency = Urgency.DUE_SOON
            else:
                urgency = Urgency.UPCOMING
            items.append(TodoItem(state.case_id, obligation, rule.label, rule.citation, due, urgency))
    items.sort(key=lambda item: (item.due.at, item.case_id, item.obligation.obligation_id))
    return tuple(items)
