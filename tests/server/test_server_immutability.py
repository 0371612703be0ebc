"""The log is append-only in the database itself, and the schema matches the code's metadata."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from server_helpers import Practice, child_of, generous, make_change
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from server import migrate
from server.app import create_app
from server.pgtemp import TempCluster
from server.tables import metadata

RAW_WRITES = [
    "UPDATE change_log SET kind = 'edit'",
    "UPDATE change_log SET ciphertext = nonce",
    "DELETE FROM change_log",
    "UPDATE signed_record SET seq = seq + 1",
    "DELETE FROM signed_record",
    "UPDATE push_batch SET response = request_digest",
    "DELETE FROM push_batch",
    "UPDATE account_counter SET last_seq = 0",
]


@pytest.fixture
def filled(practice: Practice) -> Practice:
    device = practice.enroll()
    draft = make_change()
    device.push_ok([draft, child_of(draft, kind="sign")])
    return practice


@pytest.mark.parametrize("statement", RAW_WRITES)
def test_raw_rewrites_of_history_fail(filled: Practice, engine: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match=r"append-only|may only grow"), engine.begin() as conn:
        conn.execute(text(statement))
    device = filled.devices[0]
    assert [c["kind"] for c in device.pull_all()] == ["create", "sign"]


def test_truncate_fails_on_postgresql(pg_url: str, engine_for: Callable[[str], Engine]) -> None:
    engine = engine_for(pg_url)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE change_log CASCADE"))


def test_app_role_cannot_update_or_delete(
    pg_url: str, pg_cluster: TempCluster, engine_for: Callable[[str], Engine]
) -> None:
    """With the documented grants the app role can push and pull but not rewrite history."""
    role = "chartside_app"
    try:
        pg_cluster.execute(f"CREATE ROLE {role} LOGIN")
    except Exception as exc:  # the role is cluster-wide: it may exist from an earlier test
        if "already exists" not in str(exc):
            raise
    migrate.grant_app_role(engine_for(pg_url), role)
    app_url = pg_url.replace("postgres@", f"{role}@")
    app_engine = engine_for(app_url)
    with TestClient(create_app(generous(app_url), app_engine)) as client:
        practice = Practice.create(client, app_engine, "Least privilege")
        device = practice.enroll()
        draft = make_change()
        assert device.push_ok([draft, child_of(draft)])[1]["status"] == "accepted"
        assert len(device.pull_all()) == 2
    for statement in ("UPDATE change_log SET kind = 'x'", "DELETE FROM push_batch"):
        with pytest.raises(DBAPIError, match="permission denied"), app_engine.begin() as conn:
            conn.execute(text(statement))


def test_migrated_schema_matches_metadata(engine: Engine) -> None:
    assert migrate.is_current(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    migrate.upgrade(engine)  # idempotent
    assert migrate.current_revision(engine) == migrate.head_revision()
