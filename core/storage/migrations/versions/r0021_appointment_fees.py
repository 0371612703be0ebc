"""Cancellation and no-show fees on the patient's account (issue 19).

Revision ID: r0021
Revises: r0020

``appointment_fees``: one row per late-cancelled or no-show appointment the practice's policy
charges (id derived from the appointment, so two devices marking the same no-show post one fee;
synced like every record). The ledger counts it as a charge dated the appointment's day.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0021"
down_revision = "r0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_fees",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
    )
    op.create_index("ix_appointment_fees_patient_id", "appointment_fees", ["patient_id"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
