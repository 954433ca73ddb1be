"""Consultations (seed §11), joint meetings (§10), linkage filing (§14), inspections and notices (§18)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.affairs import (
    apply_consultation,
    apply_inspection,
    apply_linkage_filing,
    apply_meeting,
    fold_consultation,
)
from app.domain.agencies import AgencyKind
from app.domain.deadlines import WorkingCalendar
from app.domain.events import (
    ConsultationAnswered,
    ConsultationAsked,
    ConsultationMarkedDifficult,
    InspectionConducted,
    InspectionNoticePublished,
    LinkageFiled,
    LinkageReported,
    LinkageType,
    MeetingConvened,
    MeetingHeld,
    MeetingType,
)
from app.domain.lifecycle import IllegalMove
from app.domain.todo import Urgency, todo_list
from tests.domain.factory import COURT, ENFORCEMENT, LEGAL_AFFAIRS, OFFICE, POLICE, PROCURATORATE, Script, at


def test_written_consultation_needs_a_written_answer_within_three_working_days() -> None:
    # seed §11
    s = Script("q1", start=at(2025, 1, 24, 8))
    asked = s.make(
        ConsultationAsked,
        ENFORCEMENT,
        consulted_code=PROCURATORATE.code,
        consulted_kind=AgencyKind.PROCURATORATE,
        written=True,
        question="销售金额如何认定？",
    )
    state = apply_consultation(None, asked)
    (item,) = todo_list(PROCURATORATE.code, [state], at(2025, 1, 27), WorkingCalendar())
    # due Wed 2/5 after the Spring Festival: within the next 2 working days of Mon 1/27, so due soon
    assert item.due.last_day == dt.date(2025, 2, 5) and item.urgency is Urgency.DUE_SOON
    with pytest.raises(IllegalMove) as caught:
        apply_consultation(state, s.make(ConsultationAnswered, PROCURATORATE, written=False, answer="口头"))
    assert "书面答复" in caught.value.user_message
    answered = s.make(ConsultationAnswered, PROCURATORATE, written=True, answer="按实际销售价格计算")
    assert fold_consultation([asked, answered]).answered_at is not None
    difficult = fold_consultation([asked, s.make(ConsultationMarkedDifficult, PROCURATORATE, reasons="疑难")])
    assert difficult.difficult and difficult.open_obligations() == ()


def test_consultation_is_between_enforcement_and_justice() -> None:
    s = Script("q2")
    with pytest.raises(IllegalMove):
        apply_consultation(
            None,
            s.make(
                ConsultationAsked,
                ENFORCEMENT,
                consulted_code=COURT.code,
                consulted_kind=AgencyKind.COURT,
                written=True,
                question="?",
            ),
        )


def test_meeting_notice_then_minutes_by_the_office() -> None:
    # seed §10: annual meeting convened by the office, with minutes
    s = Script("m1")
    state = apply_meeting(
        None,
        s.make(
            MeetingConvened,
            OFFICE,
            meeting_type=MeetingType.ANNUAL,
            scheduled_for=dt.date(2025, 12, 1),
            participants=(),
            agenda="年度通报",
        ),
    )
    with pytest.raises(IllegalMove):
        apply_meeting(state, s.make(MeetingHeld, POLICE, attendees=(), minutes="x"))
    held = apply_meeting(state, s.make(MeetingHeld, OFFICE, attendees=(POLICE.code,), minutes="会议纪要"))
    assert held.held_at is not None


def test_linkage_filing_goes_to_the_right_office() -> None:
    # seed §14: admin↔admin to 法制办; admin↔criminal to the procuratorate
    s = Script("l1")
    with pytest.raises(IllegalMove) as caught:
        apply_linkage_filing(
            None,
            s.make(
                LinkageFiled,
                ENFORCEMENT,
                linkage=LinkageType.ADMIN_ADMIN,
                recipient_code=PROCURATORATE.code,
                recipient_kind=AgencyKind.PROCURATORATE,
                related_case_id="c",
                summary="s",
            ),
        )
    assert "政府法制办" in caught.value.user_message
    state = apply_linkage_filing(
        None,
        s.make(
            LinkageFiled,
            ENFORCEMENT,
            linkage=LinkageType.ADMIN_ADMIN,
            recipient_code=LEGAL_AFFAIRS.code,
            recipient_kind=AgencyKind.LEGAL_AFFAIRS,
            related_case_id="c",
            summary="s",
        ),
    )
    reported = apply_linkage_filing(state, s.make(LinkageReported, LEGAL_AFFAIRS, summary="报送"))
    assert reported.reported_at is not None


def test_inspection_and_its_notice() -> None:
    # seed §18
    s = Script("i1")
    state = apply_inspection(
        None, s.make(InspectionConducted, OFFICE, inspected_codes=(ENFORCEMENT.code,), findings="录入不及时")
    )
    state = apply_inspection(state, s.make(InspectionNoticePublished, OFFICE, document_number="通报1", summary="s"))
    assert state.notice_number == "通报1"
