"""Initial schema: accounts, devices, enrollment codes, change log, batches, key mailbox.

Also installs the immutability triggers: ``change_log``, ``signed_record`` and ``push_batch``
reject UPDATE and DELETE (and TRUNCATE on PostgreSQL), and ``account_counter.last_seq`` may
only grow. Written out in full rather than imported from ``server.tables`` so that this
revision stays what it was when later revisions change the tables.

Revision ID: 0001
Revises:
Create Date: 2026-05-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("change_log", "signed_record", "push_batch")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_account"),
        sa.UniqueConstraint("name", name="uq_account_name"),
    )
    op.create_table(
        "account_counter",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_account_counter"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_account_counter_account_id_account"
        ),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=True),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
        _ts("created_at"),
        _ts("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_device"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_device_account_id_account"
        ),
        sa.UniqueConstraint("token_hash", name="uq_device_token_hash"),
    )
    op.create_index("ix_device_account_id", "device", ["account_id"])
    op.create_table(
        "enroll_code",
        sa.Column("code_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name="pk_enroll_code"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_enroll_code_account_id_account"
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name="fk_enroll_code_device_id_device"
        ),
    )
    op.create_table(
        "change_log",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("parent_ids", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.LargeBinary(32), nullable=False),
        _ts("received_at"),
        sa.PrimaryKeyConstraint("account_id", "seq", name="pk_change_log"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_change_log_account_id_account"
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name="fk_change_log_device_id_device"
        ),
        sa.UniqueConstraint("account_id", "change_id", name="uq_change_log_account_id_change_id"),
        sa.UniqueConstraint("account_id", "version_id", name="uq_change_log_account_id_version_id"),
    )
    op.create_index("ix_change_log_account_id_record_id", "change_log", ["account_id", "record_id"])
    op.create_table(
        "signed_record",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "record_id", name="pk_signed_record"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_signed_record_account_id_account"
        ),
    )
    op.create_table(
        "push_batch",
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("request_digest", sa.LargeBinary(32), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("device_id", "batch_id", name="pk_push_batch"),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name="fk_push_batch_device_id_device"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_push_batch_account_id_account"
        ),
    )
    op.create_table(
        "wrapped_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("sender_device_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_device_id", sa.Uuid(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("scheme", sa.String(32), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.Column("sender_public_key", sa.LargeBinary(), nullable=True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_wrapped_key"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_wrapped_key_account_id_account"
        ),
        sa.ForeignKeyConstraint(
            ["sender_device_id"], ["device.id"], name="fk_wrapped_key_sender_device_id_device"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_device_id"],
            ["device.id"],
            name="fk_wrapped_key_recipient_device_id_device",
        ),
    )
    op.create_index("ix_wrapped_key_recipient_device_id", "wrapped_key", ["recipient_device_id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers() -> None:
    op.execute(
        """
        CREATE FUNCTION chartside_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'table % is append-only (% refused)', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION chartside_counter_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.last_seq < OLD.last_seq THEN
                RAISE EXCEPTION 'account_counter.last_seq may only grow'
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION chartside_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION chartside_append_only()"
        )
    op.execute(
        "CREATE TRIGGER account_counter_forward BEFORE UPDATE ON account_counter "
        "FOR EACH ROW EXECUTE FUNCTION chartside_counter_forward()"
    )


def _sqlite_triggers() -> None:
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END"
            )
    op.execute(
        "CREATE TRIGGER account_counter_forward BEFORE UPDATE ON account_counter "
        "WHEN NEW.last_seq < OLD.last_seq "
        "BEGIN SELECT RAISE(ABORT, 'account_counter.last_seq may only grow'); END"
    )


def downgrade() -> None:
    raise NotImplementedError("the sync server's history is append-only; restore a backup")
