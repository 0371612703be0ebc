"""Online booking (issue 19): a practice's published booking page and the encrypted requests
patients leave on it (docs/booking.md says what the server can and cannot read).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_page",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(32), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("hold_hours", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_booking_page"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_booking_page_account_id_account"
        ),
        sa.UniqueConstraint("slug", name="uq_booking_page_slug"),
    )
    op.create_table(
        "booking_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("slot_id", sa.String(40), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("start", sa.String(16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=True),
        sa.Column("pow_digest", sa.LargeBinary(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("held_until", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_booking_request"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_booking_request_account_id_account"
        ),
        sa.UniqueConstraint("pow_digest", name="uq_booking_request_pow_digest"),
    )
    op.create_index(
        "ix_booking_request_account_id_slot_id", "booking_request", ["account_id", "slot_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_booking_request_account_id_slot_id", table_name="booking_request")
    op.drop_table("booking_request")
    op.drop_table("booking_page")
