"""文号 (GB/T 9704 7.2.4): 机关代字 + 〔年份〕 + 序号 + 号 — hexagonal brackets, full year, no leading zeros, no 第.

Allocation is per agency, per document type and per year. This module holds the formatting and the SQL-agnostic
allocation; the store supplies the counter. What the store's counter must guarantee (app/models wires it):

* one row per (agency_code, doc_type, year) holding ``last_serial``; the next number is ``last_serial + 1``;
* the increment and the row of the issued document commit in ONE transaction, so a rolled-back issue leaves no gap
  and a committed one can never be handed out again (SQLite: ``BEGIN IMMEDIATE`` serialises two operators;
  PostgreSQL: ``INSERT … ON CONFLICT (agency_code, doc_type, year) DO UPDATE SET last_serial = last_serial + 1
  RETURNING last_serial``);
* a UNIQUE (agency_code, doc_type, year, serial) constraint on issued documents as the last line of defence;
* drafts and previews never allocate: they print ``DocumentNumber.placeholder``;
* an agency with more than one terminal needs the central platform to allocate (or a per-terminal series).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Protocol

from app.documents.errors import InvalidFields

# ⚠ Type codes (代字) are local practice, not national rule: configuration, with these as defaults.
DEFAULT_TYPE_CODES: Mapping[str, str] = MappingProxyType(
    {
        "transfer_notice": "移",
        "reconsideration_request": "复",
        "rectification_reply": "函",
        "consultation_letter": "函",
        "consultation_reply": "函",
        "early_intervention": "函",
        "filing_record": "备",
        "filing_notice": "立字",
        "non_filing_notice": "不立字",
        "reconsideration_decision": "复决字",
        "transfer_suggestion": "移建",
        "explain_non_filing": "侦监说",
        "notice_to_file": "侦监通立",
        "correction_notice": "纠违",
        "procuratorial_opinion": "行意",
        "procuratorial_suggestion": "建",
        "urge_prosecution": "民督",
        "judicial_suggestion": "司建",
        "joint_meeting_notice": "发",
        "inspection_bulletin": "发",
        "assessment_bulletin": "发",
    }
)

_PATTERN = re.compile(r"^(?P<prefix>.+)〔(?P<year>\d{4})〕(?P<serial>[1-9]\d*)号$")


@dataclass(frozen=True, order=True)
class DocumentNumber:
    """A formatted 文号 such as 银兴市监移〔2026〕18号."""

    prefix: str
    year: int
    serial: int

    def __post_init__(self) -> None:
        if self.serial < 1 or not 1000 <= self.year <= 9999 or not self.prefix:
            raise InvalidFields(f"文号无效：{self.prefix}〔{self.year}〕{self.serial}号")

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.serial}号"

    @classmethod
    def parse(cls, text: str) -> DocumentNumber:
        """Parse a 文号; refuses square or round brackets, leading zeros and 第."""
        match = _PATTERN.match(text.strip())
        if match is None:
            raise InvalidFields(f"文号格式应为“代字〔年份〕序号号”，收到“{text}”")
        return cls(match["prefix"], int(match["year"]), int(match["serial"]))

    @staticmethod
    def placeholder(prefix: str, year: int) -> str:
        """What a draft prints before a number is allocated: the serial left blank."""
        return f"{prefix}〔{year}〕　　号"


@dataclass(frozen=True)
class NumberSeries:
    """The key a counter increments: one series per agency, document type and year."""

    agency_code: str
    doc_type: str
    year: int


SerialCounter = Callable[[NumberSeries], int]
"""Returns the next serial of a series, atomically, inside the caller's transaction (1 for a new series)."""


class DocumentNumberAllocator(Protocol):
    """Allocates the next 文号 of a document type for an agency on the day of signing."""

    def allocate(self, agency_code: str, doc_type: str, signed_on: date) -> DocumentNumber:
        """The next number; only called when a document is issued, never for previews."""
        ...


@dataclass(frozen=True)
class NumberingScheme:
    """An agency's 机关代字 (e.g. 银兴市监) and the type codes appended to it."""

    agency_prefix: str
    type_codes: Mapping[str, str] = field(default_factory=lambda: DEFAULT_TYPE_CODES)

    def prefix_for(self, doc_type: str) -> str:
        """The full prefix of a document type: 银兴市监 + 移."""
        code = self.type_codes.get(doc_type)
        if code is None:
            raise InvalidFields(f"文书类型“{doc_type}”未配置发文代字")
        return f"{self.agency_prefix}{code}"


class CounterAllocator:
    """``DocumentNumberAllocator`` over any atomic counter; the year is the signing date's (7.2.4: 年份标全称)."""

    def __init__(self, schemes: Mapping[str, NumberingScheme], counter: SerialCounter):
        self._schemes = schemes
        self._counter = counter

    def allocate(self, agency_code: str, doc_type: str, signed_on: date) -> DocumentNumber:
        """Format the counter's next serial for this agency, type and year."""
        scheme = self._schemes.get(agency_code)
        if scheme is None:
            raise InvalidFields(f"单位 {agency_code} 未配置机关代字")
        prefix = scheme.prefix_for(doc_type)
        serial = self._counter(NumberSeries(agency_code, doc_type, signed_on.year))
        return DocumentNumber(prefix, signed_on.year, serial)
