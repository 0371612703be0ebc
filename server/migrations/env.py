"""Alembic env: migrate the connection handed over by ``server.migrate`` (or a URL).

``server.migrate.upgrade`` puts an open connection in ``config.attributes["connection"]``;
the ``sqlalchemy.url`` main option is the fallback for running ``alembic`` by hand.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from server.tables import metadata

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; migrate a live database")
run_migrations_online()
