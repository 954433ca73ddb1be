"""First run: the terminal is not enrolled; the administrator enrolls it from the login window, sees the recovery
key once, and the first operator can then log in."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.crypto.pki.ca import CertificateAuthority
from app.crypto.pki.material import write_pkcs12
from app.crypto.profile import Holder
from app.ui.app import TerminalApp
from app.ui.login.enrollment import EnrollmentDialog
from tests.crypto.conftest import AGENCY_CODE, AGENCY_NAME, operator_holder
from tests.crypto.keyslot_support import terminal_on_machine
from tests.services.conftest import P12_PASSWORD, operator_p12
from tests.ui.conftest import type_text


def _files(ca: CertificateAuthority, folder: Path) -> dict[str, Path]:
    root = folder / "root.pem"
    root.write_bytes(ca.root.public_bytes(serialization.Encoding.PEM))
    crl = folder / "crl.pem"
    crl.write_bytes(ca.crl().public_bytes(serialization.Encoding.PEM))
    key = ec.generate_private_key(ec.SECP256R1())
    holder = Holder(common_name="XQ-SCJG-02", agency_name=AGENCY_NAME, agency_code=AGENCY_CODE)
    terminal = folder / "terminal.p12"
    write_pkcs12(terminal, key, ca.issue("terminal", holder, key.public_key(), days=365), [], b"terminal-pass", "t")
    operator, _ = operator_p12(ca, folder / "lisi.p12", operator_holder("李四", "OP0002"))
    return {"root": root, "crl": crl, "terminal": terminal, "operator": operator}


def test_administrator_enrolls_the_terminal_and_the_first_operator_logs_in(qtbot, tmp_path: Path, ca) -> None:
    files = _files(ca, tmp_path)
    app = TerminalApp(terminal_on_machine(tmp_path, "new"), interactive_errors=False)
    qtbot.addWidget(app.login)
    app.start()
    try:
        first_run = app.login.first_run
        qtbot.waitUntil(lambda: app.login.pages.currentWidget() is first_run and app.services_loaded, timeout=15_000)
        dialog = first_run.open_enrollment()
        assert isinstance(dialog, EnrollmentDialog)
        dialog.root.path.setText(str(files["root"]))
        dialog.crl.path.setText(str(files["crl"]))
        dialog.terminal.path.setText(str(files["terminal"]))
        type_text(dialog.terminal_password, "wrong")
        dialog.operator.path.setText(str(files["operator"]))
        type_text(dialog.operator_pin, P12_PASSWORD)
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
        assert dialog.error.text() == "PIN 码错误。请重新输入。" and dialog.pages.currentIndex() == 0

        type_text(dialog.terminal_password, "terminal-pass")
        type_text(dialog.operator_pin, P12_PASSWORD)
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=15_000)
        assert "银川市兴庆区市场监督管理局（XQ-SCJG-02）" in dialog.done_text.text()
        assert len(dialog.recovery_key.text()) > 20
        dialog.findChildren(type(dialog.submit_button))[-1].click()  # 已妥善保管，完成
        qtbot.waitUntil(lambda: app.login.candidates.count() == 1, timeout=10_000)
        assert "李四（OP0002）" in app.login.candidates.item(0).text()
        type_text(app.login.pin, P12_PASSWORD)
        qtbot.keyClick(app.login.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: app.main is not None and app.main.session is not None, timeout=10_000)
    finally:
        if app.main is not None:
            app.main.close()
        app.shutdown()
        QApplication.processEvents()
