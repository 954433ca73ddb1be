"""The transfer wizard keeps what was typed: a wizard closed (or lost to a crash) before its step was submitted
offers the typed report again, read back from the encrypted store."""

from __future__ import annotations

from pathlib import Path

from app.services.drafts import load_draft
from tests.services.conftest import Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, type_text
from tests.ui.support_cases import app_with_case, open_prepared_case

SUMMARY = "当事人销售假冒注册商标白酒，非法经营额约8万元，涉嫌假冒注册商标罪。"


def test_typed_report_survives_closing_the_wizard_and_comes_back(
    qtbot, terminal: Terminal, kdf: KdfWindows, tmp_path: Path
) -> None:
    with app_with_case(qtbot, terminal, kdf, tmp_path) as (running, case_id):
        session, detail = open_prepared_case(qtbot, running, case_id)
        qtbot.waitUntil(lambda: "transfer" in detail.action_buttons, timeout=10_000)

        wizard = detail.open_transfer()
        type_text(wizard.report.officers, "张三、李四")
        wizard.report.summary.setPlainText(SUMMARY)
        qtbot.waitUntil(lambda: wizard.drafts_saved >= 1, timeout=10_000)  # saved 1 s after the last keystroke
        key = wizard.draft_key
        draft = load_draft(session.store, key)
        assert draft is not None and draft.fields["summary"] == SUMMARY
        wizard.reject()
        wizard.deleteLater()

        again = detail.open_transfer()
        qtbot.waitUntil(lambda: again.report.summary.toPlainText() == SUMMARY, timeout=10_000)
        assert again.report.officers.text() == "张三、李四"
        again.reject()
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls
