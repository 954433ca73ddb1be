"""发件箱 on a real terminal: a failed packet shows the platform's reason, and 重试 queues it again in the store."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.models.sync_tables import OutboxRow
from app.ui.features.mailbox_page import MailboxController
from tests.ui.conftest import STALL_LIMIT_MS, Running, log_in
from tests.ui.feature_support import failed_packet

REASON = "平台拒收：数据包签名证书已被吊销。"


def test_a_failed_packet_shows_its_reason_and_retry_queues_it_again(qtbot, running: Running) -> None:
    main = log_in(qtbot, running)
    packet_id = failed_packet(main, REASON)
    running.watchdog.reset()
    outbox = main.navigate("outbox")
    assert isinstance(outbox, MailboxController)
    qtbot.waitUntil(lambda: outbox.loads > 0 and outbox.table.rowCount() == 1, timeout=10_000)
    assert outbox.table.cell_text(0, 0) == "发送失败"
    assert outbox.table.cell_text(0, 6) == REASON
    assert "1 个发送失败" in outbox.total.text()
    outbox.table.selectRow(0)
    assert outbox.retry_button.isEnabled() and REASON in outbox.detail.text()
    loads = outbox.loads
    qtbot.mouseClick(outbox.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: outbox.loads > loads and outbox.table.cell_text(0, 0) == "待发送", timeout=10_000)
    assert main.session is not None

    def state_and_reason(s):
        row = s.get(OutboxRow, packet_id)
        assert row is not None
        return row.state, row.reason

    state, reason = main.session.store.read(state_and_reason)
    assert (state, reason) == ("queued", "")
    assert not outbox.retry_button.isEnabled()
    assert running.stall_ms < STALL_LIMIT_MS
