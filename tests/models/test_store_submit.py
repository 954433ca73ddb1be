"""``Store.submit``: a write transaction handed to the writer thread without waiting for it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session

from app.models.errors import StoreClosed
from app.models.store import Store
from app.sync.inbox import read_state, write_state


def test_submitted_transactions_run_in_order_and_commit(store: Store) -> None:
    gate = threading.Event()

    def first(session: Session) -> str:
        gate.wait(10)
        write_state(session, "order", "first")
        return "first"

    def second(session: Session) -> str:
        before = read_state(session, "order")
        write_state(session, "order", f"{before}, second")
        return "second"

    one, two = store.submit(first), store.submit(second)
    assert not one.done() and not two.done()  # the first waits: the second waits behind it
    gate.set()
    assert (one.result(10), two.result(10)) == ("first", "second")
    assert store.read(lambda s: read_state(s, "order")) == "first, second"


def test_a_submitted_transaction_that_fails_is_rolled_back_and_its_error_handed_back(store: Store) -> None:
    def fails(session: Session) -> None:
        write_state(session, "half", "done")
        raise ValueError("refused halfway")

    future = store.submit(fails)
    with pytest.raises(ValueError, match="refused halfway"):
        future.result(10)
    assert store.read(lambda s: read_state(s, "half")) is None
    assert store.submit(lambda s: write_state(s, "after", "yes")).result(10) is None  # the writer goes on
    assert store.read(lambda s: read_state(s, "after")) == "yes"


def test_submit_is_refused_inside_a_write_and_on_a_closed_store(store: Store) -> None:
    with pytest.raises(RuntimeError, match=r"inside store\.write"):
        store.write(lambda s: store.submit(lambda inner: None))
    store.close()
    with pytest.raises(StoreClosed):
        store.submit(lambda s: None)


def test_a_store_closed_while_submit_runs_is_store_closed(store: Store) -> None:
    """``close`` on another thread between ``submit``'s check and the hand-over: the executor is already shut down
    (what ``close`` does first) while ``submit`` still holds it. The caller gets ``StoreClosed``, which the sync
    engine handles, not the executor's ``RuntimeError``."""
    executor = store._executor
    assert executor is not None
    executor.shutdown(wait=True)
    with pytest.raises(StoreClosed, match="closed store"):
        store.submit(lambda s: None)
    store.close()
