"""The transfer wizard (310号令 Art.5–6): the case team's report → the Art.6 materials → the agency head approves on
this terminal with their own certificate → the 移送 is signed and queued. Each step goes through the op runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.config import TerminalConfig
from app.crypto.pkcs11_token import TokenLibrary
from app.domain.errors import AppError
from app.services.case_actions_transfer import report_transfer, transfer_case
from app.services.changes import Changes
from app.services.drafts import Draft, DraftKey, discard_draft, load_draft, save_draft
from app.services.head_approval import decide_as_head, head_candidates
from app.services.identity import LoginCandidate
from app.services.login import OperatorSession
from app.ui.forms.fields import FieldSpec, check, to_value
from app.ui.forms.form import FormHost
from app.ui.widgets import hint, message_label, pin_field, show_message
from app.ui.wizards.materials import MaterialsPanel

_OFFICERS = FieldSpec("officers", "办案人员", "list")
_POLICE = FieldSpec("police_code", "公安机关统一社会信用代码", "credit_code")
_PROCURATORATE = FieldSpec("procuratorate_code", "抄送人民检察院统一社会信用代码", "credit_code", required=False)
_NUMBER = FieldSpec("document_number", "移送书文号")


@dataclass(frozen=True)
class HeadAccess:
    """What the approval step needs: the terminal's configuration and token library, and the operator's session
    (to leave the operator's own certificate off the head's list)."""

    config: TerminalConfig
    tokens: TokenLibrary | None
    session: OperatorSession


class _StepPage(QWizardPage):
    """A page whose 下一步 runs background work first and moves on when it succeeded."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.done = False
        self.error = message_label()

    def run_step(self, wizard: TransferWizard, work: Callable[[], object]) -> None:
        show_message(self.error, "")
        wizard.busy(True)
        wizard.host.runner.op(lambda ctx: work()).success(lambda _r: self._step_done(wizard)).failure(
            lambda e: self._step_failed(wizard, e)
        ).run()

    def _step_done(self, wizard: TransferWizard) -> None:
        self.done = True
        wizard.busy(False)
        if wizard.nextId() == -1:
            wizard.accept()
        else:
            wizard.next()

    def _step_failed(self, wizard: TransferWizard, error: AppError) -> None:
        wizard.busy(False)
        show_message(self.error, error.for_operator())


class ReportPage(_StepPage):
    def __init__(self, wizard: TransferWizard) -> None:
        super().__init__("一、移送报告")
        self.wizard_ = wizard
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint("310号令第5条：由2名以上办案人员组成专案组，写出涉嫌犯罪案件移送报告，报本机关正职负责人审批。")
        )
        form = QFormLayout()
        self.officers = QLineEdit()
        self.officers.setPlaceholderText("张三、李四")
        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)
        for text, widget in (("办案人员(&O)：", self.officers), ("报告内容(&R)：", self.summary)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout.addLayout(form)
        self.officers_error = message_label()
        layout.addWidget(self.officers_error)
        layout.addWidget(self.error)
        self.officers.textChanged.connect(self.completeChanged)
        self.summary.textChanged.connect(self.completeChanged)

    def _officers(self) -> tuple[str, ...]:
        return tuple(to_value(_OFFICERS, self.officers.text()))

    def isComplete(self) -> bool:
        few = bool(self.officers.text().strip()) and len(self._officers()) < 2
        show_message(self.officers_error, "办案人员不得少于2人（以顿号分隔）。" if few else "")
        return len(self._officers()) >= 2 and bool(self.summary.toPlainText().strip())

    def validatePage(self) -> bool:
        if self.done:
            return True
        desk, case_id = self.wizard_.desk, self.wizard_.case_id
        officers, summary = self._officers(), self.summary.toPlainText().strip()
        self.run_step(self.wizard_, lambda: report_transfer(desk(), case_id, officers=officers, summary=summary))
        return False


class MaterialsPage(_StepPage):
    def __init__(self, wizard: TransferWizard) -> None:
        super().__init__("二、移送材料（310号令第6条）")
        layout = QVBoxLayout(self)
        layout.addWidget(hint("每份材料加密保存在本机；移送书、调查报告、涉案物品清单必须提供。"))
        self.testing = QCheckBox("涉案物品经过检验或鉴定(&T)")
        layout.addWidget(self.testing)
        self.panel = MaterialsPanel(wizard.host.runner, wizard.host.store, wizard.case_id)
        self.testing.toggled.connect(self.panel.set_testing)
        self.panel.changed.connect(self.completeChanged)
        layout.addWidget(self.panel)

    def isComplete(self) -> bool:
        return self.panel.complete


class ApprovalPage(_StepPage):
    def __init__(self, wizard: TransferWizard) -> None:
        super().__init__("三、负责人审批")
        self.wizard_ = wizard
        layout = QVBoxLayout(self)
        layout.addWidget(hint("请本单位负责人在本机选择本人证书并输入PIN码；审批以负责人的数字证书签名。"))
        form = QFormLayout()
        self.head = QComboBox()
        self.pin = pin_field()
        self.decision = QComboBox()
        self.decision.addItem("同意移送", True)
        self.decision.addItem("不同意移送", False)
        self.reasons = QLineEdit()
        for text, widget in (
            ("负责人证书(&H)：", self.head), ("PIN码(&P)：", self.pin), ("审批意见(&D)：", self.decision),
            ("不同意的理由(&R)：", self.reasons),
        ):  # fmt: skip
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.candidates: list[LoginCandidate] = []
        self.pin.textChanged.connect(self.completeChanged)

    def initializePage(self) -> None:
        access = self.wizard_.head_access
        self.wizard_.host.runner.op(lambda ctx: head_candidates(access.config, access.tokens, access.session)).success(
            self._listed
        ).failure(lambda e: show_message(self.error, e.for_operator())).run()

    def _listed(self, candidates: list[LoginCandidate]) -> None:
        self.candidates = candidates
        self.head.clear()
        for candidate in candidates:
            self.head.addItem(candidate.display_name)
        if not candidates:
            show_message(self.error, "本机没有登记负责人的证书，请先在设置中登记负责人。")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.candidates) and bool(self.pin.text())

    def validatePage(self) -> bool:
        if self.done:
            return True
        access, desk, case_id = self.wizard_.head_access, self.wizard_.desk, self.wizard_.case_id
        candidate = self.candidates[self.head.currentIndex()]
        pin, approved, reasons = self.pin.text(), bool(self.decision.currentData()), self.reasons.text().strip()
        self.pin.clear()

        def work() -> Changes:
            return decide_as_head(
                access.config, access.tokens, desk(), candidate, pin, case_id, approved=approved, reasons=reasons
            )

        self.wizard_.approved = approved
        self.run_step(self.wizard_, work)
        return False


class SendPage(_StepPage):
    def __init__(self, wizard: TransferWizard) -> None:
        super().__init__("四、签名并移送")
        self.wizard_ = wizard
        layout = QVBoxLayout(self)
        layout.addWidget(hint("310号令第5条：批准后24小时内移送同级公安机关；移送书抄送同级人民检察院。"))
        form = QFormLayout()
        self.fields: dict[str, tuple[FieldSpec, QLineEdit, QLabel]] = {}
        for spec, mnemonic in ((_POLICE, "&G"), (_PROCURATORATE, "&C"), (_NUMBER, "&N")):
            line, message = QLineEdit(), message_label()
            box = QWidget()
            inner = QVBoxLayout(box)
            inner.setContentsMargins(0, 0, 0, 0)
            inner.addWidget(line)
            inner.addWidget(message)
            label = QLabel(f"{spec.label}({mnemonic})：")
            label.setBuddy(line)
            form.addRow(label, box)
            line.textChanged.connect(self.completeChanged)
            self.fields[spec.name] = (spec, line, message)
        layout.addLayout(form)
        layout.addWidget(self.error)

    def value(self, name: str) -> str:
        return self.fields[name][1].text().strip()

    def isComplete(self) -> bool:
        ok = True
        for spec, line, message in self.fields.values():
            error = check(spec, line.text())
            show_message(message, error if line.text() else "")
            ok = ok and not error
        return ok

    def validatePage(self) -> bool:
        if self.done:
            return True
        w = self.wizard_
        desk, case_id, materials = w.desk, w.case_id, w.materials.panel.provided()
        testing = w.materials.testing.isChecked()
        police, copy, number = (
            self.value("police_code").upper(),
            self.value("procuratorate_code").upper(),
            self.value("document_number"),
        )

        def work() -> Changes:
            return transfer_case(
                desk(), case_id, police_code=police, document_number=number, materials=materials,
                testing_applies=testing, procuratorate_code=copy or None,
            )  # fmt: skip

        self.run_step(w, work)
        return False


class TransferWizard(QWizard):
    """移送向导. ``finished`` with Accepted once the transfer is signed and queued."""

    def __init__(self, host: FormHost, head_access: HeadAccess, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host, self.head_access, self.case_id = host, head_access, case_id
        self.desk = host.make_desk
        self.approved = False
        self.setWindowTitle("移送涉嫌犯罪案件")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步(&N)")
        self.setButtonText(QWizard.WizardButton.BackButton, "上一步(&B)")
        self.setButtonText(QWizard.WizardButton.FinishButton, "签名并移送(&F)")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.report = ReportPage(self)
        self.materials = MaterialsPage(self)
        self.approval = ApprovalPage(self)
        self.send = SendPage(self)
        for page in (self.report, self.materials, self.approval, self.send):
            self.addPage(page)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 52, self.fontMetrics().height() * 34)
        self._init_drafts()

    # --- drafts: what is typed survives a crash or a power cut (the materials are stored as they are added) -----

    def _typed(self) -> dict[str, QLineEdit | QPlainTextEdit]:
        report = self.report
        fields: dict[str, QLineEdit | QPlainTextEdit] = {"officers": report.officers, "summary": report.summary}
        fields.update({name: line for name, (_spec, line, _message) in self.send.fields.items()})
        return fields

    def _init_drafts(self) -> None:
        self.draft_key = DraftKey(self.host.operator_id, "transfer_wizard", self.case_id)
        self.drafts_saved = 0
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(1000)
        self._save_timer.timeout.connect(self.save_draft)
        for widget in self._typed().values():
            widget.textChanged.connect(self._save_timer.start)
        self.finished.connect(self._finished_drafts)
        store, key = self.host.store, self.draft_key
        self.host.runner.op(lambda ctx: load_draft(store, key)).success(self._restore_draft).run()

    def _text(self, widget: QLineEdit | QPlainTextEdit) -> str:
        return widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()

    def _restore_draft(self, draft: Draft | None) -> None:
        """Fill what the operator has not typed yet from the saved draft (never overwrite typing)."""
        if draft is None:
            return
        for name, widget in self._typed().items():
            saved = draft.fields.get(name, "")
            if saved and not self._text(widget):
                if isinstance(widget, QPlainTextEdit):
                    widget.setPlainText(saved)
                else:
                    widget.setText(saved)

    def save_draft(self) -> None:
        fields = {name: self._text(widget) for name, widget in self._typed().items()}
        store, key = self.host.store, self.draft_key
        self.host.runner.op(lambda ctx: save_draft(store, key, fields)).success(self._draft_saved).run()

    def _draft_saved(self, _result: object) -> None:
        self.drafts_saved += 1

    def _finished_drafts(self, result: int) -> None:
        self._save_timer.stop()
        if result == QWizard.DialogCode.Accepted:
            store, key = self.host.store, self.draft_key
            self.host.runner.op(lambda ctx: discard_draft(store, key)).run()
        else:
            self.save_draft()

    def busy(self, on: bool) -> None:
        for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.FinishButton):
            self.button(which).setEnabled(not on and self.currentPage().isComplete())
        self.setCursor(Qt.CursorShape.BusyCursor if on else Qt.CursorShape.ArrowCursor)

    def nextId(self) -> int:
        if self.currentPage() is self.approval and self.approval.done and not self.approved:
            return -1  # refused: the reasons are recorded, nothing is sent
        return super().nextId()
