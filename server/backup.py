"""Backing up and restoring the server's database, and giving a restored log a new epoch.

Contract:

* ``backup(url, dest)`` writes a consistent copy while the server runs: SQLite through the
  online backup API (pages copied under a read lock, so a half-written push is never in the
  copy), PostgreSQL through ``pg_dump --format=custom`` (one REPEATABLE READ snapshot). The
  copy is written beside ``dest``, checked (SQLite ``integrity_check``; ``pg_restore --list``),
  made owner-only and then renamed into place, so ``dest`` is either complete or absent.
* ``restore(url, src, keep_copy_dir)`` first backs up the current database into
  ``keep_copy_dir`` (a restore is never the only copy of anything), then replaces the
  database with the backup (SQLite: the backup API into the live file; PostgreSQL:
  ``pg_restore --clean --if-exists --single-transaction``, all or nothing), migrates it to the
  current schema, and gives every account's log a **new epoch**. Devices name the epoch with
  every pull, so each one notices that the log went back in time, re-pushes every version
  the restored log lacks and pulls the log again (docs/sync.md §3, "Log identity").
* ``new_epochs(engine, reason)`` is that last step alone, for logs changed by other means
  (point-in-time recovery, a hand-made copy that is not the newest state).

Stop ``serve`` during a PostgreSQL restore: ``pg_restore --clean`` drops and recreates the
tables, which waits for open transactions. An SQLite restore may run beside a running server.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.engine import make_url

from server import migrate
from server.config import is_sqlite, sqlite_path
from server.db import make_engine, now_ms, write_transaction
from server.tables import account, account_counter, log_epoch

PG_BIN_ENV = "CHARTSIDE_PG_BIN"


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why and nothing was changed."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    accounts: int
    changes: int


@dataclass(frozen=True)
class RestoreInfo:
    restored_from: Path
    kept_copy: Path
    accounts: int
    changes: int


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(account_counter.c.last_seq)).scalars().all()
    return len(rows), int(sum(rows))


def _finish(tmp: Path, dest: Path) -> None:
    os.chmod(tmp, 0o600)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, dest)


# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return path


def _check_sqlite(path: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc})") from exc
    if not ok or ok[0] != "ok":
        raise BackupError(f"{path} failed its integrity check")
    if not {"alembic_version", "change_log", "account_counter"} <= tables:
        raise BackupError(f"{path} is not a Chartside server database")


def _sqlite_copy(source: Path, dest: Path) -> None:
    src = sqlite3.connect(source)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()


# -- PostgreSQL --------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    directory = os.environ.get(PG_BIN_ENV)
    found = str(Path(directory) / name) if directory else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(
            f"{name} was not found (install the PostgreSQL client or set {PG_BIN_ENV})"
        )
    return found


def _pg_target(url: str) -> tuple[str, dict[str, str]]:
    """(libpq URI without the password, environment carrying it): never in argv."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    bare = parsed.set(drivername="postgresql", password=None)
    return bare.render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise BackupError(f"{what} failed: {reason}")
    return result.stdout


def _pg_dump(url: str, dest: Path) -> None:
    target, env = _pg_target(url)
    _run([_pg_tool("pg_dump"), "--format=custom", f"--file={dest}", target], env, "pg_dump")
    listing = _run([_pg_tool("pg_restore"), "--list", str(dest)], env, "pg_restore --list")
    if "TABLE DATA public change_log" not in listing:
        raise BackupError("the dump holds no change log: not a Chartside server database")


def _pg_restore(url: str, src: Path) -> None:
    target, env = _pg_target(url)
    listing = _run([_pg_tool("pg_restore"), "--list", str(src)], env, "pg_restore --list")
    if "TABLE DATA public change_log" not in listing:
        raise BackupError(f"{src} is not a backup of a Chartside server database")
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={target}",
            str(src),
        ],
        env,
        "pg_restore",
    )


# -- the commands ------------------------------------------------------------------------------


def backup(url: str, dest: Path) -> BackupInfo:
    """A consistent, verified copy of the server database at ``dest`` (see module doc)."""
    dest = dest.resolve()
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.part")
    try:
        if is_sqlite(url):
            source = _sqlite_file(url)
            if not source.exists():
                raise BackupError(f"no server database at {source}")
            _sqlite_copy(source, tmp)
            _check_sqlite(tmp)
        else:
            _pg_dump(url, tmp)
        _finish(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    engine = make_engine(url)
    try:
        accounts, changes = _counts(engine)
    finally:
        engine.dispose()
    return BackupInfo(dest, dest.stat().st_size, accounts, changes)


def new_epochs(engine: Engine, reason: str) -> int:
    """Give every account's log a new epoch; returns how many accounts."""

    def tx(conn: Connection) -> int:
        ids = conn.execute(select(account.c.id)).scalars().all()
        have = set(conn.execute(select(log_epoch.c.account_id)).scalars().all())
        now = now_ms()
        for account_id in ids:
            values = {"epoch": uuid.uuid4(), "since": now, "reason": reason}
            if account_id in have:
                conn.execute(
                    update(log_epoch).where(log_epoch.c.account_id == account_id).values(**values)
                )
            else:
                conn.execute(insert(log_epoch).values(account_id=account_id, **values))
        return len(ids)

    return write_transaction(engine, tx)


def restore(url: str, src: Path, keep_copy_dir: Path) -> RestoreInfo:
    """Replace the server database with the backup ``src`` (see module doc)."""
    src = src.resolve()
    if not src.is_file():
        raise BackupError(f"no backup at {src}")
    if is_sqlite(url):
        _check_sqlite(src)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if is_sqlite(url) else "dump"
    kept = keep_copy_dir.resolve() / f"pre-restore-{stamp}.{suffix}"
    backup(url, kept)
    if is_sqlite(url):
        _sqlite_copy(src, _sqlite_file(url))
    else:
        _pg_restore(url, src)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        new_epochs(engine, "restore")
        accounts, changes = _counts(engine)
    finally:
        engine.dispose()
    return RestoreInfo(src, kept, accounts, changes)
