"""The sync state in the status bar: a Qt-side driver of the SyncEngine, whose passes run on the engine's own
background thread (never the UI thread); its status arrives through a queued signal.

离线 / 同步中 / 已是最新 / 错误：reason, the packets still to send, 立即同步, and 暂停 (stops after the current
pass: the engine finishes a pass it started so that no packet is left half-receipted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.config import ConfigInvalid
from app.domain.errors import AppError
from app.services.sync import build_engine, sync_settings
from app.sync.engine import SyncEngine
from app.sync.state import SyncPhase, SyncStatus
from app.ui.context import AppContext

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession

PHASE_TEXT = {
    SyncPhase.OFFLINE: "离线",
    SyncPhase.SYNCING: "同步中",
    SyncPhase.UP_TO_DATE: "已是最新",
    SyncPhase.ERROR: "错误",
}
PHASE_STYLE = {
    SyncPhase.OFFLINE: "warningText",
    SyncPhase.SYNCING: "hint",
    SyncPhase.UP_TO_DATE: "hint",
    SyncPhase.ERROR: "errorText",
}


def status_text(status: SyncStatus) -> str:
    """The status bar's words: the phase, then the reason."""
    text = PHASE_TEXT[status.phase]
    if status.reason:
        text = f"{text}：{status.reason}"
    if status.pending_out and status.phase is not SyncPhase.UP_TO_DATE:
        text += f"（待发送 {status.pending_out} 个数据包）"
    return text


class SyncStatusDriver(QObject):
    """Owns the engine of the logged-in session and the status-bar widget that shows it."""

    status_changed = Signal(object)  # SyncStatus; emitted on the engine's thread, delivered queued
    _engine_status = Signal(object)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.engine: SyncEngine | None = None
        self.status: SyncStatus | None = None
        self._session: ActiveSession | None = None
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("● 未登录")
        self.label.setObjectName("hint")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # a pass has no known length: an indeterminate bar while it runs
        self.busy.setMaximumWidth(self.widget.fontMetrics().horizontalAdvance("中") * 5)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.sync_button = QPushButton("立即同步")
        self.sync_button.setToolTip("立即与平台交换数据包（F5）")
        self.sync_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sync_button.clicked.connect(self.sync_now)
        self.pause_button = QPushButton("暂停")
        self.pause_button.setToolTip("本轮同步完成后停止同步；点击“立即同步”恢复")
        self.pause_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pause_button.clicked.connect(self.pause)
        for widget in (self.label, self.busy, self.sync_button, self.pause_button):
            row.addWidget(widget)
        self._show_idle("● 未登录")
        self._engine_status.connect(self._received, Qt.ConnectionType.QueuedConnection)

    # --- the session's engine ------------------------------------------------------------------------------------

    def session_started(self, session: ActiveSession) -> None:
        self._session = session
        self._start_engine()

    def _start_engine(self) -> None:
        session = self._session
        if session is None or self.engine is not None:
            return
        config, emit = self.context.config, self._engine_status.emit
        try:
            settings = sync_settings(config)  # reads the configuration only: no I/O
        except ConfigInvalid as error:
            self._unavailable(error)
            return
        self._show_idle("● 正在连接平台…")

        def build(ctx: object) -> SyncEngine:
            engine = build_engine(session.handle, config, settings, listener=emit)
            engine.start()
            return engine

        self.context.runner.op(build).success(self._engine_built).failure(self._unavailable).run()

    def _engine_built(self, engine: SyncEngine) -> None:
        if self._session is None:  # locked while it was being built
            self.context.runner.op(lambda ctx: engine.stop()).run()
            return
        self.engine = engine
        self.pause_button.setEnabled(True)

    def _unavailable(self, error: AppError) -> None:
        # A terminal without a platform address works locally only: say so briefly, the full sentence on hover.
        reason = "未配置平台地址，未连接平台" if isinstance(error, ConfigInvalid) else error.for_operator()
        self._received(SyncStatus(SyncPhase.OFFLINE, reason))
        self.label.setToolTip(error.for_operator())
        self.pause_button.setEnabled(False)

    def detach(self) -> SyncEngine | None:
        """The session is ending: hand the engine back to stop it (off the UI thread) before the store closes."""
        engine, self.engine, self._session = self.engine, None, None
        self.status = None
        self._show_idle("● 已锁定，同步暂停")
        return engine

    # --- operator actions -----------------------------------------------------------------------------------------

    def sync_now(self) -> None:
        if self.engine is not None:
            self.engine.wake()
            self._received(SyncStatus(SyncPhase.SYNCING, "", *self._counts()))
        else:
            self._start_engine()

    def pause(self) -> None:
        engine, self.engine = self.engine, None
        if engine is None:
            return
        self.pause_button.setEnabled(False)
        self.label.setText("● 正在停止同步（等待本轮完成）…")
        self.context.runner.op(lambda ctx: engine.stop()).success(lambda _: self._paused()).run()

    def _paused(self) -> None:
        self.busy.hide()
        self._show_idle("● 同步已暂停")

    # --- display --------------------------------------------------------------------------------------------------

    def _counts(self) -> tuple[int, int]:
        return (self.status.pending_out, self.status.waiting_apply) if self.status else (0, 0)

    def _show_idle(self, text: str) -> None:
        self.label.setText(text)
        self.label.setObjectName("hint")
        self.label.setToolTip("")
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)
        self.busy.hide()

    def _received(self, status: object) -> None:
        if not isinstance(status, SyncStatus) or (self._session is None and status.phase is not SyncPhase.OFFLINE):
            return
        self.status = status
        self.label.setText("● " + status_text(status))
        self.label.setObjectName(PHASE_STYLE[status.phase])
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)
        tips = []
        if status.last_success is not None:
            tips.append(f"上次成功同步：{status.last_success.astimezone():%Y-%m-%d %H:%M}")
        if status.next_attempt is not None:
            tips.append(f"下次自动重试：{status.next_attempt.astimezone():%H:%M:%S}")
        self.label.setToolTip("\n".join(tips))
        self.busy.setVisible(status.phase is SyncPhase.SYNCING)
        self.status_changed.emit(status)
