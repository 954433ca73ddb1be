"""Login through the window: a real PKCS#12 operator, refusals in Chinese, the first-run page, the status bar."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from PySide6.QtCore import Qt

from app.config import TerminalConfig
from app.services.identity import install_crl, list_candidates
from app.ui.app import TerminalApp
from app.ui.features.cases.controller import CasesController
from tests.services.conftest import P12_PASSWORD, Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, Running, log_in, logged_in, start_app, stop_app, type_text


def test_enrolled_operator_logs_in_and_sees_name_agency_and_sync_state(qtbot, running: Running) -> None:
    login = running.app.login
    assert "银川市兴庆区市场监督管理局" in login.terminal_label.text()
    assert "张三（OP0001）" in login.candidates.item(0).text()
    main = log_in(qtbot, running)
    assert not login.isVisible() and main.isVisible()
    bar = main.statusBar()
    assert "张三（OP0001）" in main.operator_label.text() and "证书文件" in main.operator_label.text()
    assert main.agency_label.text() == "单位：银川市兴庆区市场监督管理局"
    assert main.sync_label.text().endswith("未连接平台")
    assert bar.isVisible()
    cases = main.controllers["cases"]
    assert isinstance(cases, CasesController)
    qtbot.waitUntil(lambda: cases.model.counted, timeout=5000)
    assert cases.total.text() == "暂无案件"
    assert login.pin.text() == ""
    assert running.stall_ms < STALL_LIMIT_MS
    assert running.kdf.windows and running.kdf_stall_ms < 2000  # set apart, but bounded


def test_wrong_pin_is_refused_in_chinese_and_the_right_one_then_logs_in(qtbot, running: Running) -> None:
    login = running.app.login
    qtbot.keyClicks(login.pin, "not-the-pin")
    qtbot.keyClick(login.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: login.error.isVisible(), timeout=10_000)
    assert login.error.text() == "PIN 码错误。请重新输入。"
    assert not logged_in(running.app) and login.pin.text() == "" and login.login_button.isEnabled()
    assert "not-the-pin" not in login.error.text()
    log_in(qtbot, running, P12_PASSWORD)
    assert running.stall_ms < STALL_LIMIT_MS


def test_empty_pin_is_asked_for_without_trying(qtbot, running: Running) -> None:
    login = running.app.login
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    assert login.error.text() == "请输入 PIN 码。"
    assert not logged_in(running.app)


def test_revoked_operator_sees_why(qtbot, terminal: Terminal, kdf: KdfWindows) -> None:
    (candidate,) = list_candidates(terminal.config, None)
    terminal.ca.revoke(candidate.certificate.serial_number, reason="keyCompromise")
    install_crl(terminal.config, terminal.ca.crl().public_bytes(serialization.Encoding.PEM))
    running = start_app(qtbot, terminal, kdf)
    try:
        login = running.app.login
        type_text(login.pin, P12_PASSWORD)
        qtbot.keyClick(login.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: login.error.isVisible(), timeout=10_000)
        assert "被吊销" in login.error.text() and login.error.text().endswith("请联系平台证书管理员。")
    finally:
        stop_app(qtbot, running.app)


def test_uninitialised_terminal_shows_the_first_run_page(qtbot, tmp_path: Path) -> None:
    app = TerminalApp(TerminalConfig(data_dir=tmp_path / "new-terminal"), interactive_errors=False)
    qtbot.addWidget(app.login)
    app.start()
    try:
        qtbot.waitUntil(lambda: app.login.pages.currentWidget() is app.login.first_run, timeout=15_000)
        assert app.login.terminal_label.text() == "本终端尚未办理登记。"
        assert app.login.first_run.isVisible()
        # 重新检查 asks the login window to look again: still not enrolled, so the first-run page stays.
        with qtbot.waitSignal(app.login.first_run.recheck_requested, timeout=5_000):
            qtbot.mouseClick(app.login.first_run.recheck, Qt.MouseButton.LeftButton)
        assert app.login.pages.currentWidget() is app.login.first_run
    finally:
        app.shutdown()
