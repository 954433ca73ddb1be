"""The first tables: meta, cases, attachments, audit_log.

Revision ID: r0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )
    op.create_table(
        "cases",
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("agency_code", sa.String(18), nullable=False),
        sa.Column("case_number", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("party_name", sa.Text(), nullable=False),
        sa.Column("party_id_number", sa.String(32), nullable=False),
        sa.Column("case_type", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_cases"),
        sa.UniqueConstraint("id", name="uq_cases_id"),
        sa.UniqueConstraint("agency_code", "case_number", name="uq_cases_agency_code_case_number"),
        sa.CheckConstraint("amount_fen >= 0", name="ck_cases_amount_not_negative"),
        sa.CheckConstraint("length(agency_code) = 18", name="ck_cases_agency_code_length"),
    )
    op.create_index("ix_cases_agency_code_seq", "cases", ["agency_code", "seq"])
    op.create_index("ix_cases_agency_code_stage_seq", "cases", ["agency_code", "stage", "seq"])
    op.create_index("ix_cases_party_id_number", "cases", ["party_id_number"])
    op.create_index("ix_cases_occurred_on", "cases", ["occurred_on"])
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_attachments_case_id_cases", ondelete="RESTRICT"),
        sa.CheckConstraint("size >= 0", name="ck_attachments_size_not_negative"),
    )
    op.create_index("ix_attachments_case_id_created_at", "attachments", ["case_id", "created_at"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("occurred_at", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("operator", sa.Text(), nullable=False),
        sa.Column("terminal", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"])
    op.create_index("ix_audit_log_kind_seq", "audit_log", ["kind", "seq"])
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    op.bulk_insert(
        meta,
        [{"key": "store_id", "value": str(uuid.uuid4())}, {"key": "created_at", "value": created}],
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("attachments")
    op.drop_table("cases")
    op.drop_table("meta")
