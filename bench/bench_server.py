"""Sync server over loopback HTTP: a real ``chartside-server serve`` process on 127.0.0.1.

Measures, per backend (SQLite always; PostgreSQL when its binaries exist, as a throwaway
cluster with fsync on):

* bulk: one device pushes 10,000 small changes (20 batches of 500), then a freshly enrolled,
  empty device pulls all of them (pages of 500); median of 3 runs, each on a new account;
* incremental: one device pushes one change and another pulls it (median of 30 pairs);
* concurrency: 20 devices of one practice push at once, each 10 batches of 50 changes, from
  20 client threads; throughput in changes/s (median of 3).

Changes carry 200 random bytes as ciphertext (client-side encryption is not timed). Only
loopback addresses are used and every loop is bounded. ``python -m bench server``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench._harness import median_time, ms, report
from server import accounts, migrate
from server.db import make_engine
from server.pgtemp import TempCluster, find_pg_bin, free_port
from syncwire import EnrollRequest, b64encode

REPO = Path(__file__).resolve().parents[1]
BULK = 10_000
BATCH = 500
CLIENTS = 20
CLIENT_BATCHES = 10
CLIENT_BATCH_SIZE = 50


def _change() -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "record_id": str(uuid.uuid4()),
        "entity": "note",
        "version_id": str(uuid.uuid4()),
        "parent_ids": [],
        "kind": "create",
        "ciphertext": b64encode(os.urandom(200)),
        "nonce": b64encode(os.urandom(24)),
        "key_id": "practice-1",
    }


@contextmanager
def serving(url: str) -> Iterator[str]:
    """Run ``chartside-server serve`` on a free loopback port; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "server.cli", "serve", "--db", url, "--port", str(port)]
    command += ["--log-level", "warning", "--rate-limit", "1e9", "--rate-burst", "1000000000"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/v1/health", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise RuntimeError("the server exited during start-up") from None
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start within 30 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


class Practice:
    """An account on the benchmark database with devices enrolled up front.

    Enrolls through the service function rather than HTTP: enrollment is not measured, and
    20 enrollments from one address would trip the enrollment rate limit.
    """

    def __init__(self, url: str, base: str, devices: int) -> None:
        engine = make_engine(url)
        try:
            account_id = accounts.create_account(engine, f"bench {uuid.uuid4()}").account_id
            self.devices = []
            for i in range(devices):
                code, _ = accounts.create_enroll_code(engine, account_id, timedelta(hours=1))
                enrolled = accounts.enroll(
                    engine, EnrollRequest(code=code, device_name=f"bench device {i}")
                )
                self.devices.append(Device(base, enrolled.model_dump(mode="json")))
        finally:
            engine.dispose()


class Device:
    def __init__(self, base: str, enrolled: dict[str, Any]) -> None:
        self.device_id = enrolled["device_id"]
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {enrolled['token']}"}, timeout=120
        )
        self.cursor = 0

    def push(self, changes: list[dict[str, Any]]) -> None:
        body = {"device_id": self.device_id, "batch_id": str(uuid.uuid4()), "changes": changes}
        response = self.http.post("/v1/sync/push", json=body)
        response.raise_for_status()
        results = response.json()["results"]
        assert all(r["status"] == "accepted" for r in results), results[:3]

    def pull_all(self, limit: int = 500) -> int:
        pulled = 0
        for _ in range(BULK):  # bounded: far more pages than any run needs
            response = self.http.get("/v1/sync/pull", params={"after": self.cursor, "limit": limit})
            response.raise_for_status()
            body = response.json()
            pulled += len(body["changes"])
            self.cursor = body["next_after"]
            if not body["has_more"]:
                return pulled
        raise RuntimeError("pull did not finish")

    def close(self) -> None:
        self.http.close()


def bulk(url: str, base: str) -> tuple[float, float]:
    writer, reader = Practice(url, base, 2).devices
    changes = [_change() for _ in range(BULK)]
    t0 = time.perf_counter()
    for start in range(0, BULK, BATCH):
        writer.push(changes[start : start + BATCH])
    t1 = time.perf_counter()
    assert reader.pull_all() == BULK
    t2 = time.perf_counter()
    writer.close()
    reader.close()
    return t1 - t0, t2 - t1


def incremental(url: str, base: str) -> float:
    writer, reader = Practice(url, base, 2).devices

    def once() -> None:
        writer.push([_change()])
        assert reader.pull_all() == 1

    seconds = median_time(once, repeat=30, warmup=3)
    writer.close()
    reader.close()
    return seconds


def concurrent(url: str, base: str) -> float:
    devices = Practice(url, base, CLIENTS).devices
    work = [
        [[_change() for _ in range(CLIENT_BATCH_SIZE)] for _ in range(CLIENT_BATCHES)]
        for _ in devices
    ]
    start = threading.Barrier(CLIENTS + 1)
    errors: list[BaseException] = []

    def run(device: Device, batches: list[list[dict[str, Any]]]) -> None:
        start.wait()
        try:
            for changes in batches:
                device.push(changes)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(devices, work, strict=True)]
    for thread in threads:
        thread.start()
    start.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - t0
    for device in devices:
        device.close()
    if errors:
        raise errors[0]
    return CLIENTS * CLIENT_BATCHES * CLIENT_BATCH_SIZE / elapsed


def measure(name: str, url: str) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    with serving(url) as base:
        runs = [bulk(url, base) for _ in range(3)]
        push_s = statistics.median(r[0] for r in runs)
        pull_s = statistics.median(r[1] for r in runs)
        one = incremental(url, base)
        rates = [concurrent(url, base) for _ in range(3)]
    rate = statistics.median(rates)
    rows = [
        (f"{name}: push {BULK:,} changes ({BULK // BATCH}×{BATCH})", ms(push_s)),
        (f"{name}:   = changes/s", f"{BULK / push_s:,.0f}"),
        (f"{name}: pull {BULK:,} to an empty device", ms(pull_s)),
        (f"{name}: push 1 + pull 1 (median of 30)", ms(one)),
        (f"{name}: {CLIENTS} devices pushing at once", f"{rate:,.0f} changes/s"),
    ]
    raw = {"push_s": [r[0] for r in runs], "pull_s": [r[1] for r in runs], "one_s": one}
    raw["concurrent_changes_per_s"] = rates
    return rows, raw


def main() -> None:
    rows: list[tuple[str, str]] = []
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="chartside-bench-") as tmp:
        sqlite_rows, raw["sqlite"] = measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        rows += sqlite_rows
    pg_bin, reason = find_pg_bin()
    if pg_bin is None:
        rows.append(("postgresql", f"skipped: {reason}"))
    else:
        with TempCluster(durable=True) as cluster:
            pg_rows, raw["postgresql"] = measure("postgresql", cluster.create_database("bench"))
            rows += pg_rows
    report("server", rows, raw=raw)


if __name__ == "__main__":
    main()
