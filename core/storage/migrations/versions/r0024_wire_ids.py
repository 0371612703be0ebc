"""Opaque sync ids on the wire (issue 22).

Revision ID: r0024
Revises: r0023

``record_wire_ids``: the id the sync server knows a version and its record by
(``core.sync.wireids``), beside the immutable ``record_versions``. Versions the server already
holds — pulled ones, and this chart's own that were acknowledged, kept sealed by the older app,
or are in the open batch — keep
the ids the log knows them by (their own: "legacy"), and so do the later versions of their
records. Every other version gets its opaque ids when it is first sealed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0024"
down_revision = "r0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_wire_ids",
        sa.Column("version_id", sa.Uuid(), primary_key=True),
        sa.Column("wire_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("wire_record", sa.Uuid(), nullable=False),
        sqlite_with_rowid=False,
    )
    # Known to the server: pulled; acknowledged; sealed by the older app with its ciphertext
    # kept (reused as it is); or in the open batch, whose bytes are resent as they are. A
    # sealed change whose batch was answered without storing it (retried) is sealed afresh.
    op.execute(
        "INSERT INTO record_wire_ids (version_id, wire_id, wire_record) "
        "SELECT version_id, version_id, record_id FROM record_versions "
        "WHERE server_seq IS NOT NULL OR version_id IN (SELECT o.version_id FROM sync_outbox o "
        "WHERE o.acked_seq IS NOT NULL OR o.ciphertext IS NOT NULL OR o.change_id IN ("
        "SELECT replace(json_extract(j.value, '$.change_id'), '-', '') FROM sync_batches b, "
        "json_each(CAST(b.body AS TEXT), '$.changes') j "
        "WHERE b.recorded_at IS NULL AND b.body IS NOT NULL))"
    )


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
