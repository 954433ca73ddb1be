"""工作台: the to-do list by deadline urgency (colour and days left; the rule and its article in the tooltip),
以罚代刑 warnings with their figures, the unread inbox and the sync state. Double-click opens the case."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from app.domain.errors import AppError
from app.domain.todo import Urgency
from app.services.office import office_files, screening_rules, working_calendar
from app.services.workbench_queries import TodoRow, WarningRow, WorkbenchView, workbench_view
from app.sync.state import SyncPhase, SyncStatus
from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.record_table import ORANGE, RED, RED_TEXT, YELLOW, CellStyle, Column, RecordTable
from app.ui.sync_status import status_text
from app.ui.widgets import hint, message_label, page_title, shortcut, show_message

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession

TITLE = "工作台"
ICON = "workbench"


def todo_label(row: TodoRow) -> str:
    """The 事项 as the operator reads it: a right (not a duty) says it may be left unused."""
    return row.label + ("（权利，可不行使）" if row.optional else "")


TODO_COLUMNS: tuple[Column[TodoRow], ...] = (
    Column("紧急程度", lambda r: r.urgency.label, 7),
    Column("剩余/逾期", lambda r: r.days_text, 8),
    Column("事项", todo_label, 20),  # wide enough for 建议立案监督（权利，可不行使）
    Column("案件/事务", lambda r: r.subject),
    Column("期限届满", lambda r: r.due_text, 11),
)
WARNING_COLUMNS: tuple[Column[WarningRow], ...] = (
    Column("预警规则", lambda w: w.rule, 10),
    Column("案件", lambda w: w.subject, 24),
    Column("数额与依据", lambda w: w.message or w.figures),  # the sentence the operator reads, with the figures
)
URGENCY_BACKGROUND = {Urgency.OVERDUE: RED, Urgency.DUE_TODAY: ORANGE, Urgency.DUE_SOON: YELLOW}


def todo_style(row: TodoRow) -> CellStyle:
    tip = f"{todo_label(row)}：{row.citation}\n期限届满：{row.due_text}"
    if row.provisional:
        tip += "\n（该年度节假日安排尚未公布，期限按周末推算，为暂定期限）"
    overdue = row.urgency is Urgency.OVERDUE
    return CellStyle(URGENCY_BACKGROUND.get(row.urgency), RED_TEXT if overdue else None, tip, bold=overdue)


def warning_style(row: WarningRow) -> CellStyle:
    return CellStyle(tooltip=f"{row.message}\n{row.figures}")


class WorkbenchController(FeatureController):
    def __init__(self, context: AppContext) -> None:
        page = QWidget()
        page.setObjectName("page")
        super().__init__(context, page)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(20, 16, 20, 12)
        heading = QHBoxLayout()
        heading.addWidget(page_title(TITLE))
        heading.addStretch(1)
        self.summary = QLabel("")
        self.summary.setObjectName("hint")
        heading.addWidget(self.summary)
        layout.addLayout(heading)
        tiles = QHBoxLayout()
        self.unread = QPushButton("收件箱：—")
        self.unread.setToolTip("打开收件箱")
        self.unread.clicked.connect(lambda: self._navigate("inbox"))
        self.sync_state = QLabel("同步：—")
        self.sync_state.setObjectName("hint")
        self.refresh_button = QPushButton("刷新 (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        tiles.addWidget(self.unread)
        tiles.addWidget(self.sync_state, 1)
        tiles.addWidget(self.refresh_button)
        layout.addLayout(tiles)
        self.error = message_label()
        layout.addWidget(self.error)
        self.todo = RecordTable(TODO_COLUMNS, "待办事项", todo_style)
        self.todo.doubleClicked.connect(lambda index: self._open(self.todo.record(index.row())))
        self.warnings = RecordTable(WARNING_COLUMNS, "以罚代刑预警", warning_style)
        self.warnings.doubleClicked.connect(lambda index: self._open(self.warnings.record(index.row())))
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut(key, self.todo, self._open_current_todo, Qt.ShortcutContext.WidgetShortcut)
            shortcut(key, self.warnings, self._open_current_warning, Qt.ShortcutContext.WidgetShortcut)
        split = QSplitter(Qt.Orientation.Vertical)
        top, top_layout = QWidget(), QVBoxLayout()
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(QLabel("待办事项（按期限紧急程度排列）"))
        top_layout.addWidget(self.todo)
        top.setLayout(top_layout)
        bottom, bottom_layout = QWidget(), QVBoxLayout()
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(QLabel("以罚代刑预警（达到或接近立案追诉标准的行政处罚案件）"))
        bottom_layout.addWidget(self.warnings)
        bottom.setLayout(bottom_layout)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        layout.addWidget(
            hint("红色：已逾期；橙色：今日到期；黄色：即将到期（2个工作日内）。鼠标停留可查看期限依据；双击打开案件。")
        )
        self.view: WorkbenchView | None = None
        self.loads = 0
        self._loading = False
        if context.sync is not None:
            context.sync.status_changed.connect(self._sync_changed)

    def session_started(self, session: ActiveSession) -> None:
        super().session_started(session)
        self.refresh()

    def session_ended(self) -> None:
        super().session_ended()
        self.view = None
        self.todo.set_records(())
        self.warnings.set_records(())
        self.summary.setText("")
        self.unread.setText("收件箱：—")

    def activated(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        session = self.session
        if session is None or self._loading:
            return
        self._loading = True
        store, agency, config = session.store, session.operator.agency_code, self.context.config

        def load(ctx: object) -> WorkbenchView:
            # what the office published last (the sync may just have brought a new calendar or new rules)
            files = office_files(config)  # the trust files read once for both
            calendar, rules = working_calendar(store, config, files), screening_rules(store, config, files)
            return workbench_view(store, agency, dt.datetime.now().astimezone(), calendar, rules)

        self.context.runner.op(load).success(self._loaded).failure(self._failed).run()

    def _loaded(self, view: WorkbenchView) -> None:
        self._loading = False
        if self.session is None:
            return
        self.view = view
        self.loads += 1
        show_message(self.error, "")
        self.todo.set_records(view.todo)
        self.warnings.set_records(view.warnings)
        self.summary.setText(
            f"已逾期 {view.count(Urgency.OVERDUE)} 项 · 今日到期 {view.count(Urgency.DUE_TODAY)} 项 · "
            f"即将到期 {view.count(Urgency.DUE_SOON)} 项 · 以罚代刑预警 {len(view.warnings)} 条"
        )
        self.unread.setText(f"收件箱：{view.unread} 个未读" if view.unread else "收件箱：无未读")

    def _failed(self, error: AppError) -> None:
        self._loading = False
        if self.session is not None:
            show_message(self.error, error.for_operator())

    def _sync_changed(self, status: SyncStatus) -> None:
        self.sync_state.setText("同步：" + status_text(status))
        if status.phase is SyncPhase.UP_TO_DATE and self.widget.isVisible():
            self.refresh()

    def _open(self, record: TodoRow | WarningRow | None) -> None:
        if record is not None and self.context.open_case is not None:
            self.context.open_case(record.case_id)

    def _open_current_todo(self) -> None:
        self._open(self.todo.current_record())

    def _open_current_warning(self) -> None:
        self._open(self.warnings.current_record())

    def _navigate(self, key: str) -> None:
        window = self.widget.window()
        navigate = getattr(window, "navigate", None)
        if callable(navigate):
            navigate(key)


def create(context: AppContext) -> FeatureController:
    return WorkbenchController(context)
