"""A writer killed at random points (SIGKILL) never costs a committed row nor the store's integrity.

The writer is a forked child (so it starts in milliseconds, with everything imported): it opens the store, commits
cases in batches, and reports each batch's ids through a pipe only after its commit returned.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest
from sqlalchemy import select

from app.config import TerminalConfig
from app.models.cases import CaseRecord, add_case, count_cases
from app.models.store import open_store
from app.models.tables import Case
from tests.models.conftest import new_case

ROUNDS = 30

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the crash test forks its writer")


def _writer(config: TerminalConfig, master_key: bytes, round_number: int, report: int) -> None:
    """The child: commit forever; print ids only after their commit returned."""
    rng = random.Random(round_number)
    with open_store(config, master_key, create=True) as store:
        os.write(report, b"open\n")
        batch = 0
        while True:
            cases = [
                new_case(case_number=f"{round_number}-{batch}-{i}", title="移送" * rng.randint(1, 400))
                for i in range(rng.randint(1, 30))
            ]

            def add(session, cases=cases):  # type: ignore[no-untyped-def]
                return [add_case(session, case) for case in cases]

            records: list[CaseRecord] = store.write(add)
            os.write(report, (" ".join(r.id for r in records) + "\n").encode())
            batch += 1


def _collect(read_end: int, lines: list[str]) -> None:
    with os.fdopen(read_end, "r", encoding="utf-8") as stream:
        for line in stream:
            if line.endswith("\n"):  # a line cut by the kill was never fully reported
                lines.append(line.strip())


def _run_and_kill(config: TerminalConfig, master_key: bytes, round_number: int, rng: random.Random) -> list[str]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        try:
            os.close(read_end)
            _writer(config, master_key, round_number, write_end)
        finally:
            os._exit(1)
    os.close(write_end)
    lines: list[str] = []
    reader = threading.Thread(target=_collect, args=(read_end, lines))
    reader.start()
    if round_number % 5 == 0:
        time.sleep(rng.uniform(0.0, 0.08))  # some kills land while the store is created, opened or migrated
    else:
        started = time.monotonic()
        while "open" not in lines and time.monotonic() - started < 20:
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.3))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    reader.join()
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, "the writer ended before it was killed"
    return [case_id for line in lines if line != "open" for case_id in line.split()]


@pytest.mark.slow
def test_sigkilled_writer_never_loses_a_committed_row(config: TerminalConfig, master_key: bytes) -> None:
    rng = random.Random(20240601)
    committed: set[str] = set()
    for round_number in range(ROUNDS):
        committed.update(_run_and_kill(config, master_key, round_number, rng))
        if not config.store_path.exists():
            continue  # killed before the new store was moved into place: nothing was committed
        with open_store(config, master_key) as store:
            assert store.integrity_errors() == []
            present = set(store.read(lambda s: list(s.scalars(select(Case.id)))))
            missing = committed - present
            assert not missing, f"round {round_number}: {len(missing)} committed rows lost"
            assert store.read(count_cases) == len(present)
    assert len(committed) > ROUNDS
