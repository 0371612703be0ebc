"""Supplies inventory (issue 20).

Revision ID: r0015
Revises: r0014

Items, the places they are kept (the clinic, clinicians' car kits), an append-only ledger of
stock movements (received, used, adjusted, moved) with quantities as exact thousandths of the
item's unit, and usage templates (a code or service type → items and quantities). On hand is
derived from the movements; nothing stores a count.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0015"
down_revision = "r0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inventory_locations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), sa.ForeignKey("clinicians.id")),
    )
    op.create_table(
        "inventory_items",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("reorder_point", sa.Integer(), nullable=False),
        sa.Column("reorder_quantity", sa.Integer(), nullable=False),
        sa.Column("unit_cost_cents", sa.Integer(), nullable=False),
        sa.Column("hcpcs", sa.String(5)),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("item_id", sa.Uuid(), sa.ForeignKey("inventory_items.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Uuid(), sa.ForeignKey("inventory_locations.id"),
                  nullable=False),
        sa.Column("to_location_id", sa.Uuid(), sa.ForeignKey("inventory_locations.id")),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unit_cost_cents", sa.Integer()),
        sa.Column("note_id", sa.Uuid(), sa.ForeignKey("notes.id")),
    )
    op.create_index("ix_stock_movements_item", "stock_movements", ["item_id", "at"])
    op.create_table(
        "usage_templates",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("key", sa.String(40), nullable=False, unique=True),
        sa.Column("lines", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
