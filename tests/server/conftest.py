"""Fixtures for the sync-server tier: every ``db_url`` test runs on SQLite and PostgreSQL.

PostgreSQL is a throwaway cluster (``server.pgtemp``) started once per session on
127.0.0.1 and stopped at the end; each test gets a fresh database copied from a migrated
template (~30 ms). Without PostgreSQL binaries the ``postgresql`` cases are skipped with the
reason, except under ``CI`` (set by the CI runner), where that is a failure. SQLite tests
get a copy of a migrated file in their ``tmp_path``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from server_helpers import Practice, generous
from sqlalchemy import Engine

from server import migrate
from server.app import create_app
from server.db import make_engine
from server.pgtemp import TempCluster, find_pg_bin

PG_TEMPLATE = "chartside_template"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[TempCluster]:
    directory, reason = find_pg_bin()
    if directory is None:
        if os.environ.get("CI"):  # CI installs postgresql: a skip there would hide a gap
            pytest.fail(f"PostgreSQL not available in CI: {reason}")
        pytest.skip(f"PostgreSQL not available: {reason}")
    cluster = TempCluster()
    cluster.start()
    try:
        engine = make_engine(cluster.create_database(PG_TEMPLATE))
        migrate.upgrade(engine)
        engine.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "server.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _fresh_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "sqlite":
        path = tmp_path / "server.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    cluster: TempCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t_{uuid.uuid4().hex}", template=PG_TEMPLATE)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend in turn."""
    return _fresh_url(request.param, request, tmp_path)


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated SQLite database, for behaviour that does not depend on the backend."""
    return _fresh_url("sqlite", request, tmp_path)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated PostgreSQL database (skipped when PostgreSQL is not available)."""
    return _fresh_url("postgresql", request, tmp_path)


@pytest.fixture
def engine_for() -> Iterator[Callable[[str], Engine]]:
    """Engines made through this fixture are disposed of after the test."""
    made: list[Engine] = []

    def make(url: str) -> Engine:
        engine = make_engine(url)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


@pytest.fixture
def engine(db_url: str, engine_for: Callable[[str], Engine]) -> Engine:
    return engine_for(db_url)


@pytest.fixture
def app(db_url: str, engine: Engine) -> FastAPI:
    return create_app(generous(db_url), engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def practice(client: TestClient, engine: Engine) -> Practice:
    """Account "Practice A" on the test database, ready to enroll devices."""
    return Practice.create(client, engine, "Practice A")
