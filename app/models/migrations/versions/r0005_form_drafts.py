"""Form drafts: unsubmitted form values per operator, form and case, inside the encrypted store.

Revision ID: r0005
Revises: r0004
Create Date: 2026-03-09

Plain DDL: no live models are imported.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0005"
down_revision: str | None = "r0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_drafts",
        sa.Column("operator_id", sa.String(128), nullable=False),
        sa.Column("form_key", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(128), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("operator_id", "form_key", "case_id", name="pk_form_drafts"),
    )
    op.create_index("ix_form_drafts_operator_id_updated_at", "form_drafts", ["operator_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_form_drafts_operator_id_updated_at", table_name="form_drafts")
    op.drop_table("form_drafts")
