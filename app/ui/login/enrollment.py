"""The first-run enrollment dialog (for the agency's administrator): platform root and CRL, the terminal's
certificate file, the first operator's certificate file. Shows the recovery key once, to be printed and handed to the
security officer. Enrollment itself runs on the op runner (``app.ui.backend.enroll``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import AppError
from app.ui.context import AppContext
from app.ui.widgets import hint, message_label, page_title, pin_field, primary_button, show_message

FILE_FILTERS = {
    "root": "证书 (*.pem *.crt *.cer);;所有文件 (*)",
    "crl": "吊销列表 (*.pem *.crl);;所有文件 (*)",
    "p12": "证书文件 (*.p12 *.pfx);;所有文件 (*)",
}


@dataclass(frozen=True)
class EnrollmentRequest:
    """What the administrator picks on the first-run enrollment dialog (PKCS#12 first operator)."""

    platform_roots: Path
    crl: Path | None
    terminal_p12: Path
    terminal_password: str = field(repr=False)
    operator_p12: Path
    operator_pin: str = field(repr=False)


@dataclass(frozen=True)
class EnrollmentDone:
    """Shown once: whose terminal this now is, and the recovery key to print (never stored, never logged)."""

    agency_name: str
    terminal_name: str
    recovery_key_text: str = field(repr=False)


class FilePicker(QWidget):
    """A path field with a 浏览… button."""

    def __init__(self, title: str, kind: str) -> None:
        super().__init__()
        self._title, self._kind = title, kind
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit()
        self.path.setAccessibleName(title)
        row.addWidget(self.path, 1)
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        row.addWidget(browse)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self._title, self.path.text(), FILE_FILTERS[self._kind])
        if chosen:
            self.path.setText(chosen)

    def value(self) -> Path | None:
        text = self.path.text().strip()
        return Path(text) if text else None


class EnrollmentDialog(QDialog):
    """Emits ``enrolled`` after the administrator closed the recovery-key page."""

    enrolled = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.setWindowTitle("终端登记")
        self.pages = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.pages.addWidget(self._form_page())
        self.pages.addWidget(self._done_page())
        self.resize(self.fontMetrics().horizontalAdvance("中") * 42, self.sizeHint().height())

    def _form_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(page_title("终端登记"))
        layout.addWidget(hint("由本单位系统管理员办理。所需文件由两法衔接领导小组办公室（平台证书管理员）提供。"))
        form = QFormLayout()
        self.root = FilePicker("平台根证书", "root")
        form.addRow("平台根证书：", self.root)
        self.crl = FilePicker("证书吊销列表", "crl")
        form.addRow("证书吊销列表：", self.crl)
        self.terminal = FilePicker("终端证书文件", "p12")
        form.addRow("终端证书文件：", self.terminal)
        self.terminal_password = pin_field()
        self.terminal_password.setPlaceholderText("终端证书文件的口令")
        form.addRow("终端证书口令：", self.terminal_password)
        self.operator = FilePicker("第一位操作员的证书文件", "p12")
        form.addRow("操作员证书文件：", self.operator)
        self.operator_pin = pin_field()
        form.addRow("操作员 PIN 码：", self.operator_pin)
        layout.addLayout(form)
        self.error = message_label()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = QPushButton("取消")
        cancel.clicked.connect(self.reject)
        buttons.addWidget(cancel)
        self.submit_button = primary_button("登记", self.submit)
        buttons.addWidget(self.submit_button)
        layout.addLayout(buttons)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(page_title("登记完成"))
        self.done_text = hint("")
        layout.addWidget(self.done_text)
        warning = QLabel("请立即打印或抄写下面的恢复密钥，交本单位安全管理员保管。本程序不会保存，也不会再次显示。")
        warning.setObjectName("warningText")
        warning.setWordWrap(True)
        layout.addWidget(warning)
        self.recovery_key = QLabel("")
        self.recovery_key.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.recovery_key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.recovery_key.setWordWrap(True)
        layout.addWidget(self.recovery_key)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        finish = primary_button("已妥善保管，完成", self._finish)
        row.addWidget(finish)
        layout.addLayout(row)
        return page

    def submit(self) -> None:
        paths = (self.root.value(), self.terminal.value(), self.operator.value())
        root, terminal, operator = paths
        if root is None or terminal is None or operator is None:
            show_message(self.error, "请选择平台根证书、终端证书文件和操作员证书文件。")
            return
        request = EnrollmentRequest(
            platform_roots=root,
            crl=self.crl.value(),
            terminal_p12=terminal,
            terminal_password=self.terminal_password.text(),
            operator_p12=operator,
            operator_pin=self.operator_pin.text(),
        )
        self.terminal_password.clear()
        self.operator_pin.clear()
        show_message(self.error, "")
        self.submit_button.setEnabled(False)
        self.submit_button.setText("正在登记…")
        backend = self._context.require_backend()
        self._context.runner.op(lambda ctx: backend.enroll(request)).success(self._done).failure(self._refused).run()

    def _done(self, done: EnrollmentDone) -> None:
        self.done_text.setText(f"本终端已登记为 {done.agency_name}（{done.terminal_name}）。")
        self.recovery_key.setText(done.recovery_key_text)
        self.pages.setCurrentIndex(1)

    def _refused(self, error: AppError) -> None:
        self.submit_button.setEnabled(True)
        self.submit_button.setText("登记")
        show_message(self.error, error.for_operator())

    def _finish(self) -> None:
        self.recovery_key.clear()
        self.enrolled.emit()
        self.accept()
