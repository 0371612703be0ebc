"""Appointment reminders (issue 19).

Revision ID: r0019
Revises: r0018

``appointment_reminders``: one row per reminder sent (id derived from the appointment, its start
and the channel; synced like every record), so a reminder goes out once per appointment and a
moved appointment earns a new one. No message text is stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0019"
down_revision = "r0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_reminders",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("appointment_start", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
    )
    op.create_index("ix_appointment_reminders_appointment_id", "appointment_reminders",
                    ["appointment_id"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
