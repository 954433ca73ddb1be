"""Prepared statements store exactly what ``Session.execute`` stores, inside the session's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, create_engine, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from app.models.prepared import Prepared
from app.models.store import Store
from app.models.sync_tables import InboxRow
from app.models.tables import table_of

INBOX = table_of(InboxRow)
WHEN = dt.datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def row(packet_id: str, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "packet_id": packet_id, "seq": 7, "origin": "platform", "kind": "transferred", "case_id": "case-1",
        "sender": "91640104MA76A1B2C3", "manifest_sha256": "a" * 64, "packet_sha256": "b" * 64,
        "data": b"\x00packet\xff", "received_at": WHEN, "applied": True, "apply_error": "", "applied_at": None,
    }  # fmt: skip
    return values | overrides


def raw(store: Store, packet_id: str) -> tuple[object, ...]:
    query = text("SELECT seq, data, received_at, applied, applied_at FROM sync_inbox WHERE packet_id = :p")
    return tuple(store.read(lambda s: s.execute(query, {"p": packet_id}).one()))


def test_the_stored_values_are_those_of_session_execute(store: Store) -> None:
    prepared = Prepared(insert(INBOX))
    store.write(lambda s: prepared.run(s, row("by-prepared")))
    store.write(lambda s: s.execute(insert(INBOX), row("by-session")))
    assert raw(store, "by-prepared") == raw(store, "by-session")
    assert raw(store, "by-prepared")[2] == "2026-11-26T01:30:15.123456Z"  # UtcDateTime's own text, in UTC
    assert (
        store.read(lambda s: s.scalar(select(InboxRow.received_at).where(InboxRow.packet_id == "by-prepared"))) == WHEN
    )


def test_values_fixed_in_the_statement_and_named_parameters(store: Store) -> None:
    store.write(lambda s: Prepared(insert(INBOX)).run(s, row("p1", applied=False, apply_error="等待")))
    mark = Prepared(
        update(INBOX)
        .where(INBOX.c.packet_id == bindparam("key"))
        .values(applied=True, apply_error="", applied_at=bindparam("now"))
    )
    store.write(lambda s: mark.run(s, {"key": "p1", "now": WHEN}))
    assert raw(store, "p1")[3:] == (1, "2026-11-26T01:30:15.123456Z")
    read = Prepared(select(INBOX.c.apply_error, INBOX.c.seq).where(INBOX.c.packet_id == bindparam("key")))
    assert store.read(lambda s: tuple(read.run(s, {"key": "p1"}).fetchone())) == ("", 7)
    assert store.read(lambda s: read.scalar(s, {"key": "absent"})) is None


def test_errors_are_sqlalchemy_errors_and_roll_back_with_the_savepoint(store: Store) -> None:
    prepared = Prepared(insert(INBOX))
    store.write(lambda s: prepared.run(s, row("held")))

    def twice(session: Session) -> str:
        savepoint = session.begin_nested()
        prepared.run(session, row("inside"))
        with pytest.raises(IntegrityError):
            prepared.run(session, row("held"))
        savepoint.rollback()
        prepared.run(session, row("after"))
        return "done"

    assert store.write(twice) == "done"
    kept = store.read(lambda s: sorted(s.scalars(select(InboxRow.packet_id))))
    assert kept == ["after", "held"]  # the savepoint's row is gone, the transaction went on


def test_an_error_does_not_carry_the_values(store: Store) -> None:
    prepared = Prepared(insert(INBOX))
    store.write(lambda s: prepared.run(s, row("held", case_id="张三的案件")))
    with pytest.raises(IntegrityError) as raised:
        store.write(lambda s: prepared.run(s, row("held", case_id="张三的案件")))
    assert "张三" not in str(raised.value) and "hidden" in str(raised.value)  # as Session.execute on the store


def test_many_rows_in_one_call(store: Store) -> None:
    prepared = Prepared(insert(INBOX))
    store.write(lambda s: prepared.run_many(s, [row(f"p{i}", seq=i) for i in range(5)]))
    store.write(lambda s: prepared.run_many(s, []))
    assert store.read(lambda s: list(s.scalars(select(InboxRow.seq).order_by(InboxRow.seq)))) == [0, 1, 2, 3, 4]


def test_a_missing_parameter_is_refused_before_anything_runs(store: Store) -> None:
    prepared = Prepared(update(INBOX).where(INBOX.c.packet_id == bindparam("key")).values(seq=bindparam("seq")))
    with pytest.raises(TypeError, match="'key' is not given"):
        store.write(lambda s: prepared.run(s, {"seq": 3}))


def test_each_transaction_of_a_session_runs_on_its_own_connection() -> None:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    INBOX.create(engine)
    prepared = Prepared(insert(INBOX))
    seq = Prepared(select(INBOX.c.seq).where(INBOX.c.packet_id == bindparam("key")))
    with Session(engine) as session:
        prepared.run(session, row("first"))
        session.rollback()  # the next statement begins a new transaction: the first row is gone
        prepared.run(session, row("second"))
        assert seq.scalar(session, {"key": "first"}) is None
        session.commit()
        prepared.run(session, row("third", seq=9))
        assert (seq.scalar(session, {"key": "second"}), seq.scalar(session, {"key": "third"})) == (7, 9)
        session.rollback()
        assert sorted(session.scalars(select(InboxRow.packet_id))) == ["second"]
    engine.dispose()


def test_a_transaction_that_failed_refuses_further_statements_as_the_session_does(store: Store) -> None:
    def after_a_failed_flush(session: Session) -> None:
        prepared = Prepared(insert(INBOX))
        prepared.run(session, row("held"))
        session.add(InboxRow(**row("held")))
        with pytest.raises(IntegrityError):
            session.flush()
        with pytest.raises(Exception, match="rolled back"):
            prepared.run(session, row("after"))
        session.rollback()

    store.write(after_a_failed_flush)
    assert store.read(lambda s: list(s.scalars(select(InboxRow.packet_id)))) == []
