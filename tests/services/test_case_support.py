"""Shared by the case service tests: a real encrypted store, desks for each agency, a clock the test moves."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select

from app.config import TerminalConfig
from app.domain.agencies import Agency
from app.domain.deadlines import WorkingCalendar
from app.models.events import count_case_events
from app.models.store import Store, open_store
from app.models.tables import AuditEntry
from app.services.cases import CaseDesk, open_penalty_case
from tests.domain.factory import ENFORCEMENT, PARTY_COMPANY, at
from tests.models.conftest import HiddenKey

CALENDAR = WorkingCalendar()


class Clock:
    """Now, as the test says; ``advance`` moves it on."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def fresh_store(tmp_path: Path) -> Iterator[Store]:
    """A new encrypted store under ``tmp_path`` with a random key (use as a fixture body: ``yield from``)."""
    config = TerminalConfig(data_dir=tmp_path / "terminal")
    with open_store(config, HiddenKey(os.urandom(32)), create=True) as opened:
        yield opened


def monday_clock() -> Clock:
    """A clock at 09:00 on Monday 2 March 2026."""
    return Clock(at(2026, 3, 2, 9))


def desk(store: Store, agency: Agency, clock: Clock) -> CaseDesk:
    """The desk of ``agency``'s designated operator on this terminal."""
    return CaseDesk(store, f"op-{agency.kind}", agency.code, agency.kind, "XQ-01", CALENDAR, clock=clock)


def open_case(store: Store, clock: Clock, number: str = "银兴市监立〔2026〕7号", party_id: str = PARTY_COMPANY) -> str:
    """A case entered by the market regulator; returns its id."""
    changes = open_penalty_case(
        desk(store, ENFORCEMENT, clock), case_number=number, title="某商贸有限公司涉嫌销售伪劣产品案",
        offence_code="criminal-law-140", party_name="某商贸有限公司", party_id=party_id,
    )  # fmt: skip
    (case_id,) = changes.cases
    return case_id


def counts(store: Store) -> tuple[int, int]:
    """(case records, audit rows) stored."""
    return store.read(
        lambda s: (count_case_events(s), int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0))
    )
