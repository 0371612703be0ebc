"""Backups and restores on real SQLCipher files: online, verified, rotated, restorable."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import threading
import time
from pathlib import Path

import pytest

from core.domain.errors import (
    BackupFailed,
    BackupFolderMissing,
    ChartExists,
    WrongPassphrase,
)
from core.services import backups, charts, patients
from core.storage import audit
from core.storage.chart import ChartSession
from tests.conftest import PASSPHRASE


def _add(chart: ChartSession, i: int) -> None:
    patients.create_patient(
        chart, first_name=f"Backup{i}", last_name="Writer", date_of_birth=dt.date(1980, 1, 1)
    )


def _names(chart: ChartSession) -> set[str]:
    return {r.first_name for r in patients.search_patients(chart, "", limit=100_000)}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backup_is_private_verified_listed_and_restores_with_either_key(
    new_chart: tuple[ChartSession, str], tmp_path: Path
) -> None:
    chart, recovery = new_chart
    for i in range(5):
        _add(chart, i)
    target = tmp_path / "usb" / "chartside"
    (tmp_path / "usb").mkdir()
    result = backups.back_up(chart, target)
    record = result.record
    assert record.ok and record.problems == () and record.audit_rows > 0
    assert not result.beside_chart
    assert _mode(target) == 0o700 and _mode(record.folder) == 0o700
    for f in record.folder.iterdir():
        assert _mode(f) == 0o600, f
    assert record.key_file.read_bytes() == charts.key_path(chart.path).read_bytes()
    assert not list(record.folder.glob("*-wal")), "a backup is one self-contained file"
    assert [r.folder for r in backups.list_backups(target)] == [record.folder]
    with chart.uow() as uow:
        assert audit.recent(uow.conn, 5)[0]["action"] == "backup"

    for n, how in enumerate(({"passphrase": PASSPHRASE}, {"recovery_key": recovery})):
        to = tmp_path / f"restored-{n}.chart"
        backups.restore(record.folder, to, **how)
        session = charts.open_chart(to, passphrase=PASSPHRASE)
        try:
            assert {f"Backup{i}" for i in range(5)} <= _names(session)
            actions = [r["action"] for r in charts.recent_audit(session, 10)]
            assert "restore" in actions
            assert charts.check_integrity(session).ok
        finally:
            session.lock()


def test_backup_while_another_thread_writes_holds_every_acknowledged_write(
    chart: ChartSession, tmp_path: Path
) -> None:
    acked: list[tuple[float, str]] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        i = 0
        try:
            while not stop.is_set():
                patients.create_patient(
                    chart,
                    first_name=f"Live{i}",
                    last_name="Writer",
                    date_of_birth=dt.date(1990, 1, 1),
                )
                acked.append((time.monotonic(), f"Live{i}"))  # acknowledged: the commit returned
                i += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(acked) < 30:
            time.sleep(0.01)
        started = time.monotonic()
        before = {name for t, name in acked if t < started}
        result = backups.back_up(chart, tmp_path / "bk")
        during = len(acked)
    finally:
        stop.set()
        thread.join(30)
    assert not errors
    assert result.record.ok
    assert during > len(before), "writes went on during the backup (no pause)"
    to = tmp_path / "restored.chart"
    backups.restore(result.record.folder, to, passphrase=PASSPHRASE)
    restored = charts.open_chart(to, passphrase=PASSPHRASE)
    try:
        names = _names(restored)
    finally:
        restored.lock()
    missing = sorted(before - names)
    assert not missing, f"acknowledged before the backup, missing from it: {missing[:5]}"


def test_vanished_folder_is_a_clear_error_and_never_recreated(
    chart: ChartSession, tmp_path: Path
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    backups.back_up(chart, usb / "bk")
    for child in (usb / "bk").iterdir():
        for f in child.iterdir():
            f.unlink()
        child.rmdir()
    (usb / "bk").rmdir()
    usb.rmdir()  # the stick was unplugged
    with pytest.raises(BackupFolderMissing, match="unplugged") as err:
        backups.back_up(chart)
    assert err.value.exit_code == 4
    assert not usb.exists()
    with pytest.raises(BackupFolderMissing):
        backups.back_up(chart, tmp_path / "nowhere" / "bk")


def test_restore_never_overwrites_without_keeping_a_copy(
    chart: ChartSession, chart_path: Path, tmp_path: Path
) -> None:
    _add(chart, 1)
    record = backups.back_up(chart, tmp_path / "bk").record
    _add(chart, 2)  # written after the backup: must survive in the kept copy
    chart.lock()
    before = {p.name: p.read_bytes() for p in chart_path.parent.iterdir() if p.is_file()}
    with pytest.raises(ChartExists, match="--replace"):
        backups.restore(record.folder, chart_path, passphrase=PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        backups.restore(record.folder, chart_path, passphrase="not-the-passphrase", replace=True)
    assert {p.name: p.read_bytes() for p in chart_path.parent.iterdir() if p.is_file()} == before
    result = backups.restore(record.folder, chart_path, passphrase=PASSPHRASE, replace=True)
    assert result.kept_previous is not None
    kept = {p.name: p.read_bytes() for p in result.kept_previous.iterdir()}
    assert kept == {k: v for k, v in before.items() if k.startswith(chart_path.name)}
    old = charts.open_chart(result.kept_previous / chart_path.name, passphrase=PASSPHRASE)
    try:
        assert "Backup2" in _names(old)
    finally:
        old.lock()
    now = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    try:
        assert "Backup2" not in _names(now)
    finally:
        now.lock()


def test_damaged_backup_is_reported_and_refused(chart: ChartSession, tmp_path: Path) -> None:
    for i in range(20):
        _add(chart, i)
    record = backups.back_up(chart, tmp_path / "bk").record
    data = bytearray(record.database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    record.database.write_bytes(bytes(data))
    (result,) = backups.verify_backups(tmp_path / "bk", chart=chart)
    assert not result.ok and any("changed since" in p for p in result.problems)
    assert not backups.list_backups(tmp_path / "bk")[0].ok  # remembered in the manifest
    with pytest.raises(BackupFailed, match="damaged"):
        backups.restore(record.folder, tmp_path / "r.chart", passphrase=PASSPHRASE)
    assert not (tmp_path / "r.chart").exists()


def test_verify_without_the_chart_uses_the_backups_own_key_file(
    new_chart: tuple[ChartSession, str], tmp_path: Path
) -> None:
    chart, recovery = new_chart
    backups.back_up(chart, tmp_path / "bk")
    chart.lock()
    os.remove(chart.path)  # the laptop is gone; the backup folder and the recovery key remain
    (ok,) = backups.verify_backups(tmp_path / "bk", recovery_key=recovery)
    assert ok.ok
    (bad,) = backups.verify_backups(tmp_path / "bk", passphrase="wrong-passphrase-x")
    assert not bad.ok and "does not open" in bad.problems[0]


def test_migration_backup_goes_to_the_backup_folder(chart: ChartSession) -> None:
    db = chart.backup("pre-r9999")
    assert db.parent.parent == chart.path.with_name(f"{chart.path.name}-backups")
    assert backups.list_backups(db.parent.parent)[0].label == "pre-r9999"


def test_status_says_when_a_backup_is_due_and_when_the_folder_is_gone(
    chart: ChartSession, tmp_path: Path
) -> None:
    assert backups.backup_status(chart).due
    record = backups.back_up(chart, tmp_path / "bk").record
    status = backups.backup_status(chart)
    assert status.folder_present and not status.due and status.last_good == record
    later = record.created_at + dt.timedelta(days=1, minutes=1)
    assert backups.backup_status(chart, now=later).due
    shutil.rmtree(tmp_path / "bk")
    status = backups.backup_status(chart)
    assert not status.folder_present and status.due
