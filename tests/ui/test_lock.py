"""The idle lock, Ctrl+L and unlocking with the PIN again; the lock hides every case and closes the store."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.features.cases.controller import CasesController
from tests.services.conftest import P12_PASSWORD
from tests.ui.conftest import STALL_LIMIT_MS, Running, log_in, logged_in, type_text


def _cases(running: Running) -> CasesController:
    controller = running.main.controller("cases")
    assert isinstance(controller, CasesController)
    return controller


def test_idle_time_locks_and_only_the_pin_unlocks(qtbot, running: Running) -> None:
    main = log_in(qtbot, running)
    first = main.session
    assert first is not None
    running.clock.advance_minutes(9)
    qtbot.wait(150)  # the lock check runs every 50 ms in the tests
    assert not main.locked
    qtbot.mouseMove(main.navigation)  # activity restarts the countdown
    qtbot.keyClick(main.navigation, Qt.Key.Key_Down)
    running.clock.advance_minutes(9)
    qtbot.wait(150)
    assert not main.locked
    running.clock.advance_minutes(1.1)
    qtbot.waitUntil(lambda: main.locked, timeout=2000)
    assert main.root.currentWidget() is main.lock_page
    assert "长时间未操作" in main.lock_page.reason.text()
    assert "张三（OP0001）" in main.lock_page.operator.text()
    assert _cases(running).model.rowCount() == 0
    qtbot.waitUntil(lambda: first.handle.locked and main.lock_page.unlock.isEnabled(), timeout=5000)

    type_text(main.lock_page.pin, "wrong")
    qtbot.keyClick(main.lock_page.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.lock_page.error.isVisible(), timeout=10_000)
    assert main.lock_page.error.text() == "PIN 码错误。请重新输入。"
    assert main.locked

    type_text(main.lock_page.pin, P12_PASSWORD)
    qtbot.keyClick(main.lock_page.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not main.locked, timeout=10_000)
    assert main.root.currentWidget() is main.workspace
    assert main.session is not None and main.session is not first and not main.session.handle.locked
    qtbot.waitUntil(lambda: _cases(running).model.counted, timeout=5000)
    assert running.stall_ms < STALL_LIMIT_MS


def test_ctrl_l_locks_at_once(qtbot, running: Running) -> None:
    main = log_in(qtbot, running)
    qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main.locked, timeout=2000)
    assert main.lock_page.reason.text() == "终端已锁定。请重新输入 PIN 码解锁。"
    assert main.lock_page.pin.hasFocus() or main.lock_page.progress.isVisible()
    assert running.stall_ms < STALL_LIMIT_MS


def test_switching_operator_returns_to_the_login_window(qtbot, running: Running) -> None:
    main = log_in(qtbot, running)
    main.lock_now()
    qtbot.waitUntil(lambda: main.lock_page.switch.isEnabled(), timeout=5000)
    qtbot.mouseClick(main.lock_page.switch, Qt.MouseButton.LeftButton)
    login = running.app.login
    qtbot.waitUntil(lambda: login.isVisible() and login.login_button.isEnabled(), timeout=5000)
    assert not logged_in(running.app)
    log_in(qtbot, running)
