"""The record form dialog: built from a ``FormSpec``, checked as the person types, drafts kept while typing,
submitted through the op runner to the named service function; a refusal shows in the form, nothing is lost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import AppError
from app.domain.timezone import CST
from app.models.store import Store
from app.services.cases import CaseDesk
from app.services.changes import Changes
from app.services.drafts import Draft, DraftKey, discard_draft, load_draft, save_draft
from app.ui.forms.fields import FieldSpec, check, now_text, payload
from app.ui.forms.spec import FormSpec
from app.ui.ops import OpRunner
from app.ui.widgets import hint, message_label, page_title, show_message

DRAFT_DELAY_MS = 1000


@dataclass(frozen=True)
class FormHost:
    """What a form needs from the session: the runner, the store (drafts), who types, and the desk (built on a
    worker: it reads the trust directory)."""

    runner: OpRunner
    store: Store
    operator_id: str
    make_desk: Callable[[], CaseDesk]


class FieldEditor(QWidget):
    """One field: its input, and the message under it."""

    edited = Signal()

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.input: QLineEdit | QPlainTextEdit | QComboBox
        if spec.kind in ("choice", "check"):
            combo = QComboBox()
            if not spec.required:
                combo.addItem("（不填）", "")
            for value, text in spec.choices:
                combo.addItem(text, value)
            combo.currentIndexChanged.connect(self.edited)
            self.input = combo
        elif spec.kind == "long":
            area = QPlainTextEdit()
            area.setTabChangesFocus(True)
            area.setFixedHeight(area.fontMetrics().height() * 4)
            area.textChanged.connect(self.edited)
            self.input = area
        else:
            line = QLineEdit()
            line.setPlaceholderText(spec.placeholder)
            line.textChanged.connect(self.edited)
            self.input = line
        self.input.setAccessibleName(spec.label.replace("&", ""))
        layout.addWidget(self.input)
        self.message = message_label()
        layout.addWidget(self.message)

    def text(self) -> str:
        if isinstance(self.input, QComboBox):
            return str(self.input.currentData() or "")
        if isinstance(self.input, QPlainTextEdit):
            return self.input.toPlainText()
        return self.input.text()

    def set_text(self, text: str) -> None:
        if isinstance(self.input, QComboBox):
            index = self.input.findData(text)
            if index >= 0:
                self.input.setCurrentIndex(index)
        elif isinstance(self.input, QPlainTextEdit):
            self.input.setPlainText(text)
        else:
            self.input.setText(text)

    def validate(self, show: bool) -> bool:
        error = check(self.spec, self.text())
        show_message(self.message, error if show else "")
        return not error


class RecordForm(QDialog):
    """Enter one record. Enter submits, Esc cancels; the draft is saved 1 s after the last keystroke."""

    submitted = Signal(object)  # Changes

    def __init__(self, form: FormSpec, host: FormHost, case_id: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form, self.host, self.case_id = form, host, case_id
        self.draft_key = DraftKey(host.operator_id, form.key, case_id)
        self.setWindowTitle(form.title)
        self._touched: set[str] = set()
        self._busy = False
        self._restoring = False
        self._draft: Draft | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(page_title(form.title))
        if form.note:
            layout.addWidget(hint(form.note))
        self.draft_bar = QWidget()
        bar = QHBoxLayout(self.draft_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        self.draft_label = QLabel("")
        self.restore_button = QPushButton("恢复草稿(&D)")
        self.drop_button = QPushButton("放弃草稿")
        self.restore_button.clicked.connect(self.restore_draft)
        self.drop_button.clicked.connect(self._drop_draft)
        bar.addWidget(self.draft_label, 1)
        bar.addWidget(self.restore_button)
        bar.addWidget(self.drop_button)
        self.draft_bar.hide()
        layout.addWidget(self.draft_bar)
        grid = QFormLayout()
        grid.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.editors: dict[str, FieldEditor] = {}
        for spec in form.all_fields:
            editor = FieldEditor(spec)
            label = QLabel(spec.label + "：")
            label.setBuddy(editor.input)
            grid.addRow(label, editor)
            editor.edited.connect(self._edited)
            self.editors[spec.name] = editor
        layout.addLayout(grid)
        self.error = message_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.submit_button = buttons.addButton("提交(&S)", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Only once the buttons are in the dialog does it learn its default: Enter anywhere submits. Tabbing past 取消
        # must not make that the default instead (Enter in a field would cancel the form).
        self.submit_button.setDefault(True)
        self.cancel_button.setAutoDefault(False)
        inputs = [e.input for e in self.editors.values()]
        for before, after in zip(
            [*inputs, self.submit_button], [*inputs[1:], self.submit_button, self.cancel_button], strict=False
        ):
            QWidget.setTabOrder(before, after)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(DRAFT_DELAY_MS)
        self._save_timer.timeout.connect(self.save_draft)
        self.drafts_saved = 0
        self._restoring = True  # the default time is not something the operator typed
        self.editors["occurred_at"].set_text(now_text())
        self._restoring = False
        self._touched.clear()
        self._revalidate()
        store, key = host.store, self.draft_key
        host.runner.op(lambda ctx: load_draft(store, key)).success(self._draft_found).failure(self._failed).run()
        if inputs:
            inputs[0].setFocus()

    # --- values ----------------------------------------------------------------------------------------------------

    def texts(self) -> dict[str, str]:
        return {name: editor.text() for name, editor in self.editors.items()}

    def set_texts(self, texts: dict[str, str]) -> None:
        self._restoring = True
        try:
            for name, text in texts.items():
                if name in self.editors:
                    self.editors[name].set_text(text)
                    self._touched.add(name)
        finally:
            self._restoring = False
        self._revalidate()

    def _edited(self) -> None:
        sender = self.sender()
        if isinstance(sender, FieldEditor):
            self._touched.add(sender.spec.name)
        self._revalidate()
        if not self._restoring:
            self._save_timer.start()

    def _revalidate(self) -> bool:
        valid = [e.validate(show=name in self._touched) for name, e in self.editors.items()]
        ok = all(valid)
        self.submit_button.setEnabled(ok and not self._busy)
        return ok

    # --- drafts ----------------------------------------------------------------------------------------------------

    def _draft_found(self, draft: Draft | None) -> None:
        if draft is None or not any(draft.fields.values()):
            return
        self._draft = draft
        when = draft.updated_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
        self.draft_label.setText(f"有一份未提交的草稿（{when} 保存）。")
        self.draft_bar.show()

    def restore_draft(self) -> None:
        if self._draft is not None:
            self.set_texts(dict(self._draft.fields))
        self.draft_bar.hide()

    def _drop_draft(self) -> None:
        self.draft_bar.hide()
        self._draft = None
        store, key = self.host.store, self.draft_key
        self.host.runner.op(lambda ctx: discard_draft(store, key)).failure(self._failed).run()

    def save_draft(self) -> None:
        """Through the op runner to the store's single writer."""
        store, key, texts = self.host.store, self.draft_key, self.texts()
        self.host.runner.op(lambda ctx: save_draft(store, key, texts)).success(self._draft_saved).failure(
            self._failed
        ).run()

    def _draft_saved(self, _result: object) -> None:
        self.drafts_saved += 1

    # --- submit ----------------------------------------------------------------------------------------------------

    def submit(self) -> None:
        if self._busy or not self._revalidate():
            self._touched.update(self.editors)
            self._revalidate()
            return
        self._busy = True
        self._save_timer.stop()
        self.submit_button.setEnabled(False)
        show_message(self.error, "")
        values = payload(self.form.all_fields, self.texts())
        form, host, case_id, key = self.form, self.host, self.case_id, self.draft_key

        def work(ctx: object) -> Changes:
            changes = form.action(host.make_desk(), case_id, values)
            discard_draft(host.store, key)
            return changes

        host.runner.op(work).success(self._submitted).failure(self._refused).run()

    def _submitted(self, changes: Changes) -> None:
        self._busy = False
        self.submitted.emit(changes)
        self.accept()

    def _refused(self, error: AppError) -> None:
        self._busy = False
        show_message(self.error, error.for_operator())
        self._revalidate()
        self.save_draft()  # what was typed stays, also on disk

    def _failed(self, error: AppError) -> None:
        show_message(self.error, error.for_operator())

    def reject(self) -> None:
        if self._save_timer.isActive():
            self._save_timer.stop()
            self.save_draft()
        super().reject()
