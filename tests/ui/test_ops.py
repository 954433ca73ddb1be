"""The op runner: work off the UI thread, results and failures back on it, progress, cancellation."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QCoreApplication, QThread

from app.domain.errors import AppError
from app.ui.ops import OpContext, OpRunner
from app.ui.watchdog import UiStallWatchdog


class NotAllowed(AppError):
    user_message = "不允许此操作。"


def _drain(qtbot, runner: OpRunner) -> None:
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=5000)


def test_work_runs_off_the_ui_thread_and_result_returns_on_it(qtbot) -> None:
    errors: list[AppError] = []
    runner = OpRunner(errors.append)
    app = QCoreApplication.instance()
    assert app is not None
    ui_thread = app.thread()
    seen: dict[str, object] = {}

    def work(ctx: OpContext) -> int:
        seen["worker_is_ui"] = QThread.currentThread() is ui_thread
        return 41 + 1

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_is_ui"] = QThread.currentThread() is ui_thread

    runner.op(work).success(done).run()
    _drain(qtbot, runner)
    assert seen == {"worker_is_ui": False, "value": 42, "callback_is_ui": True}
    assert errors == []


def test_app_error_reaches_the_one_error_path_with_its_chinese_sentence(qtbot) -> None:
    errors: list[AppError] = []
    runner = OpRunner(errors.append)

    def work(ctx: OpContext) -> None:
        raise NotAllowed("refused in test")

    runner.op(work).run()
    _drain(qtbot, runner)
    assert [e.for_operator() for e in errors] == ["不允许此操作。"]


def test_unexpected_exception_becomes_an_internal_error_without_its_text(qtbot) -> None:
    errors: list[AppError] = []
    runner = OpRunner(errors.append)

    def work(ctx: OpContext) -> None:
        raise KeyError("secret-looking-detail")

    runner.op(work).run()
    _drain(qtbot, runner)
    assert len(errors) == 1
    assert "secret-looking-detail" not in errors[0].for_operator()
    assert "secret-looking-detail" not in str(errors[0])


def test_progress_is_delivered_and_cancel_stops_the_work(qtbot) -> None:
    errors: list[AppError] = []
    runner = OpRunner(errors.append)
    reports: list[tuple[int, int]] = []
    started = threading.Event()
    finished: list[object] = []

    def work(ctx: OpContext) -> str:
        for i in range(1000):
            ctx.raise_if_cancelled()
            ctx.report(i, 1000, "处理中")
            started.set()
            time.sleep(0.005)
        return "completed"

    context = runner.op(work).success(finished.append).progress(lambda d, t, _: reports.append((d, t))).run()
    assert started.wait(5)
    qtbot.waitUntil(lambda: len(reports) > 0, timeout=5000)
    context.cancel()
    _drain(qtbot, runner)
    assert finished == []
    assert errors == []
    assert reports[0] == (0, 1000)


def test_watchdog_measures_a_blocked_ui_thread(qtbot) -> None:
    watchdog = UiStallWatchdog(interval_ms=20, threshold_ms=200)
    watchdog.start()
    qtbot.wait(100)
    assert watchdog.longest_stall_ms < 200
    time.sleep(0.35)  # block the UI thread on purpose
    qtbot.wait(100)
    watchdog.stop()
    assert watchdog.longest_stall_ms >= 250
    assert len(watchdog.stalls) == 1
