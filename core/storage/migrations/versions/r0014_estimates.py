"""Good-faith estimates kept with the episode (issue 18).

Revision ID: r0014
Revises: r0013

``estimates``: each issued good-faith estimate — the period, expected visits, the lines as
issued (JSON), the diagnosis codes, the total, and the PDF as given to the patient with its
SHA-256 (kept with the chart for the record-retention period).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0014"
down_revision = "r0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "estimates",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("episode_id", sa.Uuid(), sa.ForeignKey("episodes.id"), nullable=False),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("diagnoses", sa.Text(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_estimates_episode_id", "estimates", ["episode_id"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
