"""Received packets in pack files, and their attachments read from them.

Revision ID: r0007
Revises: r0006
Create Date: 2026-11-26

* ``sync_inbox.pack_id``, ``pack_offset``, ``pack_length``: the packets received in one transaction are kept in one
  encrypted pack file (each still a blob of its own format, under its own key), because creating a file costs more
  than encrypting a packet. NULL: the packet's blob is a file of its own (r0006), or it is inline (before).
* ``attachments.in_packet``, ``packet_offset``: a received packet is a canonical STORED archive kept whole, so each
  of its attachments already lies in it byte for byte; the row names the packet and where its content starts
  instead of a second encrypted copy. NULL: the attachment is a blob of its own (local ones, received before).

Adding nullable columns is instant in SQLite: nothing is copied. Plain DDL: no live models are imported.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0007"
down_revision: str | None = "r0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_inbox", sa.Column("pack_id", sa.String(36), nullable=True))
    op.add_column("sync_inbox", sa.Column("pack_offset", sa.BigInteger, nullable=True))
    op.add_column("sync_inbox", sa.Column("pack_length", sa.BigInteger, nullable=True))
    op.add_column("attachments", sa.Column("in_packet", sa.String(36), nullable=True))
    op.add_column("attachments", sa.Column("packet_offset", sa.BigInteger, nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    packed = bind.execute(sa.text("SELECT count(*) FROM sync_inbox WHERE pack_id IS NOT NULL")).scalar()
    read_from_packets = bind.execute(sa.text("SELECT count(*) FROM attachments WHERE in_packet IS NOT NULL")).scalar()
    if packed or read_from_packets:
        # Their bytes are only inside encrypted pack files, which a migration cannot decrypt (it has no key).
        raise RuntimeError(
            f"cannot downgrade below r0007: {packed} received packets are kept in packs and"
            f" {read_from_packets} received attachments are read from their packets"
        )
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("packet_offset")
        batch.drop_column("in_packet")
    with op.batch_alter_table("sync_inbox") as batch:
        batch.drop_column("pack_length")
        batch.drop_column("pack_offset")
        batch.drop_column("pack_id")
