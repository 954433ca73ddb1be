"""The transfer wizard on a real terminal: report, the Art.6 materials stored encrypted, the head approves with their
own PKCS#12 certificate on the same terminal, the 移送 is signed and queued — and the UI thread never stalls."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWizard
from sqlalchemy import select

from app.domain.events import EventKind, TransferMaterial, Transferred
from app.models.attachments import list_attachments
from app.models.events import case_events
from app.models.sync_tables import OutboxRow
from app.ui.wizards.transfer import TransferWizard
from tests.services.conftest import P12_PASSWORD, Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, start_app, stop_app, type_text
from tests.ui.support_cases import POLICE_CODE, PROCURATORATE_CODE, open_prepared_case, prepare, with_office


def _next(qtbot, wizard: TransferWizard, page_before) -> None:
    qtbot.waitUntil(lambda: wizard.button(QWizard.WizardButton.NextButton).isEnabled(), timeout=10_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is not page_before, timeout=15_000)


def test_transfer_wizard_reports_collects_materials_head_approves_and_queues_the_signed_transfer(
    qtbot, terminal: Terminal, kdf: KdfWindows, tmp_path: Path
) -> None:
    terminal = with_office(terminal)
    case_id = prepare(terminal, tmp_path)
    files = {}
    for material in TransferMaterial:
        path = tmp_path / f"{material.value}.pdf"
        path.write_bytes(f"%PDF-1.4 {material.label}".encode() * 50)
        files[material] = path
    running = start_app(qtbot, terminal, kdf)
    try:
        session, detail = open_prepared_case(qtbot, running, case_id)
        qtbot.waitUntil(lambda: "transfer" in detail.action_buttons, timeout=10_000)
        wizard = detail.open_transfer()

        report = wizard.report
        type_text(report.officers, "张三")
        assert not report.isComplete() and "不得少于2人" in report.officers_error.text()
        type_text(report.officers, "、李四")
        report.summary.setPlainText("当事人销售假冒注册商标白酒，非法经营额约8万元，涉嫌假冒注册商标罪。")
        _next(qtbot, wizard, report)

        materials = wizard.materials
        assert not materials.isComplete()
        materials.testing.setChecked(True)
        for material in (TransferMaterial.TRANSFER_LETTER, TransferMaterial.INVESTIGATION_REPORT,
                         TransferMaterial.SEIZED_ITEMS_LIST):  # fmt: skip
            materials.panel.slots[material].add_file(files[material])
        qtbot.waitUntil(lambda: all(not s.busy for s in materials.panel.slots.values()), timeout=10_000)
        assert not materials.isComplete()  # testing applies: the 检验报告 is now required
        materials.panel.slots[TransferMaterial.TEST_REPORT].add_file(files[TransferMaterial.TEST_REPORT])
        _next(qtbot, wizard, materials)

        approval = wizard.approval
        qtbot.waitUntil(lambda: approval.head.count() == 1, timeout=10_000)
        assert "王局长" in approval.head.itemText(0)
        type_text(approval.pin, "wrong-pin")
        wizard.next()
        qtbot.waitUntil(lambda: bool(approval.error.text()), timeout=15_000)
        assert wizard.currentPage() is approval and approval.error.text()
        type_text(approval.pin, P12_PASSWORD)
        _next(qtbot, wizard, approval)

        send = wizard.send
        type_text(send.fields["police_code"][1], POLICE_CODE[:-1] + ("0" if POLICE_CODE[-1] != "0" else "1"))
        assert "校验位" in send.fields["police_code"][2].text() and not send.isComplete()
        send.fields["police_code"][1].setText(POLICE_CODE)
        type_text(send.fields["document_number"][1], "银兴市监移〔2026〕3号")
        assert send.isComplete()
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        assert finish.isVisible() and finish.isEnabled()
        finish.click()
        qtbot.waitUntil(lambda: send.error.text() != "", timeout=15_000)
        # The domain refuses with its own reason; the wizard keeps everything typed.
        assert "抄送同级人民检察院" in send.error.text() and wizard.currentPage() is send
        assert send.value("document_number") == "银兴市监移〔2026〕3号"
        type_text(send.fields["procuratorate_code"][1], PROCURATORATE_CODE)
        with qtbot.waitSignal(wizard.finished, timeout=15_000):
            finish.click()
        assert wizard.result() == QWizard.DialogCode.Accepted
        qtbot.waitUntil(lambda: detail.view is not None and len(detail.view.packets) >= 4, timeout=10_000)

        store = session.store
        events = store.read(lambda s: case_events(s, case_id))
        kinds = [e.kind for e in events]
        assert kinds[-3:] == [EventKind.TRANSFER_REPORTED, EventKind.HEAD_DECISION, EventKind.TRANSFERRED]
        head_decision, transferred = events[-2], events[-1]
        assert head_decision.operator_id == "OP0009" and transferred.operator_id == "OP0001"
        assert isinstance(transferred, Transferred)
        assert set(transferred.materials) == set(TransferMaterial) - {TransferMaterial.OTHER}
        outbox = store.read(
            lambda s: [
                (r.event_id, r.state, r.recipients)
                for r in s.scalars(select(OutboxRow).where(OutboxRow.case_id == case_id))
            ]
        )
        sent = [row for row in outbox if row[0] == transferred.event_id]
        assert len(sent) == 1 and sent[0][1] == "queued" and POLICE_CODE in sent[0][2]
        assert len(store.read(lambda s: list_attachments(s, case_id))) == 4
        assert detail.view is not None
        assert [p.state_label for p in detail.view.packets][-1] == "待发送"
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls
    finally:
        stop_app(qtbot, running.app)
