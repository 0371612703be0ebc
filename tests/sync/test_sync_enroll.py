"""Joining a practice (issue 22): a chart with records never merges into a practice that has
data, and the first-key election is safe when two devices enroll at the same moment."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from core.services import sync as sync_service
from core.storage.chart import ChartSession
from core.sync.errors import DeviceRevoked, EnrollmentRefused
from server import accounts, migrate
from server.db import make_engine
from server.pgtemp import TempCluster, find_pg_bin, free_port
from tests.sync.helpers import (
    URL,
    Device,
    SyncServer,
    enroll,
    new_chart,
    seed,
    snapshot,
)

REPO = Path(__file__).resolve().parents[2]


def test_a_chart_with_records_cannot_join_a_practice_that_has_data(
    server: SyncServer, tmp_path: Path
) -> None:
    account = server.practice("Riverside PT")
    desk = enroll(server, account, tmp_path / "desk.chart", "front desk")
    seed(desk.chart, "Brambleworth")
    desk.sync()

    solo = new_chart(tmp_path / "solo.chart")  # a clinician's own chart, used alone so far
    seed(solo, "Quillfeather")
    before = snapshot(solo)
    code = server.code(account)
    with pytest.raises(EnrollmentRefused) as refused:
        sync_service.enroll(
            solo, server=URL, code=code, device_name="laptop", transport=server.transport
        )
    assert "already holds records" in refused.value.message
    assert "new, empty chart" in (refused.value.hint or "")
    assert not sync_service.status(solo).enrolled and snapshot(solo) == before
    assert len(accounts.list_devices(server.engine, account)) == 1  # no device was created

    # The supported path, with the same (unspent) code: a fresh chart that pulls.
    fresh = new_chart(tmp_path / "fresh.chart")
    joined = sync_service.enroll(
        fresh, server=URL, code=code, device_name="laptop", transport=server.transport
    )
    assert not joined.key_ready and not joined.created_key
    approval = sync_service.approve_device(desk.chart, joined.device_id, transport=server.transport)
    sync_service.pair(fresh, approval.pairing_code, transport=server.transport)
    sync_service.sync_now(fresh, transport=server.transport)
    assert snapshot(fresh) == snapshot(desk.chart)
    assert [p["last_name"] for p in snapshot(fresh)["patients"].values()] == ["Brambleworth"]
    for chart in (solo, fresh):
        chart.lock()
    desk.close()


def test_a_chart_with_records_becomes_the_first_device_of_an_empty_practice(
    server: SyncServer, tmp_path: Path
) -> None:
    account = server.practice("Riverside PT")
    solo = new_chart(tmp_path / "solo.chart")
    seed(solo, "Quillfeather")
    result = sync_service.enroll(
        solo,
        server=URL,
        code=server.code(account),
        device_name="desk",
        transport=server.transport,
    )
    assert result.created_key and result.key_ready
    first = Device("desk", solo, server, server.transport)
    first.sync()
    laptop = enroll(server, account, tmp_path / "laptop.chart", "laptop", approver=first)
    laptop.sync()
    assert snapshot(laptop.chart) == snapshot(solo)
    assert len(snapshot(laptop.chart)["patients"]) == 1  # one copy, not two
    # It can rejoin its own practice after a revocation, records and all.
    sync_service.revoke_device(laptop.chart, result.device_id, transport=server.transport)
    with pytest.raises(DeviceRevoked):
        first.sync()
    again = sync_service.enroll(
        solo, server=URL, code=server.code(account), device_name="desk", transport=server.transport
    )
    assert again.key_ready and not again.created_key
    first.close()
    laptop.close()


def test_moving_to_another_practice_with_a_batch_never_sent_loses_nothing(
    server: SyncServer, tmp_path: Path
) -> None:
    """A chart sealed a batch for practice 1 (its key, its wire ids) and never sent it, then
    enrolled into an empty practice 2: that batch is dropped and everything goes to the new
    log sealed afresh; a second device of practice 2 gets every record."""
    from core.sync import config, push

    first = server.practice("Riverside PT")
    solo = new_chart(tmp_path / "solo.chart")
    seed(solo, "Quillfeather")
    sync_service.enroll(solo, server=URL, code=server.code(first), device_name="desk",
                        transport=server.transport)
    with solo.uow() as uow:
        cfg = config.load(uow.conn, solo.device_id)
        assert push.prepare_batch(uow.conn, cfg) is not None  # built, never sent
        uow.commit()
    from server import accounts

    accounts.revoke_device(server.engine, cfg.device_id)
    with pytest.raises(DeviceRevoked):  # the desk learns it at its next sync
        Device("desk", solo, server, server.transport).sync()
    second = server.practice("Hillside PT")
    moved = sync_service.enroll(solo, server=URL, code=server.code(second), device_name="desk",
                                transport=server.transport)
    assert moved.created_key
    desk = Device("desk", solo, server, server.transport)
    report = desk.sync()
    status = desk.status()
    assert (report.refused, status.pending, status.stuck, status.last_error) == (0, 0, 0, None)
    laptop = enroll(server, second, tmp_path / "laptop.chart", "laptop", approver=desk)
    laptop.sync()
    assert snapshot(laptop.chart) == snapshot(solo)
    assert len(snapshot(laptop.chart)["patients"]) == 1
    desk.close()
    laptop.close()


# -- two devices enrolling at once, against a real `chartside-server serve` -------------------


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[TempCluster]:
    directory, reason = find_pg_bin()
    if directory is None:
        pytest.skip(f"PostgreSQL not available: {reason}")
    with TempCluster() as cluster:
        yield cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(database URL, base URL) of a real server process on loopback."""
    if request.param == "sqlite":
        db = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    else:
        cluster: TempCluster = request.getfixturevalue("pg_cluster")
        db = cluster.create_database(f"e_{uuid.uuid4().hex}")
    engine = make_engine(db)
    migrate.upgrade(engine)
    engine.dispose()
    port = free_port()
    command = [sys.executable, "-m", "server.cli", "serve", "--db", db, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
        yield db, base
    finally:
        process.terminate()
        process.wait(timeout=15)


def _enroll_at_once(
    base: str, charts: list[ChartSession], codes: list[str]
) -> list[sync_service.EnrollResult | BaseException | None]:
    start = threading.Barrier(len(charts))
    results: list[sync_service.EnrollResult | BaseException | None] = [None] * len(charts)

    def join(i: int) -> None:
        start.wait()
        try:
            results[i] = sync_service.enroll(
                charts[i], server=base, code=codes[i], device_name=f"device {i}"
            )
        except BaseException as exc:  # reported by the caller
            results[i] = exc

    threads = [threading.Thread(target=join, args=(i,)) for i in range(len(charts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_devices_enrolling_at_once_elect_exactly_one_key_maker(
    served: tuple[str, str], tmp_path: Path
) -> None:
    db, base = served
    engine = make_engine(db)
    try:
        for round_no in range(4):
            account = accounts.create_account(engine, f"practice {round_no}").account_id
            codes = [
                accounts.create_enroll_code(engine, account, timedelta(minutes=5))[0]
                for _ in range(2)
            ]
            charts = [new_chart(tmp_path / f"r{round_no}-{i}.chart") for i in range(2)]
            results = _enroll_at_once(base, charts, codes)
            done = [r for r in results if isinstance(r, sync_service.EnrollResult)]
            assert len(done) == 2, results
            makers = [r for r in done if r.created_key]
            assert len(makers) == 1, [r.created_key for r in done]  # never 0 (both waiting)
            maker = done.index(makers[0])
            waiter = 1 - maker
            approval = sync_service.approve_device(charts[maker], done[waiter].device_id)
            sync_service.pair(charts[waiter], approval.pairing_code)
            assert sync_service.status(charts[waiter]).key_ready
            seed(charts[maker], f"Round{round_no}")
            sync_service.sync_now(charts[maker])
            sync_service.sync_now(charts[waiter])
            assert snapshot(charts[waiter]) == snapshot(charts[maker])
            for chart in charts:
                chart.lock()
    finally:
        engine.dispose()
