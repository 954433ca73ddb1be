"""The encrypted store against the same engine unencrypted, on one workload, in one run.

Both sides are the sqlcipher3 module (same SQLite), the same schema (the store's migrations), the same pragmas
(app.models.engine.apply_pragmas) and the same page size; only the key differs. Workloads: insert 100,000 cases in
batches with their FTS5 terms, indexed lookups, FTS5 searches. Each figure is the median of 5 runs, each run at least
0.2 s of work, the same work on both sides; runs alternate between the sides (and which goes first) so that
background load hits both alike. Prints ``ratio <name> <v>`` (encrypted / plain, on own time: wall clock less time
spent waiting for a CPU held by other programs) per workload, with the wall-clock and CPU-time ratios beside it;
never fails on time. Usage: ``python bench/store.py [--rows N] [--batch N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.models.engine import PAGE_SIZE, StoreSettings, apply_key, apply_pragmas
from app.models.migrate import upgrade
from app.models.search_text import index_terms, match_expression

RUNS = 5
MIN_RUN_SECONDS = 0.2
# Calibrated on the encrypted side; the plain side then runs at least 0.5 / 1.5 s > MIN_RUN_SECONDS.
CALIBRATION_SECONDS = 0.5
COLD_LOOKUPS = 20_000
AGENCY = "91640104MA76A1B2C3"
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志勇文斌海波"
WORDS = [
    "非法经营",
    "销售伪劣产品",
    "无照经营",
    "虚开发票",
    "非法占用农用地",
    "污染环境",
    "食品安全",
    "药品",
    "移送",
    "走私",
]
FIRMS = ["宏达商贸有限公司", "兴庆建材有限公司", "塞上食品厂", "贺兰山化工有限公司", "银川物流有限公司"]

INSERT_CASE = (
    "INSERT INTO cases (seq, id, agency_code, case_number, title, party_name, party_id_number, case_type, stage,"
    " amount_fen, occurred_on, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
INSERT_FTS = "INSERT INTO cases_fts (rowid, body) VALUES (?, ?)"
LOOKUP = "SELECT * FROM cases WHERE id = ?"
SEARCH = (
    "SELECT c.* FROM cases_fts f JOIN cases c ON c.seq = f.rowid WHERE cases_fts MATCH ? ORDER BY f.rowid DESC LIMIT 50"
)


@dataclass(frozen=True)
class Side:
    name: str
    key: bytes | None

    def connect(self, path: Path, settings: StoreSettings) -> Any:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
        if self.key is not None:
            apply_key(conn, self.key, settings)
        else:
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # what cipher_page_size is on the encrypted side
        apply_pragmas(conn, settings, read_only=False)
        return conn


def make_rows(count: int, rng: random.Random) -> tuple[list[tuple[Any, ...]], list[tuple[int, str]]]:
    """Plausible cases and their FTS terms, computed before any timing."""
    cases: list[tuple[Any, ...]] = []
    terms: list[tuple[int, str]] = []
    for seq in range(1, count + 1):
        person = rng.random() < 0.6
        party = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        if not person:
            party = rng.choice(["宁夏", "银川", "兴庆区"]) + rng.choice(FIRMS)
        number = f"兴{rng.choice('公市环税')}罚〔{rng.randint(2018, 2025)}〕{seq}号"
        title = f"{party}涉嫌{rng.choice(WORDS)}{rng.choice(['案', '移送案', '行政处罚案'])}"
        id_number = f"{rng.randint(110000, 659999)}{rng.randint(19500101, 20051231)}{rng.randint(0, 999):03d}X"
        case_type = rng.choice(WORDS)
        cases.append(
            (seq, str(uuid.UUID(int=rng.getrandbits(128))), AGENCY, number, title, party, id_number, case_type,
             rng.choice(["立案", "移送", "结案"]), rng.randint(0, 10_000_000), "2024-05-01",
             "2024-05-01T00:00:00.000000Z", "2024-05-01T00:00:00.000000Z")
        )  # fmt: skip
        terms.append((seq, index_terms(number, title, party, id_number, case_type)))
    return cases, terms


def create_schema(side: Side, path: Path, settings: StoreSettings) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = create_engine("sqlite://", module=sqlcipher3, creator=lambda: side.connect(path, settings))
    with engine.begin() as conn:
        upgrade(conn)
    engine.dispose()


def insert_all(conn: Any, cases: Sequence[tuple[Any, ...]], terms: Sequence[tuple[int, str]], batch: int) -> None:
    for start in range(0, len(cases), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_CASE, cases[start : start + batch])
        conn.executemany(INSERT_FTS, terms[start : start + batch])
        conn.execute("COMMIT")


Timing = tuple[float, float, float]  # seconds: (own time, wall clock, CPU of this process)
SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _waiting_for_cpu() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU held by another program (Linux; else 0)."""
    try:
        return int(SCHEDSTAT.read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def timed(work: Callable[[], object]) -> Timing:
    """Own time is wall-clock time less the time spent waiting for a CPU: on an idle machine the two are equal,
    and it still counts every fsync and disk wait of the workload itself."""
    wall, cpu, queued = time.perf_counter(), time.process_time(), _waiting_for_cpu()
    work()
    wall, cpu, queued = time.perf_counter() - wall, time.process_time() - cpu, _waiting_for_cpu() - queued
    return wall - queued, wall, cpu


def calibrate(work: Callable[[int], object], unit: int) -> int:
    """How many items of ``work(n)`` last at least CALIBRATION_SECONDS (run once, then fixed for both sides)."""
    n = unit
    while timed(functools.partial(work, n))[1] < CALIBRATION_SECONDS:
        n *= 2
    return n


def per_item(work: Callable[[int], object], n: int) -> Timing:
    own, wall, cpu = timed(functools.partial(work, n))
    return own / n, wall / n, cpu / n


def run_queries(conn: Any, sql: str, choices: Sequence[tuple[Any, ...]], pick: random.Random, n: int) -> None:
    for _ in range(n):
        conn.execute(sql, pick.choice(choices)).fetchall()


def measure(args: argparse.Namespace, folder: Path, counts: dict[str, int]) -> dict[str, dict[str, list[Timing]]]:
    rng = random.Random(20240501)
    settings = StoreSettings()
    cases, terms = make_rows(args.rows, rng)
    ids = [row[1] for row in cases]
    queries = [match_expression(q) for q in ["张伟", "非法经营", "移送", "宏达", "2024", "王芳", "污染环境", "李"]]
    lookups = [(i,) for i in ids]
    searches = [(q,) for q in queries]
    pick = random.Random(0)
    sides = [Side("encrypted", os.urandom(32)), Side("plain", None)]
    figures: dict[str, dict[str, list[Timing]]] = {
        w: {s.name: [] for s in sides} for w in ("insert", "lookup-cold", "lookup", "search")
    }
    for run in range(args.runs):
        # Alternate which side goes first, and flush the other side's writes before timing, so that neither
        # inherits the other's disk write-back.
        for side in sides if run % 2 == 0 else sides[::-1]:
            path = folder / f"{side.name}.db"
            create_schema(side, path, settings)
            conn = side.connect(path, settings)
            if hasattr(os, "sync"):
                os.sync()
            figures["insert"][side.name].append(timed(functools.partial(insert_all, conn, cases, terms, args.batch)))
            conn.close()

            # Reads use a fresh connection per run. "lookup-cold" is a fixed number of lookups on it, each page read
            # (and decrypted) for the first time; "lookup" and "search" are then timed after an untimed pass of the
            # same size, as the application's pooled reader connections run with a warm page cache. The counts are
            # fixed once, on a connection of their own, so both sides do exactly the same work.
            if not counts:
                calibration = side.connect(path, settings)
                counts["lookup"] = calibrate(functools.partial(run_queries, calibration, LOOKUP, lookups, pick), 500)
                counts["search"] = calibrate(functools.partial(run_queries, calibration, SEARCH, searches, pick), 20)
                calibration.close()
            conn = side.connect(path, settings)
            cold = functools.partial(run_queries, conn, LOOKUP, lookups, random.Random(-run))
            figures["lookup-cold"][side.name].append(per_item(cold, COLD_LOOKUPS))
            for workload, sql, choices in (("lookup", LOOKUP, lookups), ("search", SEARCH, searches)):
                work = functools.partial(run_queries, conn, sql, choices, random.Random(run))
                work(counts[workload])
                figures[workload][side.name].append(per_item(work, counts[workload]))
            conn.close()
        print(f"run {run + 1}/{args.runs} done", file=sys.stderr, flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000, help="rows per transaction")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lianjie-bench-") as folder:
        counts: dict[str, int] = {}
        figures = measure(args, Path(folder), counts)
    units = {
        "insert": (1.0, f"s per {args.rows} rows"),
        "lookup-cold": (1e6, "µs per lookup"),
        "lookup": (1e6, "µs per lookup"),
        "search": (1e3, "ms per search"),
    }
    print(
        f"SQLite {sqlcipher3.sqlite_version}, page size {PAGE_SIZE}, {args.rows} rows in batches of {args.batch},"
        f" {COLD_LOOKUPS} cold lookups, {counts['lookup']} warm lookups and {counts['search']} searches per run,"
        f" median of {args.runs} runs"
    )
    # Other programs on a shared machine stretch the wall-clock time of whichever side they overlap; the ratio is
    # therefore taken on own time (see timed), and the wall-clock and CPU ratios are printed beside it.
    for workload, by_side in figures.items():
        scale, unit = units[workload]
        own, wall, cpu = (
            {name: statistics.median(t[i] for t in values) for name, values in by_side.items()} for i in range(3)
        )
        for name in by_side:
            print(
                f"{workload} {name} {own[name] * scale:.3f} {unit}"
                f" (wall {wall[name] * scale:.3f}, cpu {cpu[name] * scale:.3f})"
            )
        print(f"ratio {workload} {own['encrypted'] / own['plain']:.2f}")
        print(f"wall-ratio {workload} {wall['encrypted'] / wall['plain']:.2f}")
        print(f"cpu-ratio {workload} {cpu['encrypted'] / cpu['plain']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
