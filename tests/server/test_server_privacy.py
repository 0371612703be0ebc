"""The server stores ciphertext only: a marker encrypted client-side never appears in its data.

The scan covers every stored value (through SQL) and the database's files on disk (SQLite
file + WAL; PostgreSQL relation files of the test database + WAL after a CHECKPOINT). A
control string sent in plaintext on purpose (the device name) must be found, which proves
the scan would have seen the marker had it been stored in the clear.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from server_helpers import Practice, child_of, make_change
from sqlalchemy import Engine, select, text

from server.config import sqlite_path
from server.pgtemp import TempCluster
from server.tables import metadata

MARKER = b"MARKER-7f3a Jane Roe DOB 1961-04-02 left knee pain"
CONTROL = "CONTROL-d41c front desk"


def _stored_values(engine: Engine) -> list[bytes]:
    values: list[bytes] = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        values.append(bytes(value))
                    elif value is not None:
                        values.append(str(value).encode())
    return values


def _database_files(engine: Engine, url: str, request: pytest.FixtureRequest) -> list[Path]:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        assert path is not None
        return [p for p in path.parent.glob(path.name + "*") if p.is_file()]
    cluster: TempCluster = request.getfixturevalue("pg_cluster")
    assert cluster.root is not None
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
        oid = conn.execute(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
    data = cluster.root / "data"
    files = [*(data / "base" / str(oid)).iterdir(), *(data / "pg_wal").glob("0*")]
    return [p for p in files if p.is_file()]


def test_no_plaintext_reaches_the_server(
    practice: Practice, engine: Engine, db_url: str, request: pytest.FixtureRequest
) -> None:
    device = practice.enroll(CONTROL)
    draft = make_change(plaintext=MARKER)
    signed = child_of(draft, kind="sign", plaintext=MARKER + b" (signed)")
    device.push_ok([draft, signed, child_of(signed, kind="addendum", plaintext=MARKER)])
    assert len(device.pull_all()) == 3

    values = _stored_values(engine)
    assert any(CONTROL.encode() in v for v in values), "scan does not see stored text"
    assert not any(MARKER in v for v in values)

    files = _database_files(engine, db_url, request)
    blobs = [f.read_bytes() for f in files]
    assert any(CONTROL.encode() in b for b in blobs), "scan does not see the files' text"
    assert not any(MARKER in b for b in blobs)
    assert not any(MARKER.hex().encode() in b for b in blobs)
