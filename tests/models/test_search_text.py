"""How text is cut into search terms: CJK bigrams plus the run's last character, ASCII words, NFKC folding."""

from __future__ import annotations

from app.models.search_text import MAX_QUERY_TERMS, index_terms, match_expression


def test_cjk_runs_become_bigrams_and_their_last_character() -> None:
    assert index_terms("张三丰") == "张三 三丰 丰"
    assert index_terms("李") == "李"


def test_ascii_and_full_width_text_become_lower_case_words() -> None:
    assert index_terms("ABC-２０２４", "身份证11010519491231002X") == "abc 2024 身份 份证 证 11010519491231002x"


def test_queries_are_quoted_phrases_and_prefixes() -> None:
    assert match_expression("张三丰") == '"张三 三丰"'
    assert match_expression("张 abc") == '"张"* AND "abc"*'
    assert match_expression('移送" OR x') == '"移送" AND "or"* AND "x"*'
    assert match_expression(" 、，。") is None


def test_a_long_query_is_capped() -> None:
    expression = match_expression(" ".join(f"w{i}" for i in range(100)))
    assert expression is not None and expression.count("AND") == MAX_QUERY_TERMS - 1
