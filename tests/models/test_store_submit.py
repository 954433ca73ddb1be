"""``Store.submit``: a write that does not wait, run on the one writer thread in the order submitted."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.models.cases import add_case
from app.models.store import Store
from app.models.tables import Case
from tests.models.conftest import new_case


def test_submitted_writes_run_in_order_while_the_caller_goes_on(store: Store) -> None:
    release = threading.Event()
    first = store.submit(lambda s: (release.wait(10), add_case(s, new_case(case_number="1号")).case_number)[1])
    second = store.submit(lambda s: add_case(s, new_case(case_number="2号")).case_number)
    assert not first.done() and not second.done()  # the caller was not kept waiting
    release.set()
    assert (first.result(10), second.result(10)) == ("1号", "2号")
    numbers = store.read(lambda s: list(s.scalars(select(Case.case_number).order_by(Case.seq))))
    assert numbers == ["1号", "2号"]


def test_a_failed_submission_rolls_back_and_raises_from_its_result(store: Store) -> None:
    def fails(session: object) -> None:
        add_case(session, new_case(case_number="3号"))  # type: ignore[arg-type]
        raise ValueError("refused after writing")

    with pytest.raises(ValueError, match="refused after writing"):
        store.submit(fails).result(10)
    assert store.read(lambda s: s.scalar(select(Case.id))) is None
