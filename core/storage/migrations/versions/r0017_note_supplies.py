"""The supplies a note uses (issue 20).

Revision ID: r0017
Revises: r0016

``notes.supplies``: NULL while the usage templates decide what the note uses; the clinician's
list (item and quantity in the item's unit) once changed on the note; frozen at signing to what
signing recorded. A nullable column added in place: no existing row changes (the signed-note
trigger is not involved).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0017"
down_revision = "r0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notes", recreate="never") as batch:
        batch.add_column(sa.Column("supplies", sa.Text(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
