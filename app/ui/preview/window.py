"""文书预览: a QPdfView of a rendered document with 打印 (Qt's print dialog) and 另存为 PDF; an optional watermark
for copies (operator, agency, time). Printing runs on the op runner page by page, with progress and 取消."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.documents.watermark import Watermark
from app.domain.errors import AppError
from app.services.print_audit import record_print
from app.ui.context import AppContext
from app.ui.ops import OpContext
from app.ui.preview.printing import open_pdf, pdf_printer, print_pdf, write_file
from app.ui.widgets import message_label, shortcut, show_message

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession


class PreviewWindow(QWidget):
    """One document's preview. ``printed`` pages and ``saved_to`` are kept for the caller (and the tests)."""

    def __init__(
        self, context: AppContext, session: ActiveSession, pdf: bytes, title: str, *, subject: str = ""
    ) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.context = context
        self.session = session
        self.pdf = pdf
        self.title = title
        self.subject = subject
        self.setWindowTitle(f"文书预览 — {title}")
        self.document, self._buffer = open_pdf(pdf)
        self.document.setParent(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName("文书预览")
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.print_button = QPushButton("打印… (Ctrl+P)")
        self.print_button.clicked.connect(self.print_dialog)
        self.save_button = QPushButton("另存为 PDF… (Ctrl+S)")
        self.save_button.clicked.connect(self.save_dialog)
        self.watermark = QCheckBox("加盖复印件水印（操作员、单位、时间）")
        self.pages = QLabel(f"共 {self.document.pageCount()} 页")
        self.pages.setObjectName("hint")
        for widget in (self.print_button, self.save_button, self.watermark):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.pages)
        layout.addLayout(bar)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m 页")
        self.cancel_button = QPushButton("取消")
        self.cancel_button.clicked.connect(self.cancel)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_box = QWidget()
        self.progress_box.setLayout(progress_row)
        self.progress_box.hide()
        layout.addWidget(self.progress_box)
        self.message = message_label()
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        shortcut("Ctrl+P", self, self.print_dialog)
        shortcut("Ctrl+S", self, self.save_dialog)
        shortcut(Qt.Key.Key_Escape, self, self.close)
        self._job: OpContext | None = None
        self.printed = 0
        self.saved_to: Path | None = None
        char = self.fontMetrics().horizontalAdvance("中")
        self.resize(char * 56, self.fontMetrics().height() * 44)

    def watermark_text(self) -> str:
        if not self.watermark.isChecked():
            return ""
        operator = self.session.operator
        return Watermark(operator.name, operator.agency_name, dt.datetime.now().astimezone()).text()

    # --- printing -------------------------------------------------------------------------------------------------

    def print_dialog(self) -> None:
        if self._job is not None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.title)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印文书")
        dialog.accepted.connect(lambda: self.print_to(printer, medium="printer"))
        dialog.setModal(True)
        dialog.show()
        self._dialog = dialog

    def save_dialog(self) -> None:
        if self._job is not None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "另存为 PDF", f"{self.title}.pdf", "PDF 文件 (*.pdf)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        """Save the PDF as rendered (vector); with the watermark, a copy printed to PDF through QPrinter."""
        if self.watermark.isChecked():
            self.print_to(pdf_printer(path), medium="pdf", saved=path)
            return
        pdf, pages = self.pdf, self.document.pageCount()
        audit = self._audit(pages, "pdf", watermarked=False)

        def save(ctx: OpContext) -> int:
            write_file(path, pdf)
            audit()
            return pages

        self._start(save, saved=path)

    def print_to(self, printer: QPrinter, *, medium: str, saved: Path | None = None) -> None:
        """Print every page on ``printer`` on a worker, with progress; the print is audited when done."""
        pdf, mark = self.pdf, self.watermark_text()
        audit = self._audit(self.document.pageCount(), medium, watermarked=bool(mark))
        self._printer = printer  # kept alive while the worker paints on it

        def run(ctx: OpContext) -> int:
            pages = print_pdf(pdf, printer, ctx, watermark=mark)
            audit()
            return pages

        self._start(run, saved=saved)

    def _audit(self, pages: int, medium: str, *, watermarked: bool):  # type: ignore[no-untyped-def]
        store, operator = self.session.store, self.session.operator
        title, subject = self.title, self.subject

        def audit() -> None:
            record_print(
                store, operator=operator.operator_id, terminal=operator.terminal_name, subject=subject, title=title,
                pages=pages, medium=medium, watermarked=watermarked,
            )  # fmt: skip

        return audit

    def _start(self, fn, *, saved: Path | None) -> None:  # type: ignore[no-untyped-def]
        show_message(self.message, "")
        self.progress.setRange(0, self.document.pageCount())
        self.progress.setValue(0)
        self.progress_box.show()
        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self._job = (
            self.context.runner.op(fn)
            .success(lambda pages: self._done(pages, saved))
            .failure(self._failed)
            .progress(lambda done, total, text: self.progress.setValue(done))
            .run()
        )

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._finish()
            show_message(self.message, "已取消打印。")

    def _done(self, pages: int, saved: Path | None) -> None:
        self._finish()
        self.printed = pages
        self.saved_to = saved
        text = f"已保存到 {saved}" if saved is not None else f"已发送到打印机，共 {pages} 页。"
        self.message.setObjectName("hint")
        show_message(self.message, text)

    def _failed(self, error: AppError) -> None:
        self._finish()
        self.message.setObjectName("errorText")
        show_message(self.message, error.for_operator())

    def _finish(self) -> None:
        self._job = None
        self.progress_box.hide()
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)

    @property
    def busy(self) -> bool:
        return self._job is not None

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._job is not None:
            self._job.cancel()
        super().closeEvent(event)
