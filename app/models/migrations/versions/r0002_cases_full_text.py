"""Full-text index over cases (FTS5, contentless, CJK bigrams computed in Python), backfilled from existing rows.

Revision ID: r0002
Revises: r0001
Create Date: 2025-01-01

The index holds the terms of app.models.search_text, a pure function module (not the live models). A change to
how terms are cut needs a new revision that rebuilds this index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.search_text import index_terms

revision: str = "r0002"
down_revision: str | None = "r0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    bind = op.get_bind()
    # contentless_delete: rows can be deleted and replaced although the table keeps no copy of the text.
    bind.exec_driver_sql(
        "CREATE VIRTUAL TABLE cases_fts USING fts5("
        "body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')"
    )
    rows = bind.execute(
        sa.text("SELECT seq, case_number, title, party_name, party_id_number, case_type FROM cases ORDER BY seq")
    )
    insert = sa.text("INSERT INTO cases_fts(rowid, body) VALUES (:seq, :body)")
    while batch := rows.fetchmany(BATCH):
        bind.execute(insert, [{"seq": row[0], "body": index_terms(*row[1:])} for row in batch])


def downgrade() -> None:
    op.get_bind().exec_driver_sql("DROP TABLE cases_fts")
