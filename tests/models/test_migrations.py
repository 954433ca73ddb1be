"""Migrations as STYLE.md asks: head equals the models, every revision goes up and down, data migrations are tested."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

import app.models
from app.models.cases import search_cases
from app.models.engine import StoreSettings, make_engine
from app.models.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from app.models.tables import CASES_FTS_TABLE, Base


@pytest.fixture
def engine(tmp_path: Path, master_key: bytes) -> Iterator[Engine]:
    created = make_engine(tmp_path / "migrations.db", master_key, StoreSettings(), read_only=False)
    yield created
    created.dispose()


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def _not_full_text(name: str | None, type_: str, parent_names: Any) -> bool:
    # The FTS5 virtual table and its shadow tables are outside the ORM by design; tested separately below.
    return not (type_ == "table" and name is not None and name.startswith(CASES_FTS_TABLE))


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _import_every_model_module() -> None:
    # Tables live in several modules of app.models; Base.metadata knows only those imported.
    for module in pkgutil.walk_packages(app.models.__path__, "app.models."):
        importlib.import_module(module.name)


def test_upgrade_head_matches_the_models_exactly(engine: Engine) -> None:
    _import_every_model_module()
    with engine.begin() as conn:
        upgrade(conn)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _not_full_text, "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert current_revision(conn) == head_revision()


def test_head_has_the_full_text_table(engine: Engine) -> None:
    with engine.begin() as conn:
        upgrade(conn)
        sql = conn.execute(text("SELECT sql FROM sqlite_schema WHERE name = :n"), {"n": CASES_FTS_TABLE}).scalar_one()
    assert "fts5" in sql and "contentless_delete=1" in sql


def test_every_revision_upgrades_and_downgrades(engine: Engine) -> None:
    revisions = _revisions()
    assert revisions[-1] == head_revision()
    previous = "base"
    for revision in revisions:
        with engine.begin() as conn:
            upgrade(conn, revision)
            assert current_revision(conn) == revision
        after_upgrade = _tables(engine)
        with engine.begin() as conn:
            downgrade(conn, previous)
            assert current_revision(conn) == (None if previous == "base" else previous)
        assert _tables(engine) <= after_upgrade
        with engine.begin() as conn:
            upgrade(conn, revision)
        assert _tables(engine) == after_upgrade
        previous = revision
    with engine.begin() as conn:
        downgrade(conn, "base")
    assert _tables(engine) == {"alembic_version"}


def test_downgrading_r0002_removes_the_full_text_index(engine: Engine) -> None:
    with engine.begin() as conn:
        upgrade(conn, "r0002")
    assert any(t.startswith(CASES_FTS_TABLE) for t in _tables(engine))
    with engine.begin() as conn:
        downgrade(conn, "r0001")
    assert not any(t.startswith(CASES_FTS_TABLE) for t in _tables(engine))


def test_r0002_makes_rows_written_before_it_searchable(engine: Engine) -> None:
    with engine.begin() as conn:
        upgrade(conn, "r0001")
        # Rows as revision r0001 knew them, written with plain SQL: the live models must not be needed.
        insert = text(
            "INSERT INTO cases (id, agency_code, case_number, title, party_name, party_id_number, case_type, stage,"
            " amount_fen, created_at, updated_at) VALUES (:id, '91640104MA76A1B2C3', :number, :title, :party,"
            " '11010519491231002X', '非法经营', '移送', 0,"
            " '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z')"
        )
        rows = [
            {"id": f"00000000-0000-0000-0000-{i:012d}", "number": f"兴公移〔2023〕{i}号", "title": t, "party": p}
            for i, (t, p) in enumerate(
                [("涉嫌非法经营移送案", "张三"), ("食品安全案", "李四"), ("药品案", "王五")] * 700
            )
        ]
        conn.execute(insert, rows)
        upgrade(conn, "r0002")
    with Session(engine) as session:
        assert len(search_cases(session, "张三", limit=500)) == 500
        assert {c.party_name for c in search_cases(session, "李四")} == {"李四"}
        assert [c.case_number for c in search_cases(session, "兴公移〔2023〕1999号")] == ["兴公移〔2023〕1999号"]
        assert len(search_cases(session, "移送", limit=500)) == 500  # the stage is not indexed; the title is
        assert search_cases(session, "赵六") == ()
