"""The codes a prepaid package covers (issue 14).

Revision ID: r0020
Revises: r0019

``packages.covered_codes``: JSON list of the procedure codes a package pays for (a visit draws
only their charge from it; the rest stays on the patient's balance). NULL (every package sold
before this revision) or an empty list: the package covers every code, as before. A nullable
column added in place: no existing row changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0020"
down_revision = "r0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("packages", recreate="never") as batch:
        batch.add_column(sa.Column("covered_codes", sa.Text(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
