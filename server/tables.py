"""The server's tables as SQLAlchemy Core metadata (the current schema; Alembic owns history).

Every timestamp is an integer of Unix milliseconds (UTC) so SQLite and PostgreSQL agree.
``change_log``, ``signed_record`` and ``push_batch`` are append-only: triggers created by the
migration reject UPDATE and DELETE on both databases (see ``server.migrations``).
``tests/server/test_migrations.py`` checks that the migrated schema matches this metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

APPEND_ONLY_TABLES = ("change_log", "signed_record", "push_batch")

account = Table(
    "account",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
)

account_counter = Table(
    "account_counter",
    metadata,
    Column("account_id", Uuid, ForeignKey("account.id"), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

log_epoch = Table(
    "log_epoch",
    metadata,
    Column("account_id", Uuid, ForeignKey("account.id"), primary_key=True),
    Column("epoch", Uuid, nullable=False),  # random; new on every restore or migration
    Column("since", BigInteger, nullable=False),
    Column("reason", String(32), nullable=False),  # created / restore / migration / operator
)

device = Table(
    "device",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("public_key", LargeBinary, nullable=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
)

enroll_code = Table(
    "enroll_code",
    metadata,
    Column("code_hash", LargeBinary(32), primary_key=True),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger, nullable=True),
    Column("device_id", Uuid, ForeignKey("device.id"), nullable=True),
)

change_log = Table(
    "change_log",
    metadata,
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("change_id", Uuid, nullable=False),
    Column("device_id", Uuid, ForeignKey("device.id"), nullable=False),
    Column("batch_id", Uuid, nullable=False),
    Column("record_id", Uuid, nullable=False),
    Column("entity", String(32), nullable=False),
    Column("version_id", Uuid, nullable=False),
    Column("parent_ids", Text, nullable=False),  # JSON list of UUID strings
    Column("kind", String(32), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("digest", LargeBinary(32), nullable=False),  # SHA-256 of the canonical change
    Column("received_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "seq"),
    UniqueConstraint("account_id", "change_id"),
    UniqueConstraint("account_id", "version_id"),
    Index(None, "account_id", "record_id"),
)

signed_record = Table(
    "signed_record",
    metadata,
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    Column("record_id", Uuid, nullable=False),
    Column("version_id", Uuid, nullable=False),
    Column("seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "record_id"),
)

push_batch = Table(
    "push_batch",
    metadata,
    Column("device_id", Uuid, ForeignKey("device.id"), nullable=False),
    Column("batch_id", Uuid, nullable=False),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    Column("request_digest", LargeBinary(32), nullable=False),
    Column("response", LargeBinary, nullable=False),  # the exact bytes first sent
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("device_id", "batch_id"),
)

wrapped_key = Table(
    "wrapped_key",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    Column("sender_device_id", Uuid, ForeignKey("device.id"), nullable=False),
    Column("recipient_device_id", Uuid, ForeignKey("device.id"), nullable=False, index=True),
    Column("key_id", String(64), nullable=False),
    Column("scheme", String(32), nullable=False),
    Column("blob", LargeBinary, nullable=False),
    Column("sender_public_key", LargeBinary, nullable=True),
    Column("created_at", BigInteger, nullable=False),
)

# --- 0003: online booking (issue 19) --------------------------------------------------------
# What the server may see is listed in docs/booking.md: the published page (free slots, services,
# intake questions, the practice's public key) and, per request, the slot it holds, timestamps
# and a ciphertext only the practice can open (dropped once the request is answered).

booking_page = Table(
    "booking_page",
    metadata,
    Column("account_id", Uuid, ForeignKey("account.id"), primary_key=True),
    Column("slug", String(32), nullable=False, unique=True),
    Column("public_key", LargeBinary, nullable=False),
    Column("sealed_secret", LargeBinary, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("snapshot", Text, nullable=False),  # JSON of syncwire.booking.BookingSnapshot
    Column("hold_hours", Integer, nullable=False),
    Column("published_at", BigInteger, nullable=False),
)

booking_request = Table(
    "booking_request",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("account.id"), nullable=False),
    Column("slot_id", String(40), nullable=False),
    Column("service", String(40), nullable=False),
    Column("start", String(16), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("envelope", Text, nullable=True),  # JSON {v, epk, iv, ct}; NULL once answered
    Column("pow_digest", LargeBinary(32), nullable=False, unique=True),
    Column("status", String(16), nullable=False),  # pending / accepted / declined
    Column("created_at", BigInteger, nullable=False),
    Column("held_until", BigInteger, nullable=False),
    Column("decided_at", BigInteger, nullable=True),
    Index(None, "account_id", "slot_id"),
)
