"""Affairs outside a case beyond the consultation — a joint meeting (seed §10), a linkage 备案 (§14), an inspection and
its 通报 (§18) — recorded on one terminal and applied on the others it concerns (real platform, loopback TLS, each
terminal with its own SQLCipher store); an agency not concerned receives nothing of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.crypto.keys import SoftwareKey
from app.domain.affairs import InspectionState, LinkageFilingState, MeetingState
from app.domain.agencies import AgencyKind
from app.domain.deadlines import WorkingCalendar
from app.domain.events import Event, LinkageType, MeetingType
from app.domain.lifecycle import IllegalMove
from app.models.events import affair_events
from app.services import affairs
from app.services.affairs_queries import affair_summaries
from app.services.cases import open_penalty_case
from app.services.sync_outgoing import packet_id_for
from app.sync.outbox import outbox_entries
from app.sync.packet import holder_of
from tests.domain.factory import PARTY_COMPANY
from tests.server.platform_support import PlatformPki, RunningPlatform, in_thread, make_pki, stop_thread, write_platform
from tests.sync.test_engine_support import Side, make_side

Terminals = dict[str, Side]


@pytest.fixture(scope="module")
def pki() -> PlatformPki:
    return make_pki()


@pytest.fixture(scope="module")
def procuratorate_operator(pki: PlatformPki) -> SoftwareKey:
    # the packet world has no procuratorate operator: one is issued by the same intermediate as the others
    w = pki.world
    return w.intermediate.issue_operator("孙检察", w.procuratorate_code, "人民检察院", "PRO-001")


@pytest.fixture
def platform(pki: PlatformPki, tmp_path: Path) -> Iterator[RunningPlatform]:
    # one platform per test: a fresh terminal pulls all its agency's packets, so earlier tests would show up here
    running, _server = in_thread(pki, write_platform(pki, tmp_path / "platform"))
    yield running
    stop_thread(running)


@pytest.fixture
def terminals(
    tmp_path: Path, pki: PlatformPki, platform: RunningPlatform, procuratorate_operator: SoftwareKey
) -> Iterator[Terminals]:
    """One terminal per agency of the test PKI: two enforcement agencies, police, the procuratorate, the office."""
    w = pki.world
    made = {
        name: make_side(tmp_path, pki, name, signer, kind, platform.url)
        for name, signer, kind in (
            ("enforcement", w.enforcement_operator, AgencyKind.ENFORCEMENT),
            ("police", w.police_operator, AgencyKind.POLICE),
            ("other", w.other_operator, AgencyKind.ENFORCEMENT),
            ("procuratorate", procuratorate_operator, AgencyKind.PROCURATORATE),
            ("office", w.office_operator, AgencyKind.LINKAGE_OFFICE),
        )
    }
    yield made
    for side in made.values():
        side.engine.stop()
        side.store.close()


def recipients_of(side: Side, event_id: str) -> tuple[str, ...]:
    """The recipients of the packet queued for record ``event_id``."""
    (entry,) = (e for e in side.store.read(outbox_entries) if e.packet_id == str(packet_id_for(event_id)))
    return entry.recipients


def records(side: Side, affair_id: str) -> tuple[Event, ...]:
    return side.store.read(lambda s: affair_events(s, affair_id))


def recorded_by(side: Side, affair_id: str) -> list[tuple[str, str, str]]:
    """(record kind, agency, operator) of each record of the affair stored on ``side``."""
    return [(str(e.kind), e.agency_code, e.operator_id) for e in records(side, affair_id)]


def status_on(side: Side, affair_type: str, affair_id: str) -> str:
    """The status an operator reads for the affair on the affairs page of ``side``."""
    (row,) = (r for r in affair_summaries(side.store, affair_type, WorkingCalendar()) if r.affair_id == affair_id)
    return row.status


def push(side: Side, packets: int) -> None:
    sent = side.engine.run_once()
    assert (sent.pushed, sent.receipts, sent.failed) == (packets, packets, 0), sent


def receive(side: Side, applied: int) -> None:
    got = side.engine.run_once()
    assert (got.applied, got.quarantined, got.deferred) == (applied, 0, 0), (side.name, got)


def assert_sees_nothing(side: Side, affair_id: str) -> None:
    with pytest.raises(affairs.AffairNotFound):
        affairs.affair_state(side.store, affair_id)
    assert records(side, affair_id) == ()


def operator_of(signer: SoftwareKey) -> str:
    return holder_of(signer.certificate).operator_id


def test_a_meeting_convened_by_the_office_reaches_its_invitees_with_its_minutes(
    terminals: Terminals, pki: PlatformPki
) -> None:
    w, t = pki.world, terminals
    office = t["office"]
    # seed §10: the office convenes; a member agency, even the procuratorate hosting the office, may not
    with pytest.raises(IllegalMove):
        affairs.convene_meeting(
            t["procuratorate"].desk, meeting_type=MeetingType.AD_HOC, scheduled_for=dt.date(2026, 3, 20),
            participants=(w.enforcement_code, w.police_code), agenda="研究疑难案件移送",
        )  # fmt: skip
    assert t["procuratorate"].store.read(outbox_entries) == ()

    invitees = tuple(sorted((w.enforcement_code, w.police_code)))
    convened = affairs.convene_meeting(
        office.desk, meeting_type=MeetingType.AD_HOC, scheduled_for=dt.date(2026, 3, 20), participants=invitees,
        agenda="研究疑难案件移送",
    )  # fmt: skip
    ((meeting_id,), (notice_id,)) = (convened.affairs, convened.events)
    assert recipients_of(office, notice_id) == invitees
    push(office, 1)

    for name in ("enforcement", "police"):
        receive(t[name], 1)
        state = affairs.affair_state(t[name].store, meeting_id)
        assert isinstance(state, MeetingState)
        assert (state.meeting_type, state.scheduled_for, state.participants) == (
            MeetingType.AD_HOC, dt.date(2026, 3, 20), invitees,
        )  # fmt: skip
        assert state.held_at is None and status_on(t[name], "meeting", meeting_id) == "待召开"
    # the platform shows every packet to the supervising procuratorate (docs/sync.md); it holds the meeting too
    receive(t["procuratorate"], 1)
    assert isinstance(affairs.affair_state(t["procuratorate"].store, meeting_id), MeetingState)
    got = t["other"].engine.run_once()  # not invited, not supervising: nothing of the meeting reaches it
    assert (got.received, got.applied) == (0, 0), got
    assert_sees_nothing(t["other"], meeting_id)

    held = affairs.record_meeting_minutes(
        office.desk, meeting_id, attendees=invitees, minutes="会议明确：销售金额达到追诉标准的案件一律移送。"
    )
    (minutes_id,) = held.events
    assert recipients_of(office, minutes_id) == invitees
    push(office, 1)
    office_operator = operator_of(w.office_operator)
    for name in ("enforcement", "police", "procuratorate"):
        side = t[name]
        receive(side, 1)
        state = affairs.affair_state(side.store, meeting_id)
        assert isinstance(state, MeetingState) and state.held_at is not None
        assert state.minutes == "会议明确：销售金额达到追诉标准的案件一律移送。"
        assert recorded_by(side, meeting_id) == [
            ("meeting.convened", w.office_code, office_operator), ("meeting.held", w.office_code, office_operator),
        ]  # fmt: skip
        assert status_on(side, "meeting", meeting_id) == "已召开"
        again = side.engine.run_once()  # the platform's packets again, or none: nothing is applied twice
        assert (again.applied, again.quarantined) == (0, 0) and len(records(side, meeting_id)) == 2
    assert t["other"].engine.run_once().received == 0
    assert_sees_nothing(t["other"], meeting_id)


def test_an_annual_meeting_of_all_members_reaches_every_member(terminals: Terminals, pki: PlatformPki) -> None:
    w, office = pki.world, terminals["office"]
    convened = affairs.convene_meeting(
        office.desk, meeting_type=MeetingType.ANNUAL, scheduled_for=dt.date(2026, 1, 15), participants=(),
        agenda="年度联席会议",
    )  # fmt: skip
    (meeting_id,) = convened.affairs
    members = (w.enforcement_code, w.police_code, w.other_code, w.procuratorate_code)
    assert recipients_of(office, convened.events[0]) == tuple(sorted(members))
    push(office, 1)
    for name in ("enforcement", "police", "other", "procuratorate"):
        receive(terminals[name], 1)
        assert isinstance(affairs.affair_state(terminals[name].store, meeting_id), MeetingState)


def file_with_procuratorate(t: Terminals, pki: PlatformPki) -> tuple[str, str]:
    """Enforcement opens a penalty case and files its admin↔criminal linkage with the procuratorate (seed §14)."""
    w = pki.world
    (case_id,) = open_penalty_case(
        t["enforcement"].desk, case_number="银兴市监立〔2026〕311号", title="涉嫌销售伪劣产品案",
        offence_code="criminal-law-140", party_name="某商贸有限公司", party_id=PARTY_COMPANY,
    ).cases  # fmt: skip
    filed = affairs.file_linkage(
        t["enforcement"].desk, linkage=LinkageType.ADMIN_CRIMINAL, recipient_code=w.procuratorate_code,
        recipient_kind=AgencyKind.PROCURATORATE, related_case_id=case_id, summary="已移送公安分局，抄送检察院",
    )  # fmt: skip
    (filing_id,) = filed.affairs
    assert recipients_of(t["enforcement"], filed.events[0]) == (w.procuratorate_code,)
    push(t["enforcement"], 2)  # the case entered (to the supervisors) and the 备案
    return case_id, filing_id


def test_a_linkage_filing_reaches_the_procuratorate_and_its_report_comes_back(
    terminals: Terminals, pki: PlatformPki, procuratorate_operator: SoftwareKey
) -> None:
    w, t = pki.world, terminals
    enforcement, procuratorate, office = t["enforcement"], t["procuratorate"], t["office"]
    # seed §14: admin↔criminal linkage is filed with the procuratorate, not with 法制办
    with pytest.raises(IllegalMove):
        affairs.file_linkage(
            enforcement.desk, linkage=LinkageType.ADMIN_CRIMINAL, recipient_code=w.office_code,
            recipient_kind=AgencyKind.LEGAL_AFFAIRS, related_case_id="case-x", summary="s",
        )  # fmt: skip
    case_id, filing_id = file_with_procuratorate(t, pki)

    receive(procuratorate, 2)
    state = affairs.affair_state(procuratorate.store, filing_id)
    assert isinstance(state, LinkageFilingState)
    assert (state.linkage, state.filer_code, state.recipient_code, state.related_case_id, state.reported_at) == (
        LinkageType.ADMIN_CRIMINAL, w.enforcement_code, w.procuratorate_code, case_id, None,
    )  # fmt: skip
    enforcer = operator_of(w.enforcement_operator)
    assert recorded_by(procuratorate, filing_id) == [("linkage.filed", w.enforcement_code, enforcer)]
    assert status_on(procuratorate, "linkage", filing_id) == "已备案，待报送"
    # seed §14 "both report to the office": the office, supervising, sees the 备案 as it is filed
    receive(office, 2)
    assert recorded_by(office, filing_id) == [("linkage.filed", w.enforcement_code, enforcer)]
    for name in ("police", "other"):  # the 备案 concerns neither
        t[name].engine.run_once()
        assert_sees_nothing(t[name], filing_id)

    reported = affairs.report_linkage(procuratorate.desk, filing_id, summary="本季度受理衔接备案1件")
    # seed §14: the report goes to the office, and back to the filing agency the affair concerns
    assert recipients_of(procuratorate, reported.events[0]) == tuple(sorted((w.enforcement_code, w.office_code)))
    push(procuratorate, 1)
    for side in (enforcement, office):
        receive(side, 1)
        back = affairs.affair_state(side.store, filing_id)
        assert isinstance(back, LinkageFilingState) and back.reported_at is not None
        assert recorded_by(side, filing_id) == [
            ("linkage.filed", w.enforcement_code, enforcer),
            ("linkage.reported", w.procuratorate_code, operator_of(procuratorate_operator)),
        ]
        assert status_on(side, "linkage", filing_id) == "已报送领导小组办公室"
    for side in (enforcement, procuratorate, office):
        again = side.engine.run_once()
        assert (again.applied, again.quarantined) == (0, 0), again
        assert len(records(side, filing_id)) == 2


def test_an_inspection_reaches_the_inspected_and_its_notice_every_member(
    terminals: Terminals, pki: PlatformPki
) -> None:
    w, t = pki.world, terminals
    office = t["office"]
    # seed §18: inspections are the office's; neither police nor the procuratorate may record one
    for name in ("police", "procuratorate"):
        with pytest.raises(IllegalMove):
            affairs.record_inspection(t[name].desk, inspected_codes=(w.enforcement_code,), findings="录入不及时")
        assert t[name].store.read(outbox_entries) == ()

    conducted = affairs.record_inspection(office.desk, inspected_codes=(w.enforcement_code,), findings="录入不及时")
    (inspection_id,) = conducted.affairs
    assert recipients_of(office, conducted.events[0]) == (w.enforcement_code,)
    push(office, 1)
    receive(t["enforcement"], 1)
    state = affairs.affair_state(t["enforcement"].store, inspection_id)
    assert isinstance(state, InspectionState) and state.inspected_codes == (w.enforcement_code,)
    assert state.notice_number is None and status_on(t["enforcement"], "inspection", inspection_id) == "已检查，待通报"
    receive(t["procuratorate"], 1)  # supervising: the platform shows it every packet (docs/sync.md)
    for name in ("police", "other"):  # not inspected: nothing until the 通报
        assert t[name].engine.run_once().received == 0
        assert_sees_nothing(t[name], inspection_id)

    notice = affairs.publish_inspection_notice(
        office.desk, inspection_id, document_number="兴两法办发〔2026〕1号", summary="通报市场监管局录入不及时"
    )
    members = (w.enforcement_code, w.police_code, w.other_code, w.procuratorate_code)
    assert recipients_of(office, notice.events[0]) == tuple(sorted(members))
    push(office, 1)
    office_operator = operator_of(w.office_operator)
    for name in ("enforcement", "police", "other", "procuratorate"):
        side = t[name]
        receive(side, 1)  # who never saw the inspection rebuilds it from the packet; who held it adds only the notice
        state = affairs.affair_state(side.store, inspection_id)
        assert isinstance(state, InspectionState), name
        assert (state.inspected_codes, state.notice_number) == ((w.enforcement_code,), "兴两法办发〔2026〕1号")
        assert recorded_by(side, inspection_id) == [
            ("inspection.conducted", w.office_code, office_operator),
            ("inspection.notice_published", w.office_code, office_operator),
        ]
        assert status_on(side, "inspection", inspection_id) == "已通报（兴两法办发〔2026〕1号）"
        again = side.engine.run_once()
        assert (again.applied, again.quarantined) == (0, 0) and len(records(side, inspection_id)) == 2
