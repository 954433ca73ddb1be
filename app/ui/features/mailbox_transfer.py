"""导入/导出数据包 (sneakernet) for the 收件箱 and 发件箱: every packet of a folder through the same verification as
the network, and the chosen packets with their receipts into a folder; one by one, with progress and 取消."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.domain.errors import AppError
from app.services.identity import load_terminal_identity
from app.services.sync import sync_settings, trust_source
from app.sync.apply import Applier
from app.sync.engine_receive import Received, Receiver
from app.sync.sneakernet import export_packets, import_packets
from app.ui.ops import OpContext

if TYPE_CHECKING:
    from app.config import TerminalConfig
    from app.ui.backend import ActiveSession


@dataclass
class TransferResult:
    """What an import or export did; ``cancelled`` when 取消 stopped it part-way."""

    exported: int = 0
    imported: int = 0
    duplicates: int = 0
    deferred: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    cancelled: bool = False

    def text(self) -> str:
        if self.exported:
            parts = [f"{self.exported} 个数据包已导出"]
        else:
            parts = [f"{self.imported} 条已导入", f"{self.duplicates} 条重复", f"{len(self.refused)} 条被拒绝并隔离"]
            if self.deferred:
                parts.append(f"{self.deferred} 条暂缓入库")
        text = "，".join(parts) + "。"
        if self.refused:
            text += "\n" + "\n".join(f"{name}：{reason}" for name, reason in self.refused)
        return ("已取消；取消前：" if self.cancelled else "") + text


def import_folder(ctx: OpContext, session: ActiveSession, config: TerminalConfig, folder: Path) -> TransferResult:
    """Every ``*.ljp`` of ``folder`` through the same verification as the network, one by one with progress."""
    store = session.store
    try:
        office = sync_settings(config).office_code
    except AppError:
        office = str(config.extra.get("office_code", ""))
    source = trust_source(config, office)
    trust = source.load(store)
    identity = load_terminal_identity(config)
    applier = Applier(identity.agency_code, identity.terminal_name, store.blobs, trust.sender_kinds())
    receiver = Receiver(store, trust, applier, session.operator.operator_id, lambda: dt.datetime.now(dt.UTC))
    report = import_packets(
        receiver, folder, progress=lambda done, total, name: ctx.report(done, total, name and f"正在导入 {name}"),
        cancelled=lambda: ctx.cancelled,
    )  # fmt: skip
    deferred = report.count(Received.DEFERRED)
    return TransferResult(
        imported=report.count(Received.APPLIED) + report.applied_later,
        duplicates=report.count(Received.DUPLICATE),
        deferred=deferred - min(deferred, report.applied_later),
        refused=list(report.refused.items()),
        cancelled=report.cancelled,
    )


def export_chosen(ctx: OpContext, session: ActiveSession, packet_ids: list[str], folder: Path) -> TransferResult:
    """The chosen packets and their receipts into ``folder``, one by one with progress."""
    result = TransferResult()
    for done, packet_id in enumerate(packet_ids):
        if ctx.cancelled:
            result.cancelled = True
            break
        ctx.report(done, len(packet_ids), f"正在导出 {packet_id}")
        result.exported += len(export_packets(session.store, [packet_id], folder))
    ctx.report(len(packet_ids), len(packet_ids), "")
    return result
