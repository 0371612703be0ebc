"""Engines and transactions: the only place that knows how each database isolates writers.

Contracts:

* ``make_engine(url)`` accepts ``sqlite:///path`` (embedded default) and
  ``postgresql+psycopg://...`` (production). SQLite gets WAL, ``synchronous=FULL`` (a push is
  durable before it is acknowledged), foreign keys and a busy timeout.
* ``write_transaction(engine, fn)`` runs ``fn(conn)`` in one transaction and commits it.
  PostgreSQL: SERIALIZABLE, and the whole function is re-run on SQLSTATE 40001
  (serialization failure) or 40P01 (deadlock), with jittered exponential back-off. SQLite:
  ``BEGIN IMMEDIATE`` (the database-wide write lock is taken up front, so a transaction never
  fails half-way on lock upgrade), re-run on "database is locked". ``fn`` must therefore be
  free of side effects outside the connection. After ``attempts`` failures → ``ServiceBusy``.
* ``read_transaction(engine, fn)``: PostgreSQL REPEATABLE READ READ ONLY, SQLite a deferred
  ``BEGIN`` (a WAL snapshot): every read inside ``fn`` sees one consistent state.
* ``AdmissionLock`` + ``write_transaction(..., advisory_key=...)`` queue the writers of one
  account (in process, and across processes through a PostgreSQL advisory lock) so that they
  wait instead of aborting each other; an optimisation, never needed for correctness.
Thread-safe: engines are shared by the server's worker threads.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError

from server.config import is_sqlite

T = TypeVar("T")

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
_READONLY = "chartside_readonly"


class ServiceBusy(Exception):
    """Contention outlasted every retry; the API answers 503 ``service_busy``."""


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine configured for this server's transaction discipline (see module docstring)."""
    if is_sqlite(url):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        # psycopg prepares a statement after 5 runs, and PostgreSQL may then switch to a
        # generic plan; for the push's 500-value IN lists that plan scanned the whole account
        # (measured 10x slower). Plan every statement with its real values instead.
        connect_args={"prepare_threshold": None},
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module so BEGIN is ours (see on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    readonly = conn.get_execution_options().get(_READONLY, False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def is_retryable(exc: BaseException) -> bool:
    """True for errors that a fresh attempt of the same transaction may not hit again."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database is busy" in text


def backoff(attempt: int) -> None:
    """Sleep a random time below an exponentially growing cap (5 ms · 2^attempt, ≤ 250 ms)."""
    time.sleep(random.uniform(0, min(0.25, 0.005 * 2**attempt)))


def write_transaction(
    engine: Engine,
    fn: Callable[[Connection], T],
    *,
    attempts: int = 30,
    advisory_key: int | None = None,
) -> T:
    """Run ``fn`` in a serializable write transaction, retrying on conflicts; see module doc.

    ``advisory_key`` (PostgreSQL only, ignored on SQLite): hold the session-level advisory
    lock of that key around each attempt. It is taken in its own short transaction *before*
    the SERIALIZABLE transaction starts, so the transaction's snapshot is taken after the
    previous holder committed: writers of one key queue instead of aborting each other.
    (A lock taken inside the transaction would come after its snapshot and not help.)
    """
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "SERIALIZABLE"
    else:
        advisory_key = None
    return _run(engine, fn, options, attempts, advisory_key)


def read_transaction(engine: Engine, fn: Callable[[Connection], T], *, attempts: int = 5) -> T:
    """Run ``fn`` in a read-only snapshot transaction; see module doc."""
    options: dict[str, Any] = {_READONLY: True}
    if engine.dialect.name == "postgresql":
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return _run(engine, fn, options, attempts, None)


def advisory_key(value: uuid.UUID) -> int:
    """A signed 64-bit PostgreSQL advisory-lock key for a UUID (collisions only serialise)."""
    return int.from_bytes(value.bytes[:8], "big", signed=True)


def _run(
    engine: Engine,
    fn: Callable[[Connection], T],
    options: dict[str, Any],
    attempts: int,
    lock_key: int | None,
) -> T:
    for attempt in range(attempts):
        try:
            with engine.connect() as raw:
                conn = raw.execution_options(**options)
                if lock_key is None:
                    with conn.begin():
                        return fn(conn)
                with _advisory_lock(conn, lock_key), conn.begin():
                    return fn(conn)
        except DBAPIError as exc:
            if not is_retryable(exc):
                raise
            if attempt == attempts - 1:
                raise ServiceBusy("the database stayed busy; retry later") from exc
        backoff(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def _advisory_lock(conn: Connection, key: int) -> Iterator[None]:
    with conn.begin():
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
    try:
        yield
    finally:
        try:
            with conn.begin():
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        except DBAPIError:
            # A broken session releases its locks when it closes: make sure it closes.
            conn.invalidate()


class AdmissionLock:
    """Admission control for pushes: writers of one account queue instead of aborting.

    When enabled: an in-process lock per account (one lock for SQLite, which has one writer)
    and, on PostgreSQL, a session advisory lock per account taken before the SERIALIZABLE
    transaction (``write_transaction``), which also queues other server processes.
    Correctness never depends on it: disabled, SERIALIZABLE + retry alone keeps the log right
    (the concurrency tests run both ways), only with more aborted attempts under load.
    """

    def __init__(self, *, enabled: bool, one_for_all: bool) -> None:
        self.enabled = enabled
        self._one_for_all = one_for_all
        self._locks: dict[uuid.UUID | None, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, account_id: uuid.UUID) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        key = None if self._one_for_all else account_id
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield


def now_ms() -> int:
    """Current UTC time in Unix milliseconds, the unit of every stored timestamp."""
    return time.time_ns() // 1_000_000
