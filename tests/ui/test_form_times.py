"""发生时间 in forms: minute precision on screen, never a record sorted before one entered earlier."""

from __future__ import annotations

import datetime as dt

from app.domain.timezone import CST
from app.ui.forms.fields import OCCURRED, now_text, to_value


def test_the_current_minute_means_now_with_its_seconds() -> None:
    now = dt.datetime(2026, 11, 26, 10, 5, 33, tzinfo=CST)
    assert to_value(OCCURRED, now_text(now), now) == now


def test_an_earlier_minute_is_taken_as_typed() -> None:
    now = dt.datetime(2026, 11, 26, 10, 5, 33, tzinfo=CST)
    assert to_value(OCCURRED, "2026-11-26 09:40", now) == dt.datetime(2026, 11, 26, 9, 40, tzinfo=CST)


def test_two_records_in_the_same_minute_keep_their_order() -> None:
    first = dt.datetime(2026, 11, 26, 10, 5, 10, tzinfo=CST)
    second = first + dt.timedelta(seconds=30)
    assert to_value(OCCURRED, now_text(first), first) < to_value(OCCURRED, now_text(second), second)
