"""Patient search key: a lower-cased "last first dob" column, backfilled, with an index.

Revision ID: r0002
Revises: r0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients", recreate="never") as batch:
        batch.add_column(sa.Column("search_key", sa.Text, nullable=False, server_default=""))
    op.execute(
        "UPDATE patients SET search_key = lower(last_name || ' ' || first_name || ' ' "
        "|| date_of_birth)"
    )
    op.create_index("ix_patients_search", "patients", ["search_key"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
