"""The to-do list (derived at ``now``, never stored) and the seed §8 entry deadlines."""

from __future__ import annotations

import datetime as dt

from app.domain.deadlines import DeadlineRuleId, WorkingCalendar
from app.domain.entry import entered_late, entry_deadline, requires_entry
from app.domain.events import FilingDecision, PenaltyEffective, TransferReported
from app.domain.lifecycle import fold
from app.domain.todo import Urgency, todo_list
from tests.domain.factory import ENFORCEMENT, POLICE, PROCURATORATE, Script, at

CAL = WorkingCalendar()


def test_filing_decision_due_in_three_days_of_acceptance() -> None:
    # 310号令 Art.8: accepted Mon 2025-03-03 → due Thu 3/6 (calendar days; Art.105 default)
    s = Script(start=at(2025, 3, 3, 8))
    state = fold(s.to_acceptance())
    (item,) = todo_list(POLICE.code, [state], at(2025, 3, 4), CAL)
    assert item.obligation.rule is DeadlineRuleId.FILING_DECISION
    assert item.due.last_day == dt.date(2025, 3, 6) and item.urgency is Urgency.DUE_SOON
    assert "310号令 第8条" in item.citation
    assert todo_list(POLICE.code, [state], at(2025, 3, 6, 17), CAL)[0].urgency is Urgency.DUE_TODAY
    assert todo_list(POLICE.code, [state], at(2025, 3, 7, 0, 1), CAL)[0].urgency is Urgency.OVERDUE
    assert todo_list(ENFORCEMENT.code, [state], at(2025, 3, 4), CAL) == ()


def test_transfer_within_24_hours_of_approval_is_the_agencys_item() -> None:
    # 310号令 Art.5
    s = Script(start=at(2025, 3, 3, 8))
    state = fold(s.to_acceptance()[:3])
    (item,) = todo_list(ENFORCEMENT.code, [state], at(2025, 3, 3, 12), CAL)
    assert item.obligation.rule is DeadlineRuleId.TRANSFER and item.due.by_hours
    assert item.due.iso() == "2025-03-04T11:00:00+08:00"
    assert todo_list(ENFORCEMENT.code, [state], at(2025, 3, 4, 11, 1), CAL)[0].urgency is Urgency.OVERDUE


def test_a_lapsed_right_is_dropped_not_overdue() -> None:
    # 310号令 Art.9: reconsideration may be asked within 3 days — a right; when it lapses it leaves the list
    s = Script(start=at(2025, 3, 3, 8))
    state = fold(s.to_not_filed())
    (item,) = todo_list(ENFORCEMENT.code, [state], at(2025, 3, 4), CAL)
    assert item.optional
    assert todo_list(ENFORCEMENT.code, [state], at(2025, 3, 20), CAL) == ()


def test_entry_deadline_is_three_working_days_and_lateness_is_derived() -> None:
    # seed §8: the filing decision is entered within 3 working days; Fri 2025-01-24 → Wed 2025-02-05
    s = Script()
    decided = s.make(
        FilingDecision, POLICE, filed=True, document_number="n", when=at(2025, 1, 24, 15), entered=at(2025, 2, 5, 18)
    )
    due = entry_deadline(decided, CAL)
    assert due is not None and due.last_day == dt.date(2025, 2, 5)
    assert entered_late(decided, CAL) is False
    late = s.make(
        FilingDecision, POLICE, filed=True, document_number="n", when=at(2025, 1, 24, 15), entered=at(2025, 2, 6, 9)
    )
    assert entered_late(late, CAL) is True
    assert entered_late(late, CAL, first_entered_at=at(2025, 1, 25)) is False  # a correction keeps the first entry
    report = s.make(TransferReported, ENFORCEMENT, officers=("a", "b"), summary="s")
    assert not requires_entry(report) and entry_deadline(report, CAL) is None
    effective = s.make(PenaltyEffective, ENFORCEMENT)
    assert requires_entry(effective) and not requires_entry(effective, simple_procedure=True)
    assert PROCURATORATE.code  # the procuratorate's records are covered too (ENTRY_RECORDS)
