"""Denied claims reopened and corrected (issue 18).

Revision ID: r0026
Revises: r0025

``claims.replaces_id``: the reopened (denied) claim a new claim of the same visits corrects
(837P CLM05-3 = 7 with the payer's claim number in REF*F8; CMS-1500 item 22). A denied claim
reopened for correction has status ``reopened`` (a new value of the text column). A nullable
column added in place: no existing row changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0026"
down_revision = "r0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims", recreate="never") as batch:
        batch.add_column(sa.Column("replaces_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
