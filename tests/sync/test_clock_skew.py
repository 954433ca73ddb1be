"""Clock skew against a real platform: a terminal whose clock is more than 5 minutes off is in error with the Chinese
reason, and the audit log says so (ARCHITECTURE.md "Sync": reported, not ignored). The engine's clock is injected."""

from __future__ import annotations

import datetime as dt

from app.models.audit import AuditKind, list_audit, verify_audit_chain
from app.sync.state import SyncPhase
from tests.sync.test_engine_support import Side


def _skew_rows(side: Side) -> list[int]:
    rows = side.store.read(lambda s: list_audit(s, limit=1000))
    return [int(r.details["skew_seconds"] or 0) for r in rows if r.kind == AuditKind.CLOCK_SKEW]


def test_a_terminal_clock_11_minutes_behind_is_an_error_with_an_audit_row(agency: Side) -> None:
    agency.engine.clock = lambda: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.ERROR
    assert "本机时钟与平台相差约 11 分钟" in report.status.reason and "请校准本机时间" in report.status.reason
    assert report.status.clock_skew is not None and report.status.clock_skew > dt.timedelta(minutes=10)
    (skew,) = _skew_rows(agency)
    assert 650 < skew < 670
    assert agency.store.read(verify_audit_chain).intact


def test_a_clock_within_5_minutes_is_up_to_date_and_not_audited(agency: Side) -> None:
    agency.engine.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=4)
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.UP_TO_DATE, report.status.reason
    assert _skew_rows(agency) == []


def test_a_clock_that_stays_off_is_audited_once_not_at_every_pass(agency: Side) -> None:
    agency.engine.clock = lambda: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)
    for _ in range(3):
        assert agency.engine.run_once().status.phase is SyncPhase.ERROR
    assert len(_skew_rows(agency)) == 1  # a pass every 30 s wrote 2,880 rows a day
    agency.engine.clock = lambda: dt.datetime.now(dt.UTC)
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE
    agency.engine.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=9)
    agency.engine.run_once()
    assert len(_skew_rows(agency)) == 2  # off again after it was right: audited again
