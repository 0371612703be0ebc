"""835 remittances posted to claims (issue 18).

Revision ID: r0013
Revises: r0012

``remittance_items``: one row per claim payment (CLP) of an 835 that was posted — the trace
number (TRN02) with the claim makes the row unique, which is what makes importing the same file
twice change nothing. It keeps the status, charge, paid and patient-responsibility amounts, the
adjustments (group, CARC, cents) and remark codes as JSON, and the ledger payment it created.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0013"
down_revision = "r0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remittance_items",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("claim_id", sa.Uuid(), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("trace_number", sa.String(50), nullable=False),
        sa.Column("payer", sa.Text(), nullable=False),
        sa.Column("paid_on", sa.Date()),
        sa.Column("status", sa.String(2), nullable=False),
        sa.Column("charge_cents", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("patient_responsibility_cents", sa.Integer(), nullable=False),
        sa.Column("adjustments", sa.Text(), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), sa.ForeignKey("payments.id")),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("trace_number", "claim_id", name="uq_remittance_trace_claim"),
    )
    op.create_index("ix_remittance_items_claim_id", "remittance_items", ["claim_id"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
