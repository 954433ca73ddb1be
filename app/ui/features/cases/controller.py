"""案件: the filter bar, the case table over ``CaseTableModel``, the count, and the detail on double-click/Enter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.agencies import AgencyKind
from app.domain.errors import AppError
from app.domain.screening import ScreeningRules
from app.services.case_view import terminal_agency_kind
from app.services.office import screening_rules
from app.services.ui_queries import CaseFilter, CaseFilterChoices, filter_choices
from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.case_detail import CaseDetailView, host_for, open_case_detail
from app.ui.features.cases.filters import CaseFilterBar
from app.ui.features.cases.model import COLUMNS, CaseTableModel
from app.ui.forms.form import RecordForm
from app.ui.forms.spec import with_choices
from app.ui.forms.specs_enforcement import NEW_CASE
from app.ui.widgets import hint, message_label, page_title, shortcut, show_message

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession

TITLE = "案件"
ICON = "cases"
# Initial column widths in characters of the UI font (the operator may drag them; 案件名称 takes the rest).
COLUMN_CHARS = (16, 0, 10, 8, 12, 9, 8, 10)


class CasesController(FeatureController):
    def __init__(self, context: AppContext) -> None:
        page = QWidget()
        page.setObjectName("page")
        super().__init__(context, page)
        self.model = CaseTableModel(context.runner, parent=self)
        self.model.total_changed.connect(self._show_total)
        self.model.failed.connect(self._failed)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(20, 16, 20, 12)
        heading = QHBoxLayout()
        heading.addWidget(page_title("案件"))
        heading.addStretch(1)
        self.total = QLabel("")
        self.total.setObjectName("hint")
        heading.addWidget(self.total)
        # Only an enforcement agency opens penalty cases (seed §8); others receive theirs by transfer.
        self.new_case_button = QPushButton("录入案件…(&N)")
        self.new_case_button.setAccessibleName("录入行政处罚案件")
        self.new_case_button.clicked.connect(self.new_case)
        self.new_case_button.setVisible(terminal_agency_kind(context.config) is AgencyKind.ENFORCEMENT)
        heading.addWidget(self.new_case_button)
        layout.addLayout(heading)
        self.filters = CaseFilterBar()
        self.filters.changed.connect(self._filter_changed)
        layout.addWidget(self.filters)
        self.error = message_label()
        layout.addWidget(self.error)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("案件列表")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, as everywhere else
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(int(self.table.fontMetrics().height() * 1.9))
        columns = self.table.horizontalHeader()
        columns.setHighlightSections(False)
        char = self.table.fontMetrics().horizontalAdvance("中")
        for number, chars in enumerate(COLUMN_CHARS):
            if chars:
                columns.resizeSection(number, char * chars)
        columns.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        columns.setMinimumSectionSize(char * 4)
        self.table.doubleClicked.connect(self.open_detail)
        shortcut(Qt.Key.Key_Return, self.table, self._open_current, Qt.ShortcutContext.WidgetShortcut)
        shortcut(Qt.Key.Key_Enter, self.table, self._open_current, Qt.ShortcutContext.WidgetShortcut)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint("双击或按回车键查看案件详情。"))
        page.setTabOrder(self.filters.clear, self.table)
        self._dialogs: list[CaseDetailView] = []
        self._forms: list[RecordForm] = []
        self.new_case_form: RecordForm | None = None  # the latest 录入案件 form
        self._choices_wanted = False

    # --- session --------------------------------------------------------------------------------------------------

    def session_started(self, session: ActiveSession) -> None:
        super().session_started(session)
        show_message(self.error, "")
        self.total.setText("正在统计…")
        self._choices_wanted = True
        self.model.set_store(session.store)

    def _load_choices(self) -> None:
        # After the first count: the pickers' DISTINCT scans must not compete with the first screen of cases.
        session = self.session
        if session is None or not self._choices_wanted:
            return
        self._choices_wanted = False
        store, own = session.store, (session.operator.agency_code, session.operator.agency_name)
        self.context.runner.op(lambda ctx: store.read(filter_choices)).success(
            lambda choices: self._choices_loaded(choices, own)
        ).failure(self._failed).run()

    def session_ended(self) -> None:
        super().session_ended()
        for dialog in [*self._dialogs, *self._forms]:
            dialog.close()
        self._dialogs.clear()
        self._forms.clear()
        self.model.set_store(None)
        self.total.setText("")

    def focus_search(self) -> bool:
        self.filters.focus_search()
        return True

    # --- reactions ----------------------------------------------------------------------------------------------

    def _choices_loaded(self, choices: CaseFilterChoices, own: tuple[str, str]) -> None:
        if self.session is not None:
            self.filters.set_choices(choices, own)

    def _filter_changed(self, case_filter: CaseFilter) -> None:
        show_message(self.error, "")
        if self.session is not None:
            self.total.setText("正在查询…")
        self.model.set_filter(case_filter)

    def _show_total(self, total: int) -> None:
        self._load_choices()
        narrowed = self.model.case_filter != CaseFilter()
        if total == 0:
            self.total.setText("没有符合条件的案件" if narrowed else "暂无案件")
        else:
            self.total.setText(f"{'符合条件的' if narrowed else '共'} {total:,} 件")

    def _failed(self, error: AppError) -> None:
        if self.session is not None:
            show_message(self.error, error.for_operator())

    def _open_current(self) -> None:
        self.open_detail(self.table.currentIndex())

    def open_detail(self, index: QModelIndex) -> CaseDetailView | None:
        record = self.model.record(index.row()) if index.isValid() else None
        if record is None or self.session is None:
            return None
        dialog = open_case_detail(self.context, self.session, record.id, record.case_number, self.widget)
        dialog.finished.connect(lambda _result: self._dialogs.remove(dialog) if dialog in self._dialogs else None)
        self._dialogs.append(dialog)
        return dialog

    def open_case(self, case_id: str) -> CaseDetailView | None:
        """The case detail of ``case_id`` (the workbench's double-click, through ``context.open_case``)."""
        if self.session is None:
            return None
        dialog = open_case_detail(self.context, self.session, case_id, "", self.widget)
        dialog.finished.connect(lambda _result: self._dialogs.remove(dialog) if dialog in self._dialogs else None)
        self._dialogs.append(dialog)
        return dialog

    # --- a new penalty case -----------------------------------------------------------------------------------------

    def new_case(self) -> None:
        """录入案件: the 案由 list is the screening rules' offences, read on a worker before the form opens."""
        if self.session is None:
            return
        self.new_case_button.setEnabled(False)
        store, config = self.session.store, self.context.config
        self.context.runner.op(lambda ctx: screening_rules(store, config)).success(self._open_new_case).failure(
            self._rules_failed
        ).run()

    def _rules_failed(self, error: AppError) -> None:
        self.new_case_button.setEnabled(True)
        self._failed(error)

    def _open_new_case(self, rules: ScreeningRules) -> None:
        self.new_case_button.setEnabled(True)
        if self.session is None:
            return
        offences = tuple((o.code, f"{o.name}（{o.article}）") for o in rules.offences.values())
        host, _kind, _head = host_for(self.context, self.session)
        form = RecordForm(with_choices(NEW_CASE, "offence_code", offences), host, "", self.widget)
        form.submitted.connect(lambda _changes: self.model.reload())
        form.finished.connect(lambda _result: self._forms.remove(form) if form in self._forms else None)
        self._forms.append(form)
        self.new_case_form = form
        form.open()


def create(context: AppContext) -> FeatureController:
    return CasesController(context)


__all__ = ["COLUMNS", "ICON", "TITLE", "CasesController", "create"]
