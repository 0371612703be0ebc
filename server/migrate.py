"""Schema migrations (Alembic, run programmatically) and the PostgreSQL app-role grants.

* ``upgrade(engine)`` brings a database to the newest revision; idempotent.
* ``is_current(engine)`` tells whether it is there (``serve`` refuses a stale PostgreSQL
  schema rather than migrate with the app role's rights).
* ``grant_app_role(engine, role)`` gives an existing PostgreSQL role exactly what the server
  needs: SELECT/INSERT on the append-only tables and REVOKEs UPDATE, DELETE and TRUNCATE on
  them, so even a compromised server process cannot rewrite history (the triggers stop the
  owner too; the REVOKE is the second, independent fence).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from server.tables import APPEND_ONLY_TABLES

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MUTABLE_TABLES = (
    "account",
    "account_counter",
    "log_epoch",
    "device",
    "enroll_code",
    "wrapped_key",
)


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def upgrade(engine: Engine) -> None:
    """Apply every pending revision in one transaction (PostgreSQL DDL is transactional)."""
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def grant_app_role(engine: Engine, role: str) -> None:
    """Grant ``role`` the server's rights; PostgreSQL only, the role must already exist."""
    if engine.dialect.name != "postgresql":
        raise ValueError("app-role grants apply to PostgreSQL only")
    with engine.begin() as conn:
        quoted = conn.dialect.identifier_preparer.quote(role)
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
        conn.execute(text(f"GRANT SELECT ON alembic_version TO {quoted}"))
        mutable = ", ".join(MUTABLE_TABLES)
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE ON {mutable} TO {quoted}"))
        append_only = ", ".join(APPEND_ONLY_TABLES)
        conn.execute(text(f"GRANT SELECT, INSERT ON {append_only} TO {quoted}"))
        conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {append_only} FROM {quoted}"))
        conn.execute(text(f"REVOKE DELETE, TRUNCATE ON {mutable} FROM {quoted}"))
