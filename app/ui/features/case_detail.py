"""The case detail: the timeline (who, when, deadline met or missed, in colour), the periods still running, materials,
issued documents, packets with their receipts, and the records this agency may enter now, each opening its form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from cryptography.x509.oid import NameOID
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import TerminalConfig
from app.crypto.keyslots import list_operators
from app.domain.agencies import AgencyKind
from app.domain.deadlines import WorkingCalendar
from app.domain.errors import AppError
from app.domain.events import EVENT_TYPES, EventKind
from app.domain.timezone import CST
from app.services.case_view import CaseView, acting_desk, case_view, terminal_agency_kind
from app.services.office import working_calendar
from app.ui.context import AppContext
from app.ui.forms import WIZARD_KINDS, form_for
from app.ui.forms.form import FormHost, RecordForm
from app.ui.forms.specs_followups import with_earlier_records
from app.ui.widgets import hint, message_label, page_title, show_message
from app.ui.wizards.transfer import HeadAccess, TransferWizard

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession

MISSED = QColor("#b3261e")
MET = QColor("#1b6e35")


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def _table(headers: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setAccessibleName(name)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setTabKeyNavigation(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def enrolled_names(config: TerminalConfig) -> dict[str, str]:
    """Operator ID → name (the certificate's CN) of the operators enrolled on this terminal; {} when unreadable."""
    names: dict[str, str] = {}
    try:
        operators = list_operators(config)
    except Exception:  # a name is a courtesy: the timeline then shows the ID
        return names
    for operator in operators:
        common = operator.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if operator.operator_id and common:
            names[operator.operator_id] = str(common[0].value)
    return names


def _fill(table: QTableWidget, rows: Sequence[tuple[str, ...]], colours: Sequence[QColor | None] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            colour = colours[r] if colours else None
            if colour is not None and c == len(row) - 1:
                item.setForeground(colour)
            table.setItem(r, c, item)


class CaseDetailView(QDialog):
    """One case. Loads on a worker; refreshes after every record entered from it. Esc closes."""

    loaded = Signal(object)

    def __init__(
        self, host: FormHost, case_id: str, agency_kind: AgencyKind, head_access: Callable[[], HeadAccess],
        title: str = "", parent: QWidget | None = None, operators: Mapping[str, str] | None = None,
        calendar: Callable[[], WorkingCalendar] = WorkingCalendar,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self._calendar = calendar  # called on the worker: the office's published calendar, read from the store
        self.operators = dict(operators or {})  # operator ID → name of those enrolled here
        self.host, self.case_id, self.agency_kind, self._head_access = host, case_id, agency_kind, head_access
        self.view: CaseView | None = None
        self.setWindowTitle(f"案件详情 — {title}" if title else "案件详情")
        layout = QVBoxLayout(self)
        self.heading = page_title(title or "正在读取…")
        layout.addWidget(self.heading)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.error = message_label()
        layout.addWidget(self.error)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("可办理："))
        self.actions_box = QHBoxLayout()
        actions.addLayout(self.actions_box)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.action_buttons: dict[str, QPushButton] = {}
        self.tabs = QTabWidget()
        self.timeline = _table(("发生时间", "记录", "单位 / 操作员", "录入时间", "期限"), "案件时间线")
        self.periods = _table(("期限", "承办单位", "截止", "状态"), "进行中的期限")
        self.materials = _table(("材料", "大小（字节）", "添加时间"), "材料")
        self.documents = _table(("文号", "文书", "制发时间"), "文书")
        self.packets = _table(("记录", "收件单位", "生成时间", "回执时间", "状态"), "数据包")
        for widget, name in (
            (self.timeline, "时间线(&1)"), (self.periods, "期限(&2)"), (self.materials, "材料(&3)"),
            (self.documents, "文书(&4)"), (self.packets, "数据包与回执(&5)"),
        ):  # fmt: skip
            self.tabs.addTab(widget, name)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(hint("红色表示逾期，绿色表示在期限内。"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        char = self.fontMetrics().horizontalAdvance("中")
        self.resize(char * 70, self.fontMetrics().height() * 34)
        self.children_open: list[QDialog] = []
        self._closed = False
        self.finished.connect(self._mark_closed)
        self.refresh()

    def _mark_closed(self) -> None:
        self._closed = True  # a late result must not touch widgets being deleted

    def refresh(self) -> None:
        store, case_id, kind, operators, calendar = (
            self.host.store,
            self.case_id,
            self.agency_kind,
            self.operators,
            self._calendar,
        )
        self.host.runner.op(
            lambda ctx: case_view(
                store, case_id, kind, now=dt.datetime.now(CST), calendar=calendar(), enrolled=operators
            )
        ).success(self._show).failure(self._failed).run()

    def _failed(self, error: AppError) -> None:
        if self._closed:
            return
        show_message(self.error, error.for_operator())

    def _show(self, view: CaseView) -> None:
        if self._closed:
            return
        self.view = view
        self.heading.setText(view.title)
        self.setWindowTitle(f"案件详情 — {view.case_number}")
        self.summary.setText(
            f"案件编号：{view.case_number}　当事人：{view.party_name}（{view.party_id}）　阶段：{view.stage}"
        )
        rows, colours = [], []
        for entry in view.timeline:
            marks = "；".join(
                f"{m.label} 截止{_when(m.due)}，{'按期' if m.met else '逾期'}{'（暂定）' if m.provisional else ''}"
                for m in entry.marks
            )
            label = entry.label if entry.in_force else f"{entry.label}（已撤回或更正）"
            rows.append((_when(entry.occurred_at), label, entry.who, _when(entry.entered_at), marks or "—"))
            colours.append((MISSED if entry.missed else MET) if entry.marks else None)
        _fill(self.timeline, rows, colours)
        for r, entry in enumerate(view.timeline):
            item = self.timeline.item(r, 2)
            if item is not None:
                item.setToolTip(entry.who_codes)
        _fill(
            self.periods,
            [
                (p.label, p.agency_name or p.agency_code, _when(p.due), "已逾期" if p.overdue else "进行中")
                for p in view.open_periods
            ],
            [MISSED if p.overdue else None for p in view.open_periods],
        )
        _fill(self.materials, [(m.name, f"{m.size:,}", _when(m.created_at)) for m in view.materials])
        _fill(self.documents, [(d.number, d.doc_type, _when(d.issued_at)) for d in view.documents])
        _fill(
            self.packets,
            [
                (EVENT_TYPES[EventKind(p.kind)].label if p.kind in set(EventKind) else p.kind, "、".join(p.recipients),
                 _when(p.created_at), _when(p.receipted_at) if p.receipted_at else "—",
                 p.state_label + (f"：{p.reason}" if p.reason else ""))
                for p in view.packets
            ],
        )  # fmt: skip
        self._show_actions(view)
        self.loaded.emit(view)

    def _show_actions(self, view: CaseView) -> None:
        for button in self.action_buttons.values():
            button.deleteLater()
        self.action_buttons.clear()
        kinds = [str(k) for k in view.allowed]
        if any(k in WIZARD_KINDS for k in kinds):
            self._add_action("transfer", "移送…(&Y)", self.open_transfer)
        for kind in kinds:
            form = form_for(kind)
            if form is not None:
                self._add_action(kind, form.title, lambda _c=False, k=kind: self.open_form(k))
        if not self.action_buttons:
            self.actions_box.addWidget(QLabel("本单位当前无可办理事项"))

    def _add_action(self, key: str, text: str, slot: Callable[..., object]) -> None:
        button = QPushButton(text)
        button.clicked.connect(slot)
        self.actions_box.addWidget(button)
        self.action_buttons[key] = button

    def open_form(self, kind: str) -> RecordForm | None:
        form = form_for(kind)
        if form is None:
            return None
        if self.view is not None:  # 书面回复, 跟踪监督, 派员: pick the earlier record from this case's history
            form = with_earlier_records(form, self.view.timeline)
        dialog = RecordForm(form, self.host, self.case_id, self)
        dialog.submitted.connect(lambda _changes: self.refresh())
        self.children_open.append(dialog)
        dialog.open()
        return dialog

    def open_transfer(self) -> TransferWizard:
        wizard = TransferWizard(self.host, self._head_access(), self.case_id, self)
        wizard.finished.connect(lambda _result: self.refresh())
        self.children_open.append(wizard)
        wizard.open()
        return wizard


def host_for(context: AppContext, session: ActiveSession) -> tuple[FormHost, AgencyKind, Callable[[], HeadAccess]]:
    """The forms' host of the logged-in session: its store, its operator, its desk (built on the worker)."""
    config, handle = context.config, session.handle
    kind = terminal_agency_kind(config)
    host = FormHost(
        context.runner, session.store, session.operator.operator_id, lambda: acting_desk(handle, config, kind)
    )
    tokens = context.backend.tokens if context.backend is not None else None
    return host, kind, lambda: HeadAccess(config, tokens, handle)


def open_case_detail(
    context: AppContext, session: ActiveSession, case_id: str, title: str, parent: QWidget
) -> CaseDetailView:
    host, kind, head = host_for(context, session)
    operators = {**enrolled_names(context.config), session.operator.operator_id: session.operator.name}
    store, config = session.store, context.config
    dialog = CaseDetailView(
        host, case_id, kind, head, title, parent, operators, calendar=lambda: working_calendar(store, config)
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
