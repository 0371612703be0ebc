"""The patient search index: FTS5 trigram over ``patients.search_key`` (issue 24).

Revision ID: r0023
Revises: r0022

Derived data (``core.storage.search_index``): an external-content FTS5 table kept by three
triggers, filled from the patients already in the chart. Never synced; the drift test skips it.
"""

from __future__ import annotations

from alembic import op

from core.storage import search_index

revision = "r0023"
down_revision = "r0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    search_index.create(op.get_bind())


def downgrade() -> None:
    for name in search_index.EXPECTED:
        op.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    op.execute(f"DROP TABLE IF EXISTS {search_index.TABLE}")
