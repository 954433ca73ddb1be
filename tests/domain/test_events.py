"""Events: stable kinds, exact JSON round-trip for every kind, and refusal of hostile input."""

from __future__ import annotations

import datetime as dt
import enum
import json
import typing
from decimal import Decimal
from typing import Any

import pytest

from app.domain.agencies import AgencyKind
from app.domain.events import EVENT_TYPES, EventFormatError, EventKind, event_from_dict, recordable_kinds
from app.domain.events.base import payload_hints
from app.domain.identifiers import InvalidCreditCode
from tests.domain.factory import ENFORCEMENT, PARTY_PERSON, POLICE, Script, at


def _sample(name: str, hint: Any) -> Any:
    args = typing.get_args(hint)
    if type(None) in args:
        return _sample(name, next(a for a in args if a is not type(None)))
    if typing.get_origin(hint) is tuple:
        return (_sample(name, args[0]),) if args[-1] is Ellipsis else tuple(_sample(name, a) for a in args)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return list(hint)[-1]
    samples: dict[Any, Any] = {bool: True, Decimal: Decimal("1234.50"), dt.date: dt.date(2025, 3, 1)}
    if hint in samples:
        return samples[hint]
    return PARTY_PERSON if name == "party_id" else f"{name}-值"


@pytest.mark.parametrize("kind", sorted(EventKind))
def test_every_kind_round_trips_exactly_through_json(kind: EventKind) -> None:
    cls = EVENT_TYPES[kind]
    event = cls(
        event_id="e1", case_id="c1", occurred_at=at(2025, 3, 3), entered_at=at(2025, 3, 4),
        operator_id="op", agency_code=ENFORCEMENT.code, agency_kind=AgencyKind.ENFORCEMENT, supersedes="e0",
        **{name: _sample(name, hint) for name, hint in payload_hints(cls).items()},
    )  # fmt: skip
    data = json.loads(json.dumps(event.to_dict(), ensure_ascii=False))
    assert data["kind"] == str(kind)
    again = event_from_dict(data)
    assert again == event and again.to_dict() == data


def test_times_are_kept_in_china_standard_time() -> None:
    s = Script()
    utc = dt.datetime(2025, 3, 3, 1, tzinfo=dt.UTC)
    event = s.make(EVENT_TYPES[EventKind.TRANSFER_RECEIPTED], POLICE, when=utc)
    assert event.to_dict()["occurred_at"] == "2025-03-03T09:00:00+08:00"
    naive = {**event.to_dict(), "occurred_at": "2025-03-03T09:00:00"}
    with pytest.raises(EventFormatError):
        event_from_dict(naive)


def test_hostile_records_are_refused_with_the_field() -> None:
    s = Script()
    good = s.penalty().to_dict()
    with pytest.raises(EventFormatError) as caught:
        event_from_dict({**good, "payload": {**good["payload"], "fine": 5000.0}})
    assert "fine" in caught.value.user_message
    with pytest.raises(EventFormatError):
        event_from_dict({**good, "kind": "no.such"})
    with pytest.raises(EventFormatError):
        event_from_dict({**good, "extra": 1})
    with pytest.raises(EventFormatError):
        event_from_dict({**good, "payload": {**good["payload"], "surprise": 1}})
    with pytest.raises(EventFormatError):
        event_from_dict({**good, "occurred_at": "2025-03-03T09:00:00"})
    with pytest.raises(InvalidCreditCode):
        event_from_dict({**good, "agency_code": "91640100MA70000010"})
    with pytest.raises(EventFormatError):
        s.opened(party_id="123")


def test_what_each_agency_kind_may_record() -> None:
    assert EventKind.FILING_DECISION in recordable_kinds(AgencyKind.POLICE)
    assert EventKind.FILING_DECISION not in recordable_kinds(AgencyKind.COURT)
    assert EventKind.JUDGMENT_ENTERED in recordable_kinds(AgencyKind.COURT)
    assert EventKind.MEETING_CONVENED in recordable_kinds(AgencyKind.LINKAGE_OFFICE)
    assert EventKind.MISCONDUCT_HANDLED in recordable_kinds(AgencyKind.SUPERVISION)
    assert EventKind.LINKAGE_REPORTED in recordable_kinds(AgencyKind.LEGAL_AFFAIRS)
