"""统计: the assessment (考核, seed §2) of an agency month by month — on time, late and missing — and its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from app.domain.assessment import Assessment, DutyGroup
from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, WorkingCalendar
from app.models.directory import list_agencies
from app.models.store import Store
from app.services.case_queries import assessment

CSV_HEADER = (
    "月份", "按时", "迟延", "缺失", "按时录入", "迟延录入", "移送按时", "移送迟延", "移送缺失", "立案按时",
    "立案迟延", "立案缺失", "文书反馈按时", "文书反馈迟延", "文书反馈缺失", "移送件数", "录入记录数",
)  # fmt: skip


@dataclass(frozen=True)
class MonthAssessment:
    """One month of one agency's assessment, flattened for the chart and the table."""

    first_day: dt.date
    last_day: dt.date
    on_time: int
    late: int
    missing: int
    entries_on_time: int
    entries_late: int
    groups: tuple[tuple[DutyGroup, int, int, int], ...]  # (group, on time, late, missing)
    transfers: int
    records: int

    @property
    def label(self) -> str:
        return f"{self.first_day:%Y-%m}"

    @property
    def on_time_rate(self) -> float | None:
        total = self.on_time + self.late + self.missing
        return None if total == 0 else self.on_time / total


def month_periods(last_month: dt.date, count: int) -> tuple[tuple[dt.date, dt.date], ...]:
    """The ``count`` calendar months ending with the month of ``last_month``, oldest first."""
    periods = []
    year, month = last_month.year, last_month.month
    for _ in range(count):
        first = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        periods.append((first, following - dt.timedelta(days=1)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return tuple(reversed(periods))


def flatten(result: Assessment) -> MonthAssessment:
    groups = tuple((g, result.duty(g).on_time, result.duty(g).late, result.duty(g).missing) for g in DutyGroup)
    return MonthAssessment(
        result.first_day, result.last_day,
        on_time=result.entries.on_time + sum(g[1] for g in groups),
        late=result.entries.late + sum(g[2] for g in groups),
        missing=sum(g[3] for g in groups),
        entries_on_time=result.entries.on_time, entries_late=result.entries.late, groups=groups,
        transfers=result.transfers_made, records=result.records_entered,
    )  # fmt: skip


def monthly_assessment(
    store: Store, agency_code: str, periods: tuple[tuple[dt.date, dt.date], ...], *, now: dt.datetime,
    calendar: WorkingCalendar, policy: DeadlinePolicy = DEFAULT_POLICY,
) -> tuple[MonthAssessment, ...]:  # fmt: skip
    """The agency's assessment for each period (seed §2: entries §8 and statutory deadlines)."""
    return tuple(
        flatten(assessment(store, agency_code, first, last, now=now, calendar=calendar, policy=policy))
        for first, last in periods
    )


def agency_choices(store: Store) -> tuple[tuple[str, str], ...]:
    """(code, name) of every member agency in the directory."""
    return tuple((e.agency.code, e.agency.name) for e in store.read(list_agencies))


def assessment_csv(agency_name: str, months: tuple[MonthAssessment, ...]) -> str:
    """The monthly table as CSV (UTF-8 with BOM when written, so that spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("单位", agency_name))
    writer.writerow(CSV_HEADER)
    for m in months:
        by_group = {g: (on, late, missing) for g, on, late, missing in m.groups}
        row: list[object] = [m.label, m.on_time, m.late, m.missing, m.entries_on_time, m.entries_late]
        for group in (DutyGroup.TRANSFER, DutyGroup.FILING, DutyGroup.REPLY):
            row.extend(by_group[group])
        row.extend((m.transfers, m.records))
        writer.writerow(row)
    return out.getvalue()
