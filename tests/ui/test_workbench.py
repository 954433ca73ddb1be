"""工作台 on a real terminal: an overdue duty in red with the days overdue and its rule in the tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.domain.todo import Urgency
from app.ui.features.record_table import RED
from app.ui.features.workbench import WorkbenchController
from tests.ui.conftest import STALL_LIMIT_MS, Running, log_in
from tests.ui.feature_support import overdue_transfer_report


def test_workbench_shows_an_overdue_duty_in_red_with_days_overdue(qtbot, running: Running) -> None:
    main = log_in(qtbot, running)
    case_id, _ = overdue_transfer_report(main, days_ago=10)
    running.watchdog.reset()
    opened: list[str] = []
    main.context.open_case = opened.append
    workbench = main.navigate("workbench")
    assert isinstance(workbench, WorkbenchController)
    qtbot.waitUntil(lambda: workbench.view is not None and len(workbench.view.todo) > 0, timeout=20_000)
    row = next(i for i, r in enumerate(workbench.todo.records) if r.case_id == case_id)
    record = workbench.todo.records[row]
    assert record.urgency is Urgency.OVERDUE
    days = -record.days_left
    assert days >= 7  # 3 days for the head's decision (310号令 Art.5) out of 10
    assert workbench.todo.cell_text(row, 1) == f"已逾期 {days} 天"
    assert workbench.todo.cell_text(row, 0) == "已逾期"
    item = workbench.todo.item(row, 0)
    assert item is not None
    assert item.background().color() == RED
    assert "310" in item.toolTip() and record.label in item.toolTip()
    assert "已逾期 1 项" in workbench.summary.text() or "已逾期" in workbench.summary.text()
    workbench.todo.setFocus()
    workbench.todo.selectRow(row)
    qtbot.keyClick(workbench.todo, Qt.Key.Key_Return)
    assert opened == [case_id]
    assert running.stall_ms < STALL_LIMIT_MS
