"""Records of the transfer procedure of 国务院令第310号 (revised by 令第730号), Art.5–13."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.domain.agencies import AgencyKind
from app.domain.events.base import Event, EventKind

_ENFORCEMENT = frozenset({AgencyKind.ENFORCEMENT})
_POLICE = frozenset({AgencyKind.POLICE})


class TransferMaterial(enum.StrEnum):
    """The materials of 310号令 Art.6."""

    TRANSFER_LETTER = "transfer_letter"  # 涉嫌犯罪案件移送书
    INVESTIGATION_REPORT = "investigation_report"  # 涉嫌犯罪案件情况的调查报告
    SEIZED_ITEMS_LIST = "seized_items_list"  # 涉案物品清单
    TEST_REPORT = "test_report"  # 有关检验报告或者鉴定结论
    OTHER = "other"  # 其他有关涉嫌犯罪的材料

    @property
    def label(self) -> str:
        """The material's name in 310号令 Art.6."""
        return _MATERIAL_LABELS[self]


_MATERIAL_LABELS: Mapping[Any, str] = MappingProxyType(
    {
        TransferMaterial.TRANSFER_LETTER: "涉嫌犯罪案件移送书",
        TransferMaterial.INVESTIGATION_REPORT: "涉嫌犯罪案件情况的调查报告",
        TransferMaterial.SEIZED_ITEMS_LIST: "涉案物品清单",
        TransferMaterial.TEST_REPORT: "检验报告或者鉴定结论",
        TransferMaterial.OTHER: "其他有关涉嫌犯罪的材料",
    }
)


class SupervisionTarget(enum.StrEnum):
    """What the agency asks the procuratorate to supervise (seed §8)."""

    NON_FILING = "non_filing"  # 不予立案 (310号令 Art.9 ¶2)
    WITHDRAWAL = "withdrawal"  # 撤销案件


@dataclass(frozen=True, kw_only=True, slots=True)
class TransferReported(Event):
    """310号令 Art.5: a team of two or more officers reports the suspected crime to the agency head."""

    kind = EventKind.TRANSFER_REPORTED
    label = "涉嫌犯罪案件移送报告"
    recorders = _ENFORCEMENT

    officers: tuple[str, ...]
    summary: str


@dataclass(frozen=True, kw_only=True, slots=True)
class HeadDecision(Event):
    """310号令 Art.5: the head (正职负责人) approves or refuses within 3 days; a refusal's reasons are recorded."""

    kind = EventKind.HEAD_DECISION
    label = "负责人审批移送"
    recorders = _ENFORCEMENT

    approved: bool
    reasons: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class Transferred(Event):
    """310号令 Art.5–6: the transfer to same-level police with the Art.6 materials, copied to the procuratorate."""

    kind = EventKind.TRANSFERRED
    label = "移送涉嫌犯罪案件"
    recorders = _ENFORCEMENT

    police_code: str
    document_number: str
    materials: tuple[TransferMaterial, ...]
    testing_applies: bool  # Art.6 (四): a 检验报告/鉴定结论 is required where items were tested
    procuratorate_code: str | None = None  # 抄送 (copy of the 移送书) ⚠ configurable requirement


@dataclass(frozen=True, kw_only=True, slots=True)
class TransferReceipted(Event):
    """310号令 Art.7: police sign the receipt (回执) of the 移送书."""

    kind = EventKind.TRANSFER_RECEIPTED
    label = "签收回执"
    recorders = _POLICE


@dataclass(frozen=True, kw_only=True, slots=True)
class TransferForwarded(Event):
    """310号令 Art.7: a case outside the police's jurisdiction is forwarded within 24 hours, with written notice."""

    kind = EventKind.TRANSFER_FORWARDED
    label = "转送有管辖权的机关"
    recorders = _POLICE

    to_police_code: str
    notice_given: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class FilingDecision(Event):
    """310号令 Art.8: 立案 with written notice, or 不予立案 with written reasons, within 3 days of acceptance."""

    kind = EventKind.FILING_DECISION
    label = "立案决定"
    recorders = _POLICE

    filed: bool
    document_number: str
    reasons: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class ReconsiderationRequested(Event):
    """310号令 Art.9: the agency asks for reconsideration within 3 days of the non-filing notice."""

    kind = EventKind.RECONSIDERATION_REQUESTED
    label = "提请复议"
    recorders = _ENFORCEMENT

    reasons: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ReconsiderationDecided(Event):
    """310号令 Art.9: police decide the reconsideration within 3 days; ``reversed`` means the case is filed."""

    kind = EventKind.RECONSIDERATION_DECIDED
    label = "复议决定"
    recorders = _POLICE

    reversed: bool
    document_number: str
    reasons: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class SupervisionSuggested(Event):
    """建议立案监督 (310号令 Art.9 ¶2; seed §8): on a non-filing (within 3 days of the decision) or a withdrawal."""

    kind = EventKind.SUPERVISION_SUGGESTED
    label = "建议人民检察院立案监督"
    recorders = _ENFORCEMENT

    target: SupervisionTarget
    procuratorate_code: str
    reasons: str


@dataclass(frozen=True, kw_only=True, slots=True)
class SeizedItemsHandedOver(Event):
    """310号令 Art.12: after 立案, seized items and materials are handed over within 3 days of the notice."""

    kind = EventKind.SEIZED_ITEMS_HANDED_OVER
    label = "移交涉案物品"
    recorders = _ENFORCEMENT

    items: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseReturned(Event):
    """310号令 Art.13: police send back a case with no crime but administrative liability (反向移送)."""

    kind = EventKind.CASE_RETURNED
    label = "移送行政执法机关处理"
    recorders = _POLICE

    reasons: str
