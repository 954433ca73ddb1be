"""The case domain over a realistic store: one agency's to-do list and a year's assessment among 10,000 cases.

Seeds a fresh encrypted store (random key, temporary folder) with 10,000 cases of 10 enforcement agencies, 2 police
agencies, a procuratorate and a court, at realistic stages (penalties, pending head decisions, transfers awaiting
receipt, filing decisions, non-filings with reconsideration, prosecutions, judgments), entered on time or late.
Seeding folds each history and bulk-inserts events, snapshots and derived rows in one transaction; it is not what
is measured. Then prints the median of several runs of ``case_queries.todo`` (target 200 ms) and
``case_queries.assessment`` over a calendar year (target 2 s), for an enforcement agency and for a police agency.
Never fails on time. Usage: ``python bench/domain.py [--cases N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session

from app.config import TerminalConfig
from app.domain.agencies import Agency, AgencyKind
from app.domain.deadlines import WorkingCalendar
from app.domain.events import (
    CaseOpened,
    Event,
    FilingDecision,
    HeadDecision,
    JudgmentEntered,
    PenaltyDecided,
    PenaltyEffective,
    PenaltyProcedure,
    ProsecutionDecided,
    ProsecutionRequested,
    ReconsiderationRequested,
    SeizedItemsHandedOver,
    TransferMaterial,
    TransferReceipted,
    Transferred,
    TransferReported,
    Verdict,
)  # fmt: skip
from app.domain.identifiers import uscc_check_character
from app.domain.lifecycle import fold
from app.domain.timezone import CST
from app.models.events import append_case_events
from app.models.snapshots import save_case_state
from app.models.store import Store, open_store
from app.services.case_queries import assessment, todo


def _uscc(body: str) -> str:
    return body + uscc_check_character(body)


ENFORCEMENT = [Agency(_uscc(f"11640104MB00001{i:02d}"), AgencyKind.ENFORCEMENT, f"执法机关{i}") for i in range(10)]
POLICE = [Agency(_uscc(f"11640104MB00002{i:02d}"), AgencyKind.POLICE, f"公安机关{i}") for i in range(2)]
PROCURATORATE = Agency(_uscc("11640104MB0000300"), AgencyKind.PROCURATORATE, "人民检察院")
COURT = Agency(_uscc("11640104MB0000400"), AgencyKind.COURT, "人民法院")
MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)
FIRST_DAY = dt.datetime(2025, 1, 6, 9, tzinfo=CST)
NOW = dt.datetime(2026, 8, 20, 10, tzinfo=CST)
# How far each case gets: (weight, number of steps of the transfer line after opening; -1: penalty only).
STAGES = [(30, -1), (10, 0), (6, 1), (5, 2), (6, 3), (7, 4), (12, 5), (8, 6), (8, 7), (8, 9)]


class CaseWriter:
    """Writes one case's records with advancing times; some entries late."""

    def __init__(self, rng: random.Random, case_id: str, start: dt.datetime) -> None:
        self.rng, self.case_id, self.clock, self.events, self.n = rng, case_id, start, list[Event](), 0

    def add(self, cls: type[Event], agency: Agency, **payload: Any) -> None:
        self.clock += dt.timedelta(hours=self.rng.randint(2, 60))
        late = self.rng.random() < 0.1
        entered = self.clock + dt.timedelta(hours=self.rng.randint(100, 300) if late else self.rng.randint(0, 20))
        self.n += 1
        self.events.append(cls(
            event_id=f"{self.case_id}-{self.n}", case_id=self.case_id, occurred_at=self.clock, entered_at=entered,
            operator_id=f"op-{agency.code[-4:]}", agency_code=agency.code, agency_kind=agency.kind, **payload,
        ))  # fmt: skip


def case_events(rng: random.Random, index: int) -> list[Event]:
    """A realistic history for case ``index``."""
    agency, police = ENFORCEMENT[index % len(ENFORCEMENT)], POLICE[index % len(POLICE)]
    start = FIRST_DAY + dt.timedelta(days=rng.randrange(0, 585), hours=rng.randrange(0, 8))
    w = CaseWriter(rng, f"case-{index:05d}", start)
    party = _uscc(f"91640100MA7{rng.randrange(0, 3000):06d}")
    w.add(CaseOpened, agency, case_number=f"罚{index}", title=f"案件{index}", offence_code="criminal-law-140",
          party_name=f"当事人{index}", party_id=party)  # fmt: skip
    steps = rng.choices([s for _, s in STAGES], weights=[w for w, _ in STAGES])[0]
    if steps == -1:
        sales = Decimal(rng.randrange(1, 60000))
        w.add(
            PenaltyDecided,
            agency,
            decision_number=f"罚决{index}",
            procedure=PenaltyProcedure.GENERAL,
            fine=Decimal(rng.randrange(1000, 50000)),
            measures=(("sales_amount", sales),),
        )
        if rng.random() < 0.9:
            w.add(PenaltyEffective, agency)
        return w.events
    line: list[Callable[[], None]] = [
        lambda: w.add(TransferReported, agency, officers=("甲", "乙"), summary="涉嫌犯罪"),
        lambda: w.add(HeadDecision, agency, approved=True),
        lambda: w.add(
            Transferred,
            agency,
            police_code=police.code,
            document_number=f"移{index}",
            materials=MATERIALS,
            testing_applies=False,
            procuratorate_code=PROCURATORATE.code,
        ),
        lambda: w.add(TransferReceipted, police),
    ]
    if steps == 6:  # not filed; the agency asks for reconsideration half the time
        line += [lambda: w.add(FilingDecision, police, filed=False, document_number=f"不立{index}", reasons="情节轻微")]
        if rng.random() < 0.5:
            line += [lambda: w.add(ReconsiderationRequested, agency, reasons="应当立案")]
    else:
        line += [
            lambda: w.add(FilingDecision, police, filed=True, document_number=f"立{index}"),
            lambda: w.add(SeizedItemsHandedOver, agency, items=("物品",)),
            lambda: w.add(
                ProsecutionRequested, police, procuratorate_code=PROCURATORATE.code, document_number=f"诉{index}"
            ),
            lambda: w.add(ProsecutionDecided, PROCURATORATE, indicted=True, document_number=f"起{index}"),
            lambda: w.add(
                JudgmentEntered,
                COURT,
                judgment_number=f"判{index}",
                verdict=Verdict.CONVICTED,
                judged_on=w.clock.date(),
            ),
        ]
    for step in line[: max(steps, 0) if steps != 6 else len(line)]:
        step()
    return w.events


def seed(store: Store, cases: int) -> int:
    """Bulk-insert ``cases`` histories with their snapshots and derived rows; returns the number of records."""
    rng = random.Random(20260820)
    histories = [case_events(rng, i) for i in range(cases)]

    def write(session: Session) -> int:
        seq = 0
        for events in histories:
            append_case_events(session, events)
            seq += len(events)
            save_case_state(session, fold(events), events, seq)
        return seq

    return store.write(write)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """The median wall-clock time of ``runs`` calls, in milliseconds (after one warm-up call)."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    calendar = WorkingCalendar()
    with (
        tempfile.TemporaryDirectory() as folder,
        open_store(TerminalConfig(data_dir=Path(folder)), os.urandom(32), create=True) as store,
    ):
        started = time.perf_counter()
        records = seed(store, args.cases)
        print(f"seeded {args.cases} cases, {records} records in {time.perf_counter() - started:.1f} s")
        for agency in (ENFORCEMENT[0], POLICE[0]):
            items = todo(store, agency.code, NOW, calendar)
            ms = median_ms(lambda a=agency: todo(store, a.code, NOW, calendar), args.runs)  # type: ignore[misc]
            print(f"todo {agency.kind:<12} {len(items):5d} items  median {ms:8.1f} ms  (target 200 ms)")
        for agency in (ENFORCEMENT[0], POLICE[0]):
            for year in (2025, 2026):
                first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)

                def run(a: Agency = agency, f: dt.date = first, la: dt.date = last) -> object:
                    return assessment(store, a.code, f, la, now=NOW, calendar=calendar)

                found = run()
                ms = median_ms(run, max(3, args.runs // 2))
                print(
                    f"assessment {agency.kind:<12} {year}  {found.records_entered:5d} records  "  # type: ignore[attr-defined]
                    f"median {ms:8.1f} ms  (target 2000 ms)"
                )


if __name__ == "__main__":
    main()
