"""The desktop application on a real enrolled terminal (CA, key slots, SQLCipher store, PKCS#12 operator) from the
identity engineer's fixtures, driven through its widgets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from app.ui.app import TerminalApp
from app.ui.pyside_guard import guard_pyside_refcounts
from app.ui.shell import MainWindow
from tests.crypto.conftest import ca  # noqa: F401  (fixture used by terminal)
from tests.services.conftest import P12_PASSWORD, Terminal, terminal  # noqa: F401

STALL_LIMIT_MS = 200


class LockClock:
    """The monotonic clock the idle lock reads; tests move it forward instead of waiting ten minutes."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now

    def advance_minutes(self, minutes: float) -> None:
        self.now += minutes * 60


@dataclass
class Running:
    app: TerminalApp
    terminal: Terminal
    clock: LockClock

    @property
    def main(self) -> MainWindow:
        assert self.app.main is not None
        return self.app.main

    @property
    def stall_ms(self) -> float:
        return self.app.context.watchdog.longest_stall_ms


def start_app(qtbot, terminal: Terminal) -> Running:  # noqa: F811
    clock = LockClock()
    app = TerminalApp(terminal.config, interactive_errors=False, lock_clock=clock, lock_check_ms=50)
    qtbot.addWidget(app.login)
    app.start()
    qtbot.waitUntil(lambda: app.services_loaded, timeout=15_000)
    qtbot.waitUntil(lambda: app.login.candidates.count() > 0 or app.login.pages.currentIndex() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: app.main_prepared, timeout=10_000)
    # Start-up (font database, first layout) is not part of the flows the 200 ms rule measures.
    app.context.watchdog.reset()
    return Running(app, terminal, clock)


@pytest.fixture
def running(qtbot, terminal: Terminal) -> Iterator[Running]:  # noqa: F811
    state = start_app(qtbot, terminal)
    yield state
    stop_app(qtbot, state.app)


def stop_app(qtbot, app: TerminalApp) -> None:
    if app.main is not None:
        app.main.close()
    app.shutdown()


def log_in(qtbot, running: Running, pin: str = P12_PASSWORD) -> MainWindow:
    login = running.app.login
    type_text(login.pin, pin)
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: logged_in(running.app) or login.error.isVisible(), timeout=10_000)
    assert logged_in(running.app), login.error.text()
    return running.main


def type_text(field: QLineEdit, text: str) -> None:
    """What an input method delivers: QTest cannot synthesise key events for CJK characters (the PIN has 口令)."""
    field.setFocus()
    field.insert(text)


def logged_in(app: TerminalApp) -> bool:
    return app.main is not None and app.main.isVisible() and app.main.session is not None


@pytest.fixture(autouse=True, scope="session")
def _pyside_emit_guard() -> None:
    """Every UI test process emits more signals than True has references: see app/ui/pyside_guard.py."""
    guard_pyside_refcounts()
