"""The sorted, compact JSON text of a value, as ``json.dumps(value, ensure_ascii=False, sort_keys=True,
separators=(",", ":"))`` writes it, by orjson where orjson writes the same bytes.

Canonical manifests and receipts, stored records, snapshots and the audit chain's rows are all this text, and a
received packet writes it about ten times (≈ 0.3 ms with the standard library's encoder, a tenth of that with
orjson). For values made of dicts with string keys, lists, tuples, strings, integers, booleans and None the two give
the same bytes (tests/test_jsontext.py checks it over generated values and every character class that is
escaped). What orjson refuses (an integer beyond 64 bits, a lone surrogate, a key that is not a string, nesting
deeper than 255) is written by the standard library, as before. Floats are not for this text: their digits differ
between the two, and every caller refuses them before (canonical JSON, the record and state codecs, audit details),
as it refuses UUIDs and enums of no JSON type (orjson would write those; the standard library refuses them).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Times, dataclasses and subclasses of str, int, dict and list are handed to the standard library, which writes what
# it always wrote or refuses as it always refused (orjson would write times and dataclasses in its own way).
_SORTED = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)  # fmt: skip


def sorted_json_bytes(value: Any) -> bytes:
    """The UTF-8 bytes of the text (see the module); no floats in ``value``."""
    try:
        return orjson.dumps(value, option=_SORTED)
    except orjson.JSONEncodeError:
        return _standard(value).encode("utf-8")


def sorted_json(value: Any) -> str:
    """The text (see the module); no floats in ``value``."""
    try:
        return orjson.dumps(value, option=_SORTED).decode("utf-8")
    except orjson.JSONEncodeError:
        return _standard(value)


def _standard(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
