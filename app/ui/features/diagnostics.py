"""关于/诊断: version, store health (integrity check, audit chain), and a support bundle with no case data."""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.domain.errors import AppError
from app.services.ui_queries import StoreHealth, store_health, write_support_bundle
from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.widgets import hint, message_label, page_title, show_message

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession

TITLE = "关于/诊断"
ICON = "about"
BUNDLE_NOTE = (
    "诊断包只包含运行日志和版本、健康检查摘要，不含任何案件数据、本地数据库、附件或密钥，可交系统管理员分析问题。"
)


def versions() -> dict[str, str]:
    return {
        "lianjie": __version__,
        "python": platform.python_version(),
        "qt": qVersion(),
        "pyside6": str(getattr(PySide6, "__version__", "")),
        "os": platform.platform(),
    }


class DiagnosticsController(FeatureController):
    def __init__(self, context: AppContext) -> None:
        page = QWidget()
        page.setObjectName("page")
        super().__init__(context, page)
        self.health: StoreHealth | None = None
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(page_title("关于/诊断"))
        about = QGroupBox("关于衔接终端")
        form = QFormLayout(about)
        info = versions()
        form.addRow("程序版本：", QLabel(f"衔接终端 {info['lianjie']}"))
        form.addRow("运行环境：", QLabel(f"Python {info['python']} · Qt {info['qt']} · PySide6 {info['pyside6']}"))
        form.addRow("操作系统：", QLabel(info["os"]))
        form.addRow("数据目录：", QLabel(str(context.config.data_dir)))
        layout.addWidget(about)
        health = QGroupBox("本地数据健康状况")
        health_layout = QVBoxLayout(health)
        self.integrity = QLabel("尚未检查。")
        self.audit = QLabel("")
        self.sizes = QLabel("")
        for label in (self.integrity, self.audit, self.sizes):
            label.setWordWrap(True)
            health_layout.addWidget(label)
        row = QHBoxLayout()
        row.addStretch(1)
        self.check = QPushButton("检查本地数据(&C)")
        self.check.clicked.connect(self.check_store)
        row.addWidget(self.check)
        health_layout.addLayout(row)
        layout.addWidget(health)
        bundle = QGroupBox("诊断包")
        bundle_layout = QVBoxLayout(bundle)
        bundle_layout.addWidget(hint(BUNDLE_NOTE))
        self.bundle_result = QLabel("")
        self.bundle_result.setWordWrap(True)
        bundle_layout.addWidget(self.bundle_result)
        row = QHBoxLayout()
        row.addStretch(1)
        self.export = QPushButton("导出诊断包(&E)…")
        self.export.clicked.connect(self.choose_bundle_path)
        row.addWidget(self.export)
        bundle_layout.addLayout(row)
        layout.addWidget(bundle)
        self.error = message_label()
        layout.addWidget(self.error)
        layout.addStretch(1)

    def session_started(self, session: ActiveSession) -> None:
        super().session_started(session)
        self.check.setEnabled(True)

    def session_ended(self) -> None:
        super().session_ended()
        self.check.setEnabled(False)

    def check_store(self) -> None:
        if self.session is None:
            return
        store = self.session.store
        self.check.setEnabled(False)
        self.integrity.setText("正在检查，请稍候…")
        self.context.runner.op(lambda ctx: store_health(store)).success(self._show_health).failure(self._failed).run()

    def _show_health(self, health: StoreHealth) -> None:
        self.health = health
        self.check.setEnabled(self.session is not None)
        mark = "✔" if health.integrity_ok else "✖"
        self.integrity.setText(f"{mark} {health.integrity_text}")
        self.audit.setText(f"{'✔' if health.audit_ok else '✖'} {health.audit_text}")
        self.sizes.setText(f"本地案件 {health.case_count:,} 件，数据库文件 {health.store_bytes / 1048576:,.1f} MB。")

    def choose_bundle_path(self) -> None:
        suggested = Path.home() / f"衔接终端诊断包-{dt.datetime.now():%Y%m%d-%H%M}.zip"
        path, _ = QFileDialog.getSaveFileName(self.widget, "导出诊断包", str(suggested), "诊断包 (*.zip)")
        if path:
            self.export_bundle(Path(path))

    def export_bundle(self, target: Path) -> None:
        """Write the bundle to ``target`` on the op runner."""
        summary = {**versions(), "data_dir": str(self.context.config.data_dir)}
        if self.session is not None:
            summary["terminal"] = self.session.operator.terminal_name
            summary["agency_code"] = self.session.operator.agency_code
        if self.health is not None:
            summary["integrity"] = self.health.integrity_text
            summary["audit_chain"] = self.health.audit_text
        config = self.context.config
        self.export.setEnabled(False)
        self.bundle_result.setText("正在导出…")
        self.context.runner.op(lambda ctx: write_support_bundle(config, target, summary)).success(
            lambda names: self._exported(target, names)
        ).failure(self._failed).run()

    def _exported(self, target: Path, names: tuple[str, ...]) -> None:
        self.export.setEnabled(True)
        self.bundle_result.setText(f"已导出：{target}（{len(names)} 个文件）")

    def _failed(self, error: AppError) -> None:
        self.check.setEnabled(self.session is not None)
        self.export.setEnabled(True)
        show_message(self.error, error.for_operator())


def create(context: AppContext) -> FeatureController:
    return DiagnosticsController(context)
