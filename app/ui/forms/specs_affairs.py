"""Forms of the records outside a case (seed §10, §11, §14, §18): each starts a new consultation, meeting, linkage
filing or inspection, so the case id the form host passes is ignored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain.agencies import AgencyKind
from app.domain.events import LinkageType, MeetingType
from app.services import affairs
from app.services.cases import CaseDesk
from app.services.changes import Changes
from app.ui.forms.fields import FieldSpec
from app.ui.forms.spec import Action, FormSpec, choice, named, yes_no

_JUSTICE = {"police": AgencyKind.POLICE.label, "procuratorate": AgencyKind.PROCURATORATE.label}


def _starts(fn: Callable[..., Changes]) -> Action:
    """The action calling ``fn(desk, **payload)``: a new affair has no case id."""

    def act(desk: CaseDesk, _case_id: str, values: dict[str, Any]) -> Changes:
        return fn(desk, **values)

    return act


CONSULTATION = FormSpec(
    "consultation.asked",
    "案件咨询",
    (
        FieldSpec("consulted_code", "被咨询单位统一社会信用代码(&C)", "credit_code"),
        choice("consulted_kind", "被咨询单位类别(&K)", AgencyKind, _JUSTICE),
        yes_no("written", "咨询方式(&W)", "书面咨询", "其他方式"),
        FieldSpec("question", "咨询问题(&Q)", "long"),
    ),
    _starts(affairs.ask_consultation),
    note="实施意见第11条：除疑难复杂案件外，应在3个工作日内答复；书面咨询书面答复。",
)

MEETING = FormSpec(
    "meeting.convened",
    "召集联席会议",
    (
        choice("meeting_type", "会议类型(&Y)", MeetingType, {"annual": "年度联席会议", "ad_hoc": "临时会议"}),
        FieldSpec("scheduled_for", "会议日期(&D)", "date", placeholder="2026-03-09"),
        FieldSpec("participants", "参会单位（以顿号分隔）(&P)", "list"),
        FieldSpec("agenda", "议题(&A)", "long"),
    ),
    _starts(affairs.convene_meeting),
    note="实施意见第10条：联席会议每年至少召开一次，由领导小组办公室召集。",
)

LINKAGE = FormSpec(
    "linkage.filed",
    "案件衔接备案",
    (
        choice(
            "linkage", "衔接类别(&L)", LinkageType,
            {"admin_admin": "行政执法机关之间（报法制办）", "admin_criminal": "行政执法与刑事司法之间（报检察院）"},
        ),
        FieldSpec("recipient_code", "备案机关统一社会信用代码(&C)", "credit_code"),
        choice(
            "recipient_kind", "备案机关类别(&K)", AgencyKind,
            {"legal_affairs": AgencyKind.LEGAL_AFFAIRS.label, "procuratorate": AgencyKind.PROCURATORATE.label},
        ),
        FieldSpec("related_case_id", "相关案件编号(&N)"),
        FieldSpec("summary", "备案内容(&S)", "long"),
    ),
    _starts(affairs.file_linkage),
    note="实施意见第14条：行政与行政衔接报法制办备案，行政与刑事衔接报检察院备案。",
)  # fmt: skip

INSPECTION = FormSpec(
    "inspection.conducted",
    "专项监督检查",
    (
        FieldSpec("inspected_codes", "被检查单位统一社会信用代码（以顿号分隔）(&C)", "list"),
        FieldSpec("findings", "检查情况(&F)", "long"),
    ),
    _starts(affairs.record_inspection),
    note="实施意见第18、19条：每年至少一次，检查结果予以通报。",
)

# The affairs pages' ``form_kind`` → the form their 新建 opens.
AFFAIR_FORMS: dict[str, FormSpec] = {
    "consultation": CONSULTATION,
    "meeting": MEETING,
    "linkage": LINKAGE,
    "inspection": INSPECTION,
}

# The record that follows on the selected affair (its id is the form's case id): 答复, 纪要, 报送, 通报.
AFFAIR_FOLLOWUPS: dict[str, FormSpec] = {
    "consultation": FormSpec(
        "consultation.answered",
        "咨询答复",
        (yes_no("written", "答复方式(&W)", "书面答复", "其他方式"), FieldSpec("answer", "答复内容(&A)", "long")),
        named(affairs.answer_consultation),
        note="实施意见第11条：书面咨询应书面答复。",
    ),
    "meeting": FormSpec(
        "meeting.held",
        "联席会议纪要",
        (
            FieldSpec("attendees", "参会单位（以顿号分隔）(&P)", "list"),
            FieldSpec("minutes", "会议纪要(&M)", "long"),
        ),
        named(affairs.record_meeting_minutes),
    ),
    "linkage": FormSpec(
        "linkage.reported",
        "报送备案情况",
        (FieldSpec("summary", "报送内容(&S)", "long"),),
        named(affairs.report_linkage),
        note="实施意见第14条：备案情况报领导小组办公室。",
    ),
    "inspection": FormSpec(
        "inspection.notice_published",
        "检查通报",
        (FieldSpec("document_number", "通报文号(&N)"), FieldSpec("summary", "通报内容(&S)", "long")),
        named(affairs.publish_inspection_notice),
        note="实施意见第19条：检查结果予以通报。",
    ),
}
