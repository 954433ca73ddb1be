"""统计: the assessment (考核, seed §2) of an agency month by month — on time, late and missing — as a QtCharts
stacked bar chart with the on-time rate as a line, a table, and export to CSV and PNG."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QChartView, QStackedBarSeries, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.errors import AppError
from app.services.office import working_calendar
from app.services.statistics import (
    MonthAssessment,
    agency_choices,
    assessment_csv,
    month_periods,
    monthly_assessment,
)
from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.record_table import Column, RecordTable
from app.ui.preview.printing import FileNotSaved, write_file
from app.ui.widgets import hint, message_label, page_title, show_message

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession

TITLE = "统计"
ICON = "statistics"
SERIES = (("按时", "#2e7d32"), ("迟延", "#ef8a00"), ("缺失", "#c62828"))


def _rate(m: MonthAssessment) -> str:
    rate = m.on_time_rate
    return "—" if rate is None else f"{rate:.0%}"


COLUMNS: tuple[Column[MonthAssessment], ...] = (
    Column("月份", lambda m: m.label, 7),
    Column("按时", lambda m: str(m.on_time), 5),
    Column("迟延", lambda m: str(m.late), 5),
    Column("缺失", lambda m: str(m.missing), 5),
    Column("按时率", lambda m: _rate(m), 6),
    Column("迟延录入", lambda m: str(m.entries_late), 7),
    Column("移送件数", lambda m: str(m.transfers), 7),
    Column("录入记录数", lambda m: str(m.records)),
)


class StatisticsController(FeatureController):
    def __init__(self, context: AppContext) -> None:
        page = QWidget()
        page.setObjectName("page")
        super().__init__(context, page)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(20, 16, 20, 12)
        heading = QHBoxLayout()
        heading.addWidget(page_title("统计 · 考核指标"))
        heading.addStretch(1)
        heading.addWidget(QLabel("单位："))
        self.agency = QComboBox()
        self.agency.setAccessibleName("考核单位")
        self.agency.setMinimumContentsLength(14)
        self.agency.activated.connect(lambda _: self.refresh())
        heading.addWidget(self.agency)
        heading.addWidget(QLabel("期间："))
        self.months = QComboBox()
        self.months.setAccessibleName("统计期间")
        for count in (6, 12, 24):
            self.months.addItem(f"最近 {count} 个月", count)
        self.months.activated.connect(lambda _: self.refresh())
        heading.addWidget(self.months)
        self.csv_button = QPushButton("导出 CSV…")
        self.csv_button.clicked.connect(self._export_csv_dialog)
        self.png_button = QPushButton("导出图表 PNG…")
        self.png_button.clicked.connect(self._export_png_dialog)
        heading.addWidget(self.csv_button)
        heading.addWidget(self.png_button)
        layout.addLayout(heading)
        self.error = message_label()
        layout.addWidget(self.error)
        self.chart = QChart()
        self.chart.setTitle("按月考核：期限内完成、迟延与缺失")
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setAccessibleName("考核图表")
        self.chart_view.setMinimumHeight(self.chart_view.fontMetrics().height() * 16)
        layout.addWidget(self.chart_view, 3)
        self.table: RecordTable[MonthAssessment] = RecordTable(COLUMNS, "按月考核明细")
        layout.addWidget(self.table, 2)
        layout.addWidget(
            hint(
                "统计口径（两法衔接实施意见第2条、第8条）：按时/迟延含3个工作日内录入的记录和法定期限内的办理；"
                "缺失为期限届满仍未办理。"
            )
        )
        self.rows: tuple[MonthAssessment, ...] = ()
        self.loads = 0
        self.exported: Path | None = None

    def session_started(self, session: ActiveSession) -> None:
        super().session_started(session)
        own = session.operator
        self.agency.clear()
        self.agency.addItem(own.agency_name, own.agency_code)
        store = session.store
        self.context.runner.op(lambda ctx: agency_choices(store)).success(self._agencies).run()
        if self.widget.isVisible():
            self.refresh()

    def _agencies(self, choices: tuple[tuple[str, str], ...]) -> None:
        for code, name in choices:
            if self.agency.findData(code) < 0:
                self.agency.addItem(name, code)

    def session_ended(self) -> None:
        super().session_ended()
        self.rows = ()
        self.table.set_records(())
        self.chart.removeAllSeries()
        self.agency.clear()

    def activated(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        session = self.session
        if session is None:
            return
        store, code, config = session.store, str(self.agency.currentData()), self.context.config
        count = int(self.months.currentData())

        def load(ctx: object) -> tuple[MonthAssessment, ...]:
            now = dt.datetime.now().astimezone()
            calendar = working_calendar(store, config)
            return monthly_assessment(store, code, month_periods(now.date(), count), now=now, calendar=calendar)

        self.context.runner.op(load).success(self._loaded).failure(self._failed).run()

    def _loaded(self, rows: tuple[MonthAssessment, ...]) -> None:
        if self.session is None:
            return
        self.rows = rows
        self.loads += 1
        show_message(self.error, "")
        self.table.set_records(rows)
        self._draw(rows)

    def _draw(self, rows: tuple[MonthAssessment, ...]) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        series = QStackedBarSeries()
        for (name, colour), values in zip(
            SERIES, ([m.on_time for m in rows], [m.late for m in rows], [m.missing for m in rows]), strict=True
        ):
            bar = QBarSet(name)
            bar.setColor(QColor(colour))
            bar.append([float(v) for v in values])
            series.append(bar)
        self.chart.addSeries(series)
        months = QBarCategoryAxis()
        months.append([m.label for m in rows])
        self.chart.addAxis(months, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(months)
        counts = QValueAxis()
        counts.setLabelFormat("%d")
        counts.setTitleText("件数")
        top = max((m.on_time + m.late + m.missing for m in rows), default=0)
        counts.setRange(0, max(4, top + 1))
        counts.applyNiceNumbers()
        self.chart.addAxis(counts, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(counts)

    def bar_values(self) -> dict[str, list[float]]:
        """What the chart shows, per series (for the tests and for accessibility)."""
        found: dict[str, list[float]] = {}
        for series in self.chart.series():
            if isinstance(series, QStackedBarSeries):
                for bar in series.barSets():
                    found[bar.label()] = [bar.at(i) for i in range(bar.count())]
        return found

    def _failed(self, error: AppError) -> None:
        if self.session is not None:
            show_message(self.error, error.for_operator())

    # --- export ---------------------------------------------------------------------------------------------------

    def _export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.widget, "导出 CSV", "考核统计.csv", "CSV 文件 (*.csv)")
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> None:
        data = ("\ufeff" + assessment_csv(self.agency.currentText(), self.rows)).encode("utf-8")
        self.context.runner.op(lambda ctx: write_file(path, data)).success(lambda _: self._exported(path)).failure(
            self._failed
        ).run()

    def _export_png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.widget, "导出图表", "考核统计.png", "PNG 图片 (*.png)")
        if path:
            self.export_png(Path(path))

    def export_png(self, path: Path) -> None:
        if not self.chart_view.grab().save(str(path), "PNG"):
            self._failed(FileNotSaved("png not saved"))
            return
        self._exported(path)

    def _exported(self, path: Path) -> None:
        self.exported = path
        self.error.setObjectName("hint")
        show_message(self.error, f"已导出到 {path}")


def create(context: AppContext) -> FeatureController:
    return StatisticsController(context)
