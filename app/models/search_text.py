"""Search terms for Chinese and ASCII text, computed in Python for the FTS5 index.

FTS5's unicode61 tokenizer treats a run of Chinese characters as one word, and the trigram tokenizer cannot find
two-character terms, yet operators search two-character names (张三) and words (移送). So every run of CJK characters
is indexed as its overlapping bigrams plus its last character alone; letters and digits are indexed as lower-case
words. A query is cut the same way: a CJK run of two or more characters becomes a phrase of bigrams (consecutive in
the index exactly when consecutive in the text), a single character or an ASCII word becomes a prefix query.
The terms are joined by spaces so that unicode61 only splits them again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Basic CJK, extension A, compatibility ideographs, and the supplementary-plane extensions (B and later).
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_CJK_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK_RANGES)
# A run of CJK characters, or a run of other letters and digits: ``[^\W_]`` is exactly ``str.isalnum``.
_RUN = re.compile(f"([{_CJK_CLASS}]+)|([^\\W_{_CJK_CLASS}]+)")

MAX_QUERY_TERMS = 32


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    """Yield (is_cjk, run) for each maximal run of CJK characters or of other letters and digits."""
    # NFKC folds full-width digits and letters (２０２４, ＡＢ) into ASCII, as operators type both.
    for match in _RUN.finditer(unicodedata.normalize("NFKC", text).lower()):
        cjk = match.group(1)
        yield (True, cjk) if cjk else (False, match.group(2))


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_terms(*texts: str) -> str:
    """The text to store in the FTS5 index for ``texts`` (space-separated terms)."""
    terms: list[str] = []
    for text in texts:
        for cjk, run in _runs(text):
            if cjk:
                terms.extend(_bigrams(run))
                terms.append(run[-1])
            else:
                terms.append(run)
    return " ".join(terms)


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression for what the operator typed, or None when it holds nothing searchable.

    Every part must match (AND). Terms are quoted, so FTS5 operators typed by the operator are plain text.
    """
    parts: list[str] = []
    for cjk, run in _runs(query):
        if cjk and len(run) >= 2:
            parts.append('"' + " ".join(_bigrams(run)) + '"')
        else:
            parts.append(f'"{run}"*')
    if not parts:
        return None
    return " AND ".join(parts[:MAX_QUERY_TERMS])
