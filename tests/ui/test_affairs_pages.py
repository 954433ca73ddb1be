"""咨询 page on a real terminal: a consultation asked of the police is listed with its 3-working-day answer date."""

from __future__ import annotations

import datetime as dt

from app.domain.agencies import AgencyKind
from app.domain.deadlines import DEFAULT_POLICY, DeadlineRuleId, WorkingCalendar
from app.services.affairs import ask_consultation
from app.ui.features.affairs.page import AffairsController
from tests.domain.factory import POLICE
from tests.ui.conftest import STALL_LIMIT_MS, Running, log_in
from tests.ui.feature_support import operator_desk


def test_consultation_page_lists_a_consultation_with_its_answer_due_date(qtbot, running: Running) -> None:
    main = log_in(qtbot, running)
    asked = dt.datetime.now().astimezone().replace(microsecond=0) - dt.timedelta(hours=1)
    ask_consultation(
        operator_desk(main), consulted_code=POLICE.code, consulted_kind=AgencyKind.POLICE, written=True,
        question="销售金额4.8万元是否达到追诉标准？", occurred_at=asked,
    )  # fmt: skip
    # seed §11: answered within 3 working days unless difficult
    due = DEFAULT_POLICY.rule(DeadlineRuleId.CONSULTATION_ANSWER).due(asked, WorkingCalendar()).last_day
    running.watchdog.reset()
    page = main.navigate("consultation")
    assert isinstance(page, AffairsController)
    qtbot.waitUntil(lambda: page.loads > 0 and page.table.rowCount() == 1, timeout=10_000)
    assert page.table.cell_text(0, 4) == "待答复"
    assert page.table.cell_text(0, 5) == due.isoformat()
    assert "销售金额4.8万元" in page.table.cell_text(0, 0)
    assert "销售金额4.8万元" in page.detail.toPlainText() and due.isoformat() in page.detail.toPlainText()
    assert page.new_button.isVisible()  # the shell connects open_form: 新建 opens the form (test_wiring.py)
    assert running.stall_ms < STALL_LIMIT_MS
