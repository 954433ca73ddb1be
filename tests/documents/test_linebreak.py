"""禁则: no closing punctuation at a line start, no opening punctuation at a line end, pairs and numbers unsplit."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from app.documents.linebreak import NO_LINE_END, NO_LINE_START, break_lines, tokenize, violations


def _advance(ch: str) -> float:
    return 8.0 if ord(ch) < 0x2000 else 16.0


def _lines(text: str, chars: int) -> list[str]:
    return [line.text for line in break_lines(text, _advance, 0.0, [16.0 * chars])]


def test_closing_punctuation_is_pushed_with_the_preceding_character() -> None:
    lines = _lines("一二三四五，六七", 5)
    assert lines == ["一二三四", "五，六七"]


def test_opening_punctuation_never_ends_a_line() -> None:
    lines = _lines("一二三四《五六》", 5)
    assert lines == ["一二三四", "《五六》"]


def test_dash_and_ellipsis_pairs_are_never_split() -> None:
    assert "——" in tokenize("甲——乙")
    lines = _lines("一二三四——五六", 5)
    assert all(line.count("—") in (0, 2) for line in lines)


def test_numbers_stay_whole() -> None:
    assert "86500" in tokenize("人民币86500元")
    lines = _lines("一二三四86500元", 5)
    assert "86500元" in lines[-1]


def test_hexagonal_bracket_of_a_document_number_stays_with_the_year() -> None:
    lines = _lines("根据银兴市监移〔2026〕18号文件", 7)
    assert not violations(lines)
    assert not any(line.endswith("〔") for line in lines)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="甲乙丙丁戊己庚辛壬癸，。、；：？！）》」』”’（《「『“‘", min_size=1, max_size=120),
    st.integers(min_value=3, max_value=28),
)
def test_no_line_breaks_a_rule_when_a_legal_break_exists(text: str, chars: int) -> None:
    lines = _lines(text, chars)
    assert "".join(lines) == text
    for before, after in itertools.pairwise(lines):
        # A violation is only allowed where the whole line consists of forbidden characters (no legal break).
        if after[0] in NO_LINE_START or before[-1] in NO_LINE_END:
            stripped = before.strip("".join(NO_LINE_START | NO_LINE_END))
            assert len(stripped) <= 1, (before, after)
