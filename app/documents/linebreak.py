"""Chinese line breaking with 禁则 (GB/T 15834-2011 标点符号用法, 附录 on punctuation at line ends).

A line never starts with closing punctuation (，。、；：？！）》」』”’ …) and never ends with opening punctuation
(（《「『“‘ …); 破折号 —— and 省略号 …… are never split; runs of Latin letters and Arabic numerals stay whole.
Where the greedy break would violate a rule, characters are pushed to the next line (推出) and the short line is
justified later by spreading its glyphs (the grid of GB/T 9704 5.2.2 is kept by the renderer, not here).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# 行首禁则: may not begin a line.
NO_LINE_START = frozenset(
    "，。、；：？！）》」』”’〕】〉｝］．，·…‥％‰℃!),.:;?]}%、〗〙〛ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々〻"
)
# 行尾禁则: may not end a line.
NO_LINE_END = frozenset("（《「『“‘〔【〈｛［(〖〘〚[{")
# Characters that join with their neighbours into one unbreakable token.
_WORD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,:%-_/+#@&'")
_PAIRED = frozenset("—…")  # ——, …… are two-character marks that must not be split


@dataclass(frozen=True)
class BrokenLine:
    """One output line: its text, its natural width (with the base spacing) and whether it ends the paragraph."""

    text: str
    natural_width: float
    is_last: bool


def tokenize(text: str) -> list[str]:
    """Split text into unbreakable tokens: single CJK characters, Latin/number runs, —— and …… pairs."""
    tokens: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        j = i + 1
        if ch in _WORD_CHARS:
            while j < n and text[j] in _WORD_CHARS:
                j += 1
        elif ch in _PAIRED:
            while j < n and text[j] == ch:
                j += 1
        tokens.append(text[i:j])
        i = j
    return tokens


def _may_break_between(left: str, right: str) -> bool:
    return left[-1] not in NO_LINE_END and right[0] not in NO_LINE_START


def break_lines(
    text: str,
    advance: Callable[[str], float],
    spacing: float,
    widths: Sequence[float],
) -> list[BrokenLine]:
    """Break ``text`` into lines no wider than ``widths[i]`` (the last width repeats), respecting 禁则.

    ``advance(ch)`` is a character's advance in points; ``spacing`` is added between consecutive glyphs.
    """
    tokens = tokenize(text)
    token_widths = [sum(advance(c) for c in t) + spacing * (len(t) - 1) for t in tokens]
    lines: list[BrokenLine] = []
    start = 0
    while start < len(tokens):
        limit = widths[min(len(lines), len(widths) - 1)]
        width = token_widths[start]
        end = start + 1
        while end < len(tokens) and width + spacing + token_widths[end] <= limit + 0.01:
            width += spacing + token_widths[end]
            end += 1
        if end < len(tokens):
            # 推出: walk the break back until it is legal; keep the greedy break if no legal one exists.
            legal = end
            while legal > start + 1 and not _may_break_between(tokens[legal - 1], tokens[legal]):
                legal -= 1
            if legal > start + 1 or _may_break_between(tokens[start], tokens[start + 1]):
                end = legal
        chunk = tokens[start:end]
        natural = sum(token_widths[start:end]) + spacing * (len(chunk) - 1)
        lines.append(BrokenLine("".join(chunk), natural, end >= len(tokens)))
        start = end
    return lines


def violations(lines: Sequence[str]) -> list[str]:
    """Lines that break a 禁则 rule (for tests and self-checks): starting with closing or ending with opening marks."""
    bad = [line for line in lines[1:] if line and line[0] in NO_LINE_START]
    bad += [line for line in lines[:-1] if line and line[-1] in NO_LINE_END]
    return bad
