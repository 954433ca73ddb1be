"""Keyboard operation on a real terminal: Tab walks the new penalty case form and the transfer wizard's first page
through every field in visual order; Enter submits (or goes on), Esc cancels — driven by QTest key clicks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget, QWizard

from app.ui.features.cases.controller import CasesController
from app.ui.forms.form import RecordForm
from tests.services.conftest import Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, Running, log_in, start_app, stop_app, type_text
from tests.ui.support_cases import app_with_case, credit_code, open_prepared_case, with_office


def _tab_walk(qtbot, window: QWidget, steps: int) -> list[QWidget]:
    """The widgets focus visits on ``steps`` presses of Tab, starting where the focus is."""
    visited = []
    for _ in range(steps):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        assert now is not None and now.window() is window
        visited.append(now)
    return visited


def _below_each_other(widgets: Sequence[QWidget], window: QWidget) -> bool:
    tops = [w.mapTo(window, w.rect().topLeft()).y() for w in widgets]
    return tops == sorted(tops) and len(set(tops)) == len(tops)


def _focus(qtbot, window: QWidget, first: QWidget) -> None:
    window.activateWindow()
    first.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=5_000)


def _open_new_case_form(qtbot, running: Running) -> RecordForm:
    main = log_in(qtbot, running)
    cases = main.navigate("cases")
    assert isinstance(cases, CasesController)
    qtbot.waitUntil(lambda: cases.model.counted, timeout=10_000)
    return _open_new_case_form_again(qtbot, running)


def _open_new_case_form_again(qtbot, running: Running) -> RecordForm:
    """The 新建案件 form by keyboard (Space on the focused button), on the case list already shown."""
    cases = running.main.controller("cases")
    assert isinstance(cases, CasesController)
    cases.new_case_form = None
    cases.new_case_button.setFocus()
    qtbot.keyClick(cases.new_case_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: cases.new_case_form is not None, timeout=10_000)
    form = cases.new_case_form
    assert form is not None
    qtbot.waitExposed(form)
    return form


def test_new_case_form_tabs_through_every_field_in_order_enter_submits_esc_cancels(
    qtbot, terminal: Terminal, kdf: KdfWindows
) -> None:
    running = start_app(qtbot, with_office(terminal), kdf)
    try:
        form = _open_new_case_form(qtbot, running)
        running.watchdog.reset()
        type_text(form.editors["case_number"].input, "兴市监罚〔2026〕22号")  # type: ignore[arg-type]
        type_text(form.editors["title"].input, "销售假冒注册商标白酒案")  # type: ignore[arg-type]
        type_text(form.editors["party_name"].input, "银川某商贸有限公司")  # type: ignore[arg-type]
        type_text(form.editors["party_id"].input, credit_code("91640104MA76XY0Q5"))  # type: ignore[arg-type]
        form.editors["offence_code"].set_text("criminal-law-213")
        assert form.submit_button.isEnabled(), form.texts()
        inputs = [editor.input for editor in form.editors.values()]
        _focus(qtbot, form, inputs[0])
        walked = _tab_walk(qtbot, form, len(inputs) + 1)
        assert walked == [*inputs[1:], form.submit_button, form.cancel_button]
        assert _below_each_other(inputs, form)
        # One more Tab wraps round to the first field (the 案件编号); Enter there submits.
        (number,) = _tab_walk(qtbot, form, 1)
        assert number is inputs[0]
        submitted: list[object] = []
        form.submitted.connect(submitted.append)
        qtbot.keyClick(number, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: bool(submitted) or form.error.text() != "" or not form.isVisible(), timeout=10_000)
        assert submitted and form.result() == QDialog.DialogCode.Accepted, form.error.text()

        form = _open_new_case_form_again(qtbot, running)
        _focus(qtbot, form, form.editors["title"].input)
        qtbot.keyClick(form.editors["title"].input, Qt.Key.Key_Escape)
        assert form.result() == QDialog.DialogCode.Rejected and not form.isVisible()
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls
    finally:
        stop_app(qtbot, running.app)


def test_transfer_wizard_report_page_tabs_in_order_enter_goes_on_esc_cancels(
    qtbot, terminal: Terminal, kdf: KdfWindows, tmp_path: Path
) -> None:
    with app_with_case(qtbot, terminal, kdf, tmp_path) as (running, case_id):
        _session, detail = open_prepared_case(qtbot, running, case_id)
        qtbot.waitUntil(lambda: "transfer" in detail.action_buttons, timeout=10_000)
        wizard = detail.open_transfer()
        qtbot.waitExposed(wizard)
        report = wizard.report
        _focus(qtbot, wizard, report.officers)
        (summary,) = _tab_walk(qtbot, wizard, 1)
        assert summary is report.summary and _below_each_other([report.officers, report.summary], wizard)
        qtbot.keyClick(summary, Qt.Key.Key_Escape)
        assert wizard.result() == QDialog.DialogCode.Rejected and not wizard.isVisible()

        wizard = detail.open_transfer()
        qtbot.waitExposed(wizard)
        report = wizard.report
        type_text(report.officers, "张三、李四")
        report.summary.setPlainText("当事人销售假冒注册商标白酒，非法经营额约8万元。")
        _focus(qtbot, wizard, report.officers)
        qtbot.waitUntil(lambda: wizard.button(QWizard.WizardButton.NextButton).isEnabled(), timeout=5_000)
        qtbot.keyClick(report.officers, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: wizard.currentPage() is not report, timeout=15_000)
        assert wizard.currentPage() is wizard.materials
        wizard.reject()
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls
