"""``chartside-server``: admin commands, migrate, and a real ``serve`` process on loopback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from server_helpers import generous
from sqlalchemy import Engine

from server import migrate
from server.app import create_app
from server.cli import main
from server.pgtemp import TempCluster, free_port

REPO = Path(__file__).resolve().parents[2]
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_admin_flow(db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "create-account", "Riverside PT", "--db", db_url)
    assert status == 0 and "Riverside PT" in out
    status, _, err = run(capsys, "create-account", "Riverside PT", "--db", db_url)
    assert status == 1 and "already exists" in err

    status, out, _ = run(
        capsys, "enroll-code", "Riverside PT", "--db", db_url, "--ttl-minutes", "5"
    )
    assert status == 0 and "expires" in out
    match = CODE.search(out)
    assert match is not None

    with TestClient(create_app(generous(db_url), engine)) as client:
        enrolled = client.post("/v1/enroll", json={"code": match.group(), "device_name": "desk"})
        assert enrolled.status_code == 201
        device_id = enrolled.json()["device_id"]
        headers = {"Authorization": f"Bearer {enrolled.json()['token']}"}

        status, out, _ = run(capsys, "list-devices", "Riverside PT", "--db", db_url)
        assert status == 0 and device_id in out and "active" in out
        status, out, _ = run(capsys, "revoke-device", device_id, "--db", db_url)
        assert status == 0 and "revoked" in out
        assert client.get("/v1/devices", headers=headers).json()["error"] == "device_revoked"

    status, _, err = run(capsys, "enroll-code", "Nowhere PT", "--db", db_url)
    assert status == 1 and "no account" in err
    status, _, err = run(capsys, "revoke-device", "not-a-uuid", "--db", db_url)
    assert status == 1 and "not a device id" in err


def test_migrate_creates_a_fresh_sqlite_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'server.sqlite3'}"
    status, out, _ = run(capsys, "migrate", "--db", url)
    assert status == 0 and migrate.head_revision() in out
    status, _, err = run(capsys, "migrate", "--db", url, "--app-role", "someone")
    assert status == 1 and "PostgreSQL only" in err


def test_unmigrated_postgresql_is_refused(
    pg_cluster: TempCluster,
    engine_for: Callable[[str], Engine],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = pg_cluster.create_database(f"empty_{os.getpid()}_{time.monotonic_ns()}")
    status, _, err = run(capsys, "create-account", "X", "--db", url)
    assert status == 1 and "migrate" in err
    status, _, _ = run(capsys, "migrate", "--db", url)
    assert status == 0
    assert migrate.is_current(engine_for(url))


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "server.cli", "serve", "--db", url, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert response.json() == {"status": "ok", "protocol": 1}
        assert "server" not in response.headers
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()


def test_default_database_is_in_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.config import DB_ENV_VAR, default_database_url

    monkeypatch.delenv(DB_ENV_VAR, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_database_url() == f"sqlite:///{tmp_path / 'chartside-server' / 'server.sqlite3'}"
    monkeypatch.setenv(DB_ENV_VAR, "postgresql+psycopg://app@/chartside")
    assert default_database_url() == "postgresql+psycopg://app@/chartside"


def test_migration_0002_gives_existing_accounts_their_first_epoch(tmp_path: Path) -> None:
    """Accounts made before log identity (issue 22) get an epoch and keep serving pulls."""
    import uuid as _uuid

    from alembic import command
    from sqlalchemy import select, text

    from server import migrate
    from server.db import make_engine
    from server.tables import log_epoch

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        config = migrate._config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
        account = _uuid.uuid4()
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO account (id, name, created_at) VALUES (:i, 'Old PT', 0)"),
                {"i": account.hex},
            )
            conn.execute(
                text("INSERT INTO account_counter (account_id, last_seq) VALUES (:i, 0)"),
                {"i": account.hex},
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(log_epoch.c.account_id, log_epoch.c.reason)).all()
        assert rows == [(account, "migration")]
    finally:
        engine.dispose()
