"""Operator actions of the administrative case and its transfer (310号令 Art.5–13; seed §3, §8, §12).

Each is one transaction through ``record`` (see app/services/cases.py): refused with the domain's Chinese reason, or
stored, audited and returned as ``Changes``. ``occurred_at`` is when it happened (default: now); the entry time is
always now, and lateness is derived from the two (seed §8).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.domain.agencies import AgencyKind
from app.domain.events import (
    CaseReturned,
    FilingDecision,
    HeadDecision,
    InterventionInvited,
    InterventionSent,
    MisconductHandled,
    MisconductReported,
    PenaltyDecided,
    PenaltyEffective,
    PenaltyProcedure,
    ReconsiderationDecided,
    ReconsiderationRequested,
    SeizedItemsHandedOver,
    SupervisionSuggested,
    SupervisionTarget,
    TransferForwarded,
    TransferMaterial,
    TransferReceipted,
    Transferred,
    TransferReported,
    TransferSuggested,
)
from app.services.cases import CaseDesk, record  # the desk's outbox hook rides along (docs/sync.md)
from app.services.changes import Changes

When = dt.datetime | None


def record_penalty_decision(
    desk: CaseDesk, case_id: str, *, decision_number: str, procedure: PenaltyProcedure, fine: Decimal,
    measures: tuple[tuple[str, Decimal], ...] = (), summary: str = "", occurred_at: When = None,
) -> Changes:  # fmt: skip
    """行政处罚决定 (310号令 Art.11: not while a transfer is pending)."""
    return record(
        desk, PenaltyDecided, case_id, occurred_at=occurred_at, decision_number=decision_number,
        procedure=procedure, fine=fine, measures=measures, summary=summary,
    )  # fmt: skip


def record_penalty_effective(desk: CaseDesk, case_id: str, *, occurred_at: When = None) -> Changes:
    """The penalty decision takes effect (seed §8: to be entered within 3 working days)."""
    return record(desk, PenaltyEffective, case_id, occurred_at=occurred_at)


def suggest_transfer(desk: CaseDesk, case_id: str, *, reasons: str, occurred_at: When = None) -> Changes:
    """建议移送 by the procuratorate (310号令 Art.14; seed §8)."""
    return record(desk, TransferSuggested, case_id, occurred_at=occurred_at, reasons=reasons)


def report_misconduct(
    desk: CaseDesk, case_id: str, *, supervision_code: str, summary: str, occurred_at: When = None
) -> Changes:
    """Report bribery or dereliction found in enforcement to the supervision organ (seed §3)."""
    return record(
        desk, MisconductReported, case_id, occurred_at=occurred_at, supervision_code=supervision_code, summary=summary
    )


def record_misconduct_handling(
    desk: CaseDesk, case_id: str, *, report_id: str, result: str, occurred_at: When = None
) -> Changes:
    """The supervision organ records how it handled a report (seed §4)."""
    return record(desk, MisconductHandled, case_id, occurred_at=occurred_at, report_id=report_id, result=result)


def invite_intervention(
    desk: CaseDesk, case_id: str, *, invited_code: str, invited_kind: AgencyKind, written: bool, reasons: str,
    occurred_at: When = None,
) -> Changes:  # fmt: skip
    """A written invitation to intervene early in a serious case (seed §12)."""
    return record(
        desk, InterventionInvited, case_id, occurred_at=occurred_at, invited_code=invited_code,
        invited_kind=invited_kind, written=written, reasons=reasons,
    )  # fmt: skip


def send_intervention(
    desk: CaseDesk, case_id: str, *, invitation_id: str, officers: tuple[str, ...], occurred_at: When = None
) -> Changes:
    """The invited agency sends officers (seed §12: within 3 days)."""
    return record(
        desk, InterventionSent, case_id, occurred_at=occurred_at, invitation_id=invitation_id, officers=officers
    )


def report_transfer(
    desk: CaseDesk, case_id: str, *, officers: tuple[str, ...], summary: str, occurred_at: When = None
) -> Changes:
    """涉嫌犯罪案件移送报告 by two or more officers to the head (310号令 Art.5)."""
    return record(desk, TransferReported, case_id, occurred_at=occurred_at, officers=officers, summary=summary)


def approve_transfer(desk: CaseDesk, case_id: str, *, occurred_at: When = None) -> Changes:
    """The head approves the transfer (310号令 Art.5: within 3 days of the report)."""
    return record(desk, HeadDecision, case_id, occurred_at=occurred_at, approved=True)


def refuse_transfer(desk: CaseDesk, case_id: str, *, reasons: str, occurred_at: When = None) -> Changes:
    """The head refuses the transfer, with reasons (310号令 Art.5)."""
    return record(desk, HeadDecision, case_id, occurred_at=occurred_at, approved=False, reasons=reasons)


def transfer_case(
    desk: CaseDesk, case_id: str, *, police_code: str, document_number: str,
    materials: tuple[TransferMaterial, ...], testing_applies: bool, procuratorate_code: str | None = None,
    occurred_at: When = None,
) -> Changes:  # fmt: skip
    """移送 to the police within 24 hours of approval, with the Art.6 materials, copied to the procuratorate."""
    return record(
        desk, Transferred, case_id, occurred_at=occurred_at, police_code=police_code,
        document_number=document_number, materials=materials, testing_applies=testing_applies,
        procuratorate_code=procuratorate_code,
    )  # fmt: skip


def record_receipt(desk: CaseDesk, case_id: str, *, occurred_at: When = None) -> Changes:
    """The police sign the receipt (回执) of the 移送书 (310号令 Art.7)."""
    return record(desk, TransferReceipted, case_id, occurred_at=occurred_at)


def forward_case(
    desk: CaseDesk, case_id: str, *, to_police_code: str, notice_given: bool, occurred_at: When = None
) -> Changes:
    """Forward to the police with jurisdiction within 24 hours, with written notice (310号令 Art.7)."""
    return record(
        desk, TransferForwarded, case_id, occurred_at=occurred_at, to_police_code=to_police_code,
        notice_given=notice_given,
    )  # fmt: skip


def record_filing_decision(
    desk: CaseDesk, case_id: str, *, filed: bool, document_number: str, reasons: str = "", occurred_at: When = None
) -> Changes:
    """立案 or 不予立案 with reasons, within 3 days of acceptance (310号令 Art.8)."""
    return record(
        desk, FilingDecision, case_id, occurred_at=occurred_at, filed=filed, document_number=document_number,
        reasons=reasons,
    )  # fmt: skip


def request_reconsideration(desk: CaseDesk, case_id: str, *, reasons: str, occurred_at: When = None) -> Changes:
    """提请复议 within 3 days of the non-filing notice (310号令 Art.9)."""
    return record(desk, ReconsiderationRequested, case_id, occurred_at=occurred_at, reasons=reasons)


def decide_reconsideration(
    desk: CaseDesk, case_id: str, *, reversed: bool, document_number: str, reasons: str = "",
    occurred_at: When = None,
) -> Changes:  # fmt: skip
    """复议决定 within 3 days (310号令 Art.9); ``reversed`` files the case."""
    return record(
        desk, ReconsiderationDecided, case_id, occurred_at=occurred_at, reversed=reversed,
        document_number=document_number, reasons=reasons,
    )  # fmt: skip


def suggest_supervision(
    desk: CaseDesk, case_id: str, *, target: SupervisionTarget, procuratorate_code: str, reasons: str,
    occurred_at: When = None,
) -> Changes:  # fmt: skip
    """建议人民检察院立案监督 on a non-filing or a withdrawal (310号令 Art.9 ¶2; seed §8)."""
    return record(
        desk, SupervisionSuggested, case_id, occurred_at=occurred_at, target=target,
        procuratorate_code=procuratorate_code, reasons=reasons,
    )  # fmt: skip


def hand_over_items(desk: CaseDesk, case_id: str, *, items: tuple[str, ...], occurred_at: When = None) -> Changes:
    """移交涉案物品 within 3 days of the filing notice (310号令 Art.12)."""
    return record(desk, SeizedItemsHandedOver, case_id, occurred_at=occurred_at, items=items)


def return_case(desk: CaseDesk, case_id: str, *, reasons: str, occurred_at: When = None) -> Changes:
    """The police send the case back for administrative handling (310号令 Art.13)."""
    return record(desk, CaseReturned, case_id, occurred_at=occurred_at, reasons=reasons)
