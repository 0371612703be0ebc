"""The chart file: encryption at rest, create vs open, passphrases, recovery key, back-off."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.domain.errors import (
    ChartCorrupt,
    ChartExists,
    ChartNotFound,
    UnlockThrottled,
    WeakPassphrase,
    WrongPassphrase,
)
from core.services import charts, patients
from core.storage import lockout
from core.storage.chart import ChartSession, key_path
from core.storage.keys import KdfParams
from tests.conftest import MARKER_LAST, PASSPHRASE


def _add_marker_patient(chart: ChartSession) -> None:
    patients.create_patient(
        chart, first_name="Zebulon", last_name=MARKER_LAST, date_of_birth=dt.date(1961, 4, 9)
    )


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_file_is_encrypted_and_marker_never_on_disk(chart: ChartSession, chart_path: Path) -> None:
    _add_marker_patient(chart)
    # Inspect while open (WAL present) and after a backup and a close.
    assert chart_path.read_bytes()[:16] != b"SQLite format 3\x00"
    wal = Path(f"{chart_path}-wal")
    assert wal.exists()
    blobs = _all_bytes(chart_path.parent)
    backup = chart.backup()
    blobs += backup.read_bytes()
    chart.lock()
    blobs += _all_bytes(chart_path.parent)
    for needle in (
        MARKER_LAST.encode(),
        MARKER_LAST.lower().encode(),
        MARKER_LAST.encode("utf-16-le"),
    ):
        assert needle not in blobs


def test_wrong_passphrase_is_clear_and_touches_nothing(
    chart: ChartSession, chart_path: Path
) -> None:
    _add_marker_patient(chart)
    chart.lock()
    before = {p.name: p.read_bytes() for p in chart_path.parent.iterdir()}
    with pytest.raises(WrongPassphrase, match="does not open this chart"):
        charts.open_chart(chart_path, passphrase="not-the-passphrase")
    after = {p.name: p.read_bytes() for p in chart_path.parent.iterdir()}
    assert before == after


def test_mistyped_path_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.chart"
    with pytest.raises(ChartNotFound):
        charts.open_chart(missing, passphrase=PASSPHRASE)
    assert list(tmp_path.iterdir()) == []


def test_create_refuses_existing_path(chart: ChartSession, chart_path: Path) -> None:
    with pytest.raises(ChartExists):
        charts.create_chart(chart_path, PASSPHRASE, kdf=KdfParams.fast_for_tests())


def test_weak_passphrase_refused(tmp_path: Path) -> None:
    with pytest.raises(WeakPassphrase):
        charts.create_chart(tmp_path / "c.chart", "short", kdf=KdfParams.fast_for_tests())
    assert list(tmp_path.iterdir()) == []


def test_recovery_key_unlocks_and_is_audited(
    new_chart: tuple[ChartSession, str], chart_path: Path
) -> None:
    chart, recovery = new_chart
    _add_marker_patient(chart)
    chart.lock()
    # Printed keys get retyped in lower case, with spaces instead of dashes.
    session = charts.open_chart(chart_path, recovery_key=recovery.lower().replace("-", " "))
    assert [r.last_name for r in patients.search_patients(session, "quill")] == [MARKER_LAST]
    assert charts.recent_audit(session, 1)[0]["action"] == "emergency_access"
    session.lock()
    with pytest.raises(WrongPassphrase):
        charts.open_chart(chart_path, recovery_key="0000-0000-0000-0000-0000-0000-0000-0000")


def test_change_passphrase_keeps_data_and_retires_old(
    chart: ChartSession, chart_path: Path
) -> None:
    _add_marker_patient(chart)
    db_before = chart_path.read_bytes()[:4096]
    charts.change_passphrase(
        chart, PASSPHRASE, "a-completely-new-passphrase", kdf=KdfParams.fast_for_tests()
    )
    assert chart_path.read_bytes()[:4096] == db_before  # rewrap only: the database is untouched
    chart.lock()
    with pytest.raises(WrongPassphrase):
        charts.open_chart(chart_path, passphrase=PASSPHRASE)
    session = charts.open_chart(chart_path, passphrase="a-completely-new-passphrase")
    assert len(patients.search_patients(session)) == 1
    session.lock()


def test_change_passphrase_requires_the_old_one(chart: ChartSession) -> None:
    with pytest.raises(WrongPassphrase):
        charts.change_passphrase(chart, "wrong-old-passphrase", "another-good-passphrase")


def test_failed_unlocks_back_off_and_are_audited(chart: ChartSession, chart_path: Path) -> None:
    chart.lock()
    for _ in range(lockout.FREE_ATTEMPTS):
        with pytest.raises(WrongPassphrase):
            charts.open_chart(chart_path, passphrase="wrong-passphrase-x")
    with pytest.raises(UnlockThrottled) as info:
        charts.open_chart(chart_path, passphrase=PASSPHRASE)
    assert info.value.retry_after > 0
    assert "Try again in" in str(info.value)
    # Once the window has passed (simulate by ageing the recorded failures) it opens again.
    chart_id = chart.chart_id
    aged = [t - 3600 for t in lockout.failures(chart_id)]
    lockout.reset(chart_id)
    for t in aged:
        lockout.record_failure(chart_id, now=t)
    session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    actions = [r["action"] for r in charts.recent_audit(session, 10)]
    assert actions.count("unlock_failed") == lockout.FREE_ATTEMPTS
    assert actions[0] == "unlock"
    assert lockout.failures(chart_id) == []
    session.lock()


def test_missing_key_file_and_garbage_file(
    chart: ChartSession, chart_path: Path, tmp_path: Path
) -> None:
    chart.lock()
    kp = key_path(chart_path)
    saved = kp.read_bytes()
    kp.unlink()
    with pytest.raises(ChartCorrupt, match="key file"):
        charts.open_chart(chart_path, passphrase=PASSPHRASE)
    kp.write_bytes(saved)
    garbage = tmp_path / "garbage.chart"
    garbage.write_bytes(b"\x00" * 8192)
    key_path(garbage).write_bytes(saved)  # a key file that belongs to another chart
    with pytest.raises(ChartCorrupt):
        charts.open_chart(garbage, passphrase=PASSPHRASE)


@pytest.mark.parametrize("page", ["first_data_page", "last_page"])
def test_corrupted_page_is_detected(chart: ChartSession, chart_path: Path, page: str) -> None:
    _add_marker_patient(chart)
    chart.checkpoint()
    chart.lock()
    data = bytearray(chart_path.read_bytes())
    offset = 4096 + 100 if page == "first_data_page" else len(data) - 2000
    data[offset] ^= 0xFF
    chart_path.write_bytes(bytes(data))
    try:
        session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    except ChartCorrupt as exc:
        assert "backup" in str(exc)  # refused at open, with the way out named
        return
    problems = session.integrity_problems()
    session.lock()
    assert problems, "a flipped byte must be reported by the integrity checks"


def test_lock_zeroes_key_and_disposes(chart: ChartSession) -> None:
    from core.domain.errors import ChartLocked

    chart.lock()
    assert chart.locked
    with pytest.raises(ChartLocked):
        patients.search_patients(chart)
