"""Statutory deadlines: the working-day calendar, period counting and the configurable rules."""

from __future__ import annotations

from app.domain.deadlines.calendar import WorkingCalendar, YearCalendar
from app.domain.deadlines.calendar_file import CalendarFileError, load_calendar_file, parse_calendar
from app.domain.deadlines.counting import (
    Due,
    calendar_days_after,
    end_of_day,
    hours_after,
    months_after,
    working_days_after,
)
from app.domain.deadlines.rules import (
    DEFAULT_POLICY,
    DEFAULT_RULES,
    DeadlinePolicy,
    DeadlineRule,
    DeadlineRuleId,
    DeadlineUnit,
    PolicyError,
)
from app.domain.deadlines.statutory import NoHolidayRules, statutory_holidays
from app.domain.timezone import CST

__all__ = [
    "CST", "DEFAULT_POLICY", "DEFAULT_RULES", "CalendarFileError", "DeadlinePolicy", "DeadlineRule",
    "DeadlineRuleId", "DeadlineUnit", "Due", "NoHolidayRules", "PolicyError", "WorkingCalendar", "YearCalendar",
    "calendar_days_after", "end_of_day", "hours_after", "load_calendar_file", "months_after", "parse_calendar",
    "statutory_holidays", "working_days_after",
]  # fmt: skip
