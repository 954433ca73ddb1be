"""The platform's storage and its single writer, without HTTP: SQLite settings, and one answer per submission.

A new SQLite file gets 16 KiB pages (packets are ~100 KB blobs), still WAL with ``synchronous=FULL``; a file made
with other pages keeps them and works. A batch submitted to the writer is answered once, with one outcome per packet
in order, under the same rules as lone uploads. An agency's inbox page is read in its index's order, never by
sorting every packet after the cursor.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from app.sync.packet import VerifiedPacket
from server.app import receipt_signer
from server.store import SQLITE_PAGE_SIZE, PacketConflict, PacketStore, StoreRefused
from server.writer import GroupCommitWriter
from tests.server.platform_support import PlatformPki, make_pki
from tests.server.test_platform_api import transfer
from tests.server.test_platform_batching import verifier


def _store(path: Path) -> PacketStore:
    store = PacketStore(f"sqlite:///{path}")
    store.create_schema()
    return store


def _close(store: PacketStore) -> None:
    store.engine.dispose()
    store.reader.dispose()


def test_a_new_sqlite_store_has_16_kib_pages_wal_and_full_sync(tmp_path: Path) -> None:
    store = _store(tmp_path / "platform.db")
    try:
        with store.engine.connect() as conn:
            page_size = conn.execute(text("PRAGMA page_size")).scalar_one()
            journal = conn.execute(text("PRAGMA journal_mode")).scalar_one()
            synchronous = conn.execute(text("PRAGMA synchronous")).scalar_one()
    finally:
        _close(store)
    assert (page_size, journal, synchronous) == (SQLITE_PAGE_SIZE, "wal", 2)  # 2 = FULL


def test_an_existing_sqlite_store_keeps_its_pages_and_stores_packets(tmp_path: Path) -> None:
    path = tmp_path / "platform.db"
    with sqlite3.connect(path) as old:  # a file made before 16 KiB pages: 4 KiB, already WAL
        old.execute("PRAGMA page_size=4096")
        old.execute("PRAGMA journal_mode=WAL")
        old.execute("CREATE TABLE earlier (x INTEGER)")
    old.close()
    pki = make_pki()
    store = _store(path)
    writer = GroupCommitWriter(store, receipt_signer("测试平台", pki.receipt_signer))
    packet = transfer(pki)
    try:
        receipt, created = writer.submit(verifier(pki).verify(packet.data), dt.datetime.now(dt.UTC)).result(30)
        with store.engine.connect() as conn:
            page_size = conn.execute(text("PRAGMA page_size")).scalar_one()
        copies = store.count(str(packet.packet_id))
    finally:
        writer.close()
        _close(store)
    assert created and receipt.signature and page_size == 4096 and copies == 1


def test_a_submitted_batch_is_answered_once_with_an_outcome_per_packet_in_order(tmp_path: Path) -> None:
    pki = make_pki()
    store = _store(tmp_path / "platform.db")
    writer = GroupCommitWriter(store, receipt_signer("测试平台", pki.receipt_signer))
    check, now = verifier(pki), dt.datetime.now(dt.UTC)
    first, second = transfer(pki), transfer(pki)
    impostor = transfer(pki, packet_id=first.packet_id, payload={"案由": "改过的内容"})
    try:
        batch = [check.verify(data) for data in (first.data, second.data, first.data, impostor.data)]
        outcomes = writer.submit_many(batch, now).result(30)
        assert writer.submit_many([], now).result(1) == []
        again = writer.submit_many([check.verify(second.data)], now).result(30)
        copies = store.count(str(first.packet_id))
    finally:
        writer.close()
        _close(store)
    assert len(outcomes) == 4
    (receipt_a, new_a), (receipt_b, new_b), same_a, conflict = outcomes  # type: ignore[misc]
    assert new_a and new_b and receipt_a != receipt_b
    assert same_a == (receipt_a, False)
    assert isinstance(conflict, PacketConflict)
    assert again == [(receipt_b, False)] and copies == 1


@contextlib.contextmanager
def _holding(tmp_path: Path, count: int) -> Iterator[tuple[PacketStore, PlatformPki, list[VerifiedPacket]]]:
    """A platform store holding ``count`` transfers to the police, stored through the group-commit writer."""
    pki = make_pki()
    store = _store(tmp_path / "platform.db")
    writer = GroupCommitWriter(store, receipt_signer("测试平台", pki.receipt_signer))
    try:
        packets = [verifier(pki).verify(transfer(pki).data) for _ in range(count)]
        writer.submit_many(packets, dt.datetime.now(dt.UTC)).result(30)
        yield store, pki, packets
    finally:
        writer.close()
        _close(store)


@contextlib.contextmanager
def _recorded(store: PacketStore) -> Iterator[list[tuple[str, Any]]]:
    """The statements the store's readers execute meanwhile, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(store.reader, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(store.reader, "before_cursor_execute", seen)


def test_an_agency_inbox_page_walks_its_index_instead_of_sorting_the_backlog(tmp_path: Path) -> None:
    with _holding(tmp_path, 3) as (store, pki, packets):
        with _recorded(store) as statements:
            page = store.inbox(pki.world.police_code, after=1, limit=1, sees_all=False)
        with store.reader.connect() as conn:
            plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statements[0][0]}", statements[0][1])]
    assert [entry.packet_id for entry in page] == [str(packets[1].packet_id)] and page[0].seq == 2
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_a_batch_download_page_reads_only_the_packets_that_fit_its_budget(tmp_path: Path) -> None:
    """It read every packet up to ``limit`` (200, each up to 256 MiB) and then kept what fit a 16 MiB page."""
    with _holding(tmp_path, 5) as (store, pki, packets):
        police, two = pki.world.police_code, len(packets[0].data) + len(packets[1].data)
        with _recorded(store) as statements:
            page, more = store.inbox_packets(police, after=0, limit=5, sees_all=False, budget=two)
        one, more_one = store.inbox_packets(police, after=0, limit=5, sees_all=False, budget=1)
        rest, more_rest = store.inbox_packets(police, after=3, limit=5, sees_all=False, budget=10**9)
    assert [e.data for e in page] == [p.data for p in packets[:2]] and more
    assert [e.seq for e in one] == [1] and more_one  # one packet always goes, even above the budget
    assert [e.data for e in rest] == [p.data for p in packets[3:]] and not more_rest
    (lines, _), (bodies, chosen) = statements  # the lines without their bytes, then the bytes of the two that fit
    assert "packets.data" not in lines.split("FROM")[0] and "packets.data" in bodies
    assert sorted(chosen) == [1, 2]


def test_an_insert_that_keeps_failing_without_the_id_taken_is_a_store_fault_not_a_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 409 tells the terminal "same id, other content" and fails its packet for good; an insert refused three
    times while no row holds the id is the platform's fault (made to happen here: a sequence collision after a
    restore), to be answered 500 and sent again."""
    pki = make_pki()
    store = _store(tmp_path / "platform.db")
    packet = verifier(pki).verify(transfer(pki).data)
    sign = receipt_signer("测试平台", pki.receipt_signer)

    def collides(*_args: object) -> None:
        raise IntegrityError("INSERT INTO packets", {}, Exception("UNIQUE constraint failed: packets.seq"))

    monkeypatch.setattr(PacketStore, "_insert", collides)
    try:
        with pytest.raises(StoreRefused):
            store.accept(packet, dt.datetime.now(dt.UTC), lambda seq, at: sign(packet, seq, at))
    finally:
        _close(store)
