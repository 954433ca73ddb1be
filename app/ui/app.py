"""The desktop application: ``main_gui(argv)`` for the ``lianjie`` command, ``run_gui(config)`` for the demo.

Start-up order, for a login window within a second: Qt, the theme and the login window first (they import only Qt,
the configuration and the op runner). Once the window has painted, one worker imports the services (cryptography,
SQLAlchemy, SQLCipher, PKCS#11, the domain) and the main window's module, then lists the certificates. Those two
modules are imported by name on that worker — the one place this package imports lazily, and only for start-up time.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import logging.handlers
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.config import TerminalConfig, load_config
from app.domain.errors import AppError
from app.ui.context import AppContext
from app.ui.login.window import LoginWindow
from app.ui.ops import OpRunner
from app.ui.theme import apply_theme
from app.ui.watchdog import UiStallWatchdog

FIRST_PAGE = "cases"  # 工作台 is a placeholder until the to-do list lands; operators start on their cases

if TYPE_CHECKING:
    from app.crypto.pkcs11_token import TokenLibrary
    from app.ui.backend import ActiveSession, Backend
    from app.ui.demo_switch import DemoSwitcher, DemoTerminalChoice
    from app.ui.shell import MainWindow

log = logging.getLogger(__name__)


class ErrorPresenter:
    """The one error path of the op runner: a sentence in a non-blocking message box, never a traceback."""

    def __init__(self, *, interactive: bool = True) -> None:
        self.shown: list[str] = []
        self._interactive = interactive

    def show(self, error: AppError) -> None:
        text = error.for_operator()
        self.shown.append(text)
        log.info("operator shown error %s", type(error).__name__)
        if not self._interactive:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "衔接终端", text, QMessageBox.StandardButton.Ok, _active_window())
        box.button(QMessageBox.StandardButton.Ok).setText("确定")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()


def _active_window() -> QWidget | None:
    return QApplication.activeWindow()


def load_services(config: TerminalConfig, tokens: TokenLibrary | None) -> tuple[Backend, type[MainWindow]]:
    """Worker thread: import the heavy modules and open the token library."""
    backend_module = importlib.import_module("app.ui.backend")
    shell_module = importlib.import_module("app.ui.shell")
    return backend_module.Backend.load(config, tokens), shell_module.MainWindow


class TerminalApp(QObject):
    """The application's flow: login window → main window ⇄ lock page → (switch operator) → login window."""

    def __init__(
        self,
        config: TerminalConfig,
        *,
        demo_pin: str | None = None,
        tokens: TokenLibrary | None = None,
        interactive_errors: bool = True,
        lock_clock: Callable[[], float] = time.monotonic,
        lock_check_ms: int = 5000,
        token_poll_ms: int = 3000,
    ) -> None:
        super().__init__()
        self.errors = ErrorPresenter(interactive=interactive_errors)
        runner = OpRunner(self.errors.show)
        watchdog = UiStallWatchdog(self)
        self.context = AppContext(
            config,
            runner,
            watchdog,
            self.errors.show,
            demo_pin=demo_pin,
            lock_clock=lock_clock,
            lock_check_ms=lock_check_ms,
            token_poll_ms=token_poll_ms,
        )
        self._tokens = tokens
        self._main_window_class: type[MainWindow] | None = None
        self.main: MainWindow | None = None
        self.login = LoginWindow(self.context)
        self.login.first_painted.connect(self._load_services)
        self.login.logged_in.connect(self._open_main)
        self.login.rescan_requested.connect(lambda: self.refresh_candidates(rescan=True))

    def start(self) -> None:
        self.context.watchdog.start()
        self.login.show()

    @property
    def services_loaded(self) -> bool:
        return self.context.backend is not None and self._main_window_class is not None

    def _load_services(self) -> None:
        config, tokens = self.context.config, self._tokens
        self.context.runner.op(lambda ctx: load_services(config, tokens)).success(self._services_loaded).failure(
            self.login.show_refusal
        ).run()

    def _services_loaded(self, loaded: tuple[Backend, type[MainWindow]]) -> None:
        self.context.backend, self._main_window_class = loaded
        self.refresh_candidates(rescan=False)
        # Build the (hidden) main window while the operator types the PIN, one piece per event-loop turn,
        # so that the login itself only attaches the session and shows it.
        QTimer.singleShot(0, self._prepare_main)

    def _prepare_main(self) -> MainWindow:
        if self.main is None:
            assert self._main_window_class is not None
            self.main = self._main_window_class(self.context)
            self.main.switch_operator_requested.connect(self._switch_operator)
            QTimer.singleShot(0, self._prepare_first_page)
        return self.main

    def _prepare_first_page(self) -> None:
        if self.main is not None:
            self.main.controller(FIRST_PAGE)
            # Render once, off screen: Qt and PySide initialise their painting paths now, during the login screen,
            # instead of in the first frame after the PIN (where it cost 100-250 ms on a busy machine).
            self.main.grab()
            settle_heap()

    @property
    def main_prepared(self) -> bool:
        return self.main is not None and FIRST_PAGE in self.main.controllers

    def refresh_candidates(self, *, rescan: bool) -> None:
        backend = self.context.backend
        if backend is None:
            return
        self.login.rescan_started()
        self.context.runner.op(lambda ctx: backend.login_choices(rescan=rescan)).success(
            self.login.show_choices
        ).failure(self.login.show_refusal).run()

    def _open_main(self, session: ActiveSession) -> None:
        main = self._prepare_main()
        main.start_session(session)
        main.navigate(FIRST_PAGE)
        main.show()
        self.login.hide()

    def _switch_operator(self) -> None:
        if self.main is not None:
            self.main.hide()  # kept, session-less, for the next operator
        self.login.show()
        self.refresh_candidates(rescan=False)

    def shutdown(self) -> None:
        """After the event loop: close the store, finish the workers, release the token module."""
        if self.main is not None:
            self.main.end_session_now()
        self.context.runner.wait_for_idle()
        self.context.watchdog.stop()
        if self.context.backend is not None:
            self.context.backend.close()


# Workers hold the GIL in slices of this length; the UI thread waits up to one slice per worker to run any Python
# callback. CPython's default (5 ms) makes a paint that needs the GIL many times wait visibly behind page reads.
GIL_SWITCH_INTERVAL_S = 0.001


def settle_heap() -> None:
    """Collect once, then exempt everything alive (modules, Qt wrappers, the prepared window) from later full
    collections: a full collection runs on whichever thread allocates, often the UI thread, and its pause grows
    with the heap (100-400 ms measured in a large process)."""
    gc.collect()
    gc.freeze()


def tune_interpreter_for_ui() -> None:
    """Process-wide settings for a responsive UI thread (called by run_gui, and by the UI tests)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


def run_gui(
    config: TerminalConfig,
    *,
    demo_pin: str | None = None,
    argv: Sequence[str] | None = None,
    on_login_painted: Callable[[LoginWindow], Any] | None = None,
    demo_terminals: Sequence[DemoTerminalChoice] = (),
) -> int:
    """Build the application context, show the login window and run until the last window closes. In the demo,
    ``demo_terminals`` puts a bar on the login window that restarts the context on another terminal's data dir."""
    tune_interpreter_for_ui()
    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("衔接终端")
    app.setApplicationDisplayName("衔接终端")
    apply_theme(app)
    if demo_terminals:
        switcher = demo_switcher(demo_terminals, demo_pin)
        switcher.open(0)
        try:
            return int(app.exec())
        finally:
            current = switcher.current
            if isinstance(current, TerminalApp):
                current.shutdown()
    terminal = TerminalApp(config, demo_pin=demo_pin)
    if on_login_painted is not None:
        terminal.login.first_painted.connect(lambda: on_login_painted(terminal.login))
    terminal.start()
    try:
        return int(app.exec())
    finally:
        terminal.shutdown()


def demo_switcher(choices: Sequence[DemoTerminalChoice], demo_pin: str | None) -> DemoSwitcher:
    """The demo hook: start a ``TerminalApp`` on a terminal's data dir; stop the previous one after the switch."""
    from app.ui.demo_switch import DemoSwitcher

    def start(config: TerminalConfig) -> TerminalApp:
        terminal = TerminalApp(config, demo_pin=demo_pin)
        terminal.start()
        return terminal

    def stop(old: object) -> None:
        if isinstance(old, TerminalApp):
            old.login.hide()
            if old.main is not None:
                old.main.hide()
            old.shutdown()

    return DemoSwitcher(choices, start, stop, lambda t: t.login if isinstance(t, TerminalApp) else QWidget())


def _log_to_file(config: TerminalConfig) -> None:
    """The application log under ``<data_dir>/logs`` (what the support bundle collects). Never case data or PINs."""
    config.logs_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        config.logs_dir / "lianjie.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main_gui(argv: Sequence[str] | None = None) -> int:
    """``lianjie`` with no sub-command: the desktop application."""
    parser = argparse.ArgumentParser(prog="lianjie", description="衔接终端 — 两法衔接信息共享平台终端")
    parser.add_argument("--data-dir", help="终端数据目录")
    args, rest = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    try:
        config = load_config(Path(args.data_dir) if args.data_dir else None)
    except AppError as exc:
        print(f"错误：{exc.for_operator()}", file=sys.stderr)
        return 2
    _log_to_file(config)
    return run_gui(config, argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    raise SystemExit(main_gui())
