"""Server settings: one frozen value built by the CLI (or a test) and handed to ``create_app``.

The default database is an SQLite file in the user's data directory, so ``chartside-server
serve`` works on one machine with no setup. Production passes ``--db postgresql+psycopg://...``.
The environment variable ``CHARTSIDE_SERVER_DB`` overrides the default URL.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from syncwire import MAX_BODY_BYTES, MAX_CHANGES_PER_BATCH

APP_DIR_NAME = "chartside-server"
DB_ENV_VAR = "CHARTSIDE_SERVER_DB"


@dataclass(frozen=True)
class Settings:
    """Everything the running app needs to know besides its database engine.

    ``rate_per_second``/``rate_burst`` form one token bucket per device token;
    ``enroll_per_minute``/``enroll_burst`` one per client address on ``POST /v1/enroll``.
    ``serialize_pushes`` queues the pushes of one account (``server.db.AdmissionLock``: an
    in-process lock, plus a PostgreSQL advisory lock that also covers other processes) so
    they wait instead of aborting each other under SERIALIZABLE. Correctness never depends
    on it; tests turn it off to exercise the database path alone.
    """

    database_url: str
    max_body_bytes: int = MAX_BODY_BYTES
    max_changes_per_batch: int = MAX_CHANGES_PER_BATCH
    rate_per_second: float = 20.0
    rate_burst: int = 60
    enroll_per_minute: float = 10.0
    enroll_burst: int = 10
    serialize_pushes: bool = True
    # Online booking (issue 19, docs/booking.md): public endpoints, limited per client address.
    booking_pow_bits: int = 16
    booking_per_minute: float = 6.0
    booking_burst: int = 6
    booking_reads_per_second: float = 2.0
    booking_reads_burst: int = 60
    booking_max_pending: int = 200


def user_data_dir() -> Path:
    """Per-user data directory of the server on this OS (not created here), by platformdirs:
    ``$XDG_DATA_HOME/chartside-server`` (``~/.local/share/chartside-server``) on Linux,
    ``%LOCALAPPDATA%\\Chartside Server`` on Windows, ``~/Library/Application Support/Chartside
    Server`` on macOS."""
    name = APP_DIR_NAME if sys.platform.startswith("linux") else "Chartside Server"
    return Path(platformdirs.user_data_dir(name, appauthor=False))


def default_database_url() -> str:
    """``$CHARTSIDE_SERVER_DB`` if set, else an SQLite file in ``user_data_dir()``."""
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return env
    return f"sqlite:///{user_data_dir() / 'server.sqlite3'}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file behind an ``sqlite:///path`` URL, or None for memory or non-SQLite URLs."""
    if not is_sqlite(url):
        return None
    _, _, rest = url.partition(":///")
    rest = rest.split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)
