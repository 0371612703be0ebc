"""Where a visit took place and who the practice is on a claim.

Revision ID: r0007
Revises: r0006

- ``visits.address``: the one-line address of a home visit (POS 12), where the clinician went.
  Empty for office and telehealth visits (and for home visits charted before this revision).
- ``visits.telehealth_modality``: ``"audio_video"`` or ``"audio_only"`` for a telehealth visit
  (POS 02/10), NULL otherwise.
- ``practices.license_number`` (the practice or facility licence, if the state issues one) and
  ``practices.taxonomy_code`` (the NUCC provider taxonomy, CMS-1500 item 33b with qualifier
  ZZ, e.g. 225100000X for a physical therapist).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visits", recreate="never") as batch:
        batch.add_column(sa.Column("address", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("telehealth_modality", sa.String(12)))
    with op.batch_alter_table("practices", recreate="never") as batch:
        batch.add_column(sa.Column("license_number", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("taxonomy_code", sa.String(10)))


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
