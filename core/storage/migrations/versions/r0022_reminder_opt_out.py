"""A patient can opt out of appointment reminders (issue 19).

Revision ID: r0022
Revises: r0021

``patients.no_reminders``: set when the patient asked for no reminders; the reminder job skips
them (and says so). Synced with the patient like every field.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0022"
down_revision = "r0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients", recreate="never") as batch:
        batch.add_column(
            sa.Column("no_reminders", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("patients", recreate="never") as batch:
        batch.drop_column("no_reminders")
