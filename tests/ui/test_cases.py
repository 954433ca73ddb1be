"""The case list over 20,000 cases: a window of pages, never the whole table; search, filters, detail, keys."""

from __future__ import annotations

from functools import partial

import pytest
from PySide6.QtCore import Qt
from sqlalchemy.orm import Session

from app.commands.demo import seed_cases
from app.services.identity import list_candidates
from app.services.login import LoginService
from app.services.ui_queries import CaseFilter, count_matching
from app.ui.features.cases.controller import CasesController
from app.ui.features.cases.detail import CaseDetailDialog
from tests.crypto.conftest import AGENCY_CODE
from tests.services.conftest import P12_PASSWORD, Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, log_in, start_app, stop_app, type_text

CASES = 20_000


SEARCHED = (CaseFilter(text="张"), CaseFilter(text="张", stage="filed"))


def _count(session: Session, case_filter: CaseFilter) -> int:
    return count_matching(session, case_filter)


@pytest.fixture
def seeded(terminal: Terminal) -> tuple[Terminal, list[int]]:
    """The terminal with 20,000 cases, and the counts of ``SEARCHED`` (read here, not on the UI thread later)."""
    (candidate,) = list_candidates(terminal.config, None)
    session = LoginService(terminal.config).login(candidate, lambda request: P12_PASSWORD)
    try:
        session.store.write(lambda s: seed_cases(s, CASES, AGENCY_CODE, seed=7))
        counts = [session.store.read(partial(_count, case_filter=f)) for f in SEARCHED]
    finally:
        session.lock("manual")
    return terminal, counts


def test_case_list_pages_searches_and_filters_20000_cases_without_blocking(qtbot, seeded, kdf: KdfWindows) -> None:
    terminal, (expected, both) = seeded
    running = start_app(qtbot, terminal, kdf)
    try:
        main = log_in(qtbot, running)
        cases = main.controller("cases")
        assert isinstance(cases, CasesController)
        model, table = cases.model, cases.table
        qtbot.waitUntil(lambda: model.counted and model.row_at(0) is not None, timeout=10_000)
        assert model.rowCount() == CASES
        assert cases.total.text() == "共 20,000 件"
        assert [model.headerData(i, Qt.Orientation.Horizontal) for i in range(3)] == ["案件编号", "案件名称", "当事人"]
        newest = model.record(0)
        assert newest is not None and newest.case_number.endswith(f"〕{CASES}号")

        table.scrollToBottom()
        qtbot.waitUntil(lambda: model.row_at(CASES - 1) is not None, timeout=10_000)
        last = model.record(CASES - 1)
        assert last is not None and last.case_number.endswith("〕1号")
        for _ in range(5):  # page down through a few screens: keyset reads of the neighbouring pages
            table.verticalScrollBar().setValue(table.verticalScrollBar().value() - table.viewport().height())
            qtbot.wait(30)
        assert model.pages_loaded < 10 and model.cached_pages() <= 40  # a window, not 100 pages of 200 rows

        qtbot.keyClick(main, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert cases.filters.search.hasFocus()
        type_text(cases.filters.search, "张")
        qtbot.keyClick(cases.filters.search, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: model.counted and model.rowCount() == expected, timeout=10_000)
        assert 0 < expected < CASES and cases.total.text() == f"符合条件的 {expected:,} 件"
        qtbot.waitUntil(lambda: model.row_at(0) is not None, timeout=10_000)
        first = model.record(0)
        assert first is not None and "张" in first.case_number + first.title + first.party_name

        stage = cases.filters.stage
        qtbot.waitUntil(lambda: stage.count() > 1, timeout=10_000)
        stage.setCurrentIndex(stage.findData("filed"))
        qtbot.waitUntil(lambda: model.counted and model.case_filter.stage == "filed", timeout=10_000)
        assert model.rowCount() == both and stage.currentText() == "已立案"

        qtbot.mouseClick(cases.filters.clear, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: model.counted and model.rowCount() == CASES, timeout=10_000)
        qtbot.waitUntil(lambda: model.row_at(0) is not None, timeout=10_000)
        dialog = cases.open_detail(model.index(0, 0))
        assert isinstance(dialog, CaseDetailDialog) and newest.case_number in dialog.windowTitle()
        dialog.close()
        assert running.stall_ms < STALL_LIMIT_MS
    finally:
        stop_app(qtbot, running.app)


def test_navigation_by_keyboard_reaches_every_feature(qtbot, terminal: Terminal, kdf: KdfWindows) -> None:
    running = start_app(qtbot, terminal, kdf)
    try:
        main = log_in(qtbot, running)
        qtbot.keyClick(main, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
        assert main.current_key() == "inbox"
        labels = " ".join(label.text() for label in main.controller("inbox").widget.findChildren(type(main.sync_label)))
        assert "收件箱" in labels and "尚未开放" not in labels
        qtbot.keyClick(main, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
        assert main.current_key() == "statistics"
        qtbot.keyClick(main, Qt.Key.Key_F1)
        assert main.current_key() == "diagnostics"
        qtbot.keyClick(main, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
        assert main.current_key() == "cases"
        titles = [main.navigation.item(i).text() for i in range(main.navigation.count())]
        assert titles == [
            "工作台",
            "案件",
            "收件箱",
            "发件箱",
            "咨询",
            "提前介入",
            "联席会议",
            "备案",
            "监督检查",
            "统计",
            "设置",
            "关于/诊断",
        ]
        assert running.stall_ms < STALL_LIMIT_MS
    finally:
        stop_app(qtbot, running.app)
