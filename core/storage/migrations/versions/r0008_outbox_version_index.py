"""An index on ``sync_outbox.version_id`` (issue 24).

Revision ID: r0008
Revises: r0007

Every save folds the note's unsent draft versions (``outbox._unsent_drafts``), which joins the
outbox on ``version_id``. Without an index that join scanned the whole outbox, so on a chart
that has never synced each autosave grew with the chart (median 49 ms at 50,000 notes, 78 % of
the save); with it the save stays flat (``bench/bench_storage.py``: saves at 1k/10k/50k).
"""

from __future__ import annotations

from alembic import op

revision = "r0008"
down_revision = "r0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sync_outbox_version_id", "sync_outbox", ["version_id"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
