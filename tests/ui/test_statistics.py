"""统计 on a real terminal: the chart shows the month's overdue duty as missing, and the CSV has the same numbers."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from app.domain.deadlines import WorkingCalendar
from app.services.statistics import month_periods, monthly_assessment
from app.ui.features.statistics import StatisticsController
from tests.ui.conftest import STALL_LIMIT_MS, Running, log_in
from tests.ui.feature_support import overdue_transfer_report


def test_statistics_charts_the_assessment_and_exports_the_same_numbers(qtbot, running: Running, tmp_path: Path) -> None:
    main = log_in(qtbot, running)
    overdue_transfer_report(main, days_ago=10)
    assert main.session is not None
    now = dt.datetime.now().astimezone()
    expected = monthly_assessment(
        main.session.store, main.session.operator.agency_code, month_periods(now.date(), 6), now=now,
        calendar=WorkingCalendar(),
    )  # fmt: skip
    assert sum(m.missing for m in expected) >= 1  # the head's decision (310号令 Art.5) fell due and was not made
    running.watchdog.reset()
    statistics = main.navigate("statistics")
    assert isinstance(statistics, StatisticsController)
    qtbot.waitUntil(lambda: statistics.loads > 0, timeout=20_000)
    assert statistics.rows == expected
    bars = statistics.bar_values()
    assert set(bars) == {"按时", "迟延", "缺失"}
    assert bars["缺失"] == [float(m.missing) for m in expected] and len(bars["按时"]) == 6
    statistics.export_csv(tmp_path / "考核.csv")
    qtbot.waitUntil(lambda: statistics.exported is not None, timeout=10_000)
    with (tmp_path / "考核.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["单位", main.session.operator.agency_name]
    assert rows[1][:4] == ["月份", "按时", "迟延", "缺失"]
    body = {r[0]: r for r in rows[2:]}
    assert list(body) == [m.label for m in expected]
    for m in expected:
        assert body[m.label][1:4] == [str(m.on_time), str(m.late), str(m.missing)]
    statistics.export_png(tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert running.stall_ms < STALL_LIMIT_MS
