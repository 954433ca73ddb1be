"""The leading group office's documents: joint meetings (seed §10), 备案 (§14), 通报 (§18), assessment (§2).

联席会议通知 ← MeetingConvened; 联席会议纪要 ← MeetingHeld + MeetingConvened; 备案表 ← LinkageFiled (+ the
related case's CaseOpened and Transferred when its history is given); 专项检查通报 ← InspectionNoticePublished +
InspectionConducted; 年度考核结果通报 ← the domain's ``Assessment`` of each member (not a case history).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from app.documents.content import Issue, cn_date
from app.documents.errors import InvalidFields
from app.documents.from_case.context import CaseContext, NotInHistory
from app.documents.from_case.history import Facts, day, issue_of, lines, sentence
from app.documents.from_case.source import Source
from app.documents.templates import office as o
from app.documents.templates.common import Section
from app.domain.assessment import Assessment, DutyGroup, Tally
from app.domain.events import (
    InspectionConducted,
    InspectionNoticePublished,
    LinkageFiled,
    LinkageType,
    MeetingConvened,
    MeetingHeld,
    MeetingType,
    Transferred,
)

LINKAGE_TEXT: Mapping[LinkageType, str] = MappingProxyType(
    {
        LinkageType.ADMIN_ADMIN: "行政执法机关之间",
        LinkageType.ADMIN_CRIMINAL: "行政执法机关与刑事司法机关之间",
    }
)


def meeting_name(convened: MeetingConvened, context: CaseContext) -> str:
    """The meeting as printed: the annual meeting of a year, or an ad-hoc meeting (seed §10)."""
    if convened.meeting_type is MeetingType.ANNUAL:
        return f"{convened.scheduled_for.year}年度{context.region}“两法衔接”工作联席会议"
    return f"{context.region}“两法衔接”工作临时联席会议"


def joint_meeting_notice(facts: Facts, convened: MeetingConvened, context: CaseContext) -> o.JointMeetingNoticeFields:
    """联席会议通知: participants (all members if none named), date and agenda from the notice record."""
    return o.JointMeetingNoticeFields(
        issue=issue_of(context, "joint_meeting_notice", convened),
        members=context.names(convened.participants) or context.members,
        meeting=meeting_name(convened, context),
        time_place=cn_date(convened.scheduled_for),
        agenda=lines(convened.agenda),
        requirements=(),
    )


def joint_meeting_minutes(facts: Facts, held: MeetingHeld, context: CaseContext) -> o.JointMeetingMinutesFields:
    """联席会议纪要: attendees present, invited members absent, the minutes as the decisions."""
    convened = facts.latest(MeetingConvened, lambda e: e.case_id == held.case_id, before=held)
    if convened is None:
        raise NotInHistory("联席会议纪要", "联席会议通知")
    meeting = meeting_name(convened, context)
    absent = tuple(code for code in convened.participants if code not in held.attendees)
    # 纪要 are numbered 第N期 in their own series, which has no 发文代字
    number = context.number or "第　期"
    return o.JointMeetingMinutesFields(
        issue=Issue(context.name(held.agency_code), number, day(held)),
        series=f"{context.region}“两法衔接”工作联席会议纪要",
        meeting=meeting,
        held=f"{cn_date(day(held))}，{context.name(held.agency_code)}召开{meeting}。",
        summary="",
        decisions=(Section("议定事项", lines(held.minutes)),),
        present=context.names(held.attendees),
        absent=context.names(absent),
    )


def filing_record(facts: Facts, filed: LinkageFiled, context: CaseContext) -> o.FilingRecordFields:
    """备案表 (seed §14); the linked case's name and transfer come from its history when it is given with it."""
    related = facts.opened(filed.related_case_id)
    sent = facts.latest(Transferred, lambda e: e.case_id == filed.related_case_id)
    return o.FilingRecordFields(
        issue=issue_of(context, "filing_record", filed),
        filed_with=context.name(filed.recipient_code),
        case_name=related.title if related is not None else "",
        linkage=LINKAGE_TEXT[filed.linkage],
        from_agency=context.name(sent.agency_code if sent else filed.agency_code),
        to_agency=context.name(sent.police_code) if sent else "",
        linked_on=cn_date(day(sent)) if sent else "",
        documents=f"涉嫌犯罪案件移送书（{sent.document_number}）" if sent else "",
        summary=sentence(filed.summary),
        handler=context.operator_name(filed.operator_id) or context.operator,
    )


def inspection_bulletin(
    facts: Facts, notice: InspectionNoticePublished, context: CaseContext
) -> o.InspectionBulletinFields:
    """专项检查通报: who was inspected and when, the findings, and the notice's own summary as requirements."""
    conducted = facts.latest(InspectionConducted, lambda e: e.case_id == notice.case_id, before=notice)
    if conducted is None:
        raise NotInHistory("专项检查通报", "专项监督检查")
    return o.InspectionBulletinFields(
        issue=issue_of(context, "inspection_bulletin", notice, notice.document_number),
        members=context.members,
        inspection=f"{day(conducted).year}年度“两法衔接”工作专项监督检查",
        overview=f"{cn_date(day(conducted))}，对{context.names(conducted.inspected_codes)}进行了专项监督检查。",
        good=(),
        problems=(sentence(conducted.findings),),
        requirements=(sentence(notice.summary),),
    )


def _tally(t: Tally) -> str:
    text = f"按时{t.on_time}，逾期{t.late}"
    return text + (f"，未办{t.missing}" if t.missing else "")


def _sum(tallies: Sequence[Tally]) -> Tally:
    return Tally(sum(t.on_time for t in tallies), sum(t.late for t in tallies), sum(t.missing for t in tallies))


def assessment_bulletin(
    assessments: Sequence[Assessment],
    context: CaseContext,
    *,
    issuer_code: str,
    issued_on: dt.date,
    grades: Mapping[str, tuple[str, str]] | None = None,
) -> o.AssessmentBulletinFields:
    """年度考核结果通报 from the domain's assessment of each member over one year (seed §2).

    The tallies are facts from the records; 总分 and 等次 are the office's decision (``grades``: agency code →
    (total, grade)), printed blank where it has not been made."""
    if not assessments:
        raise InvalidFields("考核结果为空")
    year = assessments[0].first_day.year
    if any(a.first_day.year != year or a.last_day.year != year for a in assessments):
        raise InvalidFields("考核结果应为同一年度")
    decided = grades or {}
    scores = tuple(
        o.AssessmentScore(
            member=context.name(a.agency_code),
            platform=f"录入{a.records_entered}条",
            entry=_tally(a.entries),
            transfer=_tally(_sum([a.duty(DutyGroup.TRANSFER), a.duty(DutyGroup.FILING)])),
            replies=_tally(a.duty(DutyGroup.REPLY)),
            total=decided.get(a.agency_code, ("", ""))[0],
            grade=decided.get(a.agency_code, ("", ""))[1],
        )
        for a in assessments
    )
    entries = _sum([a.entries for a in assessments])
    overview = (
        f"{year}年度，各成员单位共在平台录入记录{sum(a.records_entered for a in assessments)}条，"
        f"移送涉嫌犯罪案件{sum(a.transfers_made for a in assessments)}件；"
        f"应在三个工作日内录入的记录按时录入{entries.on_time}条，逾期录入{entries.late}条。"
    )
    return o.AssessmentBulletinFields(
        issue=Issue(
            context.name(issuer_code),
            context.number_for("assessment_bulletin", issuer_code, issued_on),
            issued_on,
        ),
        members=context.members,
        year=year,
        overview=overview,
        scores=scores,
    )


SOURCES = (
    Source("joint_meeting_notice", MeetingConvened, "联席会议通知", joint_meeting_notice),
    Source("joint_meeting_minutes", MeetingHeld, "联席会议纪要", joint_meeting_minutes),
    Source("filing_record", LinkageFiled, "案件衔接备案", filing_record),
    Source("inspection_bulletin", InspectionNoticePublished, "检查通报", inspection_bulletin),
)
