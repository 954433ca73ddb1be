"""文号 counters in the store: no gap and no duplicate, with two threads and with two processes writing at once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.documents.numbers import NumberSeries
from app.models.engine import StoreSettings, make_engine
from app.models.numbers import issued_serials, last_serial, next_serial, record_issued
from app.models.store import Store
from tests.models.conftest import AGENCY

SERIES = NumberSeries(AGENCY, "transfer_notice", 2026)
PER_WRITER = 40


def issue_one(session: Session, who: str) -> int:
    serial = next_serial(session, SERIES)
    record_issued(
        session, case_id=f"case-{who}", event_id=None, series=SERIES, serial=serial,
        number=f"银兴市监移〔2026〕{serial}号", fields={}, issued_at=dt.datetime.now(dt.UTC), operator_id=who,
    )  # fmt: skip
    return serial


def test_a_new_series_starts_at_one_and_a_rolled_back_issue_leaves_no_gap(store: Store) -> None:
    assert store.write(lambda s: issue_one(s, "a")) == 1

    def fail_after_allocating(session: Session) -> None:
        issue_one(session, "b")
        raise RuntimeError("printer on fire")

    with pytest.raises(RuntimeError):
        store.write(fail_after_allocating)
    assert store.write(lambda s: issue_one(s, "c")) == 2
    assert store.read(lambda s: last_serial(s, SERIES)) == 2
    assert store.read(lambda s: last_serial(s, NumberSeries(AGENCY, "transfer_notice", 2027))) == 0


def test_two_threads_issuing_at_once_get_every_number_once(store: Store) -> None:
    got: list[int] = []
    lock = threading.Lock()

    def worker(who: str) -> None:
        for _ in range(PER_WRITER):
            serial = store.write(lambda s: issue_one(s, who))
            with lock:
                got.append(serial)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 2 * PER_WRITER + 1))
    assert store.read(lambda s: issued_serials(s, AGENCY, "transfer_notice", 2026)) == tuple(sorted(got))


def _process_writer(path: str, key: bytes, who: str, start: object) -> None:
    # A separate process with its own writer connection on the same file (bypassing the store's process lock,
    # which would otherwise keep the second process out): SQLite's write lock alone must keep the numbers unique.
    engine = make_engine(Path(path), key, StoreSettings(busy_timeout_ms=30_000), read_only=False)
    start.wait()  # type: ignore[attr-defined]
    try:
        for _ in range(PER_WRITER):
            with Session(engine) as session, session.begin():
                issue_one(session, who)
    finally:
        engine.dispose()


def test_two_processes_issuing_at_once_get_every_number_once(store: Store, master_key: bytes) -> None:
    store.write(lambda s: None)
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    procs = [
        context.Process(target=_process_writer, args=(str(store.path), bytes(master_key), who, start))
        for who in ("p1", "p2")
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    serials = store.read(lambda s: issued_serials(s, AGENCY, "transfer_notice", 2026))
    assert serials == tuple(range(1, 2 * PER_WRITER + 1))
    assert store.read(lambda s: last_serial(s, SERIES)) == 2 * PER_WRITER
