"""The working-day calendar: published State Council notices, with a provisional fallback.

Sources, highest precedence first:
1. calendar files the platform publishes (``YearCalendar``, loaded by ``calendar_file``) — they carry the notice;
2. the ``chinese-calendar`` package (notices 2004–2026);
3. for any other year, weekends plus the statutory holidays of 放假办法 (2024 revision) — *provisional*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import chinese_calendar
import chinese_calendar.constants

from app.domain.deadlines.statutory import statutory_holidays

_BUNDLED_YEARS = range(min(chinese_calendar.constants.holidays).year, max(chinese_calendar.constants.holidays).year + 1)


@dataclass(frozen=True, slots=True)
class YearCalendar:
    """One year's State Council holiday notice: days off, make-up workdays (调休) and the notice it comes from.

    Dates may fall in the previous December: a notice sometimes starts the 元旦 break there (e.g. the 2019 notice).
    """

    year: int
    source: str
    holidays: Mapping[dt.date, str]
    workdays: Mapping[dt.date, str]
    published_on: dt.date | None = None


class WorkingCalendar:
    """Answers whether a day is a working day, and whether that answer rests on a published notice."""

    def __init__(self, published: Iterable[YearCalendar] = (), *, bundled: bool = True) -> None:
        files = {c.year: c for c in published}
        self._files: Mapping[int, YearCalendar] = MappingProxyType(files)
        overrides: dict[dt.date, bool] = {}
        for year in sorted(files):
            overrides.update(dict.fromkeys(files[year].holidays, False))
            overrides.update(dict.fromkeys(files[year].workdays, True))
        self._overrides: Mapping[dt.date, bool] = MappingProxyType(overrides)
        self._bundled = bundled
        # per-instance memo of each year's days off; filled lazily, never shared between instances
        self._days_off: dict[int, frozenset[dt.date]] = {}

    def is_published(self, year: int) -> bool:
        """True when the year's working days come from a published notice, not the provisional rule."""
        return year in self._files or (self._bundled and year in _BUNDLED_YEARS)

    def source(self, year: int) -> str:
        """Where the year's working days come from, in Chinese."""
        if year in self._files:
            return self._files[year].source
        if self._bundled and year in _BUNDLED_YEARS:
            return f"国务院办公厅关于{year}年部分节假日安排的通知（chinese-calendar {chinese_calendar.__version__}）"
        return f"{year}年节假日安排尚未公布：按周末及《全国年节及纪念日放假办法》法定节日暂算"

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day (调休 make-up weekend days included)."""
        override = self._overrides.get(day)
        if override is not None:
            return override
        off = self._days_off.get(day.year)
        if off is None:
            off = self._compute_days_off(day.year)
            self._days_off[day.year] = off
        return day not in off

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day on or after ``day``."""
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def _compute_days_off(self, year: int) -> frozenset[dt.date]:
        first = dt.date(year, 1, 1)
        days = [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]
        if year in self._files:
            return frozenset(d for d in days if d.weekday() >= 5)  # the file's dates are in the overrides
        if self._bundled and year in _BUNDLED_YEARS:
            return frozenset(d for d in days if not chinese_calendar.is_workday(d))
        holidays = statutory_holidays(year)
        return frozenset(d for d in days if d.weekday() >= 5 or d in holidays)
