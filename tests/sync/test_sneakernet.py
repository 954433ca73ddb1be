"""Sneakernet: packets exported to a folder (a removable drive) with their receipts, imported on another terminal
under the same verification as the network; a tampered file is refused and kept in quarantine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.agencies import AgencyKind
from app.domain.lifecycle import CaseStage
from app.models.snapshots import load_case_state
from app.models.sync_tables import ReceiptRow
from app.sync.engine_receive import Received
from app.sync.inbox import inbox_entries
from app.sync.outbox import outbox_entries
from app.sync.packet import PACKET_SUFFIX
from app.sync.packet.canonical import canonical_json
from app.sync.sneakernet import RECEIPT_SIGNATURE_SUFFIX, RECEIPT_SUFFIX, export_packets, import_packets
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_support import Side, make_side


@pytest.fixture
def sides(tmp_path: Path, pki: PlatformPki, platform: RunningPlatform) -> Iterator[tuple[Side, Side]]:
    w = pki.world
    agency = make_side(tmp_path, pki, "enforcement", w.enforcement_operator, AgencyKind.ENFORCEMENT, platform.url)
    police = make_side(tmp_path, pki, "police", w.police_operator, AgencyKind.POLICE, platform.url)
    police.engine.trust_source.refresh(police.store, police.engine.connect())  # CRL and directory, once online
    yield agency, police
    for side in (agency, police):
        side.engine.stop()
        side.store.close()


def test_exported_packets_are_imported_and_applied_on_another_terminal(
    sides: tuple[Side, Side], pki: PlatformPki, tmp_path: Path
) -> None:
    agency, police = sides
    case_id = transferred_case(agency, pki, "银兴市监立〔2026〕401号")
    assert agency.engine.run_once().receipts == 4
    drive = tmp_path / "drive"
    written = export_packets(agency.store, [e.packet_id for e in agency.store.read(outbox_entries)], drive)
    assert len(written) == 4 and len(list(drive.glob(f"*{RECEIPT_SUFFIX}"))) == 4
    report = import_packets(police.receiver(), drive)
    assert report.count(Received.APPLIED) == 4, report
    state = police.store.read(lambda s: load_case_state(s, case_id))
    assert state is not None and state.stage is CaseStage.TRANSFERRED
    again = import_packets(police.receiver(), drive)
    assert again.count(Received.DUPLICATE) == 4


def test_a_tampered_file_on_the_drive_is_refused_and_quarantined(
    sides: tuple[Side, Side], pki: PlatformPki, tmp_path: Path
) -> None:
    agency, police = sides
    case_id = transferred_case(agency, pki, "银兴市监立〔2026〕402号")
    transfer = agency.store.read(outbox_entries)[-1]
    drive = tmp_path / "drive"
    (path,) = export_packets(agency.store, [transfer.packet_id], drive)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    (drive / "elsewhere.ljp").symlink_to(path)  # a link is not read: it could point anywhere
    seen: list[tuple[int, int, str]] = []
    report = import_packets(police.receiver(), drive, progress=lambda *step: seen.append(step))
    assert report.count(Received.QUARANTINED) == 1
    reason = report.refused[path.name]  # the operator's reason, in Chinese
    assert any("\u4e00" <= char <= "\u9fff" for char in reason), reason
    assert report.refused["elsewhere.ljp"] == "不是普通文件或超过 256 MB，未导入。"
    first, second = sorted([path.name, "elsewhere.ljp"])
    assert seen == [(0, 2, first), (1, 2, second), (2, 2, "")]
    assert police.store.read(inbox_entries) == ()
    assert police.store.read(lambda s: load_case_state(s, case_id)) is None
    assert list((tmp_path / "police" / "quarantine").glob("*.quarantined"))


def _receipt_ids(side: Side) -> set[str]:
    return set(side.store.read(lambda s: [str(row) for row in s.scalars(select(ReceiptRow.packet_id))]))


def test_a_damaged_receipt_beside_a_good_packet_is_set_aside_not_the_packet(
    sides: tuple[Side, Side], pki: PlatformPki, tmp_path: Path
) -> None:
    """A receipt on a drive is only a help (docs/sync.md: receipt time if valid, else now). One whose signature is
    damaged, and one that is not even a receipt (its packet id a number: it used to end the whole import with an
    AttributeError at that file, every time), are set aside; their packets are verified as of now and applied."""
    agency, police = sides
    case_id = transferred_case(agency, pki, "银兴市监立〔2026〕403号")
    assert agency.engine.run_once().receipts == 4
    drive = tmp_path / "drive"
    written = sorted(export_packets(agency.store, [e.packet_id for e in agency.store.read(outbox_entries)], drive))
    damaged, unreadable = (drive / f"{path.name[: -len(PACKET_SUFFIX)]}" for path in written[:2])
    signature = bytearray(Path(f"{damaged}{RECEIPT_SIGNATURE_SUFFIX}").read_bytes())
    signature[-5] ^= 0x01
    Path(f"{damaged}{RECEIPT_SIGNATURE_SUFFIX}").write_bytes(bytes(signature))
    raw = json.loads(Path(f"{unreadable}{RECEIPT_SUFFIX}").read_bytes())
    Path(f"{unreadable}{RECEIPT_SUFFIX}").write_bytes(canonical_json({**raw, "packet_id": 123}))
    report = import_packets(police.receiver(), drive)
    assert report.count(Received.APPLIED) == 4 and not report.refused, report
    state = police.store.read(lambda s: load_case_state(s, case_id))
    assert state is not None and state.stage is CaseStage.TRANSFERRED
    # The two good receipts are kept; the two set aside are not.
    assert _receipt_ids(police) == {path.name[: -len(PACKET_SUFFIX)] for path in written[2:]}
