"""Case repositories: add, read, change, page, count, and full-text search in Chinese and ASCII."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import pytest
from sqlalchemy.exc import IntegrityError

from app.models.cases import (
    CaseRecord,
    add_case,
    count_cases,
    delete_case,
    get_case,
    get_case_by_number,
    list_cases,
    save_case,
    search_cases,
)
from app.models.store import Store
from tests.models.conftest import AGENCY, new_case

OTHER_AGENCY = "11640100MB1234567X"


@pytest.fixture
def searchable(store: Store) -> Store:
    def add(session):  # type: ignore[no-untyped-def]
        add_case(session, new_case(case_number="兴公刑移〔2024〕7号", title="涉嫌非法经营移送案", party_name="张三丰"))
        add_case(session, new_case(case_number="兴市监罚〔2024〕8号", title="销售过期食品案", party_name="李四"))
        add_case(
            session,
            new_case(
                case_number="ABC-2024-0099",
                title="无照经营案",
                party_name="宁夏宏达商贸有限公司",
                party_id_number="11010519491231002X",
            ),
        )
        add_case(session, new_case(case_number="兴环罚〔2024〕3号", title="张家三兄弟排污案", party_name="王五"))

    store.write(add)
    return store


def _numbers(store: Store, query: str) -> set[str]:
    return {c.case_number for c in store.read(lambda s: search_cases(s, query))}


def test_a_case_round_trips_with_its_fields(store: Store) -> None:
    when = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    added = store.write(lambda s: add_case(s, new_case(occurred_on=dt.date(2024, 2, 28), amount_fen=123456), now=when))
    assert isinstance(added, CaseRecord)
    assert store.read(lambda s: get_case(s, added.id)) == added
    assert store.read(lambda s: get_case_by_number(s, AGENCY, added.case_number)) == added
    assert added.created_at == when and added.created_at.tzinfo is not None
    assert added.occurred_on == dt.date(2024, 2, 28) and added.amount_fen == 123456
    assert store.read(lambda s: get_case(s, "no-such-id")) is None


def test_a_case_number_is_unique_per_agency(store: Store) -> None:
    store.write(lambda s: add_case(s, new_case()))
    store.write(lambda s: add_case(s, new_case(agency_code=OTHER_AGENCY)))
    with pytest.raises(IntegrityError):
        store.write(lambda s: add_case(s, new_case()))
    assert store.read(count_cases) == 2


def test_negative_amounts_are_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        store.write(lambda s: add_case(s, new_case(amount_fen=-1)))


def test_pages_are_keyset_and_newest_first(store: Store) -> None:
    def add(session):  # type: ignore[no-untyped-def]
        for i in range(23):
            add_case(session, new_case(case_number=f"N{i:02d}", stage="立案" if i % 2 else "移送"))

    store.write(add)
    seen: list[str] = []
    cursor: int | None = None
    while True:
        page = store.read(functools.partial(list_cases, agency_code=AGENCY, after=cursor, limit=10))
        seen.extend(c.case_number for c in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"N{i:02d}" for i in reversed(range(23))]
    assert store.read(lambda s: count_cases(s, agency_code=AGENCY, stage="移送")) == 12
    assert store.read(lambda s: count_cases(s, agency_code=OTHER_AGENCY)) == 0
    assert len(store.read(lambda s: list_cases(s, stage="立案", limit=100)).items) == 11


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三", {"兴公刑移〔2024〕7号"}),  # a two-character name
        ("三丰", {"兴公刑移〔2024〕7号"}),  # the end of a name
        ("张三丰", {"兴公刑移〔2024〕7号"}),
        ("移送", {"兴公刑移〔2024〕7号"}),  # a two-character word inside a title
        ("非法经营", {"兴公刑移〔2024〕7号"}),
        ("经营", {"兴公刑移〔2024〕7号", "ABC-2024-0099"}),
        ("张", {"兴公刑移〔2024〕7号", "兴环罚〔2024〕3号"}),  # one character: every case holding it
        ("丰", {"兴公刑移〔2024〕7号"}),  # one character at the end of a run
        ("李四", {"兴市监罚〔2024〕8号"}),
        ("宏达商贸", {"ABC-2024-0099"}),
        ("abc", {"ABC-2024-0099"}),  # ASCII, case-insensitive
        ("0099", {"ABC-2024-0099"}),
        ("２０２４ ABC", {"ABC-2024-0099"}),  # full-width digits fold to ASCII; all terms must match
        ("11010519491231002X", {"ABC-2024-0099"}),  # an 18-character ID number
        ("110105", {"ABC-2024-0099"}),  # its prefix
        ("兴市监罚〔2024〕8号", {"兴市监罚〔2024〕8号"}),
        ("张四", set()),  # characters present but not adjacent
        ("三张", set()),
        ("赵六", set()),
        ('"OR" NEAR(*', set()),  # FTS5 syntax typed by an operator is plain text
        ("（）、。", set()),  # nothing searchable
    ],
)
def test_full_text_search(searchable: Store, query: str, expected: set[str]) -> None:
    assert _numbers(searchable, query) == expected


def test_search_is_limited_to_an_agency_when_asked(searchable: Store) -> None:
    searchable.write(lambda s: add_case(s, new_case(agency_code=OTHER_AGENCY, party_name="张三")))
    assert len(searchable.read(lambda s: search_cases(s, "张三"))) == 2
    found = searchable.read(lambda s: search_cases(s, "张三", agency_code=OTHER_AGENCY))
    assert [c.agency_code for c in found] == [OTHER_AGENCY]


def test_a_changed_case_is_found_by_its_new_text_only(searchable: Store) -> None:
    case = searchable.read(lambda s: search_cases(s, "李四"))[0]
    later = case.updated_at + dt.timedelta(minutes=5)
    changed = dataclasses.replace(case, party_name="赵六", stage="移送")
    saved = searchable.write(lambda s: save_case(s, changed, now=later))
    assert saved.updated_at == later and saved.created_at == case.created_at and saved.stage == "移送"
    assert _numbers(searchable, "李四") == set()
    assert _numbers(searchable, "赵六") == {case.case_number}


def test_a_deleted_case_leaves_the_index(searchable: Store) -> None:
    case = searchable.read(lambda s: search_cases(s, "李四"))[0]
    assert searchable.write(lambda s: delete_case(s, case.id)) is True
    assert searchable.write(lambda s: delete_case(s, case.id)) is False
    assert _numbers(searchable, "李四") == set()
    assert searchable.read(lambda s: get_case(s, case.id)) is None
