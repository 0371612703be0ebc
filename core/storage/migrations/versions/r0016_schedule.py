"""The schedule (issue 19).

Revision ID: r0016
Revises: r0015

Appointments (local wall-clock start, minutes, service, place, status with its reason, the series
and occurrence they replace, the visit "start note" made), recurring series (RFC 5545 rule and
the occurrences cancelled one by one), clinicians' working hours, blocked time and the waitlist.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0016"
down_revision = "r0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_series",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("place", sa.String(32), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("excluded", sa.Text(), nullable=False),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("place", sa.String(32), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("series_id", sa.Uuid(), sa.ForeignKey("appointment_series.id")),
        sa.Column("original_start", sa.DateTime()),
        sa.Column("visit_id", sa.Uuid(), sa.ForeignKey("visits.id")),
    )
    op.create_index("ix_appointments_start", "appointments", ["start"])
    op.create_table(
        "working_hours",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("clinician_id", sa.Uuid(), sa.ForeignKey("clinicians.id"), nullable=False,
                  unique=True),
        sa.Column("days", sa.Text(), nullable=False),
    )
    op.create_table(
        "schedule_blocks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("clinician_id", sa.Uuid(), sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
    )
    op.create_table(
        "waitlist",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), sa.ForeignKey("clinicians.id")),
        sa.Column("weekdays", sa.Text(), nullable=False),
        sa.Column("earliest", sa.Time(), nullable=False),
        sa.Column("latest", sa.Time(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
