"""The sync engine: outbox, inbox, platform receipts and sync state.

Revision ID: r0004
Revises: r0003
Create Date: 2026-03-02

Packets (bytes) are stored in the encrypted store itself. Plain DDL: no live models are imported.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0004"
down_revision: str | None = "r0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("packet_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(128), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("next_attempt_at", _TIME, nullable=False),
        sa.Column("sent_at", _TIME, nullable=True),
        sa.CheckConstraint("state IN ('queued', 'sent', 'receipted', 'failed')", name="ck_sync_outbox_state_known"),
        sa.PrimaryKeyConstraint("packet_id", name="pk_sync_outbox"),
    )
    op.create_index("ix_sync_outbox_state_next_attempt_at", "sync_outbox", ["state", "next_attempt_at"])
    op.create_index("ix_sync_outbox_case_id", "sync_outbox", ["case_id"])
    op.create_table(
        "sync_inbox",
        sa.Column("packet_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(128), nullable=False),
        sa.Column("sender", sa.String(18), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("packet_sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("apply_error", sa.Text(), nullable=False),
        sa.Column("applied_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("packet_id", name="pk_sync_inbox"),
    )
    op.create_index("ix_sync_inbox_applied_received_at", "sync_inbox", ["applied", "received_at"])
    op.create_index("ix_sync_inbox_case_id", "sync_inbox", ["case_id"])
    op.create_table(
        "sync_receipts",
        sa.Column("packet_id", sa.String(36), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("receipt_json", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("packet_id", name="pk_sync_receipts"),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_sync_state"),
    )


def downgrade() -> None:
    for table in ("sync_state", "sync_receipts", "sync_inbox", "sync_outbox"):
        op.drop_table(table)
