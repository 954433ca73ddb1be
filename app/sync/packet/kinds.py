"""Which agency may send which packet, and the agency directory (code → kind) that verification takes as input.

A packet's kind is a domain record kind (``app.domain.events.EventKind``, e.g. ``transfer.sent``); an agency may send
it when its kind is among the record's ``recorders`` (the domain's rule, seed §8 and 310号令). The directory's
content format (``{"agencies": [{"code", "name", "kind"}]}``) is published by the office as a signed document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.domain.agencies import Agency, AgencyKind
from app.domain.errors import DomainError
from app.domain.events import EVENT_TYPES
from app.domain.events.base import EventKind

# Who sees every packet on the platform besides its sender and recipients: the supervising procuratorate and the
# leading group office (seed §1: the office sits in the procuratorate and oversees all linkage work).
SUPERVISING_KINDS = frozenset({AgencyKind.PROCURATORATE, AgencyKind.LINKAGE_OFFICE})


def may_send(agency_kind: str, packet_kind: str) -> bool:
    """Whether an agency of ``agency_kind`` may send packets of ``packet_kind`` (a domain record kind)."""
    try:
        record = EVENT_TYPES[EventKind(packet_kind)]
        return AgencyKind(agency_kind) in record.recorders
    except ValueError:
        return False


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

    def kind_of(self, code: str) -> AgencyKind | None:
        agency = self.agencies.get(code)
        return agency.kind if agency else None

    def is_supervising(self, code: str) -> bool:
        """Whether this agency sees every packet (the procuratorate, the office)."""
        return self.kind_of(code) in SUPERVISING_KINDS

    @classmethod
    def from_json(cls, content: bytes) -> AgencyDirectory:
        """Parse ``{"agencies": [{"code", "name", "kind"}, ...]}``; every code and kind is checked."""
        try:
            raw: Any = json.loads(content.decode("utf-8"))
            return cls.of(
                Agency(code=str(r["code"]), kind=AgencyKind(r["kind"]), name=str(r["name"])) for r in raw["agencies"]
            )
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, DomainError) as exc:
            raise DirectoryInvalid(f"agency directory unreadable: {exc}") from None

    def to_json(self) -> bytes:
        rows = [
            {"code": a.code, "name": a.name, "kind": a.kind.value}
            for a in sorted(self.agencies.values(), key=lambda a: a.code)
        ]
        return json.dumps({"agencies": rows}, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
