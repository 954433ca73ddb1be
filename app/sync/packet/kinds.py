"""Which agency kind may send which packet kind, and the agency directory (code → kind).

PROVISIONAL: the domain (``app.domain``) will own the agency kinds and the packet kinds with their senders; until it
lands this small table stands in, and the packet verifier takes the permission check as an input so that the swap
touches nothing else. Articles cited are those of DOMAIN.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.domain.identifiers import InvalidCreditCode, validate_credit_code

ENFORCEMENT = "enforcement"  # 行政执法机关
POLICE = "police"  # 公安机关
PROCURATORATE = "procuratorate"  # 人民检察院
COURT = "court"  # 人民法院
SUPERVISION = "supervision"  # 监察机关
LEGAL_AFFAIRS = "legal_affairs"  # 政府法制办 / 司法局
OFFICE = "office"  # 两法衔接领导小组办公室

AGENCY_KINDS = frozenset({ENFORCEMENT, POLICE, PROCURATORATE, COURT, SUPERVISION, LEGAL_AFFAIRS, OFFICE})
# Who sees every packet on the platform besides its sender and recipients (the supervising procuratorate, the office).
SUPERVISING_KINDS = frozenset({PROCURATORATE, OFFICE})

_ANY = AGENCY_KINDS
PACKET_SENDERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "penalty_case": frozenset({ENFORCEMENT}),  # seed §8: every non-simple penalty case
        "transfer": frozenset({ENFORCEMENT}),  # 310号令 Art.5-6
        "transfer_decision": frozenset({ENFORCEMENT}),  # Art.5: head's decision, incl. refusal with reasons
        "handover": frozenset({ENFORCEMENT}),  # Art.12: items and materials after 立案
        "reconsideration_request": frozenset({ENFORCEMENT}),  # Art.9
        "supervision_request": frozenset({ENFORCEMENT}),  # Art.9: suggest 立案监督
        "linkage_filing": frozenset({ENFORCEMENT, LEGAL_AFFAIRS}),  # seed §14
        "acceptance_receipt": frozenset({POLICE}),  # Art.7: 回执
        "jurisdiction_forward": frozenset({POLICE}),  # Art.7
        "filing_decision": frozenset({POLICE}),  # Art.8: 立案 / 不予立案
        "reconsideration_decision": frozenset({POLICE}),  # Art.9
        "reverse_transfer": frozenset({POLICE}),  # Art.13
        "arrest_request": frozenset({POLICE}),
        "prosecution_request": frozenset({POLICE}),
        "case_withdrawal": frozenset({POLICE}),
        "transfer_suggestion": frozenset({PROCURATORATE}),  # 建议移送
        "filing_supervision": frozenset({PROCURATORATE}),  # 刑诉规则 Art.560-564
        "arrest_decision": frozenset({PROCURATORATE}),
        "prosecution_decision": frozenset({PROCURATORATE}),
        "prosecutorial_document": frozenset({PROCURATORATE}),  # seed §5
        "judgment": frozenset({COURT, PROCURATORATE}),  # seed §8: the procuratorate enters judgments too
        "judicial_suggestion": frozenset({COURT}),  # seed §6
        "notice": frozenset({OFFICE}),  # seed §18-19 通报, §10 meetings
        "reply": _ANY,  # seed §5: written replies
        "consultation": _ANY,  # seed §11
        "consultation_answer": frozenset({POLICE, PROCURATORATE, COURT}),
        "early_intervention": _ANY,  # seed §12
        "correction": _ANY,  # a packet superseding one of the sender's own
    }
)


def may_send(agency_kind: str, packet_kind: str) -> bool:
    """Whether an agency of ``agency_kind`` may send packets of ``packet_kind``."""
    return agency_kind in PACKET_SENDERS.get(packet_kind, frozenset())


@dataclass(frozen=True)
class Agency:
    """A member agency as the directory lists it."""

    code: str
    name: str
    kind: str


class DirectoryInvalid(ValueError):
    """The agency directory content is malformed."""


@dataclass(frozen=True)
class AgencyDirectory:
    """The member agencies of a platform, by 统一社会信用代码. Published by the office as a signed document."""

    agencies: Mapping[str, Agency]

    @classmethod
    def of(cls, agencies: Iterable[Agency]) -> AgencyDirectory:
        return cls(MappingProxyType({a.code: a for a in agencies}))

    def get(self, code: str) -> Agency | None:
        return self.agencies.get(code)

    def kind_of(self, code: str) -> str | None:
        agency = self.agencies.get(code)
        return agency.kind if agency else None

    @classmethod
    def from_json(cls, content: bytes) -> AgencyDirectory:
        """Parse ``{"agencies": [{"code", "name", "kind"}, ...]}``; every code and kind is checked."""
        try:
            raw: Any = json.loads(content.decode("utf-8"))
            rows = raw["agencies"]
            agencies = [Agency(str(r["code"]), str(r["name"]), str(r["kind"])) for r in rows]
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DirectoryInvalid(f"agency directory unreadable: {exc}") from None
        for agency in agencies:
            try:
                validate_credit_code(agency.code)
            except InvalidCreditCode:
                raise DirectoryInvalid(f"bad agency code {agency.code!r}") from None
            if agency.kind not in AGENCY_KINDS:
                raise DirectoryInvalid(f"unknown agency kind {agency.kind!r}")
        return cls.of(agencies)

    def to_json(self) -> bytes:
        rows = [
            {"code": a.code, "name": a.name, "kind": a.kind}
            for a in sorted(self.agencies.values(), key=lambda a: a.code)
        ]
        return json.dumps({"agencies": rows}, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
