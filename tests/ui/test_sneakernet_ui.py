"""导入数据包 / 导出数据包 in the 收件箱: an enforcement agency's packets carried on a drive (never sent over the
network) are imported on the police terminal through the op runner with progress — n 条已导入, a tampered
copy 被拒绝并隔离 with its reason, a second import all 重复 — then the chosen packets are exported to another
folder; 取消 stops an import between packets. No UI-thread stall over 200 ms (PKCS#12 opens set apart)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.demo.agencies import DEMO_PIN, ENFORCEMENT, POLICE
from app.demo.world import DemoWorld
from app.models.snapshots import load_case_state
from app.services.case_view import AGENCY_KIND_SETTING
from app.sync.outbox import outbox_entries
from app.sync.packet import PACKET_SUFFIX
from app.sync.sneakernet import export_packets
from app.ui.features.mailbox_page import MailboxController
from app.ui.features.mailbox_transfer import TransferResult, import_folder
from app.ui.ops import OpContext
from tests.services.conftest import Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, log_in, start_app, stop_app
from tests.ui.test_police_flow import transferred_to_police


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    logging.getLogger("app.config").setLevel(logging.ERROR)
    built = DemoWorld.build(tmp_path_factory.mktemp("sneakernet-ui") / "demo", (ENFORCEMENT, POLICE))
    yield built
    built.close()


def drive_with_packets(world: DemoWorld, drive: Path, number: str) -> tuple[str, int]:
    """The agency's packets (entered offline: nothing pushed) on a drive, plus a tampered copy of the last one."""
    case_id = transferred_to_police(world, sync=False, number=number)
    with world.terminal(ENFORCEMENT).acting(sync=False) as acting:
        store = acting.session.store
        written = export_packets(store, [e.packet_id for e in store.read(outbox_entries)], drive)
    data = bytearray(written[-1].read_bytes())
    data[len(data) // 2] ^= 0x01
    (drive / f"zz-tampered{PACKET_SUFFIX}").write_bytes(bytes(data))
    return case_id, len(written)


def wait_result(qtbot, page: MailboxController) -> TransferResult:
    qtbot.waitUntil(lambda: page.transfer is None and page.last_result is not None, timeout=20_000)
    assert page.last_result is not None
    return page.last_result


def test_import_a_drive_in_the_inbox_reports_imported_duplicates_and_refused_then_exports_the_chosen(
    qtbot, world: DemoWorld, kdf: KdfWindows, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drive = tmp_path / "drive"
    case_id, count = drive_with_packets(world, drive, "银兴市监立〔2026〕601号")
    config = world.terminal(POLICE).config
    config = dataclasses.replace(config, extra={**config.extra, AGENCY_KIND_SETTING: POLICE.agency.kind.value})
    running = start_app(qtbot, cast(Terminal, SimpleNamespace(config=config)), kdf)
    try:
        main = log_in(qtbot, running, DEMO_PIN)
        session = main.session
        assert session is not None
        qtbot.wait(300)
        running.watchdog.reset()
        inbox = main.navigate("inbox")
        assert isinstance(inbox, MailboxController)
        qtbot.waitUntil(lambda: inbox.loads > 0, timeout=10_000)
        chosen = [drive]
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(chosen[0]))

        qtbot.mouseClick(inbox.import_button, Qt.MouseButton.LeftButton)
        assert inbox.cancel_button.isVisible() or inbox.transfer is None
        result = wait_result(qtbot, inbox)
        assert result.imported == count and result.duplicates == 0 and not result.cancelled, result
        assert [name for name, _reason in result.refused] == [f"zz-tampered{PACKET_SUFFIX}"]
        assert result.refused[0][1]  # the reason, in Chinese, from the verifier
        assert f"{count} 条已导入，0 条重复，1 条被拒绝并隔离" in inbox.result.text()
        assert "zz-tampered" in inbox.result.text() and not inbox.cancel_button.isVisible()
        assert session.store.read(lambda s: load_case_state(s, case_id)) is not None
        assert list((config.data_dir / "quarantine").glob("*.quarantined"))
        qtbot.waitUntil(lambda: inbox.table.rowCount() == count, timeout=10_000)

        inbox.last_result = None
        qtbot.mouseClick(inbox.import_button, Qt.MouseButton.LeftButton)
        again = wait_result(qtbot, inbox)
        assert again.imported == 0 and again.duplicates == count, again
        assert f"0 条已导入，{count} 条重复" in inbox.result.text()

        inbox.table.selectAll()
        chosen[0] = tmp_path / "out"
        inbox.last_result = None
        qtbot.mouseClick(inbox.export_button, Qt.MouseButton.LeftButton)
        exported = wait_result(qtbot, inbox)
        assert exported.exported == count and f"{count} 个数据包已导出" in inbox.result.text()
        assert len(list((tmp_path / "out").glob(f"*{PACKET_SUFFIX}"))) == count
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls
    finally:
        stop_app(qtbot, running.app)


def test_cancel_stops_an_import_between_packets(world: DemoWorld, tmp_path: Path) -> None:
    drive = tmp_path / "drive"
    drive_with_packets(world, drive, "银兴市监立〔2026〕602号")
    reported: list[tuple[int, int]] = []
    context = cast(
        OpContext, SimpleNamespace(cancelled=True, report=lambda done, total, text="": reported.append((done, total)))
    )
    with world.terminal(POLICE).acting(sync=False) as acting:
        session = SimpleNamespace(store=acting.session.store, operator=SimpleNamespace(operator_id="XQGA0012"))
        result = import_folder(context, cast(object, session), world.terminal(POLICE).config, drive)  # type: ignore[arg-type]
    assert result.cancelled and result.imported == 0 and "已取消" in result.text()
