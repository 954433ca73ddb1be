"""``lianjie calendar due``: when a period ends, by working days, calendar days (刑诉法 Art.105) or hours.

Prints the due date in ISO form (a datetime with its offset for hours), followed by ``provisional`` when a day
counted lies in a year without a published holiday notice. The calendars shipped in ``resources/calendars`` and the
bundled notices are always used; ``--calendar FILE`` adds a calendar the office published (e.g. next year's notice):
the signed file the platform serves (``holiday-calendar``), verified with this terminal's trust anchors, installed
CRLs and ``office_code`` before use. An unsigned calendar file is refused.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from app.config import ConfigInvalid, load_config
from app.domain.deadlines import (
    CST,
    CalendarFileError,
    Due,
    WorkingCalendar,
    calendar_days_after,
    hours_after,
    working_days_after,
)
from app.domain.errors import DomainError
from app.resources import shipped_calendars

_ASK = "请使用平台发布的、经两法衔接领导小组办公室签名的文件（holiday-calendar-年份.p7s）。"
MAX_PUBLICATION_BYTES = 256 * 1024  # a calendar file is at most 64 KiB; signed and base64-encoded, well under this


class NotSignedCalendar(DomainError):
    """A --calendar file that is plainly not a signed publication (too large, or not CMS: a bare TOML file)."""

    user_message = "节假日安排文件不是平台发布的签名文件。"


class BadMoment(DomainError):
    """The --from value is not a date or time."""

    user_message = "起算时间格式不正确。"
    next_step = "请使用 2025-01-24 或 2025-01-24T10:00:00+08:00 的形式。"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``due`` action and its options."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    due = actions.add_parser("due", help="计算期限届满日")
    due.add_argument("--from", dest="start", required=True, help="起算日期或时间（ISO 8601；无时区按 +08:00）")
    count = due.add_mutually_exclusive_group(required=True)
    count.add_argument("--working-days", type=int, metavar="N", help="N个工作日（首日不计）")
    count.add_argument("--days", type=int, metavar="N", help="N日（首日不计，届满日为节假日的顺延，刑诉法第105条）")
    count.add_argument("--hours", type=int, metavar="N", help="N小时")
    due.add_argument(
        "--calendar",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="领导小组办公室签名发布的节假日安排文件",
    )


def _moment(text: str) -> dt.date | dt.datetime:
    try:
        if "T" in text or " " in text.strip():
            moment = dt.datetime.fromisoformat(text.strip())
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=CST)
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadMoment(f"bad --from {text!r}") from None


def build_calendar(files: list[Path], data_dir: Path | None = None) -> WorkingCalendar:
    """The shipped calendars plus the signed publications ``files`` (a later file for the same year wins)."""
    years = {calendar.year: calendar for calendar in shipped_calendars()}
    if files:
        # imported here: the services (the store, the packet code) take a second to import, needed only to verify
        from app.services.office import office_files
        from app.sync.packet.errors import PublishedDocumentInvalid

        config = load_config(data_dir)
        office = office_files(config)
        if office is None:
            raise ConfigInvalid(
                "no office configured to verify calendars with",
                user_message="本机未配置平台地址和领导小组办公室代码（office_code），无法校验节假日安排文件。",
            )
        for path in files:
            try:
                calendar = office.calendar_file(
                    _read(path),
                    require_crl=config.stale_crl_policy == "refuse",  # as login does on this terminal
                    crl_grace=dt.timedelta(hours=config.crl_grace_hours),
                )
            except PublishedDocumentInvalid as exc:
                raise PublishedDocumentInvalid(
                    str(exc), user_message=f"节假日安排文件 {path.name} 未予使用：{exc.user_message}", next_step=_ASK
                ) from None
            years[calendar.year] = calendar
    return WorkingCalendar(years.values())


def _read(path: Path) -> bytes:
    """A signed publication's bytes: refused at once if too large or plainly not signed (a bare TOML file)."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PUBLICATION_BYTES + 1)
    except OSError as exc:
        raise CalendarFileError(f"无法读取文件（{exc.strerror}）。", line=None, field=str(path)) from None
    if len(data) > MAX_PUBLICATION_BYTES:
        raise NotSignedCalendar(
            f"{path}: over {MAX_PUBLICATION_BYTES} bytes",
            user_message=f"节假日安排文件 {path.name} 超过 {MAX_PUBLICATION_BYTES // 1024} KB，不是平台发布的文件。",
            next_step=_ASK,
        )
    if not data.startswith(b"\x30"):  # a CMS SignedData is a DER SEQUENCE
        raise NotSignedCalendar(
            f"{path}: not a signed publication",
            user_message=f"节假日安排文件 {path.name} 未经签名：只接受领导小组办公室签名发布的文件。",
            next_step=_ASK,
        )
    return data


def run(args: argparse.Namespace) -> int:
    """Print the due date; 0 on success (errors are raised as DomainError for the CLI to show)."""
    start = _moment(args.start)
    counts = [c for c in (args.working_days, args.days, args.hours) if c is not None]
    if any(c < 0 or c > 3660 for c in counts):
        raise DomainError("count out of range", user_message="期间应为0至3660之间的整数。")
    data_dir = getattr(args, "data_dir", None)
    calendar = build_calendar(args.calendar, Path(data_dir) if data_dir else None)
    due: Due
    if args.hours is not None:
        if not isinstance(start, dt.datetime):
            raise BadMoment("hours need a time", user_message="按小时计算时，起算须为具体时间（含时分）。")
        due = hours_after(start, args.hours)
    else:
        day = start.astimezone(CST).date() if isinstance(start, dt.datetime) else start
        if args.working_days is not None:
            due = working_days_after(calendar, day, args.working_days)
        else:
            due = calendar_days_after(calendar, day, args.days)
    print(due.iso() + (" provisional" if due.provisional else ""))
    return 0
