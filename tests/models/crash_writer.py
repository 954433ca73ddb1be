"""A writer process for the crash test: commits cases in a loop, printing each id only after its commit returned.

Run as ``python -m tests.models.crash_writer DATA_DIR KEY_FILE ROUND``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from app.config import TerminalConfig
from app.models.cases import CaseRecord, add_case
from app.models.store import open_store
from tests.models.conftest import new_case


def main(data_dir: str, key_file: str, round_number: str) -> None:
    key = bytes.fromhex(Path(key_file).read_text(encoding="ascii"))
    with open_store(TerminalConfig(data_dir=Path(data_dir)), key, create=True) as store:
        print("open", flush=True)
        batch = 0
        while True:
            size = random.randint(1, 20)

            def add(session, batch=batch, size=size):  # type: ignore[no-untyped-def]
                return [
                    add_case(session, new_case(case_number=f"{round_number}-{batch}-{i}", title="移送" * 50))
                    for i in range(size)
                ]

            records: list[CaseRecord] = store.write(add)
            print(" ".join(r.id for r in records), flush=True)
            batch += 1


if __name__ == "__main__":
    main(*sys.argv[1:4])
