"""文号: 〔〕, full year, no leading zeros; allocation per agency/type/year without gaps or duplicates."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date

import pytest

from app.documents.errors import InvalidFields
from app.documents.numbers import CounterAllocator, DocumentNumber, NumberingScheme, NumberSeries


def test_number_is_formatted_with_hexagonal_brackets_and_no_leading_zero() -> None:
    assert str(DocumentNumber("银兴市监移", 2026, 1)) == "银兴市监移〔2026〕1号"
    assert str(DocumentNumber("银兴市监移", 2026, 18)) == "银兴市监移〔2026〕18号"


@pytest.mark.parametrize(
    "bad", ["银兴市监移[2026]18号", "银兴市监移（2026）18号", "银兴市监移〔2026〕018号", "银兴市监移〔26〕18号"]
)
def test_malformed_numbers_are_refused(bad: str) -> None:
    with pytest.raises(InvalidFields):
        DocumentNumber.parse(bad)


def test_parse_round_trips() -> None:
    assert DocumentNumber.parse("银兴市监移〔2026〕18号") == DocumentNumber("银兴市监移", 2026, 18)


def test_placeholder_leaves_the_serial_blank() -> None:
    assert DocumentNumber.placeholder("银兴市监移", 2026) == "银兴市监移〔2026〕　　号"


class LockedCounter:
    """Stands in for the store's counter: atomic per series."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: dict[NumberSeries, int] = defaultdict(int)

    def __call__(self, series: NumberSeries) -> int:
        with self.lock:
            self.last[series] += 1
            return self.last[series]


def test_series_are_per_agency_type_and_year() -> None:
    allocator = CounterAllocator({"A": NumberingScheme("银兴市监"), "B": NumberingScheme("银兴检")}, LockedCounter())
    assert str(allocator.allocate("A", "transfer_notice", date(2026, 3, 2))) == "银兴市监移〔2026〕1号"
    assert str(allocator.allocate("A", "transfer_notice", date(2026, 3, 3))) == "银兴市监移〔2026〕2号"
    assert str(allocator.allocate("A", "filing_record", date(2026, 3, 3))) == "银兴市监备〔2026〕1号"
    assert str(allocator.allocate("A", "transfer_notice", date(2027, 1, 4))) == "银兴市监移〔2027〕1号"
    assert str(allocator.allocate("B", "procuratorial_suggestion", date(2026, 5, 6))) == "银兴检建〔2026〕1号"


def test_two_operators_at_once_get_distinct_consecutive_numbers() -> None:
    allocator = CounterAllocator({"A": NumberingScheme("银兴市监")}, LockedCounter())
    got: list[int] = []
    lock = threading.Lock()

    def issue() -> None:
        for _ in range(50):
            number = allocator.allocate("A", "transfer_notice", date(2026, 3, 2))
            with lock:
                got.append(number.serial)

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 101))


def test_unconfigured_type_is_an_error_not_a_guess() -> None:
    allocator = CounterAllocator({"A": NumberingScheme("银兴市监", {})}, LockedCounter())
    with pytest.raises(InvalidFields):
        allocator.allocate("A", "transfer_notice", date(2026, 3, 2))
