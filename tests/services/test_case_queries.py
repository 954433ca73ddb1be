"""Lateness, the to-do list, screening and the assessment, computed from the store (snapshots and derived rows)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from app.domain.agencies import AgencyKind
from app.domain.assessment import CaseRecords, DutyGroup, assess
from app.domain.events import PenaltyProcedure, TransferMaterial
from app.domain.screening import WarningRule, load_rules
from app.domain.todo import Urgency, todo_list
from app.models.events import case_events
from app.models.store import Store
from app.services import case_actions_transfer as tr
from app.services.affairs import answer_consultation, ask_consultation
from app.services.case_queries import assessment, case_history, case_state, entry_statuses, screening_warnings, todo
from tests.domain.factory import ENFORCEMENT, POLICE, PROCURATORATE, at
from tests.services.test_case_support import CALENDAR, Clock, desk, open_case

RULES = load_rules(Path(__file__).resolve().parents[2] / "resources" / "screening" / "default-rules.toml")
MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)


def transferred(store: Store, clock: Clock, number: str = "银兴市监立〔2026〕7号") -> str:
    agency = desk(store, ENFORCEMENT, clock)
    case_id = open_case(store, clock, number=number)
    tr.report_transfer(agency, case_id, officers=("张三", "李四"), summary="s", occurred_at=clock.advance(hours=1))
    tr.approve_transfer(agency, case_id, occurred_at=clock.advance(hours=1))
    tr.transfer_case(
        agency, case_id, police_code=POLICE.code, document_number="银兴市监移〔2026〕1号", materials=MATERIALS,
        testing_applies=False, procuratorate_code=PROCURATORATE.code, occurred_at=clock.advance(hours=1),
    )  # fmt: skip
    return case_id


def test_lateness_is_derived_from_when_it_happened_and_when_it_was_first_entered(store: Store, clock: Clock) -> None:
    # seed §8: an effective penalty is entered within 3 working days; the clock says when it was entered
    agency = desk(store, ENFORCEMENT, clock)
    case_id = open_case(store, clock)
    decided = at(2026, 3, 3)
    tr.record_penalty_decision(
        agency, case_id, decision_number="罚1", procedure=PenaltyProcedure.GENERAL, fine=Decimal("100"),
        occurred_at=decided,
    )  # fmt: skip
    clock.now = at(2026, 3, 13)  # entered 8 days after it took effect
    tr.record_penalty_effective(agency, case_id, occurred_at=at(2026, 3, 4))
    (status,) = entry_statuses(store, case_id, CALENDAR)
    assert status.late and status.due.last_day == dt.date(2026, 3, 9)
    other = open_case(store, clock, number="银兴市监立〔2026〕8号")
    tr.record_penalty_decision(
        agency, other, decision_number="罚2", procedure=PenaltyProcedure.GENERAL, fine=Decimal("100"),
        occurred_at=at(2026, 3, 13, 10),
    )  # fmt: skip
    clock.now = at(2026, 3, 16, 9)
    tr.record_penalty_effective(agency, other, occurred_at=at(2026, 3, 13, 11))
    assert [s.late for s in entry_statuses(store, other, CALENDAR)] == [False]


def test_the_to_do_list_comes_from_the_store_and_equals_the_domains(store: Store, clock: Clock) -> None:
    case_id = transferred(store, clock)
    now = clock.now + dt.timedelta(days=2)
    items = todo(store, POLICE.code, now, CALENDAR)
    assert [(i.case_id, i.obligation.rule, i.urgency) for i in items] == [(case_id, "receipt", Urgency.OVERDUE)]
    assert items == todo_list(POLICE.code, [case_history(store, case_id).state], now, CALENDAR)
    assert todo(store, ENFORCEMENT.code, now, CALENDAR) == ()  # the transfer closed the agency's 24-hour duty
    tr.record_receipt(desk(store, POLICE, clock), case_id, occurred_at=clock.advance(hours=1))
    assert [i.obligation.rule for i in todo(store, POLICE.code, clock.now, CALENDAR)] == ["filing_decision"]


def test_a_consultation_answer_is_on_the_consulted_agencys_list_until_answered(store: Store, clock: Clock) -> None:
    asked = ask_consultation(
        desk(store, ENFORCEMENT, clock), consulted_code=PROCURATORATE.code, consulted_kind=AgencyKind.PROCURATORATE,
        written=True, question="销售金额如何认定？",
    )  # fmt: skip
    (affair_id,) = asked.affairs
    assert asked.agencies == {PROCURATORATE.code}
    (item,) = todo(store, PROCURATORATE.code, clock.advance(days=1), CALENDAR)
    assert item.case_id == affair_id and item.urgency is Urgency.DUE_SOON
    answer_consultation(desk(store, PROCURATORATE, clock), affair_id, written=True, answer="按实际销售价格计算")
    assert todo(store, PROCURATORATE.code, clock.now, CALENDAR) == ()


def test_screening_reads_penalty_cases_from_the_store(store: Store, clock: Clock) -> None:
    agency = desk(store, ENFORCEMENT, clock)
    over = open_case(store, clock, number="银兴市监立〔2026〕1号")
    under = open_case(store, clock, number="银兴市监立〔2026〕2号")
    for case_id, amount in ((over, "86500"), (under, "10000")):
        tr.record_penalty_decision(
            agency, case_id, decision_number=f"罚{amount}", procedure=PenaltyProcedure.GENERAL, fine=Decimal("5000"),
            measures=(("sales_amount", Decimal(amount)),), occurred_at=clock.advance(hours=1),
        )  # fmt: skip
    warnings = screening_warnings(store, RULES)
    assert [w.rule for w in warnings[over]] == [WarningRule.THRESHOLD]
    assert "已达到立案追诉标准" in warnings[over][0].message
    assert under not in warnings


def test_the_assessment_from_the_store_equals_the_domains_over_the_histories(store: Store, clock: Clock) -> None:
    late = transferred(store, clock, number="银兴市监立〔2026〕1号")
    on_time = transferred(store, clock, number="银兴市监立〔2026〕2号")
    police = desk(store, POLICE, clock)
    tr.record_receipt(police, on_time, occurred_at=clock.advance(hours=1))
    clock.advance(days=5)
    tr.record_receipt(police, late, occurred_at=clock.now)
    now = at(2027, 1, 10)
    found = assessment(store, POLICE.code, dt.date(2026, 1, 1), dt.date(2026, 12, 31), now=now, calendar=CALENDAR)
    records = [CaseRecords(store.read(lambda s, c=c: case_events(s, c)), case_state(store, c)) for c in (late, on_time)]  # type: ignore[misc]
    expected = assess(POLICE.code, dt.date(2026, 1, 1), dt.date(2026, 12, 31), records, CALENDAR, now=now)
    assert found == expected
    assert found.duty(DutyGroup.FILING).late == 1 and found.duty(DutyGroup.FILING).missing == 2


def test_snapshots_of_other_rules_are_rebuilt_from_the_events(store: Store, clock: Clock) -> None:
    case_id = transferred(store, clock)
    expected = case_state(store, case_id)
    outdated = text("UPDATE case_snapshots SET version = 0, state = :state")
    store.write(lambda s: s.execute(outdated, {"state": '{"version":0}'}))
    assert case_state(store, case_id) == expected
    assert screening_warnings(store, RULES) == {}
