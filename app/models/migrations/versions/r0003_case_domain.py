"""The case domain: append-only case and affair events, derived snapshots / open duties / involvement, the agency
directory, and document numbers (counters and issued documents).

Revision ID: r0003
Revises: r0002
Create Date: 2026-03-01

``case_events`` and ``affair_events`` are append-only: triggers refuse UPDATE and DELETE, so even a bug in this
program cannot edit history (a correction is a new record). Everything derived can be rebuilt from the events.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0003"
down_revision: str | None = "r0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("case_events", "affair_events")


def _event_columns(stream: str) -> list[sa.Column[object]]:
    return [
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column(stream, sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.String(32), nullable=False),
        sa.Column("entered_at", sa.String(32), nullable=False),
        sa.Column("operator_id", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(18), nullable=False),
        sa.Column("agency_kind", sa.String(32), nullable=False),
        sa.Column("supersedes", sa.String(64), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "case_events",
        *_event_columns("case_id"),
        sa.PrimaryKeyConstraint("seq", name="pk_case_events"),
        sa.UniqueConstraint("event_id", name="uq_case_events_event_id"),
    )
    op.create_index("ix_case_events_case_id_seq", "case_events", ["case_id", "seq"])
    op.create_index("ix_case_events_agency_code_occurred_at", "case_events", ["agency_code", "occurred_at"])
    op.create_index("ix_case_events_supersedes", "case_events", ["supersedes"])
    op.create_table(
        "affair_events",
        *_event_columns("affair_id"),
        sa.PrimaryKeyConstraint("seq", name="pk_affair_events"),
        sa.UniqueConstraint("event_id", name="uq_affair_events_event_id"),
    )
    op.create_index("ix_affair_events_affair_id_seq", "affair_events", ["affair_id", "seq"])
    op.create_index("ix_affair_events_agency_code_occurred_at", "affair_events", ["agency_code", "occurred_at"])
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    op.create_table(
        "affairs",
        sa.Column("affair_id", sa.String(64), nullable=False),
        sa.Column("affair_type", sa.String(32), nullable=False),
        sa.Column("opened_by", sa.String(18), nullable=False),
        sa.Column("counterpart", sa.String(18), nullable=False),
        sa.Column("opened_at", sa.String(32), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("affair_id", name="pk_affairs"),
    )
    op.create_index("ix_affairs_affair_type_opened_at", "affairs", ["affair_type", "opened_at"])
    op.create_table(
        "case_snapshots",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(18), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("penalty", sa.String(16), nullable=False),
        sa.Column("party_id", sa.String(32), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_snapshots"),
    )
    op.create_index("ix_case_snapshots_penalty_party_id", "case_snapshots", ["penalty", "party_id"])
    op.create_index("ix_case_snapshots_agency_code", "case_snapshots", ["agency_code"])
    op.create_table(
        "open_duties",
        sa.Column("obligation_id", sa.String(160), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("agency_code", sa.String(18), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("optional", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("obligation_id", name="pk_open_duties"),
    )
    op.create_index("ix_open_duties_agency_code_started_at", "open_duties", ["agency_code", "started_at"])
    op.create_index("ix_open_duties_subject_id", "open_duties", ["subject_id"])
    op.create_table(
        "case_involvement",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("agency_code", sa.String(18), nullable=False),
        sa.Column("first_at", sa.String(32), nullable=False),
        sa.Column("last_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "agency_code", name="pk_case_involvement"),
    )
    op.create_index("ix_case_involvement_agency_code_last_at", "case_involvement", ["agency_code", "last_at"])
    op.create_table(
        "agency_directory",
        sa.Column("code", sa.String(18), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("head", sa.Text(), nullable=False),
        sa.Column("liaison", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_agency_directory"),
        sa.CheckConstraint("length(code) = 18", name="ck_agency_directory_code_length"),
    )
    op.create_table(
        "document_counters",
        sa.Column("agency_code", sa.String(18), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_code", "doc_type", "year", name="pk_document_counters"),
        sa.CheckConstraint("last_serial >= 1", name="ck_document_counters_serial_positive"),
    )
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("agency_code", sa.String(18), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.String(32), nullable=False),
        sa.Column("operator_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_issued_documents"),
        sa.UniqueConstraint(
            "agency_code", "doc_type", "year", "serial", name="uq_issued_documents_agency_code_doc_type_year_serial"
        ),
    )
    op.create_index("ix_issued_documents_case_id_issued_at", "issued_documents", ["case_id", "issued_at"])


def downgrade() -> None:
    for table in ("issued_documents", "document_counters", "agency_directory", "case_involvement", "open_duties"):
        op.drop_table(table)
    op.drop_table("case_snapshots")
    op.drop_table("affairs")
    for table in APPEND_ONLY:
        op.drop_table(table)  # its triggers go with it
