"""The agency's standing data a document needs beside the events: names, 文号 prefixes, heads, liaisons, offences.

Events name agencies by 统一社会信用代码 and offences by screening code; what is printed (names, 机关代字, the
offence's name and article) is standing data the office publishes, never typed into a case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from app.documents.errors import DocumentError
from app.documents.numbers import DocumentNumber, NumberingScheme
from app.domain.agencies import Agency
from app.domain.screening import Offence, ScreeningRules

DEFAULT_MEMBERS = "区“两法衔接”工作领导小组各成员单位"


class NotInHistory(DocumentError):
    """The history holds no record the document could be printed from (yet)."""

    def __init__(self, template_name: str, needed: str):
        super().__init__(
            f"no record for {template_name}: needs {needed}",
            user_message=f"本案记录中没有可生成“{template_name}”的记录（需要：{needed}）。",
        )


class NoEventSource(DocumentError):
    """A document type whose content no record carries; it cannot be generated from a case."""

    def __init__(self, template_name: str, reason: str):
        super().__init__(
            f"{template_name} has no event source: {reason}",
            user_message=f"“{template_name}”暂不能由案件记录生成：{reason}。",
            next_step="请使用 --fields 指定文书内容文件。",
        )


class UnknownAgency(DocumentError):
    """A record names an agency that the agency directory does not hold."""

    def __init__(self, code: str):
        super().__init__(
            f"agency {code} not in the directory", user_message=f"单位名录中没有统一社会信用代码为 {code} 的单位。"
        )


@dataclass(frozen=True)
class AgencyProfile:
    """A member agency as printed: name (via ``Agency``), 机关代字, 正职负责人, 联络员 (seed §9)."""

    agency: Agency
    numbering: NumberingScheme
    head: str = ""  # 正职负责人: approves transfers (310号令 Art.5) and signs decisions
    liaison: str = ""  # 联络员 and telephone, printed where a letter names a contact


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class CaseContext:
    """Standing data and the print request: the agency directory, the screening rules (offence names, measure
    labels), the operator printing, and the 文号 the caller allocated (``None``: a draft with a blank serial)."""

    agencies: Mapping[str, AgencyProfile]
    rules: ScreeningRules
    operator: str
    number: str | None = None  # used only for documents whose record carries no 文号 of its own
    event_id: str | None = None  # which record to print when the history has several; the latest if None
    operators: Mapping[str, str] = field(default_factory=_empty)  # operator id → name (designated operators)
    members: str = DEFAULT_MEMBERS  # addressee of the office's notices
    region: str = "兴庆区"

    def profile(self, code: str) -> AgencyProfile:
        """The directory entry of an agency; ``UnknownAgency`` if the directory lacks it."""
        found = self.agencies.get(code)
        if found is None:
            raise UnknownAgency(code)
        return found

    def name(self, code: str | None) -> str:
        """The printed name of an agency ("" when no agency is named)."""
        return self.profile(code).agency.name if code else ""

    def names(self, codes: tuple[str, ...]) -> str:
        """Several agencies' names joined with 、."""
        return "、".join(self.name(c) for c in codes)

    def operator_name(self, operator_id: str) -> str:
        """The name of the operator who entered a record, or "" if unknown."""
        return self.operators.get(operator_id, "")

    def number_for(self, template_key: str, issuer_code: str, day: dt.date, recorded: str = "") -> str:
        """The 文号 to print: the one the record carries; else the caller's; else a draft's blank serial."""
        if recorded:
            return recorded
        if self.number:
            return self.number
        prefix = self.profile(issuer_code).numbering.prefix_for(template_key)
        return DocumentNumber.placeholder(prefix, day.year)

    def offence(self, code: str) -> Offence | None:
        """The offence a case's screening code names, if the published rules hold it."""
        return self.rules.offences.get(code)


def amount_text(value: Decimal) -> str:
    """An amount as printed: no exponent, no trailing zeros (86500, 1234.5)."""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
