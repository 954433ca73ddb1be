"""Canonical JSON: UTF-8, keys sorted, no insignificant whitespace, no floats.

Signed JSON must have exactly one byte form, so that anyone re-serialising what they parsed gets the bytes that were
signed. Floats are refused because their text form differs between implementations; amounts travel as integers (fen)
or strings.
"""

from __future__ import annotations

import json
from typing import Any

from app.jsontext import sorted_json_bytes


class NotCanonicalJson(ValueError):
    """The value cannot be written canonically, or the bytes are not the canonical form of what they encode."""


def _check(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return
    if isinstance(value, float):
        raise NotCanonicalJson(f"float at {path}: write amounts as integers or strings")
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonicalJson(f"non-string key at {path}")
            _check(item, f"{path}.{key}")
        return
    raise NotCanonicalJson(f"unsupported type {type(value).__name__} at {path}")


def canonical_json(value: Any) -> bytes:
    """The one byte form of ``value``."""
    _check(value, "$")
    return sorted_json_bytes(value)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise NotCanonicalJson(f"duplicate key {key!r}")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise NotCanonicalJson(f"non-JSON constant {name}")


def _refuse_float(text: str) -> Any:
    raise NotCanonicalJson(f"float {text}: write amounts as integers or strings")


# Built once, as json.loads keeps its default one (it holds no state between calls); building it per call cost more
# than parsing a receipt. What it parses holds no float, so ``sorted_json`` writes it exactly as json.dumps would.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_refuse_float)


def parse_canonical_json(data: bytes) -> Any:
    """Parse ``data`` and insist that it is already in canonical form (so every byte of it is meaningful).

    Canonical bytes are parsed without a Python hook per object: they are exactly the re-encoding of what they
    parse to, so they hold no duplicate key (a dict re-encodes each key once). Anything else is parsed again by
    ``_parse_strict``, which names the fault as it always did."""
    try:
        text = data.decode("utf-8")
        value = _DECODER.decode(text)
        canonical = sorted_json_bytes(value)  # compared as bytes: UTF-8 is one-to-one, and no text is decoded again
    except (ValueError, RecursionError):  # a lone surrogate cannot be encoded: UnicodeEncodeError, a ValueError
        return _parse_strict(data)
    return value if canonical == data else _parse_strict(data)


def _parse_strict(data: bytes) -> Any:
    # Parsed JSON holds only what ``canonical_json`` accepts once floats and constants are refused while parsing
    # (keys are strings, values dicts, lists, strings, integers, booleans, null), so the result is re-encoded
    # without ``canonical_json``'s walk over every value (≈ 0.15 ms for a transfer's manifest).
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant, parse_float=_refuse_float
        )
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, an integer over Python's 4300 digits
        raise NotCanonicalJson(f"not JSON: {exc}") from None
    try:
        again = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except RecursionError:
        raise NotCanonicalJson("nested too deeply") from None
    # Compared as text: ``text`` is exactly ``data`` decoded, and an escaped lone surrogate (which UTF-8 cannot
    # encode) makes the texts differ instead of raising UnicodeEncodeError out of the verifier.
    if again != text:
        raise NotCanonicalJson("bytes differ from the canonical form")
    return value
