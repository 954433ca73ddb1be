"""Documents of the leading group office: joint meetings (seed §10), 备案 (§14), 通报 (§18) and assessment (§2)."""

from __future__ import annotations

from dataclasses import dataclass

from app.documents.content import Issue
from app.documents.fonts import FontRole
from app.documents.model import (
    Align,
    BlankLines,
    Block,
    Column,
    Document,
    FieldList,
    FieldRow,
    Imprint,
    Paragraph,
    Part,
    RedHeader,
    Signature,
    Table,
    Title,
)
from app.documents.templates.common import Section, body_blocks, official_document
from app.documents.templates.correspondence import SEED


@dataclass(frozen=True)
class JointMeetingNoticeFields:
    """联席会议通知 (seed §10): the office convenes the members at least once a year."""

    issue: Issue
    members: str
    meeting: str
    time_place: str
    agenda: tuple[str, ...]
    requirements: tuple[str, ...]


def build_joint_meeting_notice(f: JointMeetingNoticeFields) -> Document:
    """A 通知 in 文件格式 with sections for time/place, agenda and requirements."""
    body: list[str | Section] = [
        f"根据{SEED}第10条的规定，经研究，定于近期召开{f.meeting}。现将有关事项通知如下：",
        Section("会议时间和地点", (f.time_place,)),
        Section("会议议程", tuple(f"{i}.{a}" for i, a in enumerate(f.agenda, 1))),
        Section("有关要求", tuple(f"{i}.{r}" for i, r in enumerate(f.requirements, 1))),
    ]
    return official_document(
        issue=f.issue, mark=f"{f.issue.issuer}文件", title=f"关于召开{f.meeting}的通知", addressee=f.members, body=body
    )


@dataclass(frozen=True)
class JointMeetingMinutesFields:
    """联席会议纪要 (GB/T 9704 10.3 纪要格式): decisions, with 出席/请假/列席 in 黑体 labels."""

    issue: Issue
    series: str  # the 纪要标志, e.g. 兴庆区“两法衔接”工作联席会议纪要
    meeting: str
    held: str
    summary: str
    decisions: tuple[Section, ...]
    present: str
    absent: str = ""
    attending: str = ""


def build_joint_meeting_minutes(f: JointMeetingMinutesFields) -> Document:
    """10.3: a red 纪要标志 in place of the issuer mark, then the text and the attendance lists."""
    blocks = [
        Title(f"{f.meeting}纪要"),
        BlankLines(1),
        Paragraph(f"{f.held}{f.summary}会议议定事项如下："),
        *body_blocks(list(f.decisions)),
        BlankLines(1),
        FieldList(
            tuple(
                FieldRow(label, value)
                for label, value in (("出席", f.present), ("请假", f.absent), ("列席", f.attending))
                if value
            ),
            label_chars=2,
            label_role=FontRole.HEI,
            indent=2,
        ),
    ]
    part = Part(
        tuple(blocks),
        header=RedHeader(f.series, f.issue.number),
        imprint=Imprint(f.issue.issuer, f.issue.date_text),
    )
    return Document(f"{f.meeting}纪要", (part,), author=f.issue.issuer)


@dataclass(frozen=True)
class FilingRecordFields:
    """备案表 (seed §14): admin↔criminal linkage filed with the procuratorate, admin↔admin with 法制办."""

    issue: Issue
    filed_with: str
    case_name: str
    linkage: str  # 行政执法机关与刑事司法机关之间 / 行政执法机关之间
    from_agency: str
    to_agency: str
    linked_on: str
    documents: str
    summary: str
    handler: str


def build_filing_record(f: FilingRecordFields) -> Document:
    """A two-column ruled form, signed and dated under it."""
    rows = (
        ("备案编号", f.issue.number),
        ("备案单位", f.issue.issuer),
        ("受理备案机关", f.filed_with),
        ("案件名称", f.case_name),
        ("衔接类型", f.linkage),
        ("移出单位", f.from_agency),
        ("接收单位", f.to_agency),
        ("衔接日期", f.linked_on),
        ("衔接文书", f.documents),
        ("简要案情", f.summary),
        ("经办人", f.handler),
        ("备案日期", f.issue.date_text),
    )
    blocks: list[Block] = [
        Paragraph(f"依据{SEED}第14条报备", indent=0, align=Align.CENTER, role=FontRole.KAI),
        BlankLines(1),
        Table((Column("项目", 1.0, Align.CENTER), Column("内容", 3.2)), rows, header_role=FontRole.HEI),
    ]
    return Document(
        "两法衔接案件备案表", (Part((Title("两法衔接案件备案表"), BlankLines(1), *blocks)),), author=f.issue.issuer
    )


@dataclass(frozen=True)
class InspectionBulletinFields:
    """专项检查通报 (seed §18): findings of the yearly inspection, by member."""

    issue: Issue
    members: str
    inspection: str
    overview: str
    good: tuple[str, ...]
    problems: tuple[str, ...]
    requirements: tuple[str, ...]


def build_inspection_bulletin(f: InspectionBulletinFields) -> Document:
    """A 通报 in 文件格式 with sections: overview, good practice, problems, requirements."""
    body: list[str | Section] = [
        f"根据{SEED}第18条的规定，领导小组办公室组织开展了{f.inspection}。现将检查情况通报如下：",
        Section("基本情况", (f.overview,)),
        Section("主要成效", f.good),
        Section("存在的问题", f.problems),
        Section("下一步工作要求", f.requirements),
    ]
    return official_document(
        issue=f.issue,
        mark=f"{f.issue.issuer}文件",
        title=f"关于{f.inspection}情况的通报",
        addressee=f.members,
        body=body,
    )


@dataclass(frozen=True)
class AssessmentScore:
    """One member's assessment result."""

    member: str
    platform: str
    entry: str
    transfer: str
    replies: str
    total: str
    grade: str


@dataclass(frozen=True)
class AssessmentBulletinFields:
    """年度考核结果通报 (seed §2): scores per member on the five assessment items."""

    issue: Issue
    members: str
    year: int
    overview: str
    scores: tuple[AssessmentScore, ...]
    copy_to: tuple[str, ...] = ()


def build_assessment_bulletin(f: AssessmentBulletinFields) -> Document:
    """A 通报 whose body ends with the table of scores."""
    doc = official_document(
        issue=f.issue,
        mark=f"{f.issue.issuer}文件",
        title=f"关于{f.year}年度“两法衔接”工作考核结果的通报",
        addressee=f.members,
        body=[
            f"根据{SEED}第2条的规定，领导小组办公室依据日常检查、专项检查和通报情况，对各成员单位{f.year}年度"
            f"“两法衔接”工作进行了考核。{f.overview}现将考核结果通报如下（见下表），并报送区绩效考评工作领导小组办公室。",
        ],
        copy_to=f.copy_to,
    )
    table = Table(
        (
            Column("成员单位", 2.2),
            Column("平台使用", 1.1, Align.CENTER),
            Column("案件录入", 1.1, Align.CENTER),
            Column("移送办理", 1.1, Align.CENTER),
            Column("文书反馈", 1.1, Align.CENTER),
            Column("总分", 0.8, Align.CENTER),
            Column("等次", 0.8, Align.CENTER),
        ),
        tuple((s.member, s.platform, s.entry, s.transfer, s.replies, s.total, s.grade) for s in f.scores),
        size=12.0,
    )
    part = doc.parts[0]
    blocks = list(part.blocks)
    signature_at = next(i for i, b in enumerate(blocks) if isinstance(b, Signature))
    blocks.insert(signature_at, table)
    return Document(doc.title, (Part(tuple(blocks), part.header, part.imprint),), author=doc.author)
