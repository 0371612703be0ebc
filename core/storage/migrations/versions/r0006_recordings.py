"""Dictation recordings: sealed audio tied to a note, with its own key (crypto-erasable).

Revision ID: r0006
Revises: r0005

Each row holds ``scribe.seal_recording``'s ciphertext and the per-recording key, both inside
the SQLCipher chart (so the key is itself encrypted at rest). Erasing a recording sets
``sealed`` and ``key`` to NULL and stamps ``deleted_at``; with SQLCipher's default
``secure_delete`` the freed pages are zeroed. Recordings never enter the sync outbox.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("note_id", sa.Uuid, sa.ForeignKey("notes.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("sample_rate", sa.Integer, nullable=False),
        sa.Column("sealed", sa.LargeBinary),
        sa.Column("key", sa.LargeBinary),
        sa.Column("deleted_at", sa.DateTime),
    )
    op.create_index("ix_recordings_note_id", "recordings", ["note_id"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
