"""The login window: pick a certificate (inserted USB keys, enrolled certificate files), enter the PIN, 登录.

Imports only Qt and light modules, so it paints before the services load (``app.ui.app`` loads them afterwards on
a worker and calls ``show_choices``). Login runs on the op runner; every refusal shows its Chinese sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import AppError
from app.ui.context import AppContext
from app.ui.login.first_run import FirstRunPage
from app.ui.theme import icon
from app.ui.widgets import banner, card, hint, message_label, pin_field, primary_button, shortcut, show_message

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession, CandidateView, LoginChoices

CANDIDATE_KEY_ROLE = Qt.ItemDataRole.UserRole


class LoginWindow(QWidget):
    """Emits ``logged_in(ActiveSession)``; ``first_painted`` once, when the window has painted for the first time."""

    logged_in = Signal(object)
    first_painted = Signal()
    rescan_requested = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self._painted = False
        self._busy = False
        self.setObjectName("loginWindow")
        self.setWindowTitle("衔接终端 — 登录")
        self.setWindowIcon(icon("emblem"))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(banner("衔接终端", "两法衔接信息共享平台 · 成员单位专用终端"))
        body = QVBoxLayout()
        body.setContentsMargins(28, 20, 28, 24)
        outer.addLayout(body, 1)
        self.terminal_label = hint("正在读取本终端信息…")
        body.addWidget(self.terminal_label)
        self.pages = QStackedWidget()
        body.addWidget(self.pages, 1)
        self.pages.addWidget(self._login_page())
        self.first_run = FirstRunPage(context)
        self.first_run.recheck_requested.connect(self.rescan_requested)
        self.pages.addWidget(self.first_run)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 40, self.fontMetrics().height() * 30)

    def _login_page(self) -> QWidget:
        frame, layout = card()
        title = QLabel("选择您的证书")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.candidates = QListWidget()
        self.candidates.setIconSize(QSize(28, 28))
        self.candidates.setAccessibleName("证书列表")
        self.candidates.setMinimumHeight(self.fontMetrics().height() * 5)
        self.candidates.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.candidates.setWordWrap(True)
        self.candidates.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        layout.addWidget(self.candidates, 1)
        self.empty_hint = hint("")
        self.empty_hint.hide()
        layout.addWidget(self.empty_hint)
        pin_label = QLabel("PIN 码(&P)")
        layout.addWidget(pin_label)
        self.pin = pin_field()
        pin_label.setBuddy(self.pin)
        layout.addWidget(self.pin)
        self.demo_hint = hint(f"演示环境：PIN 码为 {self._context.demo_pin}" if self._context.demo_pin else "")
        self.demo_hint.setVisible(bool(self._context.demo_pin))
        layout.addWidget(self.demo_hint)
        self.progress = hint("")
        layout.addWidget(self.progress)
        self.error = message_label()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.rescan = QPushButton("刷新证书列表(&R)")
        self.rescan.setToolTip("插入 USB Key 后点此重新查找证书（F5）")
        self.rescan.clicked.connect(self.rescan_requested)
        buttons.addWidget(self.rescan)
        buttons.addStretch(1)
        self.login_button = primary_button("登录", self.submit, default=True)
        buttons.addWidget(self.login_button)
        layout.addLayout(buttons)
        self.pin.returnPressed.connect(self.submit)
        shortcut(Qt.Key.Key_F5, self, self.rescan_requested.emit)
        self.setTabOrder(self.candidates, self.pin)
        self.setTabOrder(self.pin, self.login_button)
        self.setTabOrder(self.login_button, self.rescan)
        self._set_busy(True, "正在查找证书…")
        return frame

    # --- what the application tells the window ------------------------------------------------------------------

    def show_choices(self, choices: LoginChoices) -> None:
        """Fill the picker, or turn to the first-run page when this terminal is not initialised."""
        if not choices.initialized:
            self.terminal_label.setText("本终端尚未办理登记。")
            self.pages.setCurrentWidget(self.first_run)
            self.first_run.focus()
            return
        self.pages.setCurrentIndex(0)
        self.terminal_label.setText(f"本终端：{choices.agency_name}（{choices.terminal_name}）")
        self.candidates.clear()
        for candidate in choices.candidates:
            self.candidates.addItem(self._item(candidate))
        none = not choices.candidates
        show_message(
            self.empty_hint, "未找到可登录的证书。请插入您的 USB Key，然后点击“刷新证书列表”。" if none else ""
        )
        if not none:
            self.candidates.setCurrentRow(0)
        self._set_busy(False)
        (self.rescan if none else self.pin).setFocus()

    def show_refusal(self, error: AppError) -> None:
        self._set_busy(False)
        show_message(self.error, error.for_operator())
        self.pin.setFocus()

    def rescan_started(self) -> None:
        self._set_busy(True, "正在查找证书…")

    # --- the operator's actions -----------------------------------------------------------------------------------

    def submit(self) -> None:
        if self._busy:
            return
        item = self.candidates.currentItem()
        if item is None:
            show_message(self.error, "请先在列表中选择您的证书。")
            self.candidates.setFocus()
            return
        pin = self.pin.text()
        if not pin:
            show_message(self.error, "请输入 PIN 码。")
            self.pin.setFocus()
            return
        self.pin.clear()
        key = int(item.data(CANDIDATE_KEY_ROLE))
        backend = self._context.require_backend()
        self._set_busy(True, "正在验证证书并打开本地数据…")
        self._context.runner.op(lambda ctx: backend.login(key, pin)).success(self._succeeded).failure(
            self.show_refusal
        ).run()

    def _succeeded(self, session: ActiveSession) -> None:
        self._set_busy(False)
        show_message(self.error, "")
        self.logged_in.emit(session)

    # --- helpers ------------------------------------------------------------------------------------------------

    def _item(self, candidate: CandidateView) -> QListWidgetItem:
        who = f"{candidate.holder}（{candidate.operator_id}）" if candidate.operator_id else candidate.holder
        text = f"{who}\n{candidate.where} · 有效期至 {candidate.not_after:%Y-%m-%d}"
        item = QListWidgetItem(icon("certificate"), text)
        item.setData(CANDIDATE_KEY_ROLE, candidate.key)
        item.setToolTip(candidate.display_name)
        return item

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        for widget in (self.candidates, self.pin, self.login_button, self.rescan):
            widget.setEnabled(not busy)
        self.login_button.setText("请稍候…" if busy else "登录")
        if busy:
            show_message(self.error, "")
        show_message(self.progress, text if busy else "")
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.first_painted.emit)
