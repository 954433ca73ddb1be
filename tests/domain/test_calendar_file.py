"""The calendar file format (lianjie-calendar/1): shipped files match the notices; hostile files are refused
with the line and field at fault, in Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.domain.deadlines import CalendarFileError, WorkingCalendar, load_calendar_file, parse_calendar

SHIPPED = Path(__file__).resolve().parents[2] / "resources" / "calendars"

GOOD = """format = "lianjie-calendar/1"
year = 2027
source = "测试通知"

[[holidays]]
name = "元旦"
from = 2027-01-01
to = 2027-01-03

[[workdays]]
date = 2027-02-20
name = "调休上班"
"""


@pytest.mark.parametrize("year", [2025, 2026])
def test_shipped_calendar_files_agree_with_chinese_calendar_every_day(year: int) -> None:
    # the files transcribe the 2025 (国办发明电〔2024〕12号) and 2026 (2025-11-04) notices; checked day by day
    published = load_calendar_file(SHIPPED / f"{year}.toml")
    from_file, bundled = WorkingCalendar([published], bundled=False), WorkingCalendar()
    day = dt.date(year, 1, 1)
    while day.year == year:
        assert from_file.is_workday(day) == bundled.is_workday(day), day
        day += dt.timedelta(days=1)
    assert "国务院办公厅" in published.source


def test_a_good_file_loads() -> None:
    calendar = parse_calendar(GOOD)
    assert calendar.year == 2027 and len(calendar.holidays) == 3
    assert WorkingCalendar([calendar]).is_workday(dt.date(2027, 2, 20))


def _refusal(text: str) -> CalendarFileError:
    with pytest.raises(CalendarFileError) as caught:
        parse_calendar(text)
    return caught.value


def test_syntax_error_names_the_line() -> None:
    error = _refusal(GOOD.replace('name = "元旦"', 'name = "元旦'))
    assert error.line == 6 and "第6行" in error.user_message


def test_unknown_key_names_its_line_and_field() -> None:
    error = _refusal(GOOD.replace("to = 2027-01-03", "to = 2027-01-03\nextra = 1"))
    assert error.line == 9 and error.field == "holidays[1].extra" and "不认识的字段" in error.user_message


def test_make_up_day_on_a_weekday_is_refused() -> None:
    error = _refusal(GOOD.replace("2027-02-20", "2027-02-22"))
    assert error.line == 11 and "不是周六或周日" in error.user_message


def test_date_outside_the_year_and_overlaps_and_types_are_refused() -> None:
    assert "不在2027年内" in _refusal(GOOD.replace("to = 2027-01-03", "to = 2028-01-03")).user_message
    assert _refusal(GOOD.replace("to = 2027-01-03", 'to = "2027-01-03"')).field == "holidays[1].to"
    assert "重复" in _refusal(GOOD.replace("2027-02-20", "2027-01-02")).user_message
    assert "之后" in _refusal(GOOD.replace("from = 2027-01-01", "from = 2027-01-05")).user_message
    assert _refusal(GOOD.replace('format = "lianjie-calendar/1"', 'format = "x"')).line == 1
    assert _refusal(GOOD.replace("year = 2027", "year = true")).field == "year"
    assert "缺少字段" in _refusal(GOOD.replace('source = "测试通知"\n', "")).user_message


def test_oversized_and_non_utf8_files_are_refused() -> None:
    assert "超过" in _refusal("#" * (70 * 1024)).user_message
    with pytest.raises(CalendarFileError) as caught:
        parse_calendar(GOOD.encode("utf-8") + b"\n# \xff\xfe")
    assert caught.value.line == 14 and "UTF-8" in caught.value.user_message


def test_unreadable_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CalendarFileError):
        load_calendar_file(tmp_path / "missing.toml")
