"""The calendar file the platform publishes for a year not yet in the bundled data (format ``lianjie-calendar/1``).

A TOML file, one per year::

    format = "lianjie-calendar/1"
    year = 2027
    source = "国务院办公厅关于2027年部分节假日安排的通知"
    published_on = 2026-11-01          # optional

    [[holidays]]                       # a run of days off, as the notice states it
    name = "元旦"
    from = 2027-01-01
    to = 2027-01-03

    [[workdays]]                       # a make-up working day (调休), always a Saturday or Sunday
    date = 2027-02-20
    name = "春节调休上班"

The loader treats the file as hostile: size bounded, keys exact, types strict, dates inside the year (or the
previous December), no overlaps; a fault is refused with the line and field in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.domain.deadlines.calendar import YearCalendar
from app.domain.errors import DomainError

FORMAT = "lianjie-calendar/1"
MAX_BYTES = 64 * 1024
_MAX_RUN = 16  # no holiday run in any notice since 1999 is longer than 9 days; refuse absurd spans
_TOP_KEYS = frozenset({"format", "year", "source", "published_on", "holidays", "workdays"})
_HOLIDAY_KEYS = frozenset({"name", "from", "to"})
_WORKDAY_KEYS = frozenset({"date", "name"})


class CalendarFileError(DomainError):
    """A calendar file is malformed; ``line`` and ``field`` say where."""

    user_message = "节假日日历文件格式不正确。"
    next_step = "请使用平台发布的日历文件。"

    def __init__(self, reason: str, *, line: int | None, field: str) -> None:
        where = f"第{line}行" if line else ""
        super().__init__(
            f"calendar file: line {line} field {field}: {reason}",
            user_message=f"节假日日历文件{where}（{field}）有误：{reason}",
        )
        self.line = line
        self.field = field


def load_calendar_file(path: Path) -> YearCalendar:
    """Read and validate a calendar file from ``path``."""
    try:
        data = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise CalendarFileError(f"无法读取文件（{exc.strerror}）。", line=None, field=str(path)) from None
    return parse_calendar(data)


def parse_calendar(data: bytes | str) -> YearCalendar:
    """Validate a calendar file's content and return the year it publishes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise CalendarFileError(f"文件超过{MAX_BYTES // 1024}KB。", line=None, field="文件")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CalendarFileError("不是UTF-8编码的文本。", line=line, field="编码") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise CalendarFileError(
            f"TOML语法错误（{exc}）。", line=int(match.group(1)) if match else None, field="语法"
        ) from None
    return _Validator(text, doc).calendar()


class _Validator:
    def __init__(self, text: str, doc: dict[str, Any]) -> None:
        self.lines = text.splitlines()
        self.doc = doc

    def line_of(self, table: str | None, index: int, key: str | None) -> int | None:
        """The 1-based line of ``key`` in the ``index``-th ``[[table]]`` (or at top level when ``table`` is None)."""
        current: str | None = None
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            header = re.fullmatch(r"\[\[\s*([A-Za-z_]+)\s*\]\]\s*(#.*)?", stripped)
            if header or re.fullmatch(r"\[\s*[^\]]+\]\s*(#.*)?", stripped):
                current = header.group(1) if header else "?"
                if current == table:
                    seen += 1
                    if key is None and seen == index:
                        return number
                continue
            in_entry = current == table and (table is None or seen == index)
            if in_entry and key is not None and re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
                return number
        return self.line_of(table, index, None) if key is not None and table is not None else None

    def fail(self, reason: str, table: str | None, index: int, key: str | None) -> CalendarFileError:
        field = key or table or "文件"
        if table is not None:
            field = f"{table}[{index + 1}]" + (f".{key}" if key else "")
        return CalendarFileError(reason, line=self.line_of(table, index, key), field=field)

    def keys(self, entry: dict[str, Any], allowed: frozenset[str], required: frozenset[str], table: str | None,
             index: int) -> None:  # fmt: skip
        for key in sorted(set(entry) - allowed):
            raise self.fail(f"不认识的字段“{key}”。", table, index, key)
        for key in sorted(required - set(entry)):
            raise self.fail(f"缺少字段“{key}”。", table, index, None)

    def date(self, value: object, table: str, index: int, key: str, year: int) -> dt.date:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise self.fail("应为日期（如 2027-01-01，不加引号）。", table, index, key)
        if not dt.date(year - 1, 12, 1) <= value <= dt.date(year, 12, 31):
            raise self.fail(f"日期 {value.isoformat()} 不在{year}年内。", table, index, key)
        return value

    def text(self, value: object, table: str | None, index: int, key: str) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            raise self.fail("应为不超过500字的非空文字。", table, index, key)
        return value

    def calendar(self) -> YearCalendar:
        doc = self.doc
        self.keys(doc, _TOP_KEYS, frozenset({"format", "year", "source", "holidays"}), None, 0)
        if doc["format"] != FORMAT:
            raise self.fail(f"应为“{FORMAT}”。", None, 0, "format")
        year = doc["year"]
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2099:
            raise self.fail("应为2000至2099之间的年份。", None, 0, "year")
        source = self.text(doc["source"], None, 0, "source")
        published = doc.get("published_on")
        if published is not None and (not isinstance(published, dt.date) or isinstance(published, dt.datetime)):
            raise self.fail("应为日期。", None, 0, "published_on")
        holidays: dict[dt.date, str] = {}
        for i, entry in enumerate(self.table(doc["holidays"], "holidays")):
            self.keys(entry, _HOLIDAY_KEYS, _HOLIDAY_KEYS, "holidays", i)
            name = self.text(entry["name"], "holidays", i, "name")
            first = self.date(entry["from"], "holidays", i, "from", year)
            last = self.date(entry["to"], "holidays", i, "to", year)
            if last < first or (last - first).days >= _MAX_RUN:
                raise self.fail(f"结束日期应在开始日期之后且不超过{_MAX_RUN}天。", "holidays", i, "to")
            for offset in range((last - first).days + 1):
                day = first + dt.timedelta(days=offset)
                if day in holidays:
                    raise self.fail(f"{day.isoformat()} 与其他放假安排重复。", "holidays", i, "from")
                holidays[day] = name
        workdays: dict[dt.date, str] = {}
        for i, entry in enumerate(self.table(doc.get("workdays", []), "workdays")):
            self.keys(entry, _WORKDAY_KEYS, frozenset({"date"}), "workdays", i)
            day = self.date(entry["date"], "workdays", i, "date", year)
            name = self.text(entry.get("name", "调休上班"), "workdays", i, "name")
            if day.weekday() < 5:
                raise self.fail(f"{day.isoformat()} 不是周六或周日，无需调休上班。", "workdays", i, "date")
            if day in holidays or day in workdays:
                raise self.fail(f"{day.isoformat()} 重复出现。", "workdays", i, "date")
            workdays[day] = name
        return YearCalendar(
            year=year,
            source=source,
            holidays=MappingProxyType(holidays),
            workdays=MappingProxyType(workdays),
            published_on=published,
        )

    def table(self, value: object, name: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value) or len(value) > 100:
            raise self.fail(f"应为 [[{name}]] 表（不超过100项）。", None, 0, name)
        return value
