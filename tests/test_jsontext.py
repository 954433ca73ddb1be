"""``sorted_json`` writes exactly what ``json.dumps(ensure_ascii=False, sort_keys=True, separators=(",", ":"))``
writes: stored records, snapshots, the audit chain and every signature over canonical JSON depend on these bytes."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.responses import JSONResponse

from app.jsontext import sorted_json, sorted_json_bytes
from app.sync.packet.canonical import NotCanonicalJson, canonical_json, parse_canonical_json
from server.framing import CompactJSONResponse


def standard(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=800)
@given(VALUES)
def test_the_same_text_as_the_standard_library(value: Any) -> None:
    assert sorted_json(value) == standard(value)
    assert sorted_json_bytes(value) == standard(value).encode("utf-8")


def test_every_character_that_may_be_escaped_is_written_alike() -> None:
    specials = [*range(0x100), 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF, 0xE000, 0x1F600, 0x10FFFF]
    for code in specials:
        value = {chr(code): [chr(code), f"a{chr(code)}b"]}
        assert sorted_json(value) == standard(value), hex(code)


def test_what_orjson_refuses_is_written_or_refused_as_before() -> None:
    class Colour(enum.StrEnum):
        RED = "红"

    deep: Any = []
    for _ in range(300):
        deep = [deep]
    for value in ([2**64, -(2**63) - 1], {"k": Colour.RED}, {1: "整数键"}, deep):
        assert sorted_json(value) == standard(value)
    with pytest.raises(UnicodeEncodeError):
        sorted_json_bytes(["\ud800"])  # as json.dumps(...).encode("utf-8") always raised
    with pytest.raises(TypeError):
        sorted_json({"when": object()})


@settings(max_examples=300)
@given(VALUES)
def test_canonical_bytes_parse_back_and_others_are_refused(value: Any) -> None:
    data = canonical_json(value)
    assert data == standard(value).encode("utf-8")
    assert parse_canonical_json(data) == json.loads(data)
    spaced = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if spaced != data:
        with pytest.raises(NotCanonicalJson):
            parse_canonical_json(spaced)


def test_floats_stay_refused() -> None:
    with pytest.raises(NotCanonicalJson):
        parse_canonical_json(b'{"fine":1.5}')
    with pytest.raises(NotCanonicalJson):
        canonical_json({"fine": 1.5})


def test_an_escaped_lone_surrogate_is_refused_as_not_canonical() -> None:
    with pytest.raises(NotCanonicalJson):
        parse_canonical_json(b'{"name":"\\ud800"}')
    assert parse_canonical_json('{"name":"\U0001f600"}'.encode()) == {"name": "\U0001f600"}
    with pytest.raises(NotCanonicalJson):
        parse_canonical_json(b'{"name":"\\ud83d\\ude00"}')  # the same character escaped is another byte form


@settings(max_examples=300)
@given(VALUES)
def test_the_platforms_compact_answers_are_starlettes_text(value: Any) -> None:
    answer = {"results": value, "more": False}
    assert CompactJSONResponse(answer).body == JSONResponse(answer).body
