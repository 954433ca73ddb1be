"""The pages of 咨询, 提前介入, 联席会议, 备案 and 监督检查: a list (deadline shown), the selected record's history,
and 新建 — which opens the forms engineer's form through ``context.open_form(kind)`` (hidden until connected)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from app.domain.errors import AppError
from app.domain.timezone import CST
from app.services.affairs_queries import AffairSummary, affair_summaries
from app.services.office import working_calendar
from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.record_table import CellStyle, Column, RecordTable
from app.ui.forms import affair_form
from app.ui.widgets import hint, message_label, page_title, show_message

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession

COLUMNS: tuple[Column[AffairSummary], ...] = (
    Column("事项", lambda a: a.title),
    Column("发起单位", lambda a: a.opener, 14),
    Column("对方单位", lambda a: a.counterpart, 14),
    Column("发起时间", lambda a: a.opened_at.astimezone(CST).strftime("%Y-%m-%d %H:%M"), 10),
    Column("状态", lambda a: a.status, 12),
    Column("期限", lambda a: a.due.isoformat() if a.due else "", 8),
)


def style(affair: AffairSummary) -> CellStyle:
    return CellStyle(tooltip=affair.due_note)


def history_html(affair: AffairSummary) -> str:
    lines = [f"<h3>{affair.title}</h3><p>状态：{affair.status}"]
    if affair.due is not None:
        lines.append(f"；期限：{affair.due.isoformat()}（{affair.due_note}）")
    lines.append("</p><ol>")
    for line in affair.history:
        when = line.occurred_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
        entered = line.entered_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
        text = f"：{line.text}" if line.text else ""
        lines.append(
            f"<li>{when} {line.agency} {line.label}{text}"
            f"<br/><small>录入：{entered}，操作员 {line.operator_id}</small></li>"
        )
    lines.append("</ol>")
    return "".join(lines)


class AffairsController(FeatureController):
    """One affairs page: ``affair_type`` in the store (``consultation``, ``meeting``, ``linkage``, ``inspection``)."""

    def __init__(self, context: AppContext, *, title: str, affair_type: str, form_kind: str, purpose: str) -> None:
        page = QWidget()
        page.setObjectName("page")
        super().__init__(context, page)
        self.affair_type = affair_type
        self.form_kind = form_kind
        layout = QVBoxLayout(page)
        layout.setContentsMargins(20, 16, 20, 12)
        heading = QHBoxLayout()
        heading.addWidget(page_title(title))
        heading.addStretch(1)
        self.total = QLabel("")
        self.total.setObjectName("hint")
        heading.addWidget(self.total)
        self.new_button = QPushButton("新建…")
        self.new_button.clicked.connect(self._new)
        heading.addWidget(self.new_button)
        following = affair_form(form_kind, affair_id="selected")  # 答复, 纪要, 报送, 通报: what follows on a record
        self.next_button = QPushButton(f"{following.title}…" if following is not None else "")
        self.next_button.setToolTip("对选中的记录录入后续记录")
        self.next_button.clicked.connect(self._next)
        heading.addWidget(self.next_button)
        layout.addLayout(heading)
        layout.addWidget(hint(purpose))
        self.error = message_label()
        layout.addWidget(self.error)
        self.table: RecordTable[AffairSummary] = RecordTable(COLUMNS, title, style)
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("记录经过")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        layout.addWidget(split, 1)
        self.loads = 0
        self._sync_new_button()

    def _sync_new_button(self) -> None:
        # The main window connects context.open_form; without it there is nothing to open.
        connected = self.context.open_form is not None
        self.new_button.setVisible(connected)
        self.next_button.setVisible(connected and bool(self.next_button.text()))
        self.next_button.setEnabled(self.table.current_record() is not None)

    def _new(self) -> None:
        if self.context.open_form is not None:
            self.context.open_form(self.form_kind)

    def _next(self) -> None:
        affair = self.table.current_record()
        if self.context.open_form is not None and affair is not None:
            self.context.open_form(self.form_kind, affair.affair_id)

    def session_started(self, session: ActiveSession) -> None:
        super().session_started(session)
        if self.widget.isVisible():
            self.refresh()

    def session_ended(self) -> None:
        super().session_ended()
        self.table.set_records(())
        self.detail.clear()
        self.total.setText("")

    def activated(self) -> None:
        self._sync_new_button()
        self.refresh()

    def refresh(self) -> None:
        session = self.session
        if session is None:
            return
        store, kind, config = session.store, self.affair_type, self.context.config
        self.context.runner.op(lambda ctx: affair_summaries(store, kind, working_calendar(store, config))).success(
            self._loaded
        ).failure(self._failed).run()

    def _loaded(self, affairs: tuple[AffairSummary, ...]) -> None:
        if self.session is None:
            return
        self.loads += 1
        show_message(self.error, "")
        self.table.set_records(affairs)
        self.total.setText(f"共 {len(affairs)} 件" if affairs else "暂无记录")
        if affairs and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self._show_detail()

    def _failed(self, error: AppError) -> None:
        if self.session is not None:
            show_message(self.error, error.for_operator())

    def _show_detail(self) -> None:
        affair = self.table.current_record()
        self.next_button.setEnabled(affair is not None)
        self.detail.setHtml(history_html(affair) if affair is not None else "")
