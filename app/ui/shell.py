"""The main window: a shell hosting one controller per feature (navigation on the left), the status bar, and the
lock page that covers everything while the terminal is locked. It owns no business logic."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from app.domain.errors import AppError
from app.ui.backend import ActiveSession, end_session
from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.case_detail import host_for
from app.ui.features.registry import FEATURES
from app.ui.forms import affair_form
from app.ui.forms.form import RecordForm
from app.ui.lock import LockController, LockPage
from app.ui.preview.window import PreviewWindow
from app.ui.sync_status import SyncStatusDriver
from app.ui.theme import icon
from app.ui.widgets import shortcut

EARLY_INTERVENTION_HINT = (
    "提前介入是案件的一项记录（实施意见第12条）：请在“案件”页打开该案件，在“可办理”中选择“提前介入邀请”；"
    "受邀的公安机关、检察机关在同一案件中录入“派员提前介入”。"
)


class MainWindow(QMainWindow):
    """``switch_operator_requested`` when the operator on the lock page wants to log in as someone else."""

    switch_operator_requested = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.session: ActiveSession | None = None
        self._last_operator: ActiveSession | None = None
        self._closing = False
        self.setWindowTitle("衔接终端 — 两法衔接信息共享平台")
        self.setWindowIcon(icon("emblem"))
        # Controllers are built on first visit: the window shows fast, and an unvisited page costs nothing.
        self.controllers: dict[str, FeatureController] = {}
        self._specs = {spec.key: spec for spec in FEATURES}
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setAccessibleName("功能导航")
        self.navigation.setIconSize(QSize(20, 20))
        self.pages = QStackedWidget()
        for number, spec in enumerate(FEATURES):
            item = QListWidgetItem(icon(f"{spec.icon}-light"), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            key_hint = f"Alt+{(number + 1) % 10}" if number < 10 else ("F1" if spec.key == "diagnostics" else "")
            item.setToolTip(f"{spec.title}（{key_hint}）" if key_hint else spec.title)
            self.navigation.addItem(item)
            if number < 10:
                shortcut(key_hint, self, partial(self.navigate, spec.key))
        char = self.navigation.fontMetrics().horizontalAdvance("中")
        self.navigation.setFixedWidth(char * 10)
        self.navigation.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.navigation.currentRowChanged.connect(self._row_changed)
        workspace = QWidget()
        row = QHBoxLayout(workspace)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.navigation)
        row.addWidget(self.pages, 1)
        self.lock_page = LockPage()
        self.lock_page.unlock_requested.connect(self._unlock)
        self.lock_page.switch_operator_requested.connect(self.switch_operator_requested)
        self.root = QStackedWidget()
        self.root.addWidget(workspace)
        self.root.addWidget(self.lock_page)
        self.workspace = workspace
        self.setCentralWidget(self.root)
        self._previews: list[PreviewWindow] = []
        self._build_status_bar()
        context.open_case = self.open_case
        context.preview_document = self.preview_document
        context.open_form = self.open_form
        self._forms: list[QWidget] = []
        self.lock = LockController(context, self)
        self.lock.locked.connect(self._locked)
        shortcut("Ctrl+L", self, self.lock_now)
        shortcut("Ctrl+F", self, self.focus_search)
        shortcut(Qt.Key.Key_F1, self, lambda: self.navigate("diagnostics"))
        self.setTabOrder(self.navigation, self.pages)
        self.resize(char * 80, self.fontMetrics().height() * 40)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.operator_label = QLabel()
        self.agency_label = QLabel()
        self.warning_label = QLabel()
        self.warning_label.setObjectName("warningText")
        self.warning_label.hide()
        self.sync_status = SyncStatusDriver(self.context, self)
        self.context.sync = self.sync_status
        self.sync_label = self.sync_status.label
        shortcut(Qt.Key.Key_F5, self, self.sync_status.sync_now)
        bar.addWidget(self.operator_label)
        bar.addWidget(self.agency_label)
        bar.addWidget(self.warning_label)
        bar.addPermanentWidget(self.sync_status.widget)
        self.lock_button = QPushButton(icon("lock"), "锁定 (Ctrl+L)")
        self.lock_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lock_button.clicked.connect(self.lock_now)
        bar.addPermanentWidget(self.lock_button)

    # --- navigation ---------------------------------------------------------------------------------------------

    def navigate(self, key: str) -> FeatureController:
        self.navigation.setCurrentRow(list(self._specs).index(key))
        return self.controller(key)

    def controller(self, key: str) -> FeatureController:
        """The feature's controller, built (and told about the session) on first use."""
        controller = self.controllers.get(key)
        if controller is None:
            controller = self._specs[key].create(self.context)
            self.controllers[key] = controller
            self.pages.addWidget(controller.widget)
            if self.session is not None:
                controller.session_started(self.session)
        return controller

    def current_key(self) -> str:
        return list(self._specs)[max(self.navigation.currentRow(), 0)]

    def _row_changed(self, row: int) -> None:
        if row < 0:
            return
        controller = self.controller(list(self._specs)[row])
        self.pages.setCurrentWidget(controller.widget)
        controller.activated()

    def focus_search(self) -> None:
        if self.session is None:
            return
        controller = self.controller(self.current_key())
        if not controller.focus_search():
            self.navigate("cases").focus_search()

    # --- session and lock -----------------------------------------------------------------------------------

    def start_session(self, session: ActiveSession) -> None:
        self.session = session
        self._last_operator = session
        operator = session.operator
        self.operator_label.setText(f"操作员：{operator.name}（{operator.operator_id}）· {operator.medium}")
        self.agency_label.setText(f"单位：{operator.agency_name}")
        self.warning_label.setText("；".join(operator.warnings))
        self.warning_label.setVisible(bool(operator.warnings))
        self.lock_button.show()
        for controller in self.controllers.values():
            controller.session_started(session)
        self.root.setCurrentWidget(self.workspace)
        self.sync_status.session_started(session)
        self.lock.start(session)
        self.navigation.setFocus()

    def lock_now(self) -> None:
        if self.session is not None:
            self.lock.lock_now("manual")

    @property
    def locked(self) -> bool:
        return self.session is None

    def _locked(self, reason: str) -> None:
        session, self.session = self.session, None
        if session is None:
            return
        for controller in self.controllers.values():
            controller.session_ended()
        self._close_previews()
        self._close_forms()
        engine = self.sync_status.detach()
        self.lock_button.hide()
        self.root.setCurrentWidget(self.lock_page)
        self.lock_page.show_locked(reason, session.operator)
        self.lock_page.set_busy(True, "正在锁定…")
        self._closing = True

        def close(ctx: object) -> None:
            if engine is not None:
                engine.stop()  # the engine's last pass ends before the store closes
            end_session(session, reason)

        self.context.runner.op(close).success(self._closed).failure(lambda error: self._closed(None)).run()

    def _closed(self, _result: object) -> None:
        self._closing = False
        self.lock_page.set_busy(False)
        self.lock_page.pin.setFocus()

    def _unlock(self, pin: str) -> None:
        if self._closing or self._last_operator is None:
            return
        backend = self.context.require_backend()
        key = self._last_operator.candidate_key
        self.lock_page.set_busy(True, "正在验证 PIN 码…")
        self.context.runner.op(lambda ctx: backend.login(key, pin)).success(self.start_session).failure(
            self._unlock_refused
        ).run()

    def _unlock_refused(self, error: AppError) -> None:
        self.lock_page.show_refusal(error.for_operator())

    def end_session_now(self, reason: str = "logout") -> None:
        """Close the store before the application exits (blocking: the event loop has ended)."""
        self.lock.stop()
        engine = self.sync_status.detach()
        if engine is not None:
            engine.stop()
        session, self.session = self.session, None
        if session is not None:
            for controller in self.controllers.values():
                controller.session_ended()
            end_session(session, reason)

    # --- hooks for the features ----------------------------------------------------------------------------------

    def open_case(self, case_id: str) -> None:
        """Show a case: the case page's ``open_case`` when it has one (the case detail), else the case list."""
        cases = self.navigate("cases")
        opener = getattr(cases, "open_case", None)
        if callable(opener):
            opener(case_id)

    def preview_document(self, pdf: bytes, title: str, *, subject: str = "") -> PreviewWindow | None:
        """A window previewing ``pdf`` with 打印 and 另存为 PDF; ``subject`` (e.g. ``case:<id>``) goes to the audit."""
        if self.session is None:
            return None
        window = PreviewWindow(self.context, self.session, pdf, title, subject=subject)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda _=None: self._previews.remove(window) if window in self._previews else None)
        self._previews.append(window)
        window.show()
        return window

    def open_form(self, kind: str, affair_id: str = "") -> QWidget | None:
        """An affairs page's form of ``kind`` (the follow-up on ``affair_id`` when given); 提前介入 is a case record,
        so for it the window says where to enter it."""
        if self.session is None:
            return None
        spec = affair_form(kind, affair_id)
        if spec is None:
            box = QMessageBox(QMessageBox.Icon.Information, "提前介入", EARLY_INTERVENTION_HINT, parent=self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            widget: QWidget = box
        else:
            host, _kind, _head = host_for(self.context, self.session)
            form = RecordForm(spec, host, affair_id, self)
            form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            page = self.controller(self.current_key())
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                form.submitted.connect(lambda _changes: refresh())
            form.open()
            widget = form
        widget.destroyed.connect(lambda _=None: self._forms.remove(widget) if widget in self._forms else None)
        self._forms.append(widget)
        return widget

    def _close_forms(self) -> None:
        for form in list(self._forms):
            form.close()
        self._forms.clear()

    def _close_previews(self) -> None:
        for window in list(self._previews):
            window.close()
        self._previews.clear()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing the window while logged in ends the session first (audited as a logout).
        if self.session is not None:
            self.lock.lock_now("manual")
        self.lock.stop()
        super().closeEvent(event)
