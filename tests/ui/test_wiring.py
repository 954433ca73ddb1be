"""The main window's wiring on a real terminal: 新建 on the affairs pages opens their forms (a consultation entered
there is listed), 录入案件 on the case list opens the penalty case form with the screening rules' offences, and the
工作台's double-click opens the case detail — the UI thread never stalls > 200 ms."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.domain.agencies import AgencyKind
from app.domain.events import LinkageType
from app.domain.timezone import CST
from app.services.affairs import file_linkage
from app.ui.features.affairs.page import AffairsController
from app.ui.features.case_detail import CaseDetailView
from app.ui.features.cases.controller import CasesController
from app.ui.features.workbench import WorkbenchController
from app.ui.forms.form import RecordForm
from app.ui.shell import MainWindow
from tests.services.conftest import Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, Running, log_in, start_app, stop_app, type_text
from tests.ui.feature_support import operator_desk, overdue_transfer_report
from tests.ui.support_cases import POLICE_CODE, PROCURATORATE_CODE, credit_code, with_office


def _click_new(qtbot, main: MainWindow, key: str) -> object:
    page = main.navigate(key)
    assert isinstance(page, AffairsController)
    qtbot.waitUntil(lambda: page.loads > 0, timeout=10_000)
    assert page.new_button.isVisible()
    before = len(main._forms)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert len(main._forms) == before + 1
    return main._forms[-1]


def test_new_buttons_of_the_affairs_pages_open_their_forms_and_a_consultation_is_listed(
    qtbot, running: Running
) -> None:
    main = log_in(qtbot, running)
    qtbot.wait(300)
    running.watchdog.reset()
    for key, title in (("joint_meeting", "召集联席会议"), ("linkage_filing", "案件衔接备案"),
                       ("inspection", "专项监督检查")):  # fmt: skip
        form = _click_new(qtbot, main, key)
        assert isinstance(form, RecordForm) and form.windowTitle() == title and form.isVisible()
        form.reject()
    explained = _click_new(qtbot, main, "early_intervention")
    assert isinstance(explained, QMessageBox) and "提前介入邀请" in explained.text()
    explained.close()

    form = _click_new(qtbot, main, "consultation")
    assert isinstance(form, RecordForm) and form.windowTitle() == "案件咨询"
    type_text(form.editors["consulted_code"].input, POLICE_CODE)  # type: ignore[arg-type]
    form.editors["consulted_kind"].set_text("police")
    form.editors["question"].set_text("销售金额4.8万元是否达到假冒注册商标罪的追诉标准？")
    assert form.submit_button.isEnabled(), form.texts()
    qtbot.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    page = main.controller("consultation")
    assert isinstance(page, AffairsController)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=10_000)
    assert "4.8万元" in page.table.cell_text(0, 0) and page.table.cell_text(0, 4) == "待答复"
    assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls


def test_new_case_button_offers_the_screening_offences_and_enters_the_case(
    qtbot, terminal: Terminal, kdf: KdfWindows
) -> None:
    running = start_app(qtbot, with_office(terminal), kdf)  # a new case's packet goes to the office
    try:
        _enter_new_case(qtbot, running)
    finally:
        stop_app(qtbot, running.app)


def _enter_new_case(qtbot, running: Running) -> None:
    main = log_in(qtbot, running)
    cases = main.navigate("cases")
    assert isinstance(cases, CasesController)
    qtbot.waitUntil(lambda: cases.model.counted, timeout=10_000)
    qtbot.wait(300)
    running.watchdog.reset()
    assert cases.new_case_button.isVisible()
    qtbot.mouseClick(cases.new_case_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cases.new_case_form is not None, timeout=10_000)
    form = cases.new_case_form
    assert form is not None and form.windowTitle() == "录入行政处罚案件"
    offence = form.editors["offence_code"].input
    offences = [offence.itemData(i) for i in range(offence.count())]  # type: ignore[union-attr]
    assert {"criminal-law-140", "criminal-law-213"} <= set(offences)
    type_text(form.editors["case_number"].input, "兴市监罚〔2026〕21号")  # type: ignore[arg-type]
    type_text(form.editors["title"].input, "销售伪劣食用油案")  # type: ignore[arg-type]
    type_text(form.editors["party_name"].input, "银川某粮油有限公司")  # type: ignore[arg-type]
    type_text(form.editors["party_id"].input, credit_code("91640104MA76XY0Q5"))  # type: ignore[arg-type]
    form.editors["offence_code"].set_text("criminal-law-140")
    assert form.submit_button.isEnabled(), form.texts()
    qtbot.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _entered(cases) or form.error.text() != "", timeout=10_000)
    assert form.error.text() == ""
    qtbot.waitUntil(lambda: cases.model.record(0) is not None, timeout=10_000)
    record = cases.model.record(0)
    assert record is not None and record.case_number == "兴市监罚〔2026〕21号"
    assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls


def _entered(cases: CasesController) -> bool:
    return cases.model.counted and cases.model.rowCount() == 1


def test_double_click_on_a_workbench_duty_opens_the_case_detail(qtbot, running: Running) -> None:
    main = log_in(qtbot, running)
    case_id, _ = overdue_transfer_report(main, days_ago=10)
    workbench = main.navigate("workbench")
    assert isinstance(workbench, WorkbenchController)
    qtbot.waitUntil(lambda: workbench.view is not None and len(workbench.view.todo) > 0, timeout=20_000)
    qtbot.wait(300)
    running.watchdog.reset()
    row = next(i for i, r in enumerate(workbench.todo.records) if r.case_id == case_id)
    item = workbench.todo.item(row, 2)
    assert item is not None
    centre = workbench.todo.visualItemRect(item).center()
    # A real double-click: the press (the view remembers the pressed row), then the double-click on that row.
    qtbot.mousePress(workbench.todo.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(workbench.todo.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    cases = main.controller("cases")
    assert isinstance(cases, CasesController)
    assert main.current_key() == "cases" and len(cases._dialogs) == 1
    detail = cases._dialogs[0]
    assert isinstance(detail, CaseDetailView) and detail.case_id == case_id
    qtbot.waitUntil(lambda: detail.view is not None, timeout=10_000)
    assert detail.view is not None and detail.view.case_number == "银兴市监立〔2026〕31号"
    assert detail.isVisible()
    assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls


def test_the_follow_up_button_opens_the_form_on_the_selected_linkage_filing(qtbot, running: Running) -> None:
    main = log_in(qtbot, running)
    file_linkage(
        operator_desk(main), linkage=LinkageType.ADMIN_CRIMINAL, recipient_code=PROCURATORATE_CODE,
        recipient_kind=AgencyKind.PROCURATORATE, related_case_id="兴市监罚〔2026〕7号", summary="移送公安机关立案",
        occurred_at=dt.datetime.now(CST) - dt.timedelta(hours=1),
    )  # fmt: skip
    qtbot.wait(300)
    running.watchdog.reset()
    page = main.navigate("linkage_filing")
    assert isinstance(page, AffairsController)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and page.next_button.isEnabled(), timeout=10_000)
    assert page.next_button.isVisible() and page.next_button.text() == "报送备案情况…"
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    form = main._forms[-1]
    assert isinstance(form, RecordForm) and form.windowTitle() == "报送备案情况"
    affair = page.table.current_record()
    assert affair is not None and form.case_id == affair.affair_id  # the follow-up names the selected filing
    form.editors["summary"].set_text("已报领导小组办公室")
    form.submit_button.click()
    # 报送 is the recipient's record (seed §14): the enforcement agency is refused in Chinese, in the form, text kept.
    qtbot.waitUntil(lambda: form.error.text() != "", timeout=10_000)
    assert "行政执法机关不能录入此项" in form.error.text() and form.isVisible()
    assert form.texts()["summary"] == "已报领导小组办公室"
    form.reject()
    assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls
