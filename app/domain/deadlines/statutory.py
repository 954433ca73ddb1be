"""The statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision, 国务院令第795号, in force 2025-01-01).

Used only for a year whose State Council notice is not published yet: weekends plus these days, without the
make-up workdays (调休) that only the notice fixes. Every result that depends on them is marked provisional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

import chinese_calendar
from lunardate import LunarDate

from app.domain.errors import DomainError

# The 2024 revision applies from 2025; earlier years are covered by the published notices (chinese-calendar).
FIRST_YEAR = 2025
LAST_YEAR = 2099  # lunardate's table ends in 2099


class NoHolidayRules(DomainError):
    """No rules are known for the year asked."""

    user_message = "无该年度的节假日数据。"


def _lunar(year: int, month: int, day: int) -> dt.date:
    solar: dt.date = LunarDate(year, month, day).to_solar_date()
    return solar


def statutory_holidays(year: int) -> Mapping[dt.date, str]:
    """The days off for all citizens in ``year`` per 放假办法 Art.2 (2024 revision): 元旦1, 春节4, 清明1, 劳动节2,
    端午1, 中秋1, 国庆3 — 13 days."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NoHolidayRules(f"no statutory holiday rules for {year}", user_message=f"无{year}年的节假日数据。")
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    new_year = _lunar(year, 1, 1)
    # 春节: 农历除夕 and 正月初一至初三; 除夕 is the eve of 正月初一 whether the 12th month has 29 or 30 days
    for offset in range(-1, 3):
        days[new_year + dt.timedelta(days=offset)] = "春节"
    qingming = next(d for d, name in chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10)))
    days[qingming] = "清明节"
    days[dt.date(year, 5, 1)] = days[dt.date(year, 5, 2)] = "劳动节"
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    for day in (1, 2, 3):
        days[dt.date(year, 10, day)] = "国庆节"
    return MappingProxyType(days)
