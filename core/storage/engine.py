"""The one way to open a chart database: SQLCipher with a raw key, through SQLAlchemy.

``create_engine("sqlite://", creator=..., module=sqlcipher3)`` rather than the
``sqlite+pysqlcipher`` URL dialect: the dialect would put the secret in a URL and re-issue
``PRAGMA key`` itself. Passing ``module`` makes SQLAlchemy wrap sqlcipher3's exceptions.

Every connection sets the key first (SQLCipher ≥ 4.7 requires it before any statement), then
``foreign_keys``, WAL and ``synchronous=FULL`` (durable commits:
NORMAL may lose the last transaction on power loss). One pooled connection: the desktop's
database worker owns it; the pool never grows.

The driver runs in autocommit mode and we emit ``BEGIN IMMEDIATE`` ourselves, so that a unit of
work takes the write lock up front (the audit chain reads its head and appends in one go) and
SQLAlchemy's transaction boundaries are the real ones (the pysqlite recipe in SQLAlchemy's docs).

``cipher_memory_security`` is off unless ``CHARTSIDE_CIPHER_MEMORY_SECURITY=1``. It mlocks and
wipes every allocation SQLite makes — about 5,500 mlock/munlock pairs per saved note, ×3.4 on
inserts and ×4.3 on warm reads measured in 2026-12 — while the key and decrypted records also
live in Python objects it cannot reach. SQLCipher itself turned it off by default in 4.5.0, and
once on it stays on for the whole process. What it protects against (pages in swap or a core
dump) we cover instead with core dumps disabled at start (``core.storage.hardening``) and encrypted
swap recommended in docs/security.md; ``bench/bench_cipher.py`` measures both settings, each in
its own clean process.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool, QueuePool

from core.storage.keys import wipe


def memory_security() -> bool:
    """Whether connections turn on SQLCipher's memory security (opt-in, see the docstring)."""
    return os.environ.get("CHARTSIDE_CIPHER_MEMORY_SECURITY", "").strip().lower() in (
        "1", "on", "true", "yes")


def apply_memory_security(conn: Any) -> None:
    """``PRAGMA cipher_memory_security = ON`` on a keyed connection when opted in."""
    if memory_security():
        conn.execute("PRAGMA cipher_memory_security = ON")


class KeyHolder:
    """Holds the raw key in a ``bytearray`` so ``lock`` can zero it."""

    def __init__(self, key: bytearray) -> None:
        self._key: bytearray | None = key

    def pragma(self) -> str:
        if self._key is None:
            raise RuntimeError("The chart is locked.")
        return f"PRAGMA key = \"x'{self._key.hex()}'\""

    def wipe(self) -> None:
        wipe(self._key)
        self._key = None

    @property
    def wiped(self) -> bool:
        return self._key is None

    def copy(self) -> bytearray:
        """A copy of the raw key, for wrapping it for another user; the caller wipes it."""
        if self._key is None:
            raise RuntimeError("The chart is locked.")
        return bytearray(self._key)

    def subkey(self, label: bytes) -> bytes:
        """A key for one purpose derived from the chart key (HMAC-SHA256(key, label), the
        HKDF-Expand step with one block): tamper seals use it, never the database key itself."""
        if self._key is None:
            raise RuntimeError("The chart is locked.")
        return hmac.new(bytes(self._key), b"chartside/" + label, hashlib.sha256).digest()


def connect_raw(path: Path, keys: KeyHolder, *, plain: bool = False) -> Any:
    """A DB-API connection with the key and pragmas applied (used by the pool and by tests)."""
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    if not plain:
        conn.execute(keys.pragma())
        apply_memory_security(conn)
    # Before the first statement that reads the file: a backup's reader connection may open
    # while a writer or a checkpoint holds the WAL lock, and must wait rather than fail.
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
    if mode is None or str(mode[0]).lower() != "wal":
        conn.close()
        raise sqlcipher3.DatabaseError("could not enable WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def make_engine(path: Path, keys: KeyHolder, *, plain: bool = False) -> Engine:
    """An engine over one keyed connection (``plain=True``: unencrypted benchmark baseline)."""
    engine = create_engine(
        "sqlite://",
        module=sqlcipher3,
        creator=lambda: connect_raw(path, keys, plain=plain),
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=30,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def connect_readonly(path: Path, keys: KeyHolder) -> Any:
    """A keyed, read-only connection that writes nothing beside the file (used to verify backups).

    Backups are stored in rollback-journal mode, so a read-only open needs no ``-wal``/``-shm``.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlcipher3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    conn.execute(keys.pragma())
    apply_memory_security(conn)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA query_only = ON")
    return conn


def readonly_engine(path: Path, keys: KeyHolder) -> Engine:
    """An engine over ``connect_readonly`` (no pool: opened for one check, then disposed)."""
    return create_engine(
        "sqlite://",
        module=sqlcipher3,
        creator=lambda: connect_readonly(path, keys),
        poolclass=NullPool,
    )
