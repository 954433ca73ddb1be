"""Typed pieces shared by the templates' fields: who issues, which case, which number. Frozen: a document is a fact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def cn_date(day: date) -> str:
    """成文日期 with Arabic numerals, no leading zeros (GB/T 9704 7.3.5.1): 2026年3月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Issue:
    """Who issues a document, under which 文号, on which day; ``contact`` becomes the 附注 (7.3.6)."""

    issuer: str
    number: str
    date: date
    contact: str = ""

    @property
    def date_text(self) -> str:
        """The 成文日期 as printed."""
        return cn_date(self.date)


@dataclass(frozen=True)
class CaseRef:
    """The case a document is about: its name, the party, the cause of action and the suspected offence."""

    name: str  # 张某某涉嫌销售伪劣产品案
    party: str  # 张某某（男，1978年5月出生，……）
    cause: str  # 销售不合格电线电缆
    offence: str  # 销售伪劣产品罪
    offence_article: str = ""  # 《中华人民共和国刑法》第一百四十条


@dataclass(frozen=True)
class Officers:
    """承办人 (at least two, 310号令 Art.5) and the approving 负责人."""

    handlers: tuple[str, ...]
    approver: str

    @property
    def handlers_text(self) -> str:
        """承办人 joined as printed."""
        return "、".join(self.handlers)
