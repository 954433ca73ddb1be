"""Records outside a single case: consultations (seed §11), joint meetings (§10), linkage filing (§14),
inspections and notices (§18). Each has its own small aggregate; ``case_id`` is the aggregate's id."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from app.domain.agencies import AgencyKind
from app.domain.events.base import Event, EventKind

_OFFICE = frozenset({AgencyKind.LINKAGE_OFFICE})


class MeetingType(enum.StrEnum):
    """seed §10: a joint meeting once a year, and ad-hoc meetings of all or some members."""

    ANNUAL = "annual"  # 年度联席会议
    AD_HOC = "ad_hoc"  # 临时会议


class LinkageType(enum.StrEnum):
    """seed §14: which linkage a 备案 concerns, and so who receives it."""

    ADMIN_ADMIN = "admin_admin"  # 行政执法机关之间 → 政府法制办
    ADMIN_CRIMINAL = "admin_criminal"  # 行政执法机关与刑事司法机关之间 → 人民检察院


@dataclass(frozen=True, kw_only=True, slots=True)
class ConsultationAsked(Event):
    """seed §11: a question on prosecution thresholds, evidence, or a professional matter."""

    kind = EventKind.CONSULTATION_ASKED
    label = "案件咨询"
    recorders = frozenset({AgencyKind.ENFORCEMENT, AgencyKind.POLICE, AgencyKind.PROCURATORATE})

    consulted_code: str
    consulted_kind: AgencyKind
    written: bool
    question: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ConsultationMarkedDifficult(Event):
    """seed §11: a difficult or complex case is exempt from the 3-working-day answer."""

    kind = EventKind.CONSULTATION_MARKED_DIFFICULT
    label = "认定为疑难复杂"
    recorders = frozenset({AgencyKind.ENFORCEMENT, AgencyKind.POLICE, AgencyKind.PROCURATORATE})

    reasons: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ConsultationAnswered(Event):
    """seed §11: the answer; a written question gets a written answer."""

    kind = EventKind.CONSULTATION_ANSWERED
    label = "咨询答复"
    recorders = frozenset({AgencyKind.ENFORCEMENT, AgencyKind.POLICE, AgencyKind.PROCURATORATE})

    written: bool
    answer: str


@dataclass(frozen=True, kw_only=True, slots=True)
class MeetingConvened(Event):
    """seed §10: the office's notice convening a joint meeting."""

    kind = EventKind.MEETING_CONVENED
    label = "联席会议通知"
    recorders = _OFFICE

    meeting_type: MeetingType
    scheduled_for: dt.date
    participants: tuple[str, ...]  # agency codes; empty means all members
    agenda: str


@dataclass(frozen=True, kw_only=True, slots=True)
class MeetingHeld(Event):
    """seed §10: the meeting took place; its minutes (会议纪要)."""

    kind = EventKind.MEETING_HELD
    label = "联席会议纪要"
    recorders = _OFFICE

    attendees: tuple[str, ...]
    minutes: str


@dataclass(frozen=True, kw_only=True, slots=True)
class LinkageFiled(Event):
    """seed §14: 备案 of a linkage, admin↔admin to 法制办, admin↔criminal to the procuratorate."""

    kind = EventKind.LINKAGE_FILED
    label = "案件衔接备案"
    recorders = frozenset({AgencyKind.ENFORCEMENT, AgencyKind.POLICE})

    linkage: LinkageType
    recipient_code: str
    recipient_kind: AgencyKind
    related_case_id: str
    summary: str


@dataclass(frozen=True, kw_only=True, slots=True)
class LinkageReported(Event):
    """seed §14: 法制办 or the procuratorate reports the filings to the office."""

    kind = EventKind.LINKAGE_REPORTED
    label = "报送备案情况"
    recorders = frozenset({AgencyKind.LEGAL_AFFAIRS, AgencyKind.PROCURATORATE})

    summary: str


@dataclass(frozen=True, kw_only=True, slots=True)
class InspectionConducted(Event):
    """seed §18: the office's 专项监督检查 (at least yearly)."""

    kind = EventKind.INSPECTION_CONDUCTED
    label = "专项监督检查"
    recorders = _OFFICE

    inspected_codes: tuple[str, ...]
    findings: str


@dataclass(frozen=True, kw_only=True, slots=True)
class InspectionNoticePublished(Event):
    """seed §18: the 通报 of the inspection."""

    kind = EventKind.INSPECTION_NOTICE_PUBLISHED
    label = "检查通报"
    recorders = _OFFICE

    document_number: str
    summary: str
