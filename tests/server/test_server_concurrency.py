"""Concurrent pushes: the cursor follows commit order, so a puller never skips a change.

Run twice: with the default admission control (pushes of one account queue on a lock), and
without it, so that the database alone has to keep the log in order (PostgreSQL:
SERIALIZABLE + the account counter row + retries; SQLite: BEGIN IMMEDIATE).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from server_helpers import Device, Practice, generous, make_change
from sqlalchemy import Connection, Engine, text

import server.db
import server.sync
from server.accounts import DeviceContext
from server.app import create_app
from syncwire import PushRequest

PUSHERS = 6
BATCHES = 12
PER_BATCH = 4


def _as(client: TestClient, device: Device) -> Device:
    return Device(client, device.device_id, device.token, device.account_id)


@pytest.mark.parametrize("admission", [True, False], ids=["queued", "serializable-only"])
def test_concurrent_pushers_and_a_puller_never_skips(
    db_url: str, engine: Engine, admission: bool
) -> None:
    app: FastAPI = create_app(generous(db_url, serialize_pushes=admission), engine)
    with TestClient(app) as client:
        practice = Practice.create(client, engine, "Busy practice")
        devices = [practice.enroll(f"device {i}") for i in range(PUSHERS)]
        reader = practice.enroll("reader")

    accepted: list[str] = []
    pulled: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    pushers_done = threading.Event()
    lock = threading.Lock()

    def pusher(device: Device) -> None:
        with TestClient(app) as client:
            me = _as(client, device)
            for _ in range(BATCHES):
                changes = [make_change() for _ in range(PER_BATCH)]
                results = me.push_ok(changes)
                assert {r["status"] for r in results} == {"accepted"}
                with lock:
                    accepted.extend(c["change_id"] for c in changes)

    def puller() -> None:
        with TestClient(app) as client:
            me = _as(client, reader)
            cursor = 0
            for _ in range(100_000):
                finished = pushers_done.is_set()
                body = me.pull(after=cursor, limit=7).json()
                pulled.extend(body["changes"])
                cursor = body["next_after"]
                if finished and not body["has_more"]:
                    return
            raise AssertionError("puller did not converge")

    def guarded(fn: Callable[..., None], *args: object) -> Callable[[], None]:
        def run() -> None:
            try:
                fn(*args)
            except BaseException as exc:  # reported by the main thread below
                errors.append(exc)

        return run

    reader_thread = threading.Thread(target=guarded(puller))
    threads = [threading.Thread(target=guarded(pusher, d)) for d in devices]
    reader_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    pushers_done.set()
    reader_thread.join(timeout=120)
    assert not errors, errors
    total = PUSHERS * BATCHES * PER_BATCH
    assert [c["seq"] for c in pulled] == list(range(1, total + 1))
    assert sorted(c["change_id"] for c in pulled) == sorted(accepted)


def test_serialization_failure_is_retried(
    pg_url: str, engine_for: Callable[[str], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """B blocks on the counter row held by A; A commits; B fails with 40001 and retries."""
    engine = engine_for(pg_url)
    with TestClient(create_app(generous(pg_url), engine)) as client:
        practice = Practice.create(client, engine, "Two writers")
        a, b = practice.enroll("a"), practice.enroll("b")

    retries: list[int] = []
    real_backoff = server.db.backoff
    monkeypatch.setattr(server.db, "backoff", lambda n: (retries.append(n), real_backoff(n)))
    real_store = server.sync._store_changes
    a_holds_counter = threading.Event()
    release_a = threading.Event()

    def store(conn: Connection, ctx: DeviceContext, *args: Any) -> None:
        if ctx.device_id == uuid.UUID(a.device_id) and not release_a.is_set():
            a_holds_counter.set()
            assert release_a.wait(30)
        real_store(conn, ctx, *args)

    monkeypatch.setattr(server.sync, "_store_changes", store)
    lock = server.db.AdmissionLock(enabled=False, one_for_all=False)

    def push_as(device: Device) -> None:
        ctx = DeviceContext(uuid.UUID(device.device_id), uuid.UUID(device.account_id))
        request = PushRequest.model_validate(
            {
                "device_id": device.device_id,
                "batch_id": str(uuid.uuid4()),
                "changes": [make_change()],
            }
        )
        server.sync.push(engine, ctx, request, lock)

    thread_a = threading.Thread(target=push_as, args=(a,))
    thread_a.start()
    assert a_holds_counter.wait(30)
    thread_b = threading.Thread(target=push_as, args=(b,))
    thread_b.start()
    with engine.connect() as conn:
        for _ in range(300):
            waiting = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar_one()
            conn.rollback()  # pg_stat_activity is cached for the length of a transaction
            if waiting:
                break
            time.sleep(0.01)
    assert waiting == 1, "B never queued behind A's counter lock"
    release_a.set()
    thread_a.join(30)
    thread_b.join(30)
    assert retries, "B should have hit a serialization failure and retried"
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, device_id FROM change_log ORDER BY seq")).all()
    assert [r.seq for r in rows] == [1, 2]
    assert str(rows[0].device_id) == a.device_id
