"""A full disk under the chart or the backup folder: exit 6, nothing saved is lost, and the chart
works again once space is freed. A real 2 MiB tmpfs when the tests run as root and may mount;
otherwise the chart case runs under RLIMIT_FSIZE in a subprocess (EFBIG instead of ENOSPC)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.domain.errors import StorageFailure
from core.services import backups, charts, patients
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tmpfs needs root; the RLIMIT_FSIZE test covers this case")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here; the RLIMIT_FSIZE test covers this case")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _patient(chart: ChartSession, i: int) -> None:
    patients.create_patient(
        chart,
        first_name=f"Full{i}",
        last_name="Disk" + "x" * 900,
        date_of_birth=dt.date(1970, 1, 1),
    )


def _first_names(chart: ChartSession) -> set[str]:
    return {r.first_name for r in patients.search_patients(chart, "", limit=100_000)}


def test_chart_on_a_full_disk_keeps_every_saved_write(small_fs: Path) -> None:
    path = small_fs / "practice.chart"
    chart, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    spare = small_fs / "spare"
    spare.write_bytes(b"\0" * 300_000)  # freed later, as a user would delete something
    acked = 0
    with pytest.raises(StorageFailure) as err:
        for i in range(20_000):
            _patient(chart, i)
            acked = i + 1
    assert err.value.exit_code == 6 and "disk" in str(err.value)
    assert acked > 5  # the WAL fills a 2 MiB disk quickly (it checkpoints at ~4 MiB)
    chart.lock()
    spare.unlink()
    chart = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        names = _first_names(chart)
        assert {f"Full{i}" for i in range(acked)} <= names
        _patient(chart, 99_999)  # accepts writes again
        assert "Full99999" in _first_names(chart)
        assert chart.integrity_problems() == []
        assert charts.verify_audit(chart).ok
    finally:
        chart.lock()


def test_full_backup_target_is_a_clear_error_and_leaves_nothing(
    chart: ChartSession, small_fs: Path
) -> None:
    for i in range(120):  # a chart that fits the 2 MiB disk with room to spare
        _patient(chart, i)
    chart.checkpoint()
    size = chart.path.stat().st_size
    target = small_fs / "bk"
    filler = small_fs / "filler"
    vfs = os.statvfs(small_fs)
    assert vfs.f_bavail * vfs.f_frsize > size + 64 * 1024, "the chart must fit once space is freed"
    filler.write_bytes(b"\0" * (vfs.f_bavail * vfs.f_frsize - size // 2))
    with pytest.raises(StorageFailure) as err:
        backups.back_up(chart, target)
    assert err.value.exit_code == 6
    assert list(target.iterdir()) == []  # no partial backup left behind
    assert chart.integrity_problems() == []
    filler.unlink()
    result = backups.back_up(chart, target)
    assert result.record.ok
    assert [r.folder for r in backups.list_backups(target)] == [result.record.folder]


CHILD = textwrap.dedent(
    """
    import datetime as dt, resource, signal, sys
    from core.domain.errors import StorageFailure
    from core.services import charts, patients
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    chart = charts.open_chart(sys.argv[1], passphrase=sys.argv[2])
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    i = 0
    try:
        while i < 20000:
            patients.create_patient(chart, first_name=f"Full{i}", last_name="Disk" + "x" * 900,
                                    date_of_birth=dt.date(1970, 1, 1))
            print("acked", i, flush=True)
            i += 1
    except StorageFailure as exc:
        print("refused", exc.exit_code, flush=True)
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    patients.create_patient(chart, first_name="After", last_name="Freed",
                            date_of_birth=dt.date(1970, 1, 1))
    print("after ok", flush=True)
    chart.lock()
    """
)


def test_file_size_limit_under_the_chart_keeps_every_saved_write(tmp_path: Path) -> None:
    path = tmp_path / "practice.chart"
    chart, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    chart.lock()
    limit = path.stat().st_size + 512 * 1024
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), PASSPHRASE, str(limit)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    lines = out.stdout.splitlines()
    assert "refused 6" in lines, out.stdout[-500:] + out.stderr[-2000:]
    assert "after ok" in lines
    acked = sum(1 for line in lines if line.startswith("acked"))
    chart = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        names = _first_names(chart)
        assert {f"Full{i}" for i in range(acked)} | {"After"} <= names
        assert chart.integrity_problems() == []
    finally:
        chart.lock()
