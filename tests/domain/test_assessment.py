"""Assessment (考核, seed §2): entries on time / late, transfers, filing decisions and replies on time or missing."""

from __future__ import annotations

import datetime as dt

from app.domain.agencies import AgencyKind
from app.domain.assessment import CaseRecords, DutyGroup, assess
from app.domain.deadlines import WorkingCalendar
from app.domain.events import DocumentIssued, DocumentReplied, DocumentType, FilingDecision
from app.domain.lifecycle import fold
from tests.domain.factory import ENFORCEMENT, POLICE, PROCURATORATE, Script, at

CAL = WorkingCalendar()
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _case(events: list) -> CaseRecords:  # type: ignore[type-arg]
    return CaseRecords(events, fold(events))


def test_police_filing_on_time_late_and_missing() -> None:
    # 310号令 Art.8 (3 days from acceptance); seed §8 (entered within 3 working days)
    on_time = Script("a", start=at(2025, 3, 3, 8))
    ev_a = [*on_time.to_acceptance(), on_time.make(FilingDecision, POLICE, filed=True, document_number="n")]
    late = Script("b", start=at(2025, 3, 3, 8))
    ev_b = late.to_acceptance()
    ev_b.append(
        late.make(
            FilingDecision, POLICE, filed=True, document_number="n", when=at(2025, 3, 12), entered=at(2025, 3, 20)
        )
    )
    missing = Script("c", start=at(2025, 3, 3, 8))
    ev_c = missing.to_acceptance()
    result = assess(POLICE.code, *YEAR, [_case(ev_a), _case(ev_b), _case(ev_c)], CAL, now=at(2025, 6, 1))
    filing = result.duty(DutyGroup.FILING)
    assert (filing.on_time, filing.late, filing.missing) == (4, 1, 1)  # three receipts (24h) and one decision
    assert (result.entries.on_time, result.entries.late) == (1, 1)  # the late decision was also entered late
    assert {f.case_id for f in result.findings} == {"b", "c"}


def test_agency_transfers_and_replies() -> None:
    # 310号令 Art.5 (transfer within 24h); seed §5 (written reply to a 检察建议书, ⚠ 2 months by default)
    s = Script("t", start=at(2025, 3, 3, 8))
    events = s.to_acceptance()
    suggestion = s.make(
        DocumentIssued,
        PROCURATORATE,
        document_type=DocumentType.PROCURATORIAL_SUGGESTION,
        document_number="检建1",
        recipient_code=ENFORCEMENT.code,
        recipient_kind=AgencyKind.ENFORCEMENT,
        summary="s",
        when=at(2025, 4, 1),
    )
    events += [
        suggestion,
        s.make(
            DocumentReplied,
            ENFORCEMENT,
            document_id=suggestion.event_id,
            written=True,
            summary="已整改",
            when=at(2025, 7, 1),
        ),
    ]
    result = assess(ENFORCEMENT.code, *YEAR, [_case(events)], CAL, now=at(2026, 1, 10))
    assert result.transfers_made == 1
    transfer = result.duty(DutyGroup.TRANSFER)
    assert (transfer.on_time, transfer.late) == (2, 0)  # head decision and transfer
    reply = result.duty(DutyGroup.REPLY)
    assert (reply.on_time, reply.late, reply.missing) == (0, 1, 0)  # due 2025-06-03: 6/1 Sun, 6/2 端午 (Art.105)
    assert result.entries.on_time == 1  # the transfer record (seed §8)


def test_other_agencies_and_periods_do_not_count() -> None:
    s = Script("x", start=at(2025, 3, 3, 8))
    case = _case(s.to_filed())
    assert (
        assess(POLICE.code, dt.date(2024, 1, 1), dt.date(2024, 12, 31), [case], CAL, now=at(2025, 6, 1)).records_entered
        == 0
    )
