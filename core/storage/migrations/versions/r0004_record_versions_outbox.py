"""Record versions (immutable, with parents), per-record heads, and the sync outbox.

Revision ID: r0004
Revises: r0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_versions",
        sa.Column("version_id", sa.Uuid, primary_key=True),
        sa.Column("change_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("record_id", sa.Uuid, nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_ids", sa.Text, nullable=False, server_default="[]"),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("server_seq", sa.Integer),
    )
    op.create_index("ix_record_versions_record_id", "record_versions", ["record_id"])
    op.create_table(
        "record_heads",
        sa.Column("record_id", sa.Uuid, primary_key=True),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("heads", sa.Text, nullable=False, server_default="[]"),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("change_id", sa.Uuid, primary_key=True),
        sa.Column("version_id", sa.Uuid, sa.ForeignKey("record_versions.version_id"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary), sa.Column("nonce", sa.LargeBinary),
        sa.Column("key_id", sa.String(64)), sa.Column("acked_seq", sa.Integer),
    )
    op.create_index("ix_sync_outbox_pending", "sync_outbox", ["acked_seq"])
    # Signed versions and sent changes are history: never rewritten.
    op.execute(
        "CREATE TRIGGER record_versions_signed_immutable BEFORE UPDATE ON record_versions "
        "WHEN OLD.kind IN ('sign', 'addendum') OR OLD.server_seq IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'record version is immutable'); END"
    )
    op.execute(
        "CREATE TRIGGER record_versions_no_delete BEFORE DELETE ON record_versions "
        "BEGIN SELECT RAISE(ABORT, 'record versions are append-only'); END"
    )


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
