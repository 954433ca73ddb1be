"""The main window shell. Feature controllers (工作台, 案件, 收件箱…) attach to it as they are built."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget

from app import __version__


class MainWindow(QMainWindow):
    """Hosts one controller per feature; owns no business logic."""

    def __init__(self, status_text: str) -> None:
        super().__init__()
        self.setWindowTitle("衔接终端 — 两法衔接信息共享平台")
        self.resize(1100, 720)
        body = QWidget()
        layout = QVBoxLayout(body)
        title = QLabel("衔接终端")
        title.setStyleSheet("font-size: 28px; font-weight: bold;")
        layout.addWidget(title, alignment=Qt.AlignmentFlag.AlignCenter)
        self.status_label = QLabel(status_text)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label, alignment=Qt.AlignmentFlag.AlignCenter)
        version = QLabel(f"版本 {__version__}")
        layout.addWidget(version, alignment=Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(body)
        self.statusBar().showMessage("未登录")


def run_window(status_text: str) -> int:
    """Open the shell window and run the event loop until it closes."""
    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow(status_text)
    window.show()
    return int(app.exec())
