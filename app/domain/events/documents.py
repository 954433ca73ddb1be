"""Supervisory documents with written replies and follow-up (seed §5, §6), reverse linkage, and retractions."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.domain.agencies import AgencyKind
from app.domain.events.base import Event, EventKind

_ANY_MEMBER = frozenset(AgencyKind)


class DocumentType(enum.StrEnum):
    """The documents whose reply counts in the assessment (seed §2, §5, §6)."""

    PROCURATORIAL_SUGGESTION = "procuratorial_suggestion"  # 检察建议书
    PROCURATORIAL_OPINION = "procuratorial_opinion"  # 检察意见书
    CORRECTION_NOTICE = "correction_notice"  # 纠正违法通知书
    PROSECUTION_URGING = "prosecution_urging"  # 督促起诉意见书
    JUDICIAL_SUGGESTION = "judicial_suggestion"  # 司法建议书
    NON_PROSECUTION_OPINION = "non_prosecution_opinion"  # 不起诉案件的检察意见 (刑诉法 Art.177 ¶3)

    @property
    def label(self) -> str:
        """The document's Chinese name."""
        return DOCUMENT_LABELS[self]

    @property
    def issuer_kind(self) -> AgencyKind:
        """Who issues it: the court issues 司法建议书 (seed §6), the procuratorate all others (seed §5)."""
        return AgencyKind.COURT if self is DocumentType.JUDICIAL_SUGGESTION else AgencyKind.PROCURATORATE


DOCUMENT_LABELS: Mapping[Any, str] = MappingProxyType(
    {
        DocumentType.PROCURATORIAL_SUGGESTION: "检察建议书",
        DocumentType.PROCURATORIAL_OPINION: "检察意见书",
        DocumentType.CORRECTION_NOTICE: "纠正违法通知书",
        DocumentType.PROSECUTION_URGING: "督促起诉意见书",
        DocumentType.JUDICIAL_SUGGESTION: "司法建议书",
        DocumentType.NON_PROSECUTION_OPINION: "检察意见（不起诉案件）",
    }
)


@dataclass(frozen=True, kw_only=True, slots=True)
class DocumentIssued(Event):
    """A 检察建议书/检察意见书/纠正违法通知书/督促起诉意见书 (seed §5) or 司法建议书 (seed §6) to a member agency."""

    kind = EventKind.DOCUMENT_ISSUED
    label = "制发文书"
    recorders = frozenset({AgencyKind.PROCURATORATE, AgencyKind.COURT})

    document_type: DocumentType
    document_number: str
    recipient_code: str
    recipient_kind: AgencyKind
    summary: str


@dataclass(frozen=True, kw_only=True, slots=True)
class OpinionIssued(Event):
    """反向衔接: with a 不起诉 decision the procuratorate sends a 检察意见 for an administrative penalty
    (刑诉法 Art.177 ¶3; 刑诉规则 2019 Art.373)."""

    kind = EventKind.OPINION_ISSUED
    label = "不起诉案件检察意见"
    recorders = frozenset({AgencyKind.PROCURATORATE})

    document_number: str
    recipient_code: str
    recommendation: str


@dataclass(frozen=True, kw_only=True, slots=True)
class DocumentReplied(Event):
    """The receiving agency's written reply on what it did (seed §5: 书面回复整改情况)."""

    kind = EventKind.DOCUMENT_REPLIED
    label = "书面回复"
    recorders = _ANY_MEMBER

    document_id: str  # the event id of the DocumentIssued / OpinionIssued
    written: bool
    summary: str


@dataclass(frozen=True, kw_only=True, slots=True)
class DocumentFollowedUp(Event):
    """The issuer's follow-up of the rectification (seed §5: 跟踪监督); ``closed`` ends the follow-up."""

    kind = EventKind.DOCUMENT_FOLLOWED_UP
    label = "跟踪监督"
    recorders = frozenset({AgencyKind.PROCURATORATE, AgencyKind.COURT})

    document_id: str
    result: str
    closed: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Retraction(Event):
    """Withdraws a record entered by mistake; ``supersedes`` names it. The record stays in the history."""

    kind = EventKind.RETRACTION
    label = "撤回记录"
    recorders = _ANY_MEMBER

    reason: str
