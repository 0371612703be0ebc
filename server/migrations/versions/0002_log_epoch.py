"""Log identity: each account's change log has an epoch, new on every restore or migration.

A pull names the epoch its cursor came from; the server answers 409 ``resync_required`` when
it is not the current one (docs/server.md §1, "Log identity"). Accounts that exist when this
revision runs get their first epoch here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    log_epoch = op.create_table(
        "log_epoch",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("epoch", sa.Uuid(), nullable=False),
        sa.Column("since", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_log_epoch"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_log_epoch_account_id_account"
        ),
    )
    bind = op.get_bind()
    accounts = bind.execute(sa.text("SELECT id FROM account")).scalars().all()
    if accounts:
        op.bulk_insert(
            log_epoch,
            [
                {
                    "account_id": a if isinstance(a, uuid.UUID) else uuid.UUID(str(a)),
                    "epoch": uuid.uuid4(),
                    "since": 0,  # when the log began is not recorded
                    "reason": "migration",
                }
                for a in accounts
            ],
        )


def downgrade() -> None:
    op.drop_table("log_epoch")
