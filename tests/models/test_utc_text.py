"""The stored form of a time is strftime's fixed-width UTC text, whichever way it is produced."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from app.models.tables import UTC_TEXT_FORMAT, UtcDateTime, utc_text

ZONES = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))])


@given(st.datetimes(min_value=dt.datetime(2, 1, 1), max_value=dt.datetime(9998, 12, 30), timezones=ZONES))
def test_the_text_is_strftimes_and_reads_back(moment: dt.datetime) -> None:
    text = utc_text(moment)
    assert text == moment.astimezone(dt.UTC).strftime(UTC_TEXT_FORMAT)
    assert utc_text(moment.astimezone(dt.timezone(dt.timedelta(hours=3)))) == text  # the same instant, remembered
    if moment.year >= 1000:  # strftime leaves a smaller year unpadded, and strptime cannot read that back
        assert UtcDateTime().process_result_value(text, None) == moment  # type: ignore[arg-type]


def test_a_naive_time_is_refused_even_beside_the_same_wall_time_in_utc() -> None:
    assert utc_text(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)) == "2026-11-26T09:00:00.000000Z"
    try:
        utc_text(dt.datetime(2026, 11, 26, 9, 0))
    except ValueError as exc:
        assert "naive" in str(exc)
    else:
        raise AssertionError("a naive time was stored")
