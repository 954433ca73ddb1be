"""Member agencies (成员单位) of the 两法衔接 platform and their kinds (seed §1, DOMAIN.md "Member agencies")."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.domain.identifiers import validate_credit_code


class AgencyKind(enum.StrEnum):
    """The kind of a member agency; it decides which records the agency may enter."""

    ENFORCEMENT = "enforcement"  # 行政执法机关
    POLICE = "police"  # 公安机关
    PROCURATORATE = "procuratorate"  # 人民检察院
    COURT = "court"  # 人民法院
    SUPERVISION = "supervision"  # 监察机关
    LEGAL_AFFAIRS = "legal_affairs"  # 政府法制办 / 司法局
    LINKAGE_OFFICE = "linkage_office"  # 两法衔接工作领导小组办公室 (seated in the procuratorate, seed §1)

    @property
    def label(self) -> str:
        """The Chinese name the operator reads."""
        return AGENCY_KIND_LABELS[self]


AGENCY_KIND_LABELS: Mapping[AgencyKind, str] = MappingProxyType(
    {
        AgencyKind.ENFORCEMENT: "行政执法机关",
        AgencyKind.POLICE: "公安机关",
        AgencyKind.PROCURATORATE: "人民检察院",
        AgencyKind.COURT: "人民法院",
        AgencyKind.SUPERVISION: "监察机关",
        AgencyKind.LEGAL_AFFAIRS: "政府法制办（司法局）",
        AgencyKind.LINKAGE_OFFICE: "两法衔接工作领导小组办公室",
    }
)


@dataclass(frozen=True, slots=True)
class Agency:
    """A member agency: its 统一社会信用代码 (validated), kind and name."""

    code: str
    kind: AgencyKind
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", validate_credit_code(self.code))
