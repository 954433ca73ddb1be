"""Consultations, joint meetings, linkage filings and inspections through the services, from the store."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.affairs import ConsultationState, InspectionState, LinkageFilingState, MeetingState
from app.domain.agencies import AgencyKind
from app.domain.events import LinkageType, MeetingType
from app.domain.lifecycle import IllegalMove
from app.models.events import affair_events
from app.models.store import Store
from app.services import affairs
from tests.domain.factory import ENFORCEMENT, LEGAL_AFFAIRS, OFFICE, POLICE, PROCURATORATE
from tests.services.test_case_support import Clock, counts, desk


def test_a_written_question_needs_a_written_answer_and_a_refusal_writes_nothing(store: Store, clock: Clock) -> None:
    # seed §11: a written consultation is answered in writing within 3 working days unless difficult
    asked = affairs.ask_consultation(
        desk(store, POLICE, clock), consulted_code=ENFORCEMENT.code, consulted_kind=AgencyKind.ENFORCEMENT,
        written=True, question="该产品的质量标准是什么？",
    )  # fmt: skip
    (affair_id,) = asked.affairs
    before = counts(store)
    rows = len(store.read(lambda s: affair_events(s, affair_id)))
    clock.advance(hours=1)
    with pytest.raises(IllegalMove) as refused:
        affairs.answer_consultation(desk(store, ENFORCEMENT, clock), affair_id, written=False, answer="电话答复")
    assert "书面咨询应当予以书面答复" in refused.value.user_message
    assert counts(store) == before and len(store.read(lambda s: affair_events(s, affair_id))) == rows
    clock.advance(hours=1)
    affairs.mark_consultation_difficult(desk(store, ENFORCEMENT, clock), affair_id, reasons="需检验鉴定")
    state = affairs.affair_state(store, affair_id)
    assert isinstance(state, ConsultationState) and state.difficult and not state.open_obligations()


def test_meeting_linkage_filing_and_inspection(store: Store, clock: Clock) -> None:
    office = desk(store, OFFICE, clock)
    meeting = affairs.convene_meeting(
        office, meeting_type=MeetingType.ANNUAL, scheduled_for=dt.date(2026, 3, 20), participants=(), agenda="年度会议"
    )
    (meeting_id,) = meeting.affairs
    with pytest.raises(IllegalMove):
        affairs.record_meeting_minutes(office, meeting_id, attendees=(POLICE.code,), minutes="  ")
    clock.advance(days=18)
    affairs.record_meeting_minutes(office, meeting_id, attendees=(POLICE.code,), minutes="通报全年衔接情况")
    held = affairs.affair_state(store, meeting_id)
    assert isinstance(held, MeetingState) and held.held_at is not None

    filed = affairs.file_linkage(
        desk(store, ENFORCEMENT, clock), linkage=LinkageType.ADMIN_ADMIN, recipient_code=LEGAL_AFFAIRS.code,
        recipient_kind=AgencyKind.LEGAL_AFFAIRS, related_case_id="case-9", summary="移交生态环境分局",
    )  # fmt: skip
    (filing_id,) = filed.affairs
    assert filed.outgoing[0].recipients == {LEGAL_AFFAIRS.code}
    clock.advance(days=2)
    affairs.report_linkage(desk(store, LEGAL_AFFAIRS, clock), filing_id, summary="本季度备案1件")
    reported = affairs.affair_state(store, filing_id)
    assert isinstance(reported, LinkageFilingState) and reported.reported_at is not None

    inspection = affairs.record_inspection(office, inspected_codes=(ENFORCEMENT.code,), findings="录入不及时")
    (inspection_id,) = inspection.affairs
    clock.advance(days=3)
    affairs.publish_inspection_notice(office, inspection_id, document_number="兴两法办发〔2026〕1号", summary="通报")
    noticed = affairs.affair_state(store, inspection_id)
    assert isinstance(noticed, InspectionState) and noticed.notice_number == "兴两法办发〔2026〕1号"


def test_an_affair_record_is_refused_to_the_wrong_agency(store: Store, clock: Clock) -> None:
    with pytest.raises(IllegalMove):
        affairs.record_inspection(desk(store, PROCURATORATE, clock), inspected_codes=(POLICE.code,), findings="f")
    with pytest.raises(affairs.AffairNotFound):
        affairs.report_linkage(desk(store, LEGAL_AFFAIRS, clock), "no-such", summary="s")
    assert counts(store) == (0, 0)
