"""The 以罚代刑 screening rules file the office publishes (format ``lianjie-screening/1``, TOML).

Thresholds are data, not code (DOMAIN.md ⚠): the office publishes them from the 立案追诉标准 in force.
See docs/domain.md for the format; ``resources/screening/default-rules.toml`` is the shipped default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.domain.tomlfile import Path as KeyPath
from app.domain.tomlfile import PublishedFileError, field_name, line_of, read_toml

FORMAT = "lianjie-screening/1"
_WHAT = "以罚代刑筛查规则文件"


@dataclass(frozen=True, slots=True)
class Threshold:
    """One figure of a prosecution threshold: reaching ``value`` on ``measure`` meets the standard."""

    measure: str
    label: str
    unit: str
    value: Decimal


@dataclass(frozen=True, slots=True)
class RepeatRule:
    """Penalties of the same party within ``window_days``: ``min_penalties`` of them (this one included) fire."""

    window_days: int
    min_penalties: int


@dataclass(frozen=True, slots=True)
class Offence:
    """An offence with its prosecution thresholds (any one reached suffices) and an optional repeat rule."""

    code: str
    name: str
    article: str
    basis: str
    thresholds: tuple[Threshold, ...]
    repeat: RepeatRule | None = None


@dataclass(frozen=True, slots=True)
class ScreeningRules:
    """The published rules: offences, near-threshold share, repeat and split (化整为零) windows."""

    issued_by: str
    near_share: Decimal
    repeat: RepeatRule
    split_window_days: int
    offences: Mapping[str, Offence]


class _Reader:
    def __init__(self, doc: dict[str, Any], text: str) -> None:
        self.doc, self.text = doc, text

    def fail(self, path: KeyPath, reason: str) -> PublishedFileError:
        return PublishedFileError(_WHAT, reason, line=line_of(self.text, path), field=field_name(path))

    def table(self, value: object, path: KeyPath, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "应为表。")
        for key in sorted(set(value) - allowed):
            raise self.fail((*path, key), f"不认识的字段“{key}”。")
        for key in sorted(required - set(value)):
            raise self.fail(path, f"缺少字段“{key}”。")
        return value

    def text_at(self, table: dict[str, Any], path: KeyPath, key: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            raise self.fail((*path, key), "应为不超过500字的非空文字。")
        return value

    def int_at(self, table: dict[str, Any], path: KeyPath, key: str, low: int, high: int) -> int:
        value = table.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail((*path, key), f"应为{low}至{high}之间的整数。")
        return value

    def number_at(self, table: dict[str, Any], path: KeyPath, key: str, low: Decimal, high: Decimal) -> Decimal:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail((*path, key), "应为数字。")
        number = Decimal(str(value))
        if not low <= number <= high:
            raise self.fail((*path, key), f"应在{low}至{high}之间。")
        return number

    def repeat(self, value: object, path: KeyPath) -> RepeatRule:
        table = self.table(value, path, {"window_days", "min_penalties"}, {"window_days", "min_penalties"})
        return RepeatRule(
            self.int_at(table, path, "window_days", 1, 3660), self.int_at(table, path, "min_penalties", 2, 100)
        )

    def rules(self) -> ScreeningRules:
        top = self.table(
            self.doc,
            (),
            {"format", "issued_by", "near_threshold_share", "repeat", "split", "offences"},
            {"format", "issued_by", "near_threshold_share", "repeat", "split", "offences"},
        )
        if top["format"] != FORMAT:
            raise self.fail(("format",), f"应为“{FORMAT}”。")
        split = self.table(top["split"], ("split",), {"window_days"}, {"window_days"})
        offences: dict[str, Offence] = {}
        entries = top["offences"]
        if not isinstance(entries, list) or not entries or len(entries) > 500:
            raise self.fail(("offences",), "应为 [[offences]] 表（1至500项）。")
        for i, entry in enumerate(entries):
            offence = self.offence(entry, ("offences", i))
            if offence.code in offences:
                raise self.fail(("offences", i, "code"), f"罪名代码“{offence.code}”重复。")
            offences[offence.code] = offence
        return ScreeningRules(
            issued_by=self.text_at(top, (), "issued_by"),
            near_share=self.number_at(top, (), "near_threshold_share", Decimal("0.01"), Decimal("1")),
            repeat=self.repeat(top["repeat"], ("repeat",)),
            split_window_days=self.int_at(split, ("split",), "window_days", 1, 3660),
            offences=MappingProxyType(offences),
        )

    def offence(self, entry: object, path: KeyPath) -> Offence:
        keys = {"code", "name", "article", "basis", "thresholds", "repeat"}
        table = self.table(entry, path, keys, keys - {"repeat"})
        thresholds = table["thresholds"]
        if not isinstance(thresholds, list) or not thresholds:
            raise self.fail((*path, "thresholds"), "应至少有一项 [[offences.thresholds]]。")
        parsed = []
        for j, item in enumerate(thresholds):
            tpath = (*path, "thresholds", j)
            t = self.table(item, tpath, {"measure", "label", "unit", "value"}, {"measure", "label", "unit", "value"})
            parsed.append(
                Threshold(
                    measure=self.text_at(t, tpath, "measure"),
                    label=self.text_at(t, tpath, "label"),
                    unit=self.text_at(t, tpath, "unit"),
                    value=self.number_at(t, tpath, "value", Decimal("0.000001"), Decimal("1e12")),
                )
            )
        return Offence(
            code=self.text_at(table, path, "code"),
            name=self.text_at(table, path, "name"),
            article=self.text_at(table, path, "article"),
            basis=self.text_at(table, path, "basis"),
            thresholds=tuple(parsed),
            repeat=self.repeat(table["repeat"], (*path, "repeat")) if "repeat" in table else None,
        )


def parse_rules(data: bytes | str) -> ScreeningRules:
    """Validate a rules file's content; a fault is refused with its line and field in Chinese."""
    doc, text = read_toml(data, _WHAT)
    return _Reader(doc, text).rules()


def load_rules(path: Path) -> ScreeningRules:
    """Read and validate a rules file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PublishedFileError(_WHAT, f"无法读取文件（{exc.strerror}）。", line=None, field=str(path)) from None
    return parse_rules(data)
