"""Screenshots of the main screens, taken from the real windows (``lianjie demo --screenshots DIR``; run it under
Xvfb with QT_QPA_PLATFORM=xcb for docs/screenshots). Drives the application as an operator would."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QSize
from PySide6.QtWidgets import QApplication, QWidget

from app.config import TerminalConfig
from app.ui.app import TerminalApp, tune_interpreter_for_ui
from app.ui.features.cases.controller import CasesController
from app.ui.features.diagnostics import DiagnosticsController
from app.ui.features.settings import SettingsController
from app.ui.theme import apply_theme

MAIN_SIZE = QSize(1280, 760)


def spin(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("screen did not reach the expected state")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle(seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def save(widget: QWidget, path: Path) -> Path:
    widget.grab().save(str(path), "PNG")
    return path


def take_screenshots(config: TerminalConfig, pin: str, out: Path) -> list[Path]:
    """Login (and a refused PIN), case list, settings, diagnostics, lock screen — as PNG files in ``out``."""
    tune_interpreter_for_ui()
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(["lianjie"])
    assert isinstance(app, QApplication)
    apply_theme(app)
    terminal = TerminalApp(config, demo_pin=pin, interactive_errors=False)
    terminal.start()
    login = terminal.login
    spin(lambda: terminal.main_prepared and login.candidates.count() > 0 and login.login_button.isEnabled())
    settle()
    shots = [save(login, out / "login.png")]
    login.pin.setText("000000")
    login.submit()
    spin(lambda: login.error.isVisible())
    settle()
    shots.append(save(login, out / "login-wrong-pin.png"))
    login.pin.setText(pin)
    login.submit()
    spin(lambda: terminal.main is not None and terminal.main.session is not None)
    main = terminal.main
    assert main is not None
    main.resize(MAIN_SIZE)
    cases = main.controller("cases")
    assert isinstance(cases, CasesController)
    spin(lambda: cases.model.counted and cases.model.row_at(0) is not None and cases.filters.stage.count() > 1)
    cases.table.selectRow(2)
    settle()
    shots.append(save(main, out / "cases.png"))
    cases.filters.search.setText("张")
    cases.filters.emit_now()
    spin(lambda: cases.model.counted and cases.model.case_filter.text == "张" and cases.model.row_at(0) is not None)
    settle()
    shots.append(save(main, out / "cases-search.png"))
    cases.filters.reset()
    settings = main.navigate("settings")
    assert isinstance(settings, SettingsController)
    spin(lambda: settings.anchors.rowCount() > 0)
    settle()
    shots.append(save(main, out / "settings.png"))
    diagnostics = main.navigate("diagnostics")
    assert isinstance(diagnostics, DiagnosticsController)
    diagnostics.check_store()
    spin(lambda: diagnostics.health is not None)
    settle()
    shots.append(save(main, out / "diagnostics.png"))
    main.navigate("cases")
    main.lock_now()
    spin(lambda: main.locked and main.lock_page.unlock.isEnabled())
    settle()
    shots.append(save(main, out / "lock.png"))
    main.close()
    terminal.shutdown()
    return shots
