"""Records of filing supervision and of the criminal procedure that follows a transfer.

刑诉规则 (2019) Art.559–564 for filing supervision; 刑诉法 Art.91 (arrest), Art.172 and 177 (prosecution).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from app.domain.agencies import AgencyKind
from app.domain.events.base import Event, EventKind

_POLICE = frozenset({AgencyKind.POLICE})
_PROCURATORATE = frozenset({AgencyKind.PROCURATORATE})


class Verdict(enum.StrEnum):
    """The outcome of a judgment, as far as the linkage cares (seed §6)."""

    CONVICTED = "convicted"  # 有罪判决
    EXEMPTED = "exempted"  # 免予刑事处罚
    ACQUITTED = "acquitted"  # 无罪判决


@dataclass(frozen=True, kw_only=True, slots=True)
class ExplanationRequired(Event):
    """要求说明不立案理由 (刑诉规则 Art.559–560): police explain in writing within 7 days of receipt."""

    kind = EventKind.EXPLANATION_REQUIRED
    label = "要求说明不立案理由"
    recorders = _PROCURATORATE

    document_number: str
    reasons: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class ExplanationGiven(Event):
    """Police explain in writing why the case was not filed (or was withdrawn) (刑诉规则 Art.560)."""

    kind = EventKind.EXPLANATION_GIVEN
    label = "说明不立案理由"
    recorders = _POLICE

    reasons: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ExplanationAccepted(Event):
    """The procuratorate finds the police's reasons sound and closes the supervision (刑诉规则 Art.562)."""

    kind = EventKind.EXPLANATION_ACCEPTED
    label = "认为不立案理由成立"
    recorders = _PROCURATORATE

    reasons: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class FilingNoticed(Event):
    """通知立案 (刑诉规则 Art.563): police must file within 15 days of receiving the notice."""

    kind = EventKind.FILING_NOTICED
    label = "通知立案"
    recorders = _PROCURATORATE

    document_number: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseWithdrawn(Event):
    """撤销案件 by police after filing; the agency may ask for supervision (seed §8)."""

    kind = EventKind.CASE_WITHDRAWN
    label = "撤销案件"
    recorders = _POLICE

    document_number: str
    reasons: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ArrestRequested(Event):
    """提请批准逮捕 of a transferred case (seed §8; 刑诉法 Art.87)."""

    kind = EventKind.ARREST_REQUESTED
    label = "提请批准逮捕"
    recorders = _POLICE

    procuratorate_code: str
    suspects: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class ArrestDecided(Event):
    """审查逮捕决定 (刑诉法 Art.91 ¶3: within 7 days of the request)."""

    kind = EventKind.ARREST_DECIDED
    label = "审查逮捕决定"
    recorders = _PROCURATORATE

    approved: bool
    document_number: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ProsecutionRequested(Event):
    """移送审查起诉 (seed §8; 刑诉法 Art.162)."""

    kind = EventKind.PROSECUTION_REQUESTED
    label = "移送审查起诉"
    recorders = _POLICE

    procuratorate_code: str
    document_number: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ProsecutionDecided(Event):
    """审查起诉决定: 起诉 or 不起诉 (刑诉法 Art.172: within one month; Art.176–177)."""

    kind = EventKind.PROSECUTION_DECIDED
    label = "审查起诉决定"
    recorders = _PROCURATORATE

    indicted: bool
    document_number: str
    reasons: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class JudgmentEntered(Event):
    """A judgment, entered by the court or by the procuratorate within 3 working days of receiving it (seed §8).

    ``occurred_at`` is when the recording agency received the judgment; ``judged_on`` is the date it was given.
    """

    kind = EventKind.JUDGMENT_ENTERED
    label = "案件判决情况"
    recorders = frozenset({AgencyKind.COURT, AgencyKind.PROCURATORATE})

    judgment_number: str
    verdict: Verdict
    judged_on: dt.date
    summary: str = ""
