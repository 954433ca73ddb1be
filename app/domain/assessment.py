"""Assessment (考核) of one member agency over a period, derived from the records (seed §2, §8, §18).

Seed §2 assesses: platform use, case entry, transfers / acceptance / handling, and replies to 检察意见书,
检察建议书, 纠正违法通知书 and 司法建议书. Here, from each case's history and folded state:
- entries: seed §8 records made by the agency in the period, entered on time or late (first entry counts);
- duties: the agency's obligations falling due in the period, done on time, late, or missing (overdue, not done);
  grouped as transfers (310号令 Art.5), filing decisions (Art.8; 刑诉规则 Art.563), replies to documents (seed §5–6,
  刑诉法 Art.177 ¶3) and other periods;
- counts: transfers made, records entered.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, DeadlineRuleId, Due, WorkingCalendar
from app.domain.entry import requires_entry
from app.domain.events import Event, EventKind, PenaltyProcedure
from app.domain.lifecycle.machine import effective_history, first_entry_times
from app.domain.lifecycle.state import CaseState
from app.domain.timezone import CST

R = DeadlineRuleId


class DutyGroup(enum.StrEnum):
    """How the assessment groups deadlines (seed §2)."""

    TRANSFER = "transfer"  # 涉嫌犯罪案件移送
    FILING = "filing"  # 受理、立案
    REPLY = "reply"  # 文书反馈
    OTHER = "other"  # 其他期限


GROUP_OF: Mapping[DeadlineRuleId, DutyGroup] = MappingProxyType(
    {
        R.HEAD_DECISION: DutyGroup.TRANSFER,
        R.TRANSFER: DutyGroup.TRANSFER,
        R.ITEMS_HANDOVER: DutyGroup.TRANSFER,
        R.RECEIPT: DutyGroup.FILING,
        R.FILING_DECISION: DutyGroup.FILING,
        R.FILING_AFTER_NOTICE: DutyGroup.FILING,
        R.RECONSIDERATION_DECISION: DutyGroup.FILING,
        R.EXPLANATION: DutyGroup.FILING,
        R.DOCUMENT_REPLY: DutyGroup.REPLY,
        R.OPINION_REPLY: DutyGroup.REPLY,
    }
)


@dataclass(frozen=True, slots=True)
class Tally:
    """On time / late / missing counts."""

    on_time: int = 0
    late: int = 0
    missing: int = 0

    def add(self, outcome: str) -> Tally:
        """The tally with one more outcome (``on_time``, ``late`` or ``missing``)."""
        return Tally(
            self.on_time + (outcome == "on_time"),
            self.late + (outcome == "late"),
            self.missing + (outcome == "missing"),
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One late or missing item, for the 通报 and for the agency to check."""

    case_id: str
    what: str
    outcome: str  # "late" or "missing"
    due: dt.date


@dataclass(frozen=True, slots=True)
class CaseRecords:
    """What the assessment reads of a case: its records as stored, and its folded state (a snapshot will do)."""

    events: Sequence[Event]
    state: CaseState


@dataclass(frozen=True, slots=True)
class Assessment:
    """One agency's assessment for a period."""

    agency_code: str
    first_day: dt.date
    last_day: dt.date
    entries: Tally = Tally()
    duties: dict[DutyGroup, Tally] = field(default_factory=dict)
    transfers_made: int = 0
    records_entered: int = 0
    findings: tuple[Finding, ...] = ()

    def duty(self, group: DutyGroup) -> Tally:
        """The tally of one group of deadlines."""
        return self.duties.get(group, Tally())


def assess(
    agency_code: str,
    first_day: dt.date,
    last_day: dt.date,
    cases: Iterable[CaseRecords],
    calendar: WorkingCalendar,
    *,
    now: dt.datetime,
    policy: DeadlinePolicy = DEFAULT_POLICY,
) -> Assessment:
    """Assess ``agency_code`` over ``first_day``–``last_day`` (inclusive) as known at ``now``."""
    start = dt.datetime.combine(first_day, dt.time.min, CST)
    end = dt.datetime.combine(last_day, dt.time.max, CST)
    horizon = min(end, now)
    memo: dict[tuple[DeadlineRuleId, dt.date], Due] = {}

    def due_of(rule_id: DeadlineRuleId, started: dt.datetime) -> Due:
        rule = policy.rule(rule_id)
        if rule.unit == "hours":
            return rule.due(started, calendar)
        key = (rule_id, started.astimezone(CST).date())
        found = memo.get(key)
        if found is None:
            found = memo[key] = rule.due(started, calendar)
        return found

    entries = Tally()
    duties: dict[DutyGroup, Tally] = {}
    findings: list[Finding] = []
    transfers = recorded = 0
    for case in cases:
        state = case.state
        mine = [e for e in case.events if e.agency_code == agency_code]
        if mine:
            simple = state.penalty_procedure is PenaltyProcedure.SIMPLE
            live = effective_history(case.events)
            first_entry = first_entry_times(case.events)
            for event in live:
                if event.agency_code != agency_code or not start <= event.occurred_at <= end:
                    continue
                recorded += 1
                transfers += event.kind is EventKind.TRANSFERRED
                if not requires_entry(event, simple_procedure=simple):
                    continue
                due = due_of(R.ENTRY, event.occurred_at)
                late = due.is_late(first_entry[event.event_id])
                entries = entries.add("late" if late else "on_time")
                if late:
                    findings.append(Finding(state.case_id, f"录入“{event.label}”", "late", due.last_day))
        for obligation in state.obligations:
            if obligation.agency_code != agency_code or obligation.optional:
                continue
            if obligation.closed_at is not None and not obligation.fulfilled:
                continue  # made moot by another record: neither kept nor missed
            due = due_of(obligation.rule, obligation.started_at)
            done_early = due.at > end and obligation.closed_at is not None and obligation.closed_at <= end
            if not (start <= due.at <= end or done_early):
                continue
            if obligation.closed_at is not None and obligation.closed_at <= horizon:
                outcome = "late" if due.is_late(obligation.closed_at) else "on_time"
            elif due.is_late(horizon):
                outcome = "missing"
            else:
                continue  # still running at the end of the period
            group = GROUP_OF.get(obligation.rule, DutyGroup.OTHER)
            duties[group] = duties.get(group, Tally()).add(outcome)
            if outcome != "on_time":
                label = policy.rule(obligation.rule).label
                findings.append(Finding(state.case_id, label, outcome, due.last_day))
    findings.sort(key=lambda f: (f.due, f.case_id, f.what))
    return Assessment(agency_code, first_day, last_day, entries, duties, transfers, recorded, tuple(findings))
