"""Names, not codes, where the operator reads them: the case timeline names who entered each record (the code in
the tooltip), and the 工作台 事项 column is wide enough for its longest item."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.domain.todo import Urgency
from app.services.workbench_queries import TodoRow
from app.ui.features.case_detail import open_case_detail
from app.ui.features.record_table import RecordTable
from app.ui.features.workbench import TODO_COLUMNS, todo_style
from tests.services.conftest import Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, log_in
from tests.ui.support_cases import app_with_case


def test_the_timeline_names_the_operator_with_the_id_in_the_tooltip(
    qtbot, terminal: Terminal, kdf: KdfWindows, tmp_path: Path
) -> None:
    # The case is entered by 张三 through the desk: a signed packet names him.
    with app_with_case(qtbot, terminal, kdf, tmp_path) as (running, case_id):
        main = log_in(qtbot, running)
        session = main.session
        assert session is not None
        running.watchdog.reset()
        detail = open_case_detail(running.app.context, session, case_id, "兴市监罚〔2026〕7号", main)
        qtbot.waitUntil(lambda: detail.view is not None, timeout=10_000)
        assert detail.view is not None
        (entry,) = detail.view.timeline
        cell = detail.timeline.item(0, 2)
        assert cell is not None
        assert cell.text().endswith(" / 张三"), cell.text()
        assert entry.operator_id not in cell.text() and entry.operator_id in cell.toolTip()
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls


def test_the_workbench_item_column_fits_a_right_not_to_be_used(qtbot) -> None:
    due = dt.datetime(2026, 11, 30, 23, 59, tzinfo=dt.UTC)
    row = TodoRow(
        "case-1", "银兴市监立〔2026〕119号 宁夏凤城物流有限公司涉嫌污染环境案", "建议立案监督", "seed §9", due.date(),
        False, due, False, True, Urgency.DUE_SOON, 4,
    )  # fmt: skip
    table = RecordTable(TODO_COLUMNS, "待办事项", todo_style)
    qtbot.addWidget(table)
    table.resize(1100, 300)
    table.set_records((row,))
    text = table.cell_text(0, 2)
    assert text == "建议立案监督（权利，可不行使）"
    assert table.columnWidth(2) >= table.fontMetrics().horizontalAdvance(text)
    item = table.item(0, 2)
    assert item is not None and text in item.toolTip()
