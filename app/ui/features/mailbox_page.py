"""收件箱 and 发件箱: packets and their states (待发送, 已发送, 平台已回执, 发送失败 with the reason), the platform's
signed receipt (received at), and 重试 for a failed packet (queued again, then the sync engine is woken).

导出数据包 writes the chosen packets (with their receipts) to a folder — a removable drive; 导入数据包 takes every
packet of a folder through the same verification as the network. Both run on the op runner, show progress and can be
cancelled (what was done before 取消 stays done)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import AppError
from app.domain.timezone import CST
from app.services.mailbox_queries import (
    IncomingPacket,
    OutgoingPacket,
    ReceiptView,
    incoming_packets,
    mark_inbox_read,
    outgoing_packets,
    retry_failed_packet,
)
from app.sync.state import SyncPhase, SyncStatus
from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.mailbox_transfer import TransferResult, export_chosen, import_folder
from app.ui.features.record_table import RED, RED_TEXT, YELLOW, CellStyle, Column, RecordTable
from app.ui.ops import OpContext
from app.ui.widgets import hint, message_label, page_title, show_message

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.ui.backend import ActiveSession


def when(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def receipt_text(receipt: ReceiptView | None) -> str:
    return "尚无回执" if receipt is None else f"平台签收于 {when(receipt.received_at)}（序号 {receipt.seq}）"


OUT_COLUMNS: tuple[Column[OutgoingPacket], ...] = (
    Column("状态", lambda p: p.state_label, 9),
    Column("记录", lambda p: p.kind_label, 12),
    Column("案件/事务", lambda p: p.case_label or p.case_id),
    Column("接收单位", lambda p: "、".join(p.recipients), 16),
    Column("生成时间", lambda p: when(p.created_at), 10),
    Column("平台回执", lambda p: when(p.receipt.received_at) if p.receipt else "", 10),
    Column("失败原因", lambda p: p.reason, 18),
)
IN_COLUMNS: tuple[Column[IncomingPacket], ...] = (
    Column("", lambda p: "未读" if p.unread else "", 3),
    Column("状态", lambda p: p.state_label, 6),
    Column("记录", lambda p: p.kind_label, 12),
    Column("案件/事务", lambda p: p.case_label or p.case_id),
    Column("发送单位", lambda p: p.sender, 16),
    Column("接收时间", lambda p: when(p.received_at), 10),
    Column("说明", lambda p: p.apply_error, 16),
)


def out_style(packet: OutgoingPacket) -> CellStyle:
    if packet.state == "failed":
        return CellStyle(RED, RED_TEXT, f"发送失败：{packet.reason}\n选中后点击“重试”重新发送。", bold=True)
    tip = receipt_text(packet.receipt)
    if packet.state == "queued" and packet.attempts:
        tip += f"\n已尝试 {packet.attempts} 次；{packet.reason}"
    return CellStyle(YELLOW if packet.state == "sent" else None, tooltip=tip)


def in_style(packet: IncomingPacket) -> CellStyle:
    return CellStyle(bold=packet.unread, tooltip=packet.apply_error or receipt_text(packet.receipt))


class MailboxController(FeatureController):
    """One page for either box; ``outgoing`` selects the 发件箱."""

    def __init__(self, context: AppContext, *, outgoing: bool) -> None:
        page = QWidget()
        page.setObjectName("page")
        super().__init__(context, page)
        self.outgoing = outgoing
        layout = QVBoxLayout(page)
        layout.setContentsMargins(20, 16, 20, 12)
        heading = QHBoxLayout()
        heading.addWidget(page_title("发件箱" if outgoing else "收件箱"))
        heading.addStretch(1)
        self.total = QLabel("")
        self.total.setObjectName("hint")
        heading.addWidget(self.total)
        self.retry_button = QPushButton("重试")
        self.retry_button.setToolTip("重新发送选中的发送失败的数据包")
        self.retry_button.clicked.connect(self.retry_selected)
        self.retry_button.setVisible(outgoing)
        self.retry_button.setEnabled(False)
        refresh = QPushButton("刷新")
        refresh.clicked.connect(self.refresh)
        self.import_button = QPushButton("导入数据包…")
        self.import_button.setToolTip("从文件夹（移动存储介质）导入数据包，验签方式与网络接收相同")
        self.import_button.clicked.connect(self.import_packets)
        self.export_button = QPushButton("导出数据包…")
        self.export_button.setToolTip("将选中的数据包及其回执导出到文件夹（移动存储介质）")
        self.export_button.clicked.connect(self.export_packets)
        heading.addWidget(self.import_button)
        heading.addWidget(self.export_button)
        heading.addWidget(self.retry_button)
        heading.addWidget(refresh)
        layout.addLayout(heading)
        self.error = message_label()
        layout.addWidget(self.error)
        busy = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_transfer)
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        layout.addLayout(busy)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result)
        self.transfer: OpContext | None = None
        self.last_result: TransferResult | None = None
        self.table: RecordTable[OutgoingPacket] | RecordTable[IncomingPacket]
        if outgoing:
            self.table = RecordTable(OUT_COLUMNS, "发件箱", out_style)
        else:
            self.table = RecordTable(IN_COLUMNS, "收件箱", in_style)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail)
        layout.addWidget(
            hint(
                "数据包在录入时即已签名并进入发件箱；平台签收后返回带签名的回执，回执时间即为法定的报送时间。"
                if outgoing
                else "收到的数据包经验签后入库；所依据的记录尚未到达的，暂缓入库，待其到达后自动入库。"
            )
        )
        self.loads = 0
        if context.sync is not None:
            context.sync.status_changed.connect(self._sync_changed)

    def session_started(self, session: ActiveSession) -> None:
        super().session_started(session)
        if self.widget.isVisible():
            self.refresh()

    def session_ended(self) -> None:
        super().session_ended()
        self.table.set_records(())  # type: ignore[arg-type]
        self.detail.setText("")
        self.total.setText("")

    def activated(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        session = self.session
        if session is None:
            return
        store, outgoing = session.store, self.outgoing

        def load(ctx: object) -> tuple[OutgoingPacket, ...] | tuple[IncomingPacket, ...]:
            if outgoing:
                return store.read(outgoing_packets)
            packets = store.read(incoming_packets)
            store.write(lambda s: mark_inbox_read(s, dt.datetime.now(dt.UTC)))  # seen now; shown bold this once
            return packets

        self.context.runner.op(load).success(self._loaded).failure(self._failed).run()

    def _loaded(self, packets: tuple[OutgoingPacket, ...] | tuple[IncomingPacket, ...]) -> None:
        if self.session is None:
            return
        self.loads += 1
        show_message(self.error, "")
        self.table.set_records(packets)  # type: ignore[arg-type]
        failed = sum(1 for p in packets if isinstance(p, OutgoingPacket) and p.state == "failed")
        text = f"共 {len(packets)} 个数据包"
        self.total.setText(text + (f"，{failed} 个发送失败" if failed else ""))
        self._selection_changed()

    def _failed(self, error: AppError) -> None:
        if self.session is not None:
            show_message(self.error, error.for_operator())

    def _selection_changed(self) -> None:
        record = self.table.current_record()
        self.retry_button.setEnabled(isinstance(record, OutgoingPacket) and record.can_retry)
        if record is None:
            self.detail.setText("")
        elif isinstance(record, OutgoingPacket):
            reason = f"；失败原因：{record.reason}" if record.reason else ""
            self.detail.setText(
                f"数据包 {record.packet_id}：{record.state_label}；{receipt_text(record.receipt)}{reason}"
            )
        else:
            self.detail.setText(f"数据包 {record.packet_id}：{record.state_label}；{receipt_text(record.receipt)}")

    def retry_selected(self) -> None:
        record = self.table.current_record()
        if self.session is None or not isinstance(record, OutgoingPacket) or not record.can_retry:
            return
        store, packet_id = self.session.store, record.packet_id
        self.retry_button.setEnabled(False)
        self.context.runner.op(
            lambda ctx: store.write(lambda s: retry_failed_packet(s, packet_id, dt.datetime.now(dt.UTC)))
        ).success(self._retried).failure(self._failed).run()

    def _retried(self, queued: bool) -> None:
        if queued and self.context.sync is not None:
            self.context.sync.sync_now()
        if not queued:
            show_message(self.error, "该数据包已不处于“发送失败”状态，无需重试。")
        self.refresh()

    # --- 导入 / 导出数据包 --------------------------------------------------------------------------------------------

    def choose_folder(self, title: str) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self.widget, title)
        return Path(folder) if folder else None

    def chosen_packet_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [r.packet_id for row in rows if (r := self.table.record(row)) is not None]

    def import_packets(self) -> None:
        session = self.session
        if session is None or self.transfer is not None:
            return
        folder = self.choose_folder("选择要导入的数据包所在文件夹")
        if folder is None:
            return
        config = self.context.config
        self._start(lambda ctx: import_folder(ctx, session, config, folder))

    def export_packets(self) -> None:
        session = self.session
        if session is None or self.transfer is not None:
            return
        packet_ids = self.chosen_packet_ids()
        if not packet_ids:
            show_message(self.error, "请先在列表中选中要导出的数据包（可按住 Ctrl 多选）。")
            return
        folder = self.choose_folder("选择导出到的文件夹")
        if folder is None:
            return
        self._start(lambda ctx: export_chosen(ctx, session, packet_ids, folder))

    def _start(self, work: Callable[[OpContext], TransferResult]) -> None:
        show_message(self.error, "")
        self.result.setText("")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.import_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self.transfer = (
            self.context.runner.op(work)
            .success(self._transfer_done)
            .failure(self._transfer_failed)
            .progress(self._transfer_progress)
            .run()
        )

    def cancel_transfer(self) -> None:
        if self.transfer is not None:
            self.transfer.cancel()
            self.cancel_button.setEnabled(False)

    def _transfer_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done}/{total}  {text}")

    def _transfer_ended(self) -> None:
        self.transfer = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.import_button.setEnabled(True)
        self.export_button.setEnabled(True)

    def _transfer_done(self, result: TransferResult) -> None:
        self._transfer_ended()
        self.last_result = result
        self.result.setText(result.text())
        self.refresh()

    def _transfer_failed(self, error: AppError) -> None:
        self._transfer_ended()
        show_message(self.error, error.for_operator())

    def _sync_changed(self, status: SyncStatus) -> None:
        if status.phase is not SyncPhase.SYNCING and self.widget.isVisible():
            self.refresh()
