"""The lock: idle time and token removal lock the terminal (``SessionLock`` driven by a QTimer and an
application-wide activity filter), and the lock page asks for the PIN again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.session_lock import LOCK_MESSAGES, LockReason, SessionLock
from app.ui.context import AppContext
from app.ui.theme import icon, scale_font
from app.ui.widgets import card, hint, message_label, pin_field, primary_button, show_message

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession, OperatorView

ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class LockController(QObject):
    """Watches one session: emits ``locked(reason)`` once when it idles out, its token leaves, or on ``lock_now``."""

    locked = Signal(str)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._session: ActiveSession | None = None
        self._lock: SessionLock | None = None
        self._polling = False
        self._check_timer = QTimer(self)
        self._check_timer.timeout.connect(self.check)
        self._token_timer = QTimer(self)
        self._token_timer.timeout.connect(self._poll_token)

    @property
    def is_locked(self) -> bool:
        return self._lock is None or self._lock.locked

    def start(self, session: ActiveSession) -> None:
        """Begin watching a freshly logged-in session (idle minutes read from the current configuration)."""
        self._session = session
        # Token presence is polled on the op runner below, never on the UI thread: SessionLock gets no callback.
        self._lock = SessionLock(
            idle_minutes=self._context.config.idle_lock_minutes, on_lock=self._fire, clock=self._context.lock_clock
        )
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._check_timer.start(self._context.lock_check_ms)
        if session.token_label is not None:
            self._token_timer.start(self._context.token_poll_ms)

    def stop(self) -> None:
        self._check_timer.stop()
        self._token_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def lock_now(self, reason: LockReason = "manual") -> None:
        if self._lock is not None:
            self._lock.lock(reason)

    def check(self) -> None:
        if self._lock is not None:
            self._lock.check()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS and self._lock is not None:
            self._lock.touch()
        return False

    def _fire(self, reason: LockReason) -> None:
        self.stop()
        self.locked.emit(reason)

    def _poll_token(self) -> None:
        session, backend = self._session, self._context.backend
        if self._polling or session is None or session.token_label is None or backend is None or self.is_locked:
            return
        label = session.token_label
        self._polling = True
        self._context.runner.op(lambda ctx: backend.token_present(label)).success(self._token_state).failure(
            lambda error: self._token_state(False)
        ).run()

    def _token_state(self, present: bool) -> None:
        self._polling = False
        if not present:
            self.lock_now("token_removed")


class LockPage(QWidget):
    """Covers the whole window while locked: why, who, and the PIN field. ``unlock_requested(pin)``."""

    unlock_requested = Signal(str)
    switch_operator_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        frame, layout = card()
        frame.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 30)
        row.addWidget(frame)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        picture = QLabel()
        side = self.fontMetrics().height() * 4
        picture.setPixmap(icon("lock-large").pixmap(QSize(side, side)))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(picture)
        title = QLabel("终端已锁定")
        title.setObjectName("pageTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scale_font(title, 1.6, bold=True)
        layout.addWidget(title)
        self.reason = hint("")
        self.reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.reason)
        self.operator = QLabel("")
        self.operator.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.operator)
        pin_label = QLabel("PIN 码(&P)")
        layout.addWidget(pin_label)
        self.pin = pin_field()
        pin_label.setBuddy(self.pin)
        layout.addWidget(self.pin)
        self.progress = hint("")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.error = message_label()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.switch = QPushButton("更换操作员(&S)")
        self.switch.clicked.connect(self.switch_operator_requested)
        buttons.addWidget(self.switch)
        buttons.addStretch(1)
        self.unlock = primary_button("解锁", self._submit, default=True)
        buttons.addWidget(self.unlock)
        layout.addLayout(buttons)
        self.pin.returnPressed.connect(self._submit)
        self.setTabOrder(self.pin, self.unlock)
        self.setTabOrder(self.unlock, self.switch)

    def show_locked(self, reason: str, operator: OperatorView) -> None:
        self.reason.setText(LOCK_MESSAGES.get(reason, LOCK_MESSAGES["manual"]))  # type: ignore[call-overload]
        self.operator.setText(f"{operator.name}（{operator.operator_id}） · {operator.agency_name}")
        self.pin.clear()
        show_message(self.error, "")
        self.set_busy(False)
        self.pin.setFocus()

    def show_refusal(self, text: str) -> None:
        self.set_busy(False)
        show_message(self.error, text)
        self.pin.setFocus()

    def set_busy(self, busy: bool, text: str = "") -> None:
        for widget in (self.pin, self.unlock, self.switch):
            widget.setEnabled(not busy)
        self.unlock.setText("请稍候…" if busy else "解锁")
        show_message(self.progress, text if busy else "")
        if busy:
            show_message(self.error, "")

    def _submit(self) -> None:
        pin = self.pin.text()
        if not pin:
            show_message(self.error, "请输入 PIN 码。")
            self.pin.setFocus()
            return
        self.pin.clear()
        self.unlock_requested.emit(pin)
