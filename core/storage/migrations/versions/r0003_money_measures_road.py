"""Fees, payments, packages, outcome-measure scores, mileage, clock entries, practice assets.

Revision ID: r0003
Revises: r0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid, primary_key=True)


def _text(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Text, nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "fee_schedule", _id(), sa.Column("code", sa.String(5), nullable=False),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False), sa.Column("effective_to", sa.Date),
        sa.Column("payer_profile_id", sa.Uuid, sa.ForeignKey("payer_profiles.id")),
    )
    op.create_index("ix_fee_schedule_code", "fee_schedule", ["code", "effective_from"])
    op.create_table(
        "payments", _id(),
        sa.Column("patient_id", sa.Uuid, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("method", sa.String(16), nullable=False), _text("reference"),
        sa.Column("visit_id", sa.Uuid, sa.ForeignKey("visits.id")), _text("memo"),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_payments_patient_id", "payments", ["patient_id"])
    op.create_table(
        "packages", _id(),
        sa.Column("patient_id", sa.Uuid, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("visits_total", sa.Integer, nullable=False),
        sa.Column("price_cents", sa.Integer, nullable=False),
        sa.Column("purchased_on", sa.Date, nullable=False), sa.Column("expires_on", sa.Date),
        sa.Column("payment_id", sa.Uuid, sa.ForeignKey("payments.id")),
    )
    op.create_index("ix_packages_patient_id", "packages", ["patient_id"])
    op.create_table(
        "package_uses", _id(),
        sa.Column("package_id", sa.Uuid, sa.ForeignKey("packages.id"), nullable=False),
        sa.Column("visit_id", sa.Uuid, sa.ForeignKey("visits.id"), nullable=False, unique=True),
        sa.Column("used_on", sa.Date, nullable=False),
    )
    op.create_index("ix_package_uses_package_id", "package_uses", ["package_id"])
    op.create_table(
        "measure_scores", _id(),
        sa.Column("patient_id", sa.Uuid, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("episode_id", sa.Uuid, sa.ForeignKey("episodes.id")),
        sa.Column("note_id", sa.Uuid, sa.ForeignKey("notes.id")),
        sa.Column("measure_id", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("responses", sa.Text, nullable=False, server_default="[]"),
        sa.Column("value", sa.Float), sa.Column("scale", sa.String(32), nullable=False,
                                                server_default=""),
        _text("band"), sa.Column("unit", sa.String(16), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_measure_scores_patient", "measure_scores",
                    ["patient_id", "measure_id", "date"])
    op.create_table(
        "mileage_entries", _id(),
        sa.Column("clinician_id", sa.Uuid, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("visit_id", sa.Uuid, sa.ForeignKey("visits.id")),
        sa.Column("patient_id", sa.Uuid, sa.ForeignKey("patients.id")),
        sa.Column("date", sa.Date, nullable=False), sa.Column("odometer_start", sa.Float),
        sa.Column("odometer_end", sa.Float), sa.Column("miles", sa.Float, nullable=False),
        _text("from_label"), _text("to_label"), _text("purpose"), _text("vehicle"),
    )
    op.create_index("ix_mileage_date", "mileage_entries", ["date"])
    op.create_table(
        "clock_entries", _id(),
        sa.Column("clinician_id", sa.Uuid, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("visit_id", sa.Uuid, sa.ForeignKey("visits.id")),
        sa.Column("started_at", sa.DateTime, nullable=False), sa.Column("ended_at", sa.DateTime),
        _text("memo"),
    )
    op.create_index("ix_clock_started", "clock_entries", ["clinician_id", "started_at"])
    op.create_table(
        "practice_assets", sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
