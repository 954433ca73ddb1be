"""Alembic environment of the store. Migrations run only through ``app.models.migrate`` on an open connection.

Migrations never import the live models: each revision describes its own tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("store migrations run through app.models.migrate with an open connection")
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("the store has no offline (SQL script) migrations")
run_migrations_online()
