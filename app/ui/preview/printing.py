"""Printing a PDF through Qt on a worker thread (QPainter may paint on a QPrinter outside the GUI thread), page
by page with progress and cancellation; optionally with the copy watermark (operator, agency, time)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from app.domain.errors import AppError
from app.ui.ops import OpCancelled, OpContext

PRINT_DPI = 200


class PdfUnreadable(AppError):
    user_message = "文书文件无法读取，不能预览或打印。"
    next_step = "请重新生成该文书后再试。"


class PrinterUnavailable(AppError):
    user_message = "无法开始打印：打印机不可用或输出文件无法写入。"
    next_step = "请检查打印机是否连接、是否有纸，或另选保存位置。"


class FileNotSaved(AppError):
    user_message = "文件未能保存。"
    next_step = "请确认所选文件夹存在且有写入权限，或另选位置。"


def open_pdf(pdf: bytes) -> tuple[QPdfDocument, QBuffer]:
    """A loaded QPdfDocument over ``pdf`` (keep the buffer alive as long as the document)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise PdfUnreadable(f"pdf status {document.status()}")
    return document, buffer


def draw_watermark(painter: QPainter, area: QRect, text: str) -> None:
    """The copy watermark across the page at 30°, light enough to read the text beneath (as app.documents does)."""
    painter.save()
    font = QFont(painter.font())
    font.setPixelSize(max(12, area.width() // 40))
    painter.setFont(font)
    painter.setPen(QColor(128, 128, 128, 60))
    painter.translate(QPointF(area.center()))
    painter.rotate(-30)
    width = painter.fontMetrics().horizontalAdvance(text)
    for row in range(-3, 4):
        painter.drawText(QPointF(-width / 2, row * area.height() / 6), text)
    painter.restore()


def print_pdf(pdf: bytes, printer: QPrinter, ctx: OpContext, *, watermark: str = "") -> int:
    """Paint every page of ``pdf`` on ``printer``; returns the number of pages. Cancelling aborts the print job."""
    document, _buffer = open_pdf(pdf)
    count = document.pageCount()
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterUnavailable("QPainter.begin failed")
    try:
        for page in range(count):
            if ctx.cancelled:
                printer.abort()
                raise OpCancelled("print cancelled")
            if page:
                printer.newPage()
            ctx.report(page, count, f"正在打印第 {page + 1} 页，共 {count} 页")
            points = document.pagePointSize(page)
            image = document.render(
                page, QSize(int(points.width() * PRINT_DPI / 72), int(points.height() * PRINT_DPI / 72))
            )
            area = painter.viewport()
            fitted = QSize(image.width(), image.height()).scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(area.x(), area.y(), fitted.width(), fitted.height())
            painter.drawImage(QRectF(target), image.convertToFormat(QImage.Format.Format_RGB32))
            if watermark:
                draw_watermark(painter, target, watermark)
        ctx.report(count, count, "打印完成")
    finally:
        painter.end()
    return count


def pdf_printer(path: Path) -> QPrinter:
    """A QPrinter writing A4 PDF to ``path`` (另存为 with a watermark, and the tests)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setFullPage(True)
    return printer


def write_file(path: Path, data: bytes) -> None:
    """Careful write: a temp file beside the target, fsync, then replace (STYLE.md §6)."""
    try:
        fd, temp = tempfile.mkstemp(prefix=".saving-", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except OSError as exc:
        raise FileNotSaved(f"save failed: {type(exc).__name__}") from None
