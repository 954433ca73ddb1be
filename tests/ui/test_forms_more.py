"""书面回复, 跟踪监督 and 派员提前介入 on a real terminal: each offers the earlier records of this case it may answer,
picked from the case history, and stores the answer against the picked record — without stalling the UI thread."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QComboBox

from app.domain.agencies import AgencyKind
from app.domain.events import DocumentType, EventKind
from app.domain.timezone import CST
from app.services import case_actions_transfer as transfer
from app.services.case_actions_criminal import issue_supervisory_document
from app.services.case_view import acting_desk
from app.ui.features.case_detail import CaseDetailView, host_for, open_case_detail
from app.ui.forms.form import FormHost, RecordForm
from app.ui.shell import MainWindow
from tests.crypto.conftest import AGENCY_CODE
from tests.services.conftest import Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, log_in, type_text
from tests.ui.support_cases import PROCURATORATE_CODE, app_with_case


def _HOUR_AGO() -> dt.datetime:
    # The form's default time is the current minute: the earlier record must precede it.
    return dt.datetime.now(CST) - dt.timedelta(hours=1)


def _desk_as(main: MainWindow, kind: AgencyKind):  # type: ignore[no-untyped-def]
    """The same operator acting for an agency of ``kind``: the records another member would send by packet."""
    assert main.session is not None
    return acting_desk(main.session.handle, main.context.config, kind)


def _picker(detail: CaseDetailView, kind: str, field: str) -> tuple[RecordForm, QComboBox]:
    form = detail.open_form(kind)
    assert form is not None
    combo = form.editors[field].input
    assert isinstance(combo, QComboBox)
    return form, combo


def test_written_reply_picks_the_document_from_the_case_history_and_is_stored(
    qtbot, terminal: Terminal, kdf: KdfWindows, tmp_path: Path
) -> None:
    with app_with_case(qtbot, terminal, kdf, tmp_path, opened_days_ago=1) as (running, case_id):
        main = log_in(qtbot, running)
        session = main.session
        assert session is not None
        # The procuratorate's document as its packet would bring it: issued by another agency to this one.
        procuratorate = dataclasses.replace(_desk_as(main, AgencyKind.PROCURATORATE), agency_code=PROCURATORATE_CODE)
        issue_supervisory_document(
            procuratorate, case_id, document_type=DocumentType.PROCURATORIAL_SUGGESTION,
            document_number="兴检建〔2026〕3号", recipient_code=AGENCY_CODE, recipient_kind=AgencyKind.ENFORCEMENT,
            summary="建议加强对白酒经营的日常监管", occurred_at=_HOUR_AGO(),
        )  # fmt: skip
        qtbot.wait(300)
        running.watchdog.reset()
        detail = open_case_detail(running.app.context, session, case_id, "兴市监罚〔2026〕7号", main)
        qtbot.waitUntil(lambda: "document.replied" in detail.action_buttons, timeout=10_000)
        assert detail.view is not None
        issued = next(e for e in detail.view.timeline if e.kind == EventKind.DOCUMENT_ISSUED.value)
        form, combo = _picker(detail, "document.replied", "document_id")
        assert [combo.itemData(i) for i in range(combo.count())] == [issued.event_id]
        assert "检察" in combo.itemText(0) or issued.label in combo.itemText(0)
        form.editors["summary"].set_text("已开展白酒市场专项整治，建立台账。")
        assert form.submit_button.isEnabled(), form.texts()
        form.submit_button.click()
        qtbot.waitUntil(lambda: not form.isVisible() or form.error.text() != "", timeout=10_000)
        assert form.error.text() == ""
        qtbot.waitUntil(
            lambda: (
                detail.view is not None
                and any(e.kind == EventKind.DOCUMENT_REPLIED.value for e in detail.view.timeline)
            ),
            timeout=10_000,
        )
        # 跟踪监督 (the issuer's form) offers the same document.
        follow, follow_combo = _picker(detail, "document.followed_up", "document_id")
        assert follow_combo.itemData(0) == issued.event_id
        follow.reject()
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls


def test_intervention_sent_picks_the_invitation_and_closes_it(
    qtbot, terminal: Terminal, kdf: KdfWindows, tmp_path: Path
) -> None:
    with app_with_case(qtbot, terminal, kdf, tmp_path, opened_days_ago=1) as (running, case_id):
        main = log_in(qtbot, running)
        session = main.session
        assert session is not None
        transfer.invite_intervention(
            _desk_as(main, AgencyKind.ENFORCEMENT), case_id, invited_code=AGENCY_CODE,
            invited_kind=AgencyKind.POLICE, written=True, reasons="涉案白酒数量大，可能危害公众健康",
            occurred_at=_HOUR_AGO(),
        )  # fmt: skip
        qtbot.wait(300)
        running.watchdog.reset()
        host, _kind, head = host_for(running.app.context, session)
        handle, config = session.handle, running.app.context.config
        police = FormHost(host.runner, host.store, host.operator_id,
                          lambda: acting_desk(handle, config, AgencyKind.POLICE))  # fmt: skip
        detail = CaseDetailView(police, case_id, AgencyKind.POLICE, head, "兴市监罚〔2026〕7号", main)
        qtbot.waitUntil(lambda: "intervention.sent" in detail.action_buttons, timeout=10_000)
        assert detail.view is not None
        invited = next(e for e in detail.view.timeline if e.kind == EventKind.INTERVENTION_INVITED.value)
        form, combo = _picker(detail, "intervention.sent", "invitation_id")
        assert combo.itemData(0) == invited.event_id and "提前介入邀请" in combo.itemText(0)
        type_text(form.editors["officers"].input, "赵警官、钱警官")  # type: ignore[arg-type]
        form.submit_button.click()
        qtbot.waitUntil(lambda: not form.isVisible() or form.error.text() != "", timeout=10_000)
        assert form.error.text() == ""
        qtbot.waitUntil(
            lambda: (
                detail.view is not None
                and any(e.kind == EventKind.INTERVENTION_SENT.value for e in detail.view.timeline)
            ),
            timeout=10_000,
        )
        assert not any("提前介入" in p.label for p in detail.view.open_periods)
        detail.close()
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls
