"""Property tests: random record sequences never get an illegal move accepted, and every accepted history
replays (in any arrival order) to the same state."""

from __future__ import annotations

import datetime as dt
import enum
import random
import typing
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.events import EVENT_TYPES, Event, EventKind, event_from_dict
from app.domain.events.base import payload_hints
from app.domain.lifecycle import CASE_KINDS, MOVES, CaseState, allowed_moves, apply, fold
from tests.domain.factory import (
    COURT,
    ENFORCEMENT,
    ENFORCEMENT_2,
    OFFICE,
    PARTY_COMPANY,
    POLICE,
    POLICE_2,
    PROCURATORATE,
    SUPERVISION,
    at,
)

AGENCIES = (ENFORCEMENT, ENFORCEMENT_2, POLICE, POLICE_2, PROCURATORATE, COURT, SUPERVISION, OFFICE)
CODES = tuple(a.code for a in AGENCIES)
PREFERRED = (ENFORCEMENT, POLICE, PROCURATORATE, COURT, SUPERVISION)
PREFERRED_CODES = (POLICE.code, PROCURATORATE.code, ENFORCEMENT.code)
LIKELY_CODES = {
    "police_code": (POLICE.code,),
    "to_police_code": (POLICE_2.code,),
    "procuratorate_code": (PROCURATORATE.code,),
    "supervision_code": (SUPERVISION.code,),
}
KINDS = sorted(CASE_KINDS)


def _value(draw: Any, name: str, hint: Any, ids: list[str]) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        options = [o for o in typing.get_args(hint) if o is not type(None)]
        return (
            None
            if draw(st.booleans()) and len(options) < len(typing.get_args(hint))
            else _value(draw, name, options[0], ids)
        )
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            if isinstance(args[0], type) and issubclass(args[0], enum.Enum):
                if draw(st.integers(0, 4)) > 0:
                    return tuple(args[0])  # every Art.6 material, usually
                return tuple(draw(st.lists(st.sampled_from(list(args[0])), max_size=5, unique=True)))
            if name in ("officers", "suspects", "items"):
                return tuple(draw(st.lists(st.sampled_from(["张三", "李四", "王五"]), max_size=3, unique=True)))
            return tuple(_value(draw, name, args[0], ids) for _ in range(draw(st.integers(0, 3))))
        return tuple(_value(draw, name, a, ids) for a in args)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return draw(st.sampled_from(list(hint)))
    if hint is bool:
        return draw(st.integers(0, 4)) > 0 if name in ("written", "notice_given", "approved") else draw(st.booleans())
    if hint is Decimal:
        return draw(st.sampled_from([Decimal("0"), Decimal("30000"), Decimal("60000"), Decimal("-1")]))
    if hint is dt.date:
        return dt.date(2025, 3, 1)
    if name.endswith("_code"):
        likely = LIKELY_CODES.get(name, PREFERRED_CODES)
        return draw(st.sampled_from(CODES)) if draw(st.integers(0, 4)) == 0 else draw(st.sampled_from(likely))
    if name.endswith("_id") and name != "party_id":
        return draw(st.sampled_from(ids)) if ids else "none"
    if name == "party_id":
        return PARTY_COMPANY
    if name == "officers":
        return draw(st.sampled_from(["张三", "李四", "王五"]))
    return draw(st.sampled_from(["", "理由", "理由", "张三"]))


@st.composite
def histories(draw: Any) -> tuple[list[Event], CaseState | None, int]:
    """Apply random candidate records one by one; returns the accepted ones, the final state and refusals."""
    clock = at(2025, 3, 3)
    accepted: list[Event] = []
    state: CaseState | None = None
    refused = 0
    for n in range(draw(st.integers(1, 40))):
        # mostly a move the table allows (to reach deep stages), otherwise anything (to try illegal ones)
        legal = sorted(allowed_moves(state, draw(st.sampled_from(AGENCIES)).kind)) if n else ["case.opened"]
        main = [k for k in legal if k == "case.opened" or MOVES[EventKind(k)].to_stages]  # moves that advance the stage
        roll = draw(st.integers(0, 9))
        if main and roll < 6:
            kind = draw(st.sampled_from(main))
        elif legal and roll < 8:
            kind = draw(st.sampled_from(legal))
        else:
            kind = draw(st.sampled_from(KINDS))
        cls = EVENT_TYPES[kind]
        if draw(st.integers(0, 9)) < 8:
            agency = draw(st.sampled_from([a for a in PREFERRED if a.kind in cls.recorders] or list(AGENCIES)))
        else:
            agency = draw(st.sampled_from(AGENCIES))
        clock += dt.timedelta(hours=draw(st.integers(1, 72)))
        ids = [e.event_id for e in accepted]
        payload = {name: _value(draw, name, hint, ids) for name, hint in payload_hints(cls).items()}
        try:
            event = cls(
                event_id=f"e{n}",
                case_id="case-p",
                occurred_at=clock,
                entered_at=clock + dt.timedelta(hours=1),
                operator_id="op",
                agency_code=agency.code,
                agency_kind=agency.kind,
                **payload,
            )
        except DomainError:
            continue
        before = state
        try:
            state = apply(state, event)
        except DomainError:
            refused += 1
            continue
        # the oracle: the record's kind may be entered by this agency kind, from this stage, to a declared stage
        assert event.agency_kind in cls.recorders
        if before is not None:
            move = MOVES[event.kind]
            assert before.stage in move.from_stages
            assert state.stage is before.stage or state.stage in move.to_stages
        accepted.append(event)
    return accepted, state, refused


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.randoms(use_true_random=False))
def test_accepted_histories_replay_to_the_same_state_in_any_order(
    generated: tuple[list[Event], CaseState | None, int], rnd: random.Random
) -> None:
    accepted, state, _refused = generated
    if not accepted:
        assert state is None
        return
    assert fold(accepted) == state
    shuffled = list(accepted)
    rnd.shuffle(shuffled)
    assert fold(shuffled) == state  # canonical order: arrival order does not matter
    assert fold([event_from_dict(e.to_dict()) for e in accepted]) == state
    assert CaseState.from_dict(state.to_dict()) == state  # type: ignore[union-attr]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_obligations_close_once_and_only_open_ones_are_listed(
    generated: tuple[list[Event], CaseState | None, int],
) -> None:
    _accepted, state, _refused = generated
    if state is None:
        return
    ids = [o.obligation_id for o in state.obligations]
    assert len(ids) == len(set(ids))
    assert all(o.closed_at is None for o in state.open_obligations())
    assert all(o.closed_at is None or o.closed_at >= o.started_at for o in state.obligations)
