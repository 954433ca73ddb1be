"""A read-only table of frozen records for the feature pages (lists of hundreds, not the 100,000-case list)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

T = TypeVar("T")

# Deadline colours the operator learns once: overdue red, due today orange, due soon yellow.
RED = QColor("#fde2e1")
ORANGE = QColor("#ffe8cc")
YELLOW = QColor("#fff7c2")
RED_TEXT = QColor("#b3261e")


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    chars: int = 0  # initial width in characters; 0 stretches


@dataclass(frozen=True)
class CellStyle:
    background: QColor | None = None
    foreground: QColor | None = None
    tooltip: str = ""
    bold: bool = False


class RecordTable(QTableWidget, Generic[T]):
    """Rows of records; ``record(row)`` gives the record back; ``style`` colours a row."""

    def __init__(self, columns: Sequence[Column[T]], name: str, style: Callable[[T], CellStyle] | None = None) -> None:
        super().__init__(0, len(columns))
        self.columns = tuple(columns)
        self._style = style
        self._records: list[T] = []
        self.setAccessibleName(name)
        self.setHorizontalHeaderLabels([c.title for c in columns])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(int(self.fontMetrics().height() * 1.9))
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        char = self.fontMetrics().horizontalAdvance("中")
        for number, column in enumerate(columns):
            if column.chars:
                header.resizeSection(number, char * column.chars)
            else:
                header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)

    def set_records(self, records: Sequence[T]) -> None:
        selected = self.currentRow()
        self._records = list(records)
        self.setRowCount(len(self._records))
        for row, record in enumerate(self._records):
            style = self._style(record) if self._style else CellStyle()
            for number, column in enumerate(self.columns):
                item = QTableWidgetItem(column.text(record))
                if style.background is not None:
                    item.setBackground(QBrush(style.background))
                if style.foreground is not None:
                    item.setForeground(QBrush(style.foreground))
                if style.tooltip:
                    item.setToolTip(style.tooltip)
                if style.bold:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(row, number, item)
        if 0 <= selected < len(self._records):
            self.selectRow(selected)

    def record(self, row: int) -> T | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def current_record(self) -> T | None:
        return self.record(self.currentRow())

    @property
    def records(self) -> tuple[T, ...]:
        return tuple(self._records)

    def cell_text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""

    def cell(self, row: int, column: int) -> Any:
        return self.item(row, column)
