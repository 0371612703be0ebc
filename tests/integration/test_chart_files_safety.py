"""Files on disk: private modes, no writes into empty files, retryable creation, integrity."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from core.domain.errors import ChartCorrupt, ChartExists
from core.services import charts, patients
from core.storage.chart import ChartSession, key_path, pending_marker
from core.storage.keys import KdfParams
from desktop import cli
from tests.conftest import PASSPHRASE


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_chart_wal_shm_and_keys_are_owner_only(chart: ChartSession, chart_path: Path) -> None:
    patients.create_patient(
        chart, first_name="Mode", last_name="Check", date_of_birth=dt.date(1970, 1, 1)
    )
    for suffix in ("", "-wal", "-shm", ".keys"):
        assert _mode(Path(f"{chart_path}{suffix}")) == 0o600, suffix


def test_open_tightens_a_world_readable_chart(chart: ChartSession, chart_path: Path) -> None:
    chart.lock()
    os.chmod(chart_path, 0o644)
    charts.open_chart(chart_path, passphrase=PASSPHRASE).lock()
    assert _mode(chart_path) == 0o600


def test_cli_init_makes_a_private_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.ENV_PASSPHRASE, PASSPHRASE)
    path = tmp_path / "new" / "practice.chart"
    assert cli.main(["--chart", str(path), "init"]) == 0
    assert _mode(path.parent) == 0o700 and _mode(path) == 0o600
    assert not pending_marker(path).exists()


def test_an_empty_chart_file_is_refused_and_left_untouched(
    chart: ChartSession, chart_path: Path
) -> None:
    chart.lock()
    chart_path.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(f"{chart_path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(ChartCorrupt, match="empty"):
        charts.open_chart(chart_path, passphrase=PASSPHRASE)
    assert chart_path.stat().st_size == 0
    assert not Path(f"{chart_path}-wal").exists()


def test_an_interrupted_create_can_be_run_again(chart_path: Path) -> None:
    # A create killed before the recovery key was shown leaves its files and the marker.
    session, _ = charts.create_chart(
        chart_path, PASSPHRASE, kdf=KdfParams.fast_for_tests(), pending=True
    )
    session.lock()
    assert pending_marker(chart_path).exists()
    with pytest.raises(ChartCorrupt, match="never finished"):
        charts.open_chart(chart_path, passphrase=PASSPHRASE)
    session, _ = charts.create_chart(chart_path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    session.lock()
    assert not pending_marker(chart_path).exists()
    charts.open_chart(chart_path, passphrase=PASSPHRASE).lock()
    with pytest.raises(ChartExists):  # a finished chart is never removed by a create
        charts.create_chart(chart_path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    assert key_path(chart_path).exists()


def test_dropped_trigger_is_recreated_at_open_and_reported(
    chart: ChartSession, chart_path: Path
) -> None:
    with chart.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_events_append_only_delete")
        conn.exec_driver_sql("DROP TRIGGER addenda_append_only_update")
    report = charts.check_integrity(chart)
    assert not report.ok
    assert any("audit_events_append_only_delete is missing" in p for p in report.problems)
    chart.lock()
    session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    try:
        assert sorted(session.repaired_triggers) == [
            "addenda_append_only_update",
            "audit_events_append_only_delete",
        ]
        report = charts.check_integrity(session)
        assert report.ok, report.problems
        assert "repair" in [r["action"] for r in charts.recent_audit(session, 10)]
    finally:
        session.lock()


def test_check_integrity_finds_damaged_pages(chart: ChartSession, chart_path: Path) -> None:
    for i in range(200):
        patients.create_patient(
            chart, first_name=f"Page{i}", last_name="Filler" * 20, date_of_birth=dt.date(1970, 1, 1)
        )
    chart.checkpoint()
    chart.lock()
    data = bytearray(chart_path.read_bytes())
    page = 4096
    target = len(data) - 3 * page + 100  # a late page: the open itself reads only the first ones
    data[target] ^= 0xFF
    chart_path.write_bytes(bytes(data))
    try:
        session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    except ChartCorrupt:
        return  # refused at open: also a clear answer
    try:
        report = charts.check_integrity(session)
    finally:
        session.lock()
    assert not report.ok
    assert any("cipher_integrity_check" in p or "integrity_check" in p for p in report.problems)


def test_check_integrity_finds_a_rewritten_signed_note(chart: ChartSession) -> None:
    from core.services import demo

    demo.populate(chart)
    assert charts.check_integrity(chart).ok
    with chart.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER notes_signed_no_update")
        conn.exec_driver_sql(
            "UPDATE notes SET assessment = 'rewritten' WHERE id = "
            "(SELECT id FROM notes WHERE status = 'signed' LIMIT 1)"
        )
    report = charts.check_integrity(chart)
    assert any("no longer matches its signature hash" in p for p in report.problems)
    assert any("notes_signed_no_update is missing" in p for p in report.problems)


def test_triggers_py_matches_what_the_migrations_create(chart: ChartSession) -> None:
    """Open repairs triggers to triggers.py's text: a migration that changes a trigger must
    change triggers.py too, or every open would put the old trigger back."""
    from core.storage import integrity

    with chart.engine.connect() as conn:
        assert integrity.trigger_problems(conn) == []
    assert chart.repaired_triggers == []


def test_check_integrity_on_a_damaged_demo_chart_reports_instead_of_crashing(
    chart: ChartSession, chart_path: Path
) -> None:
    import contextlib
    import random

    from core.domain.errors import ChartCorrupt, ChartsideError
    from core.services import demo

    demo.populate(chart)
    chart.checkpoint()
    chart.lock()
    clean = chart_path.read_bytes()
    reported = refused = 0
    for seed in range(16):  # where the damage lands decides which of the two clear outcomes
        data = bytearray(clean)
        rng = random.Random(seed)
        for _ in range(3):
            data[rng.randrange(4096 * 5, len(data))] ^= 0xFF
        chart_path.write_bytes(bytes(data))
        try:
            session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
        except ChartCorrupt:  # damage on a page the open reads: a clear error, nothing else
            refused += 1
            continue
        try:
            report = charts.check_integrity(session)
            assert not report.ok
            assert any("HMAC" in p for p in report.problems)
            # Later work gets a clear error or an answer, never a pool timeout or a traceback.
            with contextlib.suppress(ChartsideError):
                charts.verify_audit(session)
        finally:
            session.lock()
        reported += 1
        if reported >= 2:
            break
    assert reported >= 2, (reported, refused)
