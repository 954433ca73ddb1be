"""Shared setup of the form, wizard and case-detail tests: a head enrolled beside the operator, a penalty case."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.domain.events import PenaltyProcedure
from app.domain.identifiers import uscc_check_character
from app.domain.timezone import CST
from app.services.case_actions_transfer import record_penalty_decision, record_penalty_effective
from app.services.case_view import acting_desk, terminal_agency_kind
from app.services.cases import open_penalty_case
from app.services.enrollment import enroll_operator
from app.services.identity import list_candidates
from app.services.login import LoginService
from app.ui.backend import ActiveSession
from app.ui.features.case_detail import CaseDetailView, open_case_detail
from tests.crypto.conftest import operator_holder
from tests.services.conftest import P12_PASSWORD, Terminal, operator_p12
from tests.ui.conftest import KdfWindows, Running, log_in, start_app, stop_app


def credit_code(body: str) -> str:
    return body + uscc_check_character(body)


POLICE_CODE = credit_code("11640104MB1234567")
PROCURATORATE_CODE = credit_code("11640104MB2345678")
OFFICE_CODE = credit_code("11640104MB7654321")


def with_office(terminal: Terminal) -> Terminal:
    """The terminal with the leading group office's code configured (packets of new cases are addressed to it)."""
    config = dataclasses.replace(terminal.config, extra={**terminal.config.extra, "office_code": OFFICE_CODE})
    return dataclasses.replace(terminal, config=config)


CASE_NUMBER = "兴市监罚〔2026〕7号"  # the case ``prepare`` enters


def prepare(terminal: Terminal, tmp_path: Path, *, opened_days_ago: int = 0) -> str:
    """Enroll the head 王局长 (OP0009) and enter one penalty case as 张三; returns the case id."""
    (candidate,) = list_candidates(terminal.config, None)
    session = LoginService(terminal.config).login(candidate, lambda request: P12_PASSWORD)
    try:
        head_path, head_cert = operator_p12(terminal.ca, tmp_path / "head.p12", operator_holder("王局长", "OP0009"))
        enroll_operator(session, terminal.config, head_cert, pkcs12_path=head_path)
        desk = acting_desk(session, terminal.config, terminal_agency_kind(terminal.config))
        occurred = dt.datetime.now(CST) - dt.timedelta(days=opened_days_ago)
        changes = open_penalty_case(
            desk, case_number=CASE_NUMBER, title="销售假冒注册商标白酒案", offence_code="criminal-law-213",
            party_name="银川某商贸有限公司", party_id=credit_code("91640104MA76XY0Q5"), occurred_at=occurred,
        )  # fmt: skip
        (case_id,) = changes.cases
        if opened_days_ago:  # the penalty took effect then and is entered only now: its entry is late (seed §8)
            record_penalty_decision(
                desk, case_id, decision_number="兴市监罚决〔2026〕7号", procedure=PenaltyProcedure.GENERAL,
                fine=Decimal("20000.00"), occurred_at=occurred,
            )  # fmt: skip
            record_penalty_effective(desk, case_id, occurred_at=occurred)
        return case_id
    finally:
        session.lock("manual")


@contextlib.contextmanager
def app_with_case(
    qtbot: Any, terminal: Terminal, kdf: KdfWindows, tmp_path: Path, *, opened_days_ago: int = 0
) -> Iterator[tuple[Running, str]]:
    """The terminal (office configured) with the prepared case, running for the block: (the app, the case id)."""
    terminal = with_office(terminal)
    case_id = prepare(terminal, tmp_path, opened_days_ago=opened_days_ago)
    running = start_app(qtbot, terminal, kdf)
    try:
        yield running, case_id
    finally:
        stop_app(qtbot, running.app)


def open_prepared_case(qtbot: Any, running: Running, case_id: str) -> tuple[ActiveSession, CaseDetailView]:
    """Log in, let the first paint settle, reset the stall watchdog (the login flow is measured by the login
    tests; from here on, the caller's), and open the prepared case's detail: (the session, the detail view)."""
    main = log_in(qtbot, running)
    session = main.session
    assert session is not None
    qtbot.wait(300)
    running.watchdog.reset()
    detail = open_case_detail(running.app.context, session, case_id, CASE_NUMBER, main)
    assert isinstance(detail, CaseDetailView)
    return session, detail
