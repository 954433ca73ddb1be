"""Records of the administrative case itself: entry, penalty, suggestions, reports and early intervention."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from app.domain.agencies import AgencyKind
from app.domain.events.base import Event, EventFormatError, EventKind
from app.domain.identifiers import is_valid_credit_code, is_valid_id_number

_ENFORCEMENT = frozenset({AgencyKind.ENFORCEMENT})
_PROCURATORATE = frozenset({AgencyKind.PROCURATORATE})


class PenaltyProcedure(enum.StrEnum):
    """行政处罚法 Art.51 (简易程序) vs the general procedure.

    seed §8 requires entry of every case except simple-procedure ones."""

    GENERAL = "general"  # 普通程序
    SIMPLE = "simple"  # 简易程序


def party_identifier_kind(party_id: str) -> str:
    """``"uscc"`` for a 统一社会信用代码, ``"id"`` for a 公民身份号码; raises if it is neither."""
    if is_valid_credit_code(party_id):
        return "uscc"
    if is_valid_id_number(party_id):
        return "id"
    raise EventFormatError(
        "party id is neither USCC nor ID number",
        user_message="当事人证件号码无效：应为18位统一社会信用代码或公民身份号码。",
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseOpened(Event):
    """An enforcement agency enters an administrative case (seed §8). The party is identified for screening."""

    kind = EventKind.CASE_OPENED
    label = "案件录入"
    recorders = _ENFORCEMENT

    case_number: str
    title: str
    offence_code: str  # a key of the screening rules (e.g. "criminal-law-140")
    party_name: str
    party_id: str  # 统一社会信用代码 or 公民身份号码
    serious: bool = False  # 重大、复杂 (seed §12: early intervention for serious cases)

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        party_identifier_kind(self.party_id)
        object.__setattr__(self, "party_id", self.party_id.strip().upper())


@dataclass(frozen=True, kw_only=True, slots=True)
class PenaltyDecided(Event):
    """行政处罚决定. ``measures`` are the figures screened for 以罚代刑 (e.g. ("sales_amount", 60000))."""

    kind = EventKind.PENALTY_DECIDED
    label = "行政处罚决定"
    recorders = _ENFORCEMENT

    decision_number: str
    procedure: PenaltyProcedure
    fine: Decimal
    measures: tuple[tuple[str, Decimal], ...] = ()
    summary: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class PenaltyEffective(Event):
    """The penalty decision takes effect; seed §8: entered within 3 working days of this."""

    kind = EventKind.PENALTY_EFFECTIVE
    label = "行政处罚决定生效"
    recorders = _ENFORCEMENT


@dataclass(frozen=True, kw_only=True, slots=True)
class TransferSuggested(Event):
    """建议移送: the procuratorate suggests that the agency transfer the case (seed §8; 310号令 Art.14)."""

    kind = EventKind.TRANSFER_SUGGESTED
    label = "建议移送"
    recorders = _PROCURATORATE

    reasons: str


@dataclass(frozen=True, kw_only=True, slots=True)
class MisconductReported(Event):
    """Bribery, embezzlement or dereliction found in enforcement, reported to the supervision organ (seed §3)."""

    kind = EventKind.MISCONDUCT_REPORTED
    label = "向监察机关报告"
    recorders = _ENFORCEMENT

    supervision_code: str
    summary: str


@dataclass(frozen=True, kw_only=True, slots=True)
class MisconductHandled(Event):
    """The supervision organ records how it handled a report (seed §4)."""

    kind = EventKind.MISCONDUCT_HANDLED
    label = "监察机关处理情况"
    recorders = frozenset({AgencyKind.SUPERVISION})

    report_id: str
    result: str


@dataclass(frozen=True, kw_only=True, slots=True)
class InterventionInvited(Event):
    """A written invitation to police or procuratorate to intervene early in a serious case (seed §12)."""

    kind = EventKind.INTERVENTION_INVITED
    label = "提前介入邀请"
    recorders = _ENFORCEMENT

    invited_code: str
    invited_kind: AgencyKind
    written: bool
    reasons: str


@dataclass(frozen=True, kw_only=True, slots=True)
class InterventionSent(Event):
    """The invited agency sends officers; seed §12: within 3 days of the invitation."""

    kind = EventKind.INTERVENTION_SENT
    label = "派员提前介入"
    recorders = frozenset({AgencyKind.POLICE, AgencyKind.PROCURATORATE})

    invitation_id: str
    officers: tuple[str, ...]
