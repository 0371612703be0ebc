"""A server restored from an older backup never splits the practice (issue 22, log identity).

Real backups and restores through ``chartside-server backup`` / ``restore`` (SQLite online
backup; ``pg_dump``/``pg_restore`` on a throwaway PostgreSQL cluster) under the real server
app, with three enrolled devices. After the restore one device pushes first, so new changes
reuse the sequence numbers the backup lost (the case the old cursor check missed).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.services import notes, patients
from core.storage import sync_store
from server import migrate
from server.app import create_app
from server.cli import main as server_cli
from server.config import Settings
from server.db import make_engine
from server.pgtemp import TempCluster, find_pg_bin
from server.tables import change_log, log_epoch
from tests.sync.helpers import (
    Device,
    SyncServer,
    enroll,
    heads_by_record,
    seed,
    snapshot,
    start_note,
)


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[TempCluster]:
    directory, reason = find_pg_bin()
    if directory is None:
        pytest.skip(f"PostgreSQL not available: {reason}")
    with TempCluster() as cluster:
        yield cluster


@contextmanager
def _serving(url: str, path: Path) -> Iterator[SyncServer]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    settings = Settings(
        database_url=url,
        rate_per_second=1e9,
        rate_burst=10**9,
        enroll_per_minute=1e9,
        enroll_burst=10**9,
    )
    try:
        with TestClient(create_app(settings, engine)) as client:
            yield SyncServer(engine, client, path)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    cluster: TempCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"r_{uuid.uuid4().hex}")


def _notices(device: Device, kind: str) -> list[dict[str, object]]:
    with device.chart.uow() as uow:
        return [c for c in sync_store.conflicts(uow.conn) if c["kind"] == kind]


def _log_size(server: SyncServer) -> int:
    with server.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(change_log)).scalar_one())


def _converged(*devices: Device) -> None:
    first = devices[0]
    for other in devices[1:]:
        assert snapshot(other.chart) == snapshot(first.chart), other.name
        assert heads_by_record(other.chart) == heads_by_record(first.chart), other.name
    for device in devices:
        assert device.status().pending == 0, device.name


def test_a_real_restore_of_an_older_backup_loses_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _serving(db, tmp_path / "server.sqlite3") as server:
        account = server.practice("Riverside PT")
        desk = enroll(server, account, tmp_path / "desk.chart", "front desk")
        laptop = enroll(server, account, tmp_path / "laptop.chart", "laptop", approver=desk)
        tablet = enroll(server, account, tmp_path / "tablet.chart", "tablet", approver=desk)
        s = seed(desk.chart, "Brambleworth")
        note_id = start_note(desk.chart, s)
        for device in (desk, laptop, tablet, desk):
            device.sync()
        backup_file = tmp_path / "backups" / "server-before.bak"
        assert server_cli(["backup", "--db", db, str(backup_file)]) == 0
        assert "verified" in capsys.readouterr().out
        logged = _log_size(server)

        # After the backup: the laptop makes 3 edits, the desk 2; everyone syncs.
        for i in range(3):
            patients.update_patient(laptop.chart, s.patient_id, phone=f"555-010{i}")
        laptop.sync()
        notes.edit_section(desk.chart, note_id, "subjective", "Knee better after the backup.")
        second = seed(desk.chart, "Quillfeather")
        for device in (desk, tablet, laptop, desk):
            device.sync()
        before_restore = snapshot(desk.chart)
        assert _log_size(server) > logged

        assert server_cli(["restore", "--db", db, str(backup_file)]) == 0
        out = capsys.readouterr().out
        assert "new epoch" in out and "kept at" in out
        assert _log_size(server) == logged  # the server really went back in time

        # The laptop is lost for now. The tablet writes first: its change reuses a seq the
        # backup lost, so a cursor that is merely "not past the end" would look fine.
        patients.update_patient(tablet.chart, second.patient_id, email="q@example.org")
        report = tablet.sync()
        assert report.resent > 0 and report.notices >= 1
        desk.sync()
        tablet.sync()
        laptop.sync()  # found again
        for device in (desk, tablet, laptop):
            device.sync()
        _converged(desk, tablet, laptop)
        after = snapshot(desk.chart)
        for table, rows in before_restore.items():
            assert set(rows) <= set(after[table]), table  # nothing that existed is gone
        patient = after["patients"][str(s.patient_id)]
        assert patient["phone"] == "555-0102"
        assert after["patients"][str(second.patient_id)]["email"] == "q@example.org"
        assert "after the backup" in str(after["notes"][str(note_id)]["subjective"])
        for device in (desk, tablet, laptop):
            [notice] = _notices(device, "log_restored")
            message = json.loads(str(notice["detail"]))["message"]
            assert "restored from an older backup" in message, device.name
            assert device.status().notices == 1
        with server.engine.connect() as conn:
            reasons = conn.execute(select(log_epoch.c.reason)).scalars().all()
        assert reasons == ["restore"]
        for device in (desk, laptop, tablet):
            device.close()


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    with _serving(db, tmp_path / "server.sqlite3") as server:
        server.practice("Riverside PT")
        bogus = tmp_path / "not-a-backup.bak"
        bogus.write_bytes(b"hello, not a database" * 100)
        assert server_cli(["restore", "--db", db, str(bogus)]) == 1
        assert "not a readable SQLite database" in capsys.readouterr().err
        with server.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(log_epoch)).scalar_one() == 1
            assert conn.execute(select(log_epoch.c.reason)).scalar_one() == "created"
        target = tmp_path / "b.bak"
        assert server_cli(["backup", "--db", db, str(target)]) == 0
        assert server_cli(["backup", "--db", db, str(target)]) == 1  # never overwritten
        assert "already exists" in capsys.readouterr().err
        assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_a_log_that_changes_again_during_the_recheck_is_rechecked_from_the_start(
    pair_of_devices: tuple[Device, Device], server: SyncServer, tmp_path: Path
) -> None:
    from core.services import sync as sync_service
    from core.sync import engine
    from server import backup

    a, b = pair_of_devices
    s = seed(a.chart, "Brambleworth")
    a.sync()
    b.sync()
    backup_file = tmp_path / "early.bak"
    url = f"sqlite:///{server.path}"
    assert server_cli(["backup", "--db", url, str(backup_file)]) == 0
    for i in range(3):
        patients.update_patient(a.chart, s.patient_id, phone=f"555-020{i}")
        a.sync()
    b.sync()
    assert server_cli(["restore", "--db", url, str(backup_file)]) == 0

    transport = b.transport
    original = transport.handle_request
    fired: list[int] = []
    started: list[int] = []

    def change_again(request):  # type: ignore[no-untyped-def]
        response = original(request)
        if request.url.path != "/v1/sync/pull":
            return response
        after = int(request.url.params["after"])
        if after == 0 and "epoch" not in request.url.params:
            started.append(1)  # the re-check's first page
        elif started and after > 0 and not fired:
            fired.append(1)  # half-way through the re-check, the operator restores again
            backup.new_epochs(server.engine, "operator")
        return response

    transport.handle_request = change_again  # type: ignore[method-assign]
    run = engine.sync_run(sync_service.api_maker(transport), pull_limit=2)
    report = engine.run_blocking(b.chart, run)
    assert fired and report.resent > 0
    a.sync()
    b.sync()
    a.sync()
    _converged(a, b)
    assert snapshot(a.chart)["patients"][str(s.patient_id)]["phone"] == "555-0202"
