"""设置: the platform address and the idle lock (saved to config.toml), trust anchors and the CRL's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config import TerminalConfig
from app.domain.errors import AppError
from app.domain.timezone import CST
from app.services.ui_queries import TrustStatus, save_settings, trust_status
from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.widgets import hint, message_label, page_title, primary_button, show_message

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession

TITLE = "设置"
ICON = "settings"


def crl_sentence(status: TrustStatus, grace_hours: int) -> tuple[str, str]:
    """The CRL's state for the operator, and the label style to show it in."""
    if status.crl_state == "missing":
        return "尚未安装证书吊销列表，无法确认证书是否被吊销。请连接平台获取。", "warningText"
    issued = status.crl_last_update.astimezone(CST).strftime("%Y-%m-%d %H:%M") if status.crl_last_update else "未知"
    due = status.crl_next_update.astimezone(CST).strftime("%Y-%m-%d %H:%M") if status.crl_next_update else "未规定"
    facts = f"签发于 {issued}，下次更新 {due}，列有 {status.crl_revoked} 张已吊销证书。"
    if status.crl_state == "fresh":
        return f"证书吊销列表有效：{facts}", "okText"
    if status.crl_state == "grace":
        return f"证书吊销列表已过更新时间，仍在 {grace_hours} 小时宽限期内：{facts}请尽快连接平台更新。", "warningText"
    return f"证书吊销列表已过期：{facts}请连接平台更新吊销列表。", "errorText"


class SettingsController(FeatureController):
    def __init__(self, context: AppContext) -> None:
        page = QWidget()
        page.setObjectName("page")
        super().__init__(context, page)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(page_title("设置"))
        terminal = QGroupBox("终端设置")
        form = QFormLayout(terminal)
        self.platform_url = QLineEdit(context.config.platform_url)
        self.platform_url.setPlaceholderText("https://平台地址:端口")
        form.addRow("平台地址(&A)：", self.platform_url)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(1, 240)
        self.idle_minutes.setSuffix(" 分钟")
        self.idle_minutes.setValue(context.config.idle_lock_minutes)
        self.idle_minutes.setMaximumWidth(self.idle_minutes.fontMetrics().horizontalAdvance("中") * 8)
        form.addRow("空闲锁定时间(&I)：", self.idle_minutes)
        row = QHBoxLayout()
        self.saved = hint("")
        row.addWidget(self.saved, 1)
        self.save = primary_button("保存(&S)", self.save_settings)
        row.addWidget(self.save)
        form.addRow(row)
        layout.addWidget(terminal)
        trust = QGroupBox("信任锚与证书吊销列表")
        trust_layout = QVBoxLayout(trust)
        self.anchors = QTableWidget(0, 3)
        self.anchors.setHorizontalHeaderLabels(["根证书", "有效期至", "SHA-256 指纹"])
        self.anchors.verticalHeader().hide()
        self.anchors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.anchors.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.anchors.setMaximumHeight(self.anchors.fontMetrics().height() * 5)
        trust_layout.addWidget(self.anchors)
        self.crl = QLabel("")
        self.crl.setWordWrap(True)
        trust_layout.addWidget(self.crl)
        layout.addWidget(trust)
        self.error = message_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        page.setTabOrder(self.platform_url, self.idle_minutes)
        page.setTabOrder(self.idle_minutes, self.save)

    def session_started(self, session: ActiveSession) -> None:
        super().session_started(session)
        self.refresh()

    def activated(self) -> None:
        if self.session is not None:
            self.refresh()

    def refresh(self) -> None:
        config = self.context.config
        self.platform_url.setText(config.platform_url)
        self.idle_minutes.setValue(config.idle_lock_minutes)
        self.context.runner.op(lambda ctx: trust_status(config)).success(self._show_trust).failure(self._failed).run()

    def save_settings(self) -> None:
        config, url, minutes = self.context.config, self.platform_url.text(), self.idle_minutes.value()
        self.save.setEnabled(False)
        self.context.runner.op(lambda ctx: save_settings(config, platform_url=url, idle_lock_minutes=minutes)).success(
            self._saved
        ).failure(self._failed).run()

    def _saved(self, config: TerminalConfig) -> None:
        self.context.config = config
        self.save.setEnabled(True)
        show_message(self.error, "")
        self.saved.setText("已保存。新的空闲锁定时间自下次登录或解锁起生效。")

    def _show_trust(self, status: TrustStatus) -> None:
        self.anchors.setRowCount(len(status.anchors))
        for row, anchor in enumerate(status.anchors):
            fingerprint = ":".join(anchor.sha256[i : i + 2] for i in range(0, 64, 2)).upper()
            values = (anchor.subject, anchor.not_after.astimezone(CST).strftime("%Y-%m-%d"), fingerprint)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(anchor.sha256 if column == 2 else value)
                self.anchors.setItem(row, column, item)
        text, style = crl_sentence(status, self.context.config.crl_grace_hours)
        self.crl.setObjectName(style)
        self.crl.setText(text)
        self.crl.style().unpolish(self.crl)
        self.crl.style().polish(self.crl)

    def _failed(self, error: AppError) -> None:
        self.save.setEnabled(True)
        show_message(self.error, error.for_operator())


def create(context: AppContext) -> FeatureController:
    return SettingsController(context)
