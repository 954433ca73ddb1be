"""Received packets kept as encrypted blobs: ``sync_inbox.blob_id`` names the blob holding a packet's bytes.

Revision ID: r0006
Revises: r0005
Create Date: 2026-11-26

A received packet (≈ 130 KB for a transfer) stored inline was encrypted page by page into the database, its WAL and
its savepoint journal, which cost more than everything else done on receiving it. New rows leave ``data`` empty
and keep the bytes in the blob folder (AES-256-GCM, like attachments), flushed before the row commits. Rows
written before stay inline (``blob_id`` NULL). Adding a nullable column is instant in SQLite: nothing is copied.

Plain DDL: no live models are imported.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0006"
down_revision: str | None = "r0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_inbox", sa.Column("blob_id", sa.String(36), nullable=True))


def downgrade() -> None:
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM sync_inbox WHERE blob_id IS NOT NULL")).scalar()
    if held:
        # The bytes are in blobs a migration cannot decrypt (it has no key): dropping the column would lose them.
        raise RuntimeError(f"cannot downgrade below r0006: {held} received packets are kept as blobs")
    with op.batch_alter_table("sync_inbox") as batch:
        batch.drop_column("blob_id")
