"""A writer killed at random points (SIGKILL) never costs a committed row nor the store's integrity."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.config import TerminalConfig
from app.models.cases import count_cases
from app.models.store import open_store
from app.models.tables import Case

ROUNDS = 25
ROOT = Path(__file__).resolve().parents[2]


def _collect(stream: object, lines: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        if line.endswith("\n"):  # a line cut by the kill was never fully reported
            lines.append(line.strip())


def _run_and_kill(config: TerminalConfig, key_file: Path, round_number: int, rng: random.Random) -> list[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.models.crash_writer", str(config.data_dir), str(key_file), str(round_number)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_collect, args=(process.stdout, lines))
    reader.start()
    started = time.monotonic()
    if round_number % 6 == 5:
        time.sleep(rng.uniform(0.3, 1.2))  # some kills land while the store is opened or migrated
    else:
        while "open" not in lines and process.poll() is None and time.monotonic() - started < 20:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.35))
    process.send_signal(signal.SIGKILL)
    process.wait()
    reader.join()
    assert process.returncode == -signal.SIGKILL, "the writer ended before it was killed"
    return [case_id for line in lines if line != "open" for case_id in line.split()]


@pytest.mark.slow
def test_sigkilled_writer_never_loses_a_committed_row(
    config: TerminalConfig, master_key: bytes, tmp_path: Path
) -> None:
    key_file = tmp_path / "master.key"
    key_file.write_text(master_key.hex(), encoding="ascii")
    os.chmod(key_file, 0o600)
    rng = random.Random(20240601)
    committed: set[str] = set()
    for round_number in range(ROUNDS):
        committed.update(_run_and_kill(config, key_file, round_number, rng))
        if not config.store_path.exists():
            continue  # killed before the new store was moved into place: nothing was committed
        with open_store(config, master_key) as store:
            assert store.integrity_errors() == []
            present = set(store.read(lambda s: list(s.scalars(select(Case.id)))))
            missing = committed - present
            assert not missing, f"round {round_number}: {len(missing)} committed rows lost"
            assert store.read(count_cases) == len(present)
    assert len(committed) > ROUNDS
