"""The event and state codec built per type: the same values and the same refusals as the JSON it reads.

A verified packet's manifest is read-only (objects as read-only mappings, arrays as tuples) and is decoded as it is;
stored rows are plain JSON. Both must give the same records, and hostile values are refused the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.events import EventFormatError, EventKind, event_from_dict
from app.domain.events.base import decode_value, encode_value
from app.domain.identifiers import InvalidCreditCode, validate_credit_code
from app.domain.lifecycle import CaseHistory
from app.domain.lifecycle.state import CaseState
from app.sync.packet.manifest import freeze_json
from tests.domain.factory import ENFORCEMENT, Script


def _history() -> tuple[Any, ...]:
    s = Script()
    return (s.opened(), s.penalty())


def test_a_read_only_payload_decodes_to_the_same_records_as_plain_json() -> None:
    for event in _history():
        plain = json.loads(json.dumps(event.to_dict(), ensure_ascii=False))
        frozen = freeze_json(plain)
        assert event_from_dict(frozen) == event_from_dict(plain) == event


def test_tuples_and_lists_are_checked_alike() -> None:
    hint = tuple[tuple[str, Decimal], ...]
    assert decode_value(hint, [["罚款", "100.50"]], "measures") == (("罚款", Decimal("100.50")),)
    assert decode_value(hint, (("罚款", "100.50"),), "measures") == (("罚款", Decimal("100.50")),)
    refused: list[tuple[object, str]] = [
        ([("罚款",)], "2项列表"), ([["罚款", 100.5]], "十进制数字文本"), ("罚款", "列表"),
    ]  # fmt: skip
    for bad, expected in refused:
        with pytest.raises(EventFormatError) as caught:
            decode_value(hint, bad, "measures")
        assert expected in caught.value.user_message and "measures" in caught.value.user_message


def test_every_plain_type_refuses_what_is_not_of_it() -> None:
    cases: list[tuple[Any, object, str]] = [
        (bool, 1, "true 或 false"), (int, True, "整数"), (int, "1", "整数"), (str, 1, "文字"),
        (str, "字" * 20_001, "文字"), (Decimal, "1e5", "十进制数字文本"),
        (dt.datetime, "2025-03-03T09:00:00", "带时区"),
        (dt.datetime, "昨天", "带时区"), (dt.date, "2025-02-30", "日期"), (EventKind, "no.such", "case.opened"),
        (str | None, 5, "文字"),
    ]  # fmt: skip
    for hint, raw, expected in cases:
        with pytest.raises(EventFormatError) as caught:
            decode_value(hint, raw, "字段")
        assert expected in caught.value.user_message, (hint, raw)
    assert decode_value(str | None, None, "字段") is None
    with pytest.raises(TypeError, match="unsupported field type"):
        decode_value(float, 1.0, "字段")
    with pytest.raises(TypeError, match="cannot encode float"):
        encode_value(1.5)


def test_a_case_state_round_trips_through_its_snapshot_form() -> None:
    state = CaseHistory.of(_history()).state
    data = json.loads(json.dumps(state.to_dict(), ensure_ascii=False))
    assert CaseState.from_dict(data) == state
    assert CaseState.from_dict(freeze_json(data)) == state
    broken = {**data, "state": {**data["state"], "fine": 12.5}}
    with pytest.raises(EventFormatError) as caught:
        CaseState.from_dict(broken)
    assert "state.fine" in caught.value.user_message


@given(serious=st.booleans(), last=st.text(max_size=8), fine=st.none() | st.decimals(0, 10**6, places=2))
def test_evolve_is_dataclasses_replace(serious: bool, last: str, fine: Decimal | None) -> None:
    state = CaseHistory.of(_history()).state
    changes: dict[str, Any] = {"serious": serious, "last_event_id": last, "fine": fine}
    assert state.evolve(**changes) == dataclasses.replace(state, **changes)
    assert state.evolve() == state and state.evolve() is not state
    with pytest.raises(TypeError, match="unknown CaseState fields"):
        state.evolve(colour="red")


def test_a_remembered_credit_code_is_still_normalised_and_a_bad_one_still_refused_each_time() -> None:
    code = ENFORCEMENT.code
    assert validate_credit_code(f" {code.lower()} ") == code
    assert validate_credit_code(code) == code
    for _ in range(2):
        with pytest.raises(InvalidCreditCode):
            validate_credit_code(code[:17] + ("0" if code[17] != "0" else "1"))
