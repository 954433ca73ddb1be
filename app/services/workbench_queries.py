"""工作台 from the store: the agency's open deadlines by urgency with days left, 以罚代刑 warnings and unread mail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, WorkingCalendar
from app.domain.screening import ScreeningRules
from app.domain.timezone import CST
from app.domain.todo import Urgency
from app.models.snapshots import load_case_states
from app.models.store import Store
from app.models.tables import AffairRow
from app.services.case_queries import screening_warnings, todo
from app.services.mailbox_queries import unread_count

AFFAIR_LABELS = {"consultation": "案件咨询", "meeting": "联席会议", "linkage": "衔接备案", "inspection": "监督检查"}
WARNING_LABELS = {
    "threshold": "达到追诉标准",
    "near_threshold": "接近追诉标准",
    "repeated": "同一当事人多次处罚",
    "split": "疑似化整为零",
}


@dataclass(frozen=True)
class TodoRow:
    """One open deadline as the 工作台 lists it."""

    case_id: str
    subject: str
    label: str
    citation: str
    last_day: dt.date
    by_hours: bool
    due_at: dt.datetime
    provisional: bool
    optional: bool
    urgency: Urgency
    days_left: int  # calendar days from today to the last day; negative when overdue

    @property
    def days_text(self) -> str:
        if self.urgency is Urgency.OVERDUE:
            return f"已逾期 {max(1, -self.days_left)} 天"
        if self.urgency is Urgency.DUE_TODAY:
            return "今日到期"
        return f"剩余 {self.days_left} 天"

    @property
    def due_text(self) -> str:
        if self.by_hours:
            return self.due_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
        return self.last_day.isoformat() + ("（暂定）" if self.provisional else "")


@dataclass(frozen=True)
class WarningRow:
    """One 以罚代刑 warning: the case, the rule that fired and its figures."""

    case_id: str
    subject: str
    rule: str
    message: str
    figures: str


@dataclass(frozen=True)
class WorkbenchView:
    todo: tuple[TodoRow, ...]
    warnings: tuple[WarningRow, ...]
    unread: int

    def count(self, urgency: Urgency) -> int:
        return sum(1 for row in self.todo if row.urgency is urgency)


def _subjects(session: Session, ids: set[str]) -> dict[str, str]:
    found = {i: f"{s.case_number} {s.title}" for i, s in load_case_states(session, ids).items()}
    rest = ids - found.keys()
    if rest:
        rows = session.execute(select(AffairRow.affair_id, AffairRow.affair_type).where(AffairRow.affair_id.in_(rest)))
        found.update({a: AFFAIR_LABELS.get(t, t) for a, t in rows})
    return found


def workbench_view(
    store: Store, agency_code: str, now: dt.datetime, calendar: WorkingCalendar, rules: ScreeningRules,
    policy: DeadlinePolicy = DEFAULT_POLICY,
) -> WorkbenchView:  # fmt: skip
    """The agency's 工作台 at ``now``: most pressing deadline first, warnings, unread packets."""
    items = todo(store, agency_code, now, calendar, policy)
    warnings = [w for found in screening_warnings(store, rules).values() for w in found]
    ids = {i.case_id for i in items} | {w.case_id for w in warnings}
    subjects, unread = store.read(lambda s: (_subjects(s, ids), unread_count(s)))
    today = now.astimezone(CST).date()
    rows = tuple(
        TodoRow(
            i.case_id, subjects.get(i.case_id, i.case_id), i.label, i.citation, i.due.last_day, i.due.by_hours,
            i.due.at, i.due.provisional, i.optional, i.urgency, (i.due.last_day - today).days,
        )
        for i in items
    )  # fmt: skip
    warning_rows = tuple(
        WarningRow(
            w.case_id, subjects.get(w.case_id, w.case_id), WARNING_LABELS.get(str(w.rule), str(w.rule)), w.message,
            "；".join(f"{name}：{value}" for name, value in w.figures),
        )
        for w in warnings
    )  # fmt: skip
    return WorkbenchView(rows, warning_rows, unread)
