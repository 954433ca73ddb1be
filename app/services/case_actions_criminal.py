"""Operator actions of filing supervision, criminal procedure and supervisory documents (刑诉规则 2019
Art.559–564; 刑诉法 Art.87, 91, 162, 172, 177; seed §5, §6). One transaction each, through ``record``."""

from __future__ import annotations

import datetime as dt

from app.domain.agencies import AgencyKind
from app.domain.events import (
    ArrestDecided,
    ArrestRequested,
    CaseWithdrawn,
    DocumentFollowedUp,
    DocumentIssued,
    DocumentReplied,
    DocumentType,
    ExplanationAccepted,
    ExplanationGiven,
    ExplanationRequired,
    FilingNoticed,
    JudgmentEntered,
    OpinionIssued,
    ProsecutionDecided,
    ProsecutionRequested,
    Verdict,
)
from app.services.cases import CaseDesk, record  # the desk's outbox hook rides along (docs/sync.md)
from app.services.changes import Changes

When = dt.datetime | None


def require_explanation(
    desk: CaseDesk, case_id: str, *, document_number: str, reasons: str = "", occurred_at: When = None
) -> Changes:
    """要求说明不立案理由 (刑诉规则 Art.559–560): the police explain within 7 days."""
    return record(
        desk, ExplanationRequired, case_id, occurred_at=occurred_at, document_number=document_number, reasons=reasons
    )


def give_explanation(desk: CaseDesk, case_id: str, *, reasons: str, occurred_at: When = None) -> Changes:
    """The police explain in writing why the case was not filed (刑诉规则 Art.560)."""
    return record(desk, ExplanationGiven, case_id, occurred_at=occurred_at, reasons=reasons)


def accept_explanation(desk: CaseDesk, case_id: str, *, reasons: str = "", occurred_at: When = None) -> Changes:
    """The procuratorate finds the reasons sound (刑诉规则 Art.562)."""
    return record(desk, ExplanationAccepted, case_id, occurred_at=occurred_at, reasons=reasons)


def notice_filing(desk: CaseDesk, case_id: str, *, document_number: str, occurred_at: When = None) -> Changes:
    """通知立案 (刑诉规则 Art.563): the police file within 15 days."""
    return record(desk, FilingNoticed, case_id, occurred_at=occurred_at, document_number=document_number)


def withdraw_case(
    desk: CaseDesk, case_id: str, *, document_number: str, reasons: str, occurred_at: When = None
) -> Changes:
    """撤销案件 by the police after filing (seed §8)."""
    return record(
        desk, CaseWithdrawn, case_id, occurred_at=occurred_at, document_number=document_number, reasons=reasons
    )


def request_arrest(
    desk: CaseDesk, case_id: str, *, procuratorate_code: str, suspects: tuple[str, ...], occurred_at: When = None
) -> Changes:
    """提请批准逮捕 (刑诉法 Art.87)."""
    return record(
        desk, ArrestRequested, case_id, occurred_at=occurred_at, procuratorate_code=procuratorate_code,
        suspects=suspects,
    )  # fmt: skip


def decide_arrest(
    desk: CaseDesk, case_id: str, *, approved: bool, document_number: str, occurred_at: When = None
) -> Changes:
    """审查逮捕决定 within 7 days (刑诉法 Art.91 ¶3)."""
    return record(
        desk, ArrestDecided, case_id, occurred_at=occurred_at, approved=approved, document_number=document_number
    )


def request_prosecution(
    desk: CaseDesk, case_id: str, *, procuratorate_code: str, document_number: str, occurred_at: When = None
) -> Changes:
    """移送审查起诉 (刑诉法 Art.162)."""
    return record(
        desk, ProsecutionRequested, case_id, occurred_at=occurred_at, procuratorate_code=procuratorate_code,
        document_number=document_number,
    )  # fmt: skip


def decide_prosecution(
    desk: CaseDesk, case_id: str, *, indicted: bool, document_number: str, reasons: str = "",
    occurred_at: When = None,
) -> Changes:  # fmt: skip
    """起诉 or 不起诉 (刑诉法 Art.172, 176–177)."""
    return record(
        desk, ProsecutionDecided, case_id, occurred_at=occurred_at, indicted=indicted,
        document_number=document_number, reasons=reasons,
    )  # fmt: skip


def enter_judgment(
    desk: CaseDesk, case_id: str, *, judgment_number: str, verdict: Verdict, judged_on: dt.date, summary: str = "",
    occurred_at: When = None,
) -> Changes:  # fmt: skip
    """The judgment, entered within 3 working days of receiving it (seed §6, §8)."""
    return record(
        desk, JudgmentEntered, case_id, occurred_at=occurred_at, judgment_number=judgment_number, verdict=verdict,
        judged_on=judged_on, summary=summary,
    )  # fmt: skip


def issue_supervisory_document(
    desk: CaseDesk, case_id: str, *, document_type: DocumentType, document_number: str, recipient_code: str,
    recipient_kind: AgencyKind, summary: str, occurred_at: When = None,
) -> Changes:  # fmt: skip
    """检察建议书, 检察意见书, 纠正违法通知书, 督促起诉意见书 (seed §5) or 司法建议书 (seed §6)."""
    return record(
        desk, DocumentIssued, case_id, occurred_at=occurred_at, document_type=document_type,
        document_number=document_number, recipient_code=recipient_code, recipient_kind=recipient_kind,
        summary=summary,
    )  # fmt: skip


def issue_non_prosecution_opinion(
    desk: CaseDesk, case_id: str, *, document_number: str, recipient_code: str, recommendation: str,
    occurred_at: When = None,
) -> Changes:  # fmt: skip
    """反向衔接: the 检察意见 sent with a 不起诉 decision (刑诉法 Art.177 ¶3; 刑诉规则 Art.373)."""
    return record(
        desk, OpinionIssued, case_id, occurred_at=occurred_at, document_number=document_number,
        recipient_code=recipient_code, recommendation=recommendation,
    )  # fmt: skip


def reply_to_document(
    desk: CaseDesk, case_id: str, *, document_id: str, written: bool, summary: str, occurred_at: When = None
) -> Changes:
    """The receiving agency's written reply (seed §5: 书面回复整改情况)."""
    return record(
        desk, DocumentReplied, case_id, occurred_at=occurred_at, document_id=document_id, written=written,
        summary=summary,
    )  # fmt: skip


def follow_up_document(
    desk: CaseDesk, case_id: str, *, document_id: str, result: str, closed: bool, occurred_at: When = None
) -> Changes:
    """The issuer's follow-up of the rectification (seed §5: 跟踪监督)."""
    return record(
        desk, DocumentFollowedUp, case_id, occurred_at=occurred_at, document_id=document_id, result=result,
        closed=closed,
    )  # fmt: skip
