"""Sync client state: push batches, per-change push state, conflicts, addendum drafts.

Revision ID: r0005
Revises: r0004

Small settings (server, device token, practice sync key, pull cursor) live in ``meta``; these
tables hold what the client must not forget between runs: the exact bytes of a batch until
its answer is recorded (a retry is byte-identical), why a change was refused, which records
wait for the clinician (conflicts), and text rescued from edits that lost a race to a
signature (addendum drafts, themselves synced as the ``addendum_draft`` entity).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_batches",
        sa.Column("batch_id", sa.Uuid, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("body", sa.LargeBinary),
        sa.Column("response", sa.LargeBinary),
        sa.Column("recorded_at", sa.DateTime),
        sa.Column("sends", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "sync_change_state",
        sa.Column("change_id", sa.Uuid, primary_key=True),
        sa.Column("batch_id", sa.Uuid),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(32), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("salvaged", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_sync_change_state_batch_id", "sync_change_state", ["batch_id"])
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("record_id", sa.Uuid, nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("local_head", sa.Uuid),
        sa.Column("heads", sa.Text, nullable=False, server_default="[]"),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("detected_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("resolution", sa.String(16)),
        sa.Column("merge_version_id", sa.Uuid),
    )
    op.create_index("ix_sync_conflicts_record_id", "sync_conflicts", ["record_id"])
    op.create_table(
        "sync_addendum_drafts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("note_id", sa.Uuid, nullable=False),
        sa.Column("source_version_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("addendum_id", sa.Uuid),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_sync_addendum_drafts_note_id", "sync_addendum_drafts", ["note_id"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
