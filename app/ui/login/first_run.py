"""The first-run page: this terminal is not enrolled yet, so nobody can log in. Explains what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.ui.context import AppContext
from app.ui.login.enrollment import EnrollmentDialog
from app.ui.widgets import card, hint, primary_button

EXPLANATION = (
    "首次使用前，须由本单位系统管理员为本终端办理登记：\n"
    "1．导入平台根证书和吊销列表（由两法衔接领导小组办公室提供）；\n"
    "2．导入本终端的终端证书（.p12 文件）；\n"
    "3．登记第一位操作员的证书（USB Key 或证书文件），并打印恢复密钥交本单位安全管理员保管。\n"
    "登记完成后，点击“重新检查”即可登录。"
)


class FirstRunPage(QWidget):
    """Shown instead of the certificate picker while ``identity/terminal.json`` does not exist."""

    recheck_requested = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        frame, layout = card()
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        title = QLabel("本终端尚未登记")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        layout.addWidget(hint(EXPLANATION))
        layout.addWidget(hint(f"终端数据目录：{context.config.data_dir}"))
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.enroll = QPushButton("办理终端登记(&E)…")
        self.enroll.clicked.connect(self.open_enrollment)
        row.addWidget(self.enroll)
        self.recheck = primary_button("重新检查(&C)", lambda: self.recheck_requested.emit())
        row.addWidget(self.recheck)
        layout.addLayout(row)

    def focus(self) -> None:
        self.recheck.setFocus()

    def open_enrollment(self) -> EnrollmentDialog:
        dialog = EnrollmentDialog(self._context, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.enrolled.connect(self.recheck_requested.emit)
        dialog.open()
        return dialog
