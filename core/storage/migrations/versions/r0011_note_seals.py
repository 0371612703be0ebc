"""Keyed seals of signed notes (issue 15).

Revision ID: r0011
Revises: r0010

``note_seals``: per signed note, its content hash and an HMAC of (note id, hash) under a key
derived from this chart's key (``core.storage.seals``). Written when a note is signed here or
received signed by sync; a chart upgraded to this revision seals the notes it already holds at
its next open (``seals.backfill``). Local only: the seal key never leaves this chart.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0011"
down_revision = "r0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "note_seals",
        sa.Column("note_id", sa.Uuid(), sa.ForeignKey("notes.id"), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.Column("sealed_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
