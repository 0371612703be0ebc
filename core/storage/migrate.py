"""Schema migrations with Alembic, run on the keyed connection (no URL, no passphrase anywhere).

A brand-new chart does not replay the migrations one by one: ``create_fresh`` runs them once
per process into a plain in-memory database and copies the result into the new chart in one
transaction: every table as SQLite recorded it (a virtual table's shadow tables left to its
own CREATE), then any rows the migrations wrote, then the indexes, views and triggers, then
``user_version`` and ``application_id``. Replaying 26 revisions through Alembic cost ~0.3 s
per chart, 95 % of creating one (mostly building SQLAlchemy objects, not SQL); the copy costs
a few milliseconds. Existing charts still upgrade through ``upgrade``.
``tests/integration/test_fresh_schema.py`` proves the copy is the migrated schema, object by
object and row by row.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
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
    fresh = _fresh_schema()
    with engine.begin() as conn:
        for sql in fresh.tables:
            conn.exec_driver_sql(sql)
        # Rows before indexes and triggers, as the migrations' own inserts saw no trigger of a
        # later revision; foreign keys are checked at commit against the copied rows.
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table, columns, values in fresh.rows:
            marks = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            conn.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                                 list(values))
        for sql in fresh.rest:
            conn.exec_driver_sql(sql)
        for pragma, value in fresh.pragmas:
            conn.exec_driver_sql(f"PRAGMA {pragma} = {int(value)}")


@dataclass(frozen=True)
class FreshSchema:
    tables: tuple[str, ...]  # CREATE TABLE / VIRTUAL TABLE, in creation order
    rows: tuple[tuple[str, tuple[str, ...], tuple[tuple[Any, ...], ...]], ...]
    rest: tuple[str, ...]  # indexes, then views, then triggers, each in creation order
    pragmas: tuple[tuple[str, int], ...]  # user_version, application_id


@functools.cache
def _fresh_schema() -> FreshSchema:
    """The head schema read from a plain in-memory database the migrations just ran on."""
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
            # SQLite itself marks the tables a virtual table makes for itself ("shadow"):
            # its own CREATE VIRTUAL TABLE makes them again.
            shadows = {name for _schema, name, kind, *_ in
                       conn.exec_driver_sql("PRAGMA main.table_list") if kind == "shadow"}
            objects = [(kind, name, sql) for kind, name, sql in conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid")
                       if name not in shadows]
            tables = [(name, sql) for kind, name, sql in objects if kind == "table"]
            order = {"index": 0, "view": 1, "trigger": 2}
            rest = sorted((o for o in objects if o[0] != "table"),
                          key=lambda o: order.get(o[0], 3))  # stable: creation order
            rows = []
            for name, sql in tables:
                if sql.upper().startswith("CREATE VIRTUAL TABLE"):
                    continue
                result = conn.exec_driver_sql(f'SELECT * FROM "{name}"')
                found = tuple(tuple(r) for r in result)
                if found:
                    rows.append((name, tuple(result.keys()), found))
            pragmas = tuple((p, int(conn.exec_driver_sql(f"PRAGMA {p}").scalar_one()))
                            for p in ("user_version", "application_id"))
    finally:
        engine.dispose()
    return FreshSchema(tuple(sql for _name, sql in tables), tuple(rows),
                       tuple(sql for _kind, _name, sql in rest), pragmas)
