"""The body diagram of a note (issue 18).

Revision ID: r0025
Revises: r0024

``notes.body_marks``: the findings marked on the note's front/back outline
(``core.domain.body``), NULL when there are none. A nullable column added in place: no
existing row changes, so no signed note's content changes (the signed-note trigger is not
involved) and their snapshots still verify.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0025"
down_revision = "r0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notes", recreate="never") as batch:
        batch.add_column(sa.Column("body_marks", sa.Text(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
