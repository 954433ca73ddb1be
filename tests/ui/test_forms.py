"""Record forms on a real terminal: a bad 统一社会信用代码 shows its Chinese message and disables 提交; a form dropped
without submitting comes back with its draft; the case detail shows a missed entry deadline in red."""

from __future__ import annotations

from pathlib import Path

from app.ui.features.case_detail import MISSED, host_for, open_case_detail
from app.ui.forms import form_for
from app.ui.forms.form import RecordForm
from tests.services.conftest import Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, log_in, type_text
from tests.ui.support_cases import app_with_case


def test_bad_credit_code_disables_submit_and_a_dropped_form_offers_its_draft(
    qtbot, terminal: Terminal, kdf: KdfWindows, tmp_path: Path
) -> None:
    # The case is entered 10 days after it happened: its entry is late (seed §8).
    with app_with_case(qtbot, terminal, kdf, tmp_path, opened_days_ago=10) as (running, case_id):
        main = log_in(qtbot, running)
        session = main.session
        assert session is not None
        qtbot.wait(300)
        running.watchdog.reset()
        host, _kind, _head = host_for(running.app.context, session)
        spec = form_for("supervision.suggested")
        assert spec is not None
        form = RecordForm(spec, host, case_id, main)
        code = form.editors["procuratorate_code"]
        type_text(code.input, "91640104MA76XY0Q5X")  # type: ignore[arg-type]
        assert "校验位不正确" in code.message.text() and not form.submit_button.isEnabled()
        form.editors["reasons"].input.setPlainText("不予立案理由不成立")  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: form.drafts_saved >= 1, timeout=5_000)
        form.close()
        form.deleteLater()

        again = RecordForm(spec, host, case_id, main)
        qtbot.waitUntil(lambda: again.draft_bar.isVisibleTo(again), timeout=5_000)
        again.restore_draft()
        assert again.texts()["reasons"] == "不予立案理由不成立"
        assert again.texts()["procuratorate_code"] == "91640104MA76XY0Q5X"
        again.close()

        detail = open_case_detail(running.app.context, session, case_id, "兴市监罚〔2026〕7号", main)
        qtbot.waitUntil(lambda: detail.view is not None, timeout=10_000)
        row = detail.timeline.item(detail.timeline.rowCount() - 1, 4)  # 行政处罚决定生效, entered 10 days late
        assert row is not None
        assert "逾期" in row.text() and row.foreground().color() == MISSED
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls
