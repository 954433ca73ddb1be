"""Alembic migrations of the store, run programmatically on an open connection (no alembic.ini on disk)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from app.models.errors import StoreSchemaTooNew

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations, bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this program knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the store has no migrations")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the store is at, or None for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def check_known_revision(connection: Connection) -> str | None:
    """The store's revision; refuse a store written by a newer program (a revision this program does not know)."""
    revision = current_revision(connection)
    if revision is not None:
        known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        if revision not in known:
            raise StoreSchemaTooNew(f"store schema revision {revision!r} is newer than this program")
    return revision


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Migrate up to ``revision`` inside the caller's transaction."""
    check_known_revision(connection)
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Connection, revision: str) -> None:
    """Migrate down to ``revision`` (``"base"`` for an empty store) inside the caller's transaction."""
    command.downgrade(alembic_config(connection), revision)
