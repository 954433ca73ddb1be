"""The case list's filter bar: full-text search, stage, 案由, agency, and a date range on 案发日期."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.services.ui_queries import CaseFilter, CaseFilterChoices
from app.ui.features.cases.model import stage_label

SEARCH_DELAY_MS = 300


class CaseFilterBar(QWidget):
    """Emits ``changed(CaseFilter)`` after typing pauses, at once on Enter or a picker change."""

    changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._own_agency: tuple[str, str] | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText("搜索编号、名称、当事人、证件号（Ctrl+F）")
        self.search.setAccessibleName("搜索案件")
        self.search.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 18)
        row.addWidget(self.search, 3)
        self.stage = self._combo("全部阶段", "按阶段筛选")
        row.addWidget(self.stage, 2)
        self.case_type = self._combo("全部案由", "按案由筛选")
        row.addWidget(self.case_type, 2)
        self.agency = self._combo("全部单位", "按单位筛选")
        row.addWidget(self.agency, 2)
        self.by_date = QCheckBox("案发日期(&D)")
        row.addWidget(self.by_date)
        today = QDate.currentDate()
        self.date_from = self._date(today.addYears(-1))
        row.addWidget(self.date_from)
        row.addWidget(QLabel("至"))
        self.date_to = self._date(today)
        row.addWidget(self.date_to)
        self.clear = QPushButton("清除条件")
        row.addWidget(self.clear)
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(SEARCH_DELAY_MS)
        self._delay.timeout.connect(self.emit_now)
        self.search.textChanged.connect(lambda _text: self._delay.start())
        self.search.returnPressed.connect(self.emit_now)
        for combo in (self.stage, self.case_type, self.agency):
            combo.currentIndexChanged.connect(lambda _i: self.emit_now())
        self.by_date.toggled.connect(self._date_toggled)
        self.date_from.dateChanged.connect(self._date_changed)
        self.date_to.dateChanged.connect(self._date_changed)
        self.clear.clicked.connect(self.reset)
        self._date_toggled(False)

    def _combo(self, everything: str, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.addItem(everything, None)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        return combo

    def _date(self, value: QDate) -> QDateEdit:
        edit = QDateEdit(value)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def set_choices(self, choices: CaseFilterChoices, own_agency: tuple[str, str]) -> None:
        """Fill the pickers with what the store holds, keeping what is selected."""
        self._own_agency = own_agency
        code, name = own_agency
        self._fill(self.stage, [(stage_label(s), s) for s in choices.stages])
        self._fill(self.case_type, [(t, t) for t in choices.case_types])
        self._fill(self.agency, [(name if c == code else c, c) for c in choices.agency_codes])

    def _fill(self, combo: QComboBox, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for text, value in items:
            combo.addItem(text, value)
        found = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(found, 0))
        combo.blockSignals(False)

    def current(self) -> CaseFilter:
        dated = self.by_date.isChecked()
        return CaseFilter(
            text=self.search.text().strip(),
            stage=self.stage.currentData(),
            case_type=self.case_type.currentData(),
            agency_code=self.agency.currentData(),
            occurred_from=_date(self.date_from.date()) if dated else None,
            occurred_to=_date(self.date_to.date()) if dated else None,
        )

    def emit_now(self) -> None:
        self._delay.stop()
        self.changed.emit(self.current())

    def reset(self) -> None:
        for widget in (self.search, self.stage, self.case_type, self.agency, self.by_date):
            widget.blockSignals(True)
        self.search.clear()
        for combo in (self.stage, self.case_type, self.agency):
            combo.setCurrentIndex(0)
        self.by_date.setChecked(False)
        for widget in (self.search, self.stage, self.case_type, self.agency, self.by_date):
            widget.blockSignals(False)
        self._date_toggled(False, emit=False)
        self.emit_now()

    def _date_changed(self, _value: QDate) -> None:
        if self.by_date.isChecked():
            self.emit_now()

    def _date_toggled(self, on: bool, emit: bool = True) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        if emit:
            self.emit_now()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())
