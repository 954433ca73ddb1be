"""Reading TOML files the office publishes (screening rules): bounded size, syntax errors with their line, and
the line of any key for semantic errors, so that a refusal names where the fault is."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from app.domain.errors import DomainError

MAX_BYTES = 256 * 1024
_ARRAY_HEADER = re.compile(r"\[\[\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\]\]\s*(#.*)?")
_TABLE_HEADER = re.compile(r"\[\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\]\s*(#.*)?")
_KEY = re.compile(r"\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?\s*=")

Path = tuple[str | int, ...]


class PublishedFileError(DomainError):
    """A published file is malformed; ``line`` says where."""

    user_message = "文件格式不正确。"

    def __init__(self, what: str, reason: str, *, line: int | None, field: str) -> None:
        where = f"第{line}行" if line else ""
        super().__init__(
            f"{what}: line {line} field {field}: {reason}", user_message=f"{what}{where}（{field}）有误：{reason}"
        )
        self.line = line
        self.field = field


def read_toml(data: bytes | str, what: str) -> tuple[dict[str, Any], str]:
    """Parse bounded UTF-8 TOML; a syntax error is refused with its line. Returns the document and its text."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise PublishedFileError(what, f"文件超过{MAX_BYTES // 1024}KB。", line=None, field="文件")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PublishedFileError(
            what, "不是UTF-8编码的文本。", line=raw[: exc.start].count(b"\n") + 1, field="编码"
        ) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise PublishedFileError(
            what, f"TOML语法错误（{exc}）。", line=int(match.group(1)) if match else None, field="语法"
        ) from None


def line_of(text: str, path: Path) -> int | None:
    """The line defining ``path`` (e.g. ``("offences", 1, "thresholds", 0, "value")``), or of its table."""
    counters: dict[Path, int] = {}
    current: Path = ()
    best: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        array = _ARRAY_HEADER.fullmatch(stripped)
        table = None if array else _TABLE_HEADER.fullmatch(stripped)
        if array or table:
            names = (array or table).group(1).split(".")  # type: ignore[union-attr]
            resolved: list[str | int] = []
            for depth, name in enumerate(names):
                resolved.append(name)
                if depth < len(names) - 1:
                    # a parent array-of-tables refers to its latest entry
                    parent = tuple(resolved)
                    if parent in counters:
                        resolved.append(counters[parent] - 1)
            key_path = tuple(resolved)
            if array:
                index = counters.get(key_path, 0)
                counters[key_path] = index + 1
                current = (*key_path, index)
            else:
                current = key_path
            if (current == path[: len(current)] and len(current) == len(path) - 1) or current == path:
                best = best or number
            continue
        key = _KEY.match(line)
        if key and (*current, key.group(1)) == path:
            return number
    return best


def field_name(path: Path) -> str:
    """``offences[2].thresholds[1].value`` — 1-based indices, as an operator counts."""
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
