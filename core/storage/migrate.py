"""Schema migrations with Alembic, run on the keyed connection (no URL, no passphrase anywhere).

A brand-new chart does not replay the migrations one by one: ``create_fresh`` runs them once
per process into a plain in-memory database and copies the result (every table, index,
trigger and view as SQLite recorded it, and any rows the migrations wrote) into the new chart
in one transaction. Replaying 26 revisions through Alembic cost ~0.3 s per chart, 95 % of
creating one (mostly building SQLAlchemy objects, not SQL); the copy costs a few milliseconds.
Existing charts still upgrade through ``upgrade``. ``tests/integration/test_fresh_schema.py``
proves the copy is the migrated schema, object by object.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> None:
    """Upgrade the chart to ``target`` inside one transaction on the engine's connection."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


def create_fresh(engine: Engine) -> None:
    """Give an empty chart the head schema (see the module docstring), in one transaction."""
    statements, rows = _fresh_schema()
    with engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
        for table, columns, values in rows:
            marks = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            conn.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)


Rows = list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]


@functools.cache
def _fresh_schema() -> tuple[tuple[str, ...], Rows]:
    """The head schema's DDL in a safe order (tables, then indexes, views, triggers) and the
    rows the migrations inserted, read from a plain in-memory database they just ran on."""
    import sqlcipher3
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import StaticPool

    def connect() -> Any:
        conn = sqlcipher3.connect(":memory:", check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    engine = create_engine("sqlite://", module=sqlcipher3, creator=connect,
                           poolclass=StaticPool)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        upgrade(engine)
        with engine.connect() as conn:
            objects = conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").all()
            virtual = [name for kind, name, sql in objects
                       if kind == "table" and sql.upper().startswith("CREATE VIRTUAL TABLE")]

            def shadow(kind: str, name: str) -> bool:  # made by its virtual table's CREATE
                return kind == "table" and any(name.startswith(v + "_") for v in virtual)

            order = {"table": 0, "index": 1, "view": 2, "trigger": 3}
            kept = [(kind, name, sql) for kind, name, sql in objects if not shadow(kind, name)]
            kept.sort(key=lambda o: order.get(o[0], 4))  # stable: creation order within a kind
            rows: Rows = []
            for kind, name, _sql in kept:
                if kind != "table" or name in virtual:
                    continue
                result = conn.exec_driver_sql(f'SELECT * FROM "{name}"')
                found = [tuple(r) for r in result]
                if found:
                    rows.append((name, tuple(result.keys()), found))
    finally:
        engine.dispose()
    return tuple(sql for _kind, _name, sql in kept), rows
