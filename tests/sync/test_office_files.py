"""The holiday calendars and the screening rules the office publishes reach the terminal through the real platform,
are verified before use (signature of the office, content, never older), and are what deadlines and screening use.
A refused publication leaves the one held in use, is reported, and does not stop the packets."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from app.domain.deadlines import WorkingCalendar, working_days_after
from app.models.snapshots import load_case_state
from app.resources import shipped_calendars
from app.sync.inbox import read_state
from app.sync.office_files import OfficeFiles
from app.sync.packet.published import HOLIDAY_CALENDAR, SCREENING_RULES, calendar_name
from app.sync.state import SyncPhase
from server.config import PlatformConfig, load_platform_config
from server.published import publish
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.office_support import NEXT_YEAR, THIS_YEAR, rules_file, serve, signed, year_file
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_support import Side


@pytest.fixture
def published(platform: RunningPlatform) -> PlatformConfig:
    return load_platform_config(platform.config)


def _calendar_of(side: Side) -> WorkingCalendar:
    return OfficeFiles(side.trust_source).calendar(side.store)


def _first_workday_after_the_4th(year: int) -> dt.date:
    day = dt.date(year, 1, 5)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _weekday_2_to_4(year: int) -> dt.date:
    """A weekday among 2–4 January (three days in a row hold at most two weekend days)."""
    return next(d for d in (dt.date(year, 1, n) for n in (2, 3, 4)) if d.weekday() < 5)


def test_nothing_published_leaves_the_shipped_calendar_and_rules(agency: Side) -> None:
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.UP_TO_DATE and report.status.reason == ""
    files = OfficeFiles(agency.trust_source)
    assert files.rules(agency.store) is None
    expected = WorkingCalendar(shipped_calendars())  # the bundled notices and resources/calendars
    assert files.calendar(agency.store).source(THIS_YEAR) == expected.source(THIS_YEAR)


def test_each_years_calendar_is_fetched_kept_and_used_by_deadlines(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    before = working_days_after(_calendar_of(agency), dt.date(THIS_YEAR, 12, 31), 1)
    publish(published, HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 11, year_file(NEXT_YEAR)))
    publish(published, HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 10, year_file(THIS_YEAR)))  # a revised one
    report = agency.engine.run_once()
    assert (report.status.phase, report.status.reason) == (SyncPhase.UP_TO_DATE, "")
    calendar = _calendar_of(agency)
    assert calendar.source(THIS_YEAR) == f"{THIS_YEAR}测试用日历（非官方）"  # this year's, though published second
    assert calendar.source(NEXT_YEAR) == f"{NEXT_YEAR}测试用日历（非官方）"
    assert not any(calendar.is_workday(dt.date(NEXT_YEAR, 1, d)) for d in (1, 2, 3, 4))
    # the first day not counted: 1 working day after 31 December is the first working day after the 4 days off
    after = working_days_after(calendar, dt.date(THIS_YEAR, 12, 31), 1)
    assert (after.last_day, after.provisional) == (_first_workday_after_the_4th(NEXT_YEAR), False)
    assert before.last_day < after.last_day
    # kept, with each name's ETag: the next pass is answered 304 and changes nothing
    assert agency.store.read(lambda s: read_state(s, f"etag:{calendar_name(NEXT_YEAR)}"))
    assert agency.engine.run_once().status.reason == ""
    # a revised notice for next year replaces it; this year's stays
    publish(published, HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 12, year_file(NEXT_YEAR, holiday_to=1)))
    assert agency.engine.run_once().status.reason == ""
    calendar = _calendar_of(agency)
    assert not calendar.is_workday(dt.date(NEXT_YEAR, 1, 1)) and calendar.is_workday(_weekday_2_to_4(NEXT_YEAR))
    assert calendar.source(THIS_YEAR) == f"{THIS_YEAR}测试用日历（非官方）"


@pytest.mark.parametrize(
    ("version", "content", "signer", "expected"),
    [
        (13, b"format = [", None, "第 13 版内容有误：节假日日历文件"),  # the office signed it; it is no calendar
        (13, year_file(NEXT_YEAR, holiday_to=2), "enforcement", "不是由两法衔接领导小组办公室签名的"),
        (9, year_file(NEXT_YEAR, holiday_to=2), None, "第 9 版比本机已有的第 12 版旧"),
        (12, year_file(NEXT_YEAR, holiday_to=3), None, "第 12 版与本机已有的同版内容不同"),
        (13, year_file(NEXT_YEAR + 5), None, f"第 13 版是{NEXT_YEAR + 5}年的安排，不是所请求的{NEXT_YEAR}年"),
    ],
)
def test_a_refused_calendar_leaves_the_held_one_and_does_not_stop_the_packets(
    agency: Side, police: Side, pki: PlatformPki, published: PlatformConfig, version: int, content: bytes,
    signer: str | None, expected: str,
) -> None:  # fmt: skip
    good = signed(pki, HOLIDAY_CALENDAR, 12, year_file(NEXT_YEAR, holiday_to=1))
    serve(published, calendar_name(NEXT_YEAR), good)
    assert agency.engine.run_once().status.reason == ""
    key = pki.world.enforcement_operator if signer == "enforcement" else None
    serve(published, calendar_name(NEXT_YEAR), signed(pki, HOLIDAY_CALENDAR, version, content, key))
    case_id = transferred_case(agency, pki, f"银兴市监立〔{NEXT_YEAR}〕{version}{len(content)}号")
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.UP_TO_DATE and report.pushed == 4
    assert report.status.reason.startswith(f"平台发布的{NEXT_YEAR}年节假日安排未予使用：")
    assert expected in report.status.reason
    assert report.status.reason.endswith("已继续使用本机已有的版本。请联系两法衔接领导小组办公室。")
    etag = agency.store.read(lambda s: read_state(s, f"etag:{calendar_name(NEXT_YEAR)}"))
    assert etag == hashlib.sha256(good).hexdigest()  # the good one's: the refused one's is not kept
    assert agency.engine.run_once().status.reason == report.status.reason  # fetched again: still refused
    received = police.engine.run_once()  # the other terminal receives the case all the same
    assert received.status.phase is SyncPhase.UP_TO_DATE and received.applied >= 1
    assert police.store.read(lambda s: load_case_state(s, case_id)) is not None
    calendar = _calendar_of(agency)
    assert calendar.source(NEXT_YEAR) == f"{NEXT_YEAR}测试用日历（非官方）"
    assert not calendar.is_workday(dt.date(NEXT_YEAR, 1, 1)) and calendar.is_workday(_weekday_2_to_4(NEXT_YEAR))
    assert not calendar.is_published(NEXT_YEAR + 5)
    serve(published, calendar_name(NEXT_YEAR), good)


def test_the_first_calendar_refused_says_the_shipped_one_serves(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    serve(published, calendar_name(NEXT_YEAR), signed(pki, HOLIDAY_CALENDAR, 30, b"format = ["))
    try:
        report = agency.engine.run_once()
        assert report.status.reason.endswith("已继续使用程序自带的版本。请联系两法衔接领导小组办公室。")
    finally:
        serve(
            published, calendar_name(NEXT_YEAR), signed(pki, HOLIDAY_CALENDAR, 12, year_file(NEXT_YEAR, holiday_to=1))
        )


def test_published_rules_replace_the_shipped_ones_and_never_go_back(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    publish(published, SCREENING_RULES, signed(pki, SCREENING_RULES, 3, rules_file("测试办公室第三版")))
    assert agency.engine.run_once().status.reason == ""
    rules = OfficeFiles(agency.trust_source).rules(agency.store)
    assert rules is not None and rules.issued_by == "测试办公室第三版"
    for version, issued_by, expected in [
        (2, "测试办公室第二版", "第 2 版比本机已有的第 3 版旧"),
        (3, "测试办公室另一个第三版", "第 3 版与本机已有的同版内容不同"),
    ]:
        serve(published, SCREENING_RULES, signed(pki, SCREENING_RULES, version, rules_file(issued_by)))
        report = agency.engine.run_once()
        assert report.status.reason.startswith(f"平台发布的以罚代刑筛查规则未予使用：{expected}")
        rules = OfficeFiles(agency.trust_source).rules(agency.store)
        assert rules is not None and rules.issued_by == "测试办公室第三版"
    serve(published, SCREENING_RULES, signed(pki, SCREENING_RULES, 3, rules_file("测试办公室第三版")))
