"""Deadlines against the State Council notices for 2025 (国办发明电〔2024〕12号) and 2026 (2025-11-04), 刑诉法 Art.105
counting, hour counts, and the provisional rule for a year without a published notice (2027)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.deadlines import (
    CST,
    DEFAULT_POLICY,
    DeadlineRuleId,
    DeadlineUnit,
    PolicyError,
    WorkingCalendar,
    calendar_days_after,
    hours_after,
    months_after,
    parse_calendar,
    statutory_holidays,
    working_days_after,
)

D = dt.date
CAL = WorkingCalendar()

TEST_2027 = """
format = "lianjie-calendar/1"
year = 2027
source = "测试用2027年日历（非官方）"

[[holidays]]
name = "元旦"
from = 2027-01-01
to = 2027-01-04
"""


@pytest.mark.parametrize(
    "day",
    [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)],
)
def test_2025_make_up_weekend_days_are_workdays(day: dt.date) -> None:
    # 国办发明电〔2024〕12号: 1/26 (Sun), 2/8 (Sat), 4/27 (Sun), 9/28 (Sun), 10/11 (Sat) are working days
    assert day.weekday() >= 5 and CAL.is_workday(day)


@pytest.mark.parametrize(
    "day", [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]
)
def test_2026_make_up_weekend_days_are_workdays(day: dt.date) -> None:
    # 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)
    assert day.weekday() >= 5 and CAL.is_workday(day)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (D(2025, 1, 28), D(2025, 2, 4)),  # 春节 8 days
        (D(2025, 10, 1), D(2025, 10, 8)),  # 国庆、中秋 8 days
        (D(2026, 2, 15), D(2026, 2, 23)),  # 春节 9 days
        (D(2026, 10, 1), D(2026, 10, 7)),  # 国庆 7 days
        (D(2026, 9, 25), D(2026, 9, 27)),  # 中秋
    ],
)
def test_notice_holidays_are_days_off(first: dt.date, last: dt.date) -> None:
    day = first
    while day <= last:
        assert not CAL.is_workday(day), day
        day += dt.timedelta(days=1)


def test_three_working_days_across_the_2025_spring_festival() -> None:
    # seed §8: 3个工作日, first day not counted; Fri 1/24 → Sun 1/26 (调休), Mon 1/27, then after the break Wed 2/5
    due = working_days_after(CAL, D(2025, 1, 24), 3)
    assert due.last_day == D(2025, 2, 5) and not due.provisional


def test_working_days_count_a_make_up_saturday() -> None:
    # Thu 2025-10-09 + 2 working days: Fri 10/10, Sat 10/11 (调休上班)
    assert working_days_after(CAL, D(2025, 10, 9), 2).last_day == D(2025, 10, 11)
    # Fri 2026-02-13 + 1 working day: Sat 2/14 is a make-up workday
    assert working_days_after(CAL, D(2026, 2, 13), 1).last_day == D(2026, 2, 14)


def test_calendar_days_move_off_a_holiday_last_day() -> None:
    # 刑诉法 Art.105: the last day on a holiday moves to the first working day after it
    assert calendar_days_after(CAL, D(2025, 9, 27), 3).last_day == D(2025, 9, 30)  # ends on a workday: no move
    assert calendar_days_after(CAL, D(2025, 9, 29), 3).last_day == D(2025, 10, 9)  # 10/2 in the break → 10/9
    assert calendar_days_after(CAL, D(2025, 9, 29), 3, extend_on_holiday=False).last_day == D(2025, 10, 2)
    assert calendar_days_after(CAL, D(2025, 3, 5), 3).last_day == D(2025, 3, 10)  # Sat 3/8 → Mon 3/10


def test_months_to_the_same_day_or_the_month_end() -> None:
    # 刑诉法 Art.105 months, to the same day of the month; from a month end to the month end
    assert months_after(CAL, D(2025, 1, 15), 2).last_day == D(2025, 3, 17)  # 3/15 is a Saturday → Mon 3/17
    assert months_after(CAL, D(2025, 11, 30), 3).last_day == D(2026, 2, 28)  # Sat 2026-02-28 is 调休上班: no move
    assert months_after(CAL, D(2025, 8, 31), 1, extend_on_holiday=False).last_day == D(2025, 9, 30)


def test_hours_run_through_holidays_with_the_offset() -> None:
    # 310号令 Art.5: transfer within 24 hours of approval, holidays included
    approved = dt.datetime(2025, 1, 28, 16, 30, tzinfo=CST)
    due = hours_after(approved, 24)
    assert due.iso() == "2025-01-29T16:30:00+08:00" and not due.provisional
    assert due.is_late(approved + dt.timedelta(hours=24, seconds=1))
    assert not due.is_late(approved + dt.timedelta(hours=24))


def test_a_deadline_crossing_into_2027_is_provisional_until_the_calendar_is_supplied() -> None:
    # no 2027 notice: weekends + 放假办法 holidays (2027-01-01 元旦), marked provisional
    due = working_days_after(CAL, D(2026, 12, 28), 5)
    assert due.last_day == D(2027, 1, 5) and due.provisional
    supplied = WorkingCalendar([parse_calendar(TEST_2027)])
    due = working_days_after(supplied, D(2026, 12, 28), 5)
    assert due.last_day == D(2027, 1, 6) and not due.provisional
    assert supplied.is_published(2027) and not CAL.is_published(2027)
    assert "尚未公布" in CAL.source(2027)


def test_within_2026_nothing_is_provisional() -> None:
    assert not working_days_after(CAL, D(2026, 12, 1), 10).provisional


def test_statutory_holidays_of_the_2024_revision_for_2027() -> None:
    # 放假办法 (2024 revision) Art.2: 元旦1, 春节4 (除夕+初一至初三), 清明1, 劳动节2, 端午1, 中秋1, 国庆3
    days = statutory_holidays(2027)
    assert len(days) == 13
    assert [d for d, n in days.items() if n == "春节"] == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    assert days[D(2027, 4, 5)] == "清明节" and days[D(2027, 6, 9)] == "端午节" and days[D(2027, 9, 15)] == "中秋节"
    # the statutory days of 2025 and 2026 agree with the notices
    for year in (2025, 2026):
        assert all(not CAL.is_workday(d) for d in statutory_holidays(year))


def test_rules_are_configuration_with_cited_defaults() -> None:
    # DOMAIN.md ⚠: whether 310号令's 3日 are working days is not settled — calendar days by default, configurable
    rule = DEFAULT_POLICY.rule(DeadlineRuleId.FILING_DECISION)
    assert rule.unit is DeadlineUnit.DAYS and "310号令 第8条" in rule.citation and not rule.settled
    assert DEFAULT_POLICY.rule(DeadlineRuleId.ENTRY).unit is DeadlineUnit.WORKING_DAYS  # seed §8
    assert not DEFAULT_POLICY.rule(DeadlineRuleId.ARREST_DECISION).extend_on_holiday  # custody, 刑诉法 Art.105
    working = DEFAULT_POLICY.override({"filing_decision": {"unit": "working_days"}})
    accepted = dt.datetime(2025, 9, 30, 10, tzinfo=CST)
    assert DEFAULT_POLICY.due(DeadlineRuleId.FILING_DECISION, accepted, CAL).last_day == D(2025, 10, 9)
    # working days: Thu 10/9, Fri 10/10, Sat 10/11 (调休上班)
    assert working.due(DeadlineRuleId.FILING_DECISION, accepted, CAL).last_day == D(2025, 10, 11)
    with pytest.raises(PolicyError):
        DEFAULT_POLICY.override({"filing_decision": {"count": -1}})
    with pytest.raises(PolicyError):
        DEFAULT_POLICY.override({"no_such_rule": {"count": 1}})
