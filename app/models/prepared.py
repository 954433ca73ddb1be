"""Statements of the hot paths, compiled once and run straight on the session's DBAPI connection.

Receiving a packet runs about twenty small statements. Through ``Session.execute`` each costs ≈ 90 µs of
SQLAlchemy bookkeeping (compiled-cache lookup, execution context, result set-up, events) around ≈ 40 µs of SQLite:
more than the database work itself. A ``Prepared`` statement is a Core statement built on the tables, compiled
once for the store's dialect, with each bound value converted by its column type's own bind processor (so a time
is stored exactly as ``UtcDateTime`` stores it), and executed on the cursor of the session's connection, inside the
session's transaction and savepoints.

What it does not do, by design: Python-side column defaults (every inserted column must be given, checked when
compiled), expanding ``IN`` parameters, and result-type processing (rows come back as SQLite returns them: select
only columns stored as plain text, integers or bytes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import Compiled, SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

_MISSING = object()
Binder = tuple[str, Any, Callable[[Any], Any] | None]  # (parameter key, fixed value or _MISSING, processor)


class Prepared:
    """One statement compiled per set of parameter keys; ``run`` and ``run_many`` take the same mappings as
    ``Session.execute``."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        # Keyed by the dialect's id; each entry holds the dialect, so that id cannot be reused while it exists.
        self._compiled: dict[tuple[int, frozenset[str]], tuple[str, tuple[Binder, ...], Dialect]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Prepared({self.statement})"

    def run(self, session: Session, params: Mapping[str, Any] | None = None) -> Any:
        """Execute once; returns the DBAPI cursor (``fetchone``/``fetchall`` for RETURNING or a select)."""
        connection = _connection(session)
        params = params or {}
        sql, binders = self._for(connection.dialect, params)
        values = _values(binders, params)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, values)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(sql, values, exc, connection) from exc
        return cursor

    def run_many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute for each of ``rows`` (all with the same keys) in one ``executemany``; no RETURNING."""
        if not rows:
            return
        connection = _connection(session)
        sql, binders = self._for(connection.dialect, rows[0])
        values = [_values(binders, row) for row in rows]
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, values)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(sql, values, exc, connection) from exc

    def scalar(self, session: Session, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = self.run(session, params).fetchone()
        return None if row is None else row[0]

    def _for(self, dialect: Dialect, params: Iterable[str]) -> tuple[str, tuple[Binder, ...]]:
        keys = frozenset(params)
        cache_key = (id(dialect), keys)
        found = self._compiled.get(cache_key)
        if found is None:
            with self._lock:
                found = self._compiled[cache_key] = (*_compile(self.statement, dialect, keys), dialect)
        return found[0], found[1]


_CONNECTION = "prepared.connection"


def _connection(session: Session) -> Connection:
    """The connection of the session's transaction, remembered for that transaction: ``Session.connection`` walks
    the transaction's state machine each time (≈ 20 statements per packet received asked for it)."""
    root = session.get_transaction()
    held = session.info.get(_CONNECTION)
    if held is not None and root is not None and held[0] is root:
        current = session.get_nested_transaction() or root
        if current.is_active:  # else ``Session.connection`` raises as it always did (a failed flush, a rollback)
            return held[1]  # type: ignore[no-any-return]
    connection = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), connection)
    return connection


def _wrapped(sql: str, values: Any, exc: Exception, connection: Connection) -> StatementError:
    """The driver's error as SQLAlchemy raises it (``IntegrityError``, ``OperationalError``, ...), so callers and
    ``Store`` handle it exactly as an error of ``Session.execute``; with the engine's ``hide_parameters`` (the store
    hides them: a value may be a party's name or a packet's bytes, and errors reach logs)."""
    dialect = connection.dialect
    return DBAPIError.instance(
        sql, values, exc, dialect.loaded_dbapi.Error, hide_parameters=connection.engine.hide_parameters,
        dialect=dialect,
    )  # fmt: skip


def _values(binders: tuple[Binder, ...], params: Mapping[str, Any]) -> list[Any]:
    values = []
    for key, fixed, process in binders:
        value = params[key] if fixed is _MISSING else fixed
        values.append(value if process is None or value is None else process(value))
    return values


def _compile(statement: ClauseElement, dialect: Dialect, keys: frozenset[str]) -> tuple[str, tuple[Binder, ...]]:
    if dialect.paramstyle != "qmark":
        raise TypeError(f"prepared statements need a qmark dialect, not {dialect.paramstyle}")
    if isinstance(statement, Insert):
        table = statement.table
        for column in getattr(table, "columns", ()):
            if column.key not in keys and getattr(column, "default", None) is not None:
                raise TypeError(f"{table}.{column.key} has a Python default: give it explicitly")
        compiled: Compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))
    else:
        compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"not a SQL statement: {statement}")
    binders: list[Binder] = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        if bind.expanding:
            raise TypeError(f"expanding parameter {name!r} is not supported by a prepared statement")
        if bind.key in keys or name in keys:
            key, fixed = (bind.key if bind.key in keys else name), _MISSING
        elif bind.required:
            raise TypeError(f"parameter {bind.key!r} is not given")
        else:  # a value fixed in the statement, as in ``.values(applied=True)``
            key, fixed = name, bind.effective_value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if fixed is not _MISSING:  # converted once, here
            fixed, processor = (fixed if processor is None or fixed is None else processor(fixed)), None
        binders.append((key, fixed, processor))
    return str(compiled), tuple(binders)
