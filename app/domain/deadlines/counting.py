"""Counting periods: working days, calendar days (刑诉法 Art.105), months and hours.

刑诉法 Art.105: periods are counted in hours, days and months; the hour and the day on which a period starts are not
counted; when the last day is a holiday the period ends on the first day after it — except while a suspect is in
custody, when it is not extended. "节假日" includes weekends (rest days) as well as statutory holidays.
行政处罚法 Art.85 and seed §8 count 工作日: the first day is likewise not counted.
"""

from __future__ import annotations

import calendar as gregorian
import datetime as dt
from dataclasses import dataclass

from app.domain.deadlines.calendar import WorkingCalendar
from app.domain.timezone import CST


@dataclass(frozen=True, slots=True)
class Due:
    """When a period ends. ``at`` is the last instant still in time; ``provisional`` when it rests on a year
    without a published holiday notice."""

    at: dt.datetime
    provisional: bool
    by_hours: bool = False

    @property
    def last_day(self) -> dt.date:
        """The last day on which the act is in time (China Standard Time)."""
        return self.at.astimezone(CST).date()

    def is_late(self, moment: dt.datetime) -> bool:
        """Whether an act at ``moment`` misses the period."""
        return moment > self.at

    def iso(self) -> str:
        """The due date (or, for an hour count, the instant with its offset) in ISO 8601."""
        return self.at.astimezone(CST).isoformat() if self.by_hours else self.last_day.isoformat()


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in China Standard Time."""
    return dt.datetime.combine(day, dt.time.max, CST)


def _provisional(calendar: WorkingCalendar, first: dt.date, last: dt.date) -> bool:
    return any(not calendar.is_published(year) for year in range(first.year, last.year + 1))


def working_days_after(calendar: WorkingCalendar, start: dt.date, count: int) -> Due:
    """The ``count``-th working day after ``start`` (the start day is not counted; seed §8, 行政处罚法 Art.85)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    day, counted = start, 0
    while counted < count:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    first = start + dt.timedelta(days=1) if count else start
    return Due(end_of_day(day), _provisional(calendar, first, day))


def calendar_days_after(
    calendar: WorkingCalendar, start: dt.date, count: int, *, extend_on_holiday: bool = True
) -> Due:
    """``count`` days after ``start``, the start day not counted; a last day on a holiday or rest day moves to the
    next working day unless ``extend_on_holiday`` is off (custody, 刑诉法 Art.105 ¶3)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    day = start + dt.timedelta(days=count)
    return _ending(calendar, start, day, extend_on_holiday)


def months_after(calendar: WorkingCalendar, start: dt.date, count: int, *, extend_on_holiday: bool = True) -> Due:
    """``count`` months after ``start``: to the same day of the month (or that month's last day when it has no such
    day, or when ``start`` is the last day of its month), then extended as for days (刑诉法 Art.105)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    month_index = start.month - 1 + count
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last = gregorian.monthrange(year, month)[1]
    start_is_month_end = start.day == gregorian.monthrange(start.year, start.month)[1]
    day = dt.date(year, month, last if start_is_month_end else min(start.day, last))
    return _ending(calendar, start, day, extend_on_holiday)


def _ending(calendar: WorkingCalendar, start: dt.date, day: dt.date, extend: bool) -> Due:
    if not extend:
        # the calendar is not consulted, so the answer does not depend on any notice
        return Due(end_of_day(day), provisional=False)
    final = calendar.next_workday(day)
    return Due(end_of_day(final), _provisional(calendar, day, final))


def hours_after(start: dt.datetime, count: int) -> Due:
    """``count`` hours after ``start`` (an aware datetime); holidays do not stop the clock (310号令 Art.5 24小时)."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    if count < 0:
        raise ValueError("count must be >= 0")
    return Due((start + dt.timedelta(hours=count)).astimezone(CST), provisional=False, by_hours=True)
