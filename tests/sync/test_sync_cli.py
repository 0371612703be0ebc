"""``chartside --chart PATH sync enroll|now|status|devices|approve|pair|revoke|rotate-key`` end
to end, against the in-process server (the CLI's HTTP goes through
``desktop.cli.sync.TRANSPORT``)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from core.services import patients
from desktop import cli
from desktop.cli import sync as cli_sync
from tests.sync.helpers import PASSPHRASE, URL, Device, SyncServer, new_chart, seed


def _run(capsys: pytest.CaptureFixture[str], chart: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--chart", str(chart), "sync", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_enroll_pair_sync_and_status_from_the_command_line(
    server: SyncServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CHARTSIDE_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(cli_sync, "TRANSPORT", server.transport)
    account = server.practice()
    first, second = tmp_path / "first.chart", tmp_path / "second.chart"
    for path in (first, second):
        new_chart(path).lock()
    with_data = __import__("core.services.charts", fromlist=["open_chart"]).open_chart(
        first, passphrase=PASSPHRASE
    )
    seed(with_data, last_name="Clitest")
    with_data.lock()

    code, out, _ = _run(capsys, first, "status")
    assert code == 0 and "Sync is off" in out
    code, out, _ = _run(
        capsys,
        first,
        "enroll",
        "--server",
        URL,
        "--code",
        server.code(account),
        "--name",
        "Front desk",
    )
    assert code == 0 and "first device" in out
    code, out, _ = _run(capsys, first, "now")
    assert code == 0 and re.search(r"Sent [1-9]\d* change", out)

    code, out, _ = _run(
        capsys,
        second,
        "enroll",
        "--server",
        URL,
        "--code",
        server.code(account),
        "--name",
        "Laptop",
    )
    assert code == 0 and "sync approve" in out
    new_id = re.search(r"device ([0-9a-f-]{36})", out).group(1)  # type: ignore[union-attr]
    code, out, err = _run(capsys, second, "now")
    assert code == 11 and "sync key" in err
    code, out, _ = _run(capsys, first, "approve", new_id)
    pairing = re.search(r"([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})", out).group(1)  # type: ignore[union-attr]
    code, out, _ = _run(capsys, second, "pair", pairing)
    assert code == 0 and "Received the practice sync key" in out
    code, out, _ = _run(capsys, second, "now")
    assert code == 0 and re.search(r"received [1-9]\d*", out)
    code, out, _ = _run(capsys, second, "status", "--json")
    state = json.loads(out)
    assert state["state"] == "ok" and state["pending"] == 0 and state["last_ok_at"]
    code, out, _ = _run(capsys, first, "devices")
    assert "Front desk" in out and "Laptop" in out and "(this device)" in out

    code, out, _ = _run(capsys, first, "revoke", new_id)
    assert code == 0 and "practice sync key was rotated" in out
    code, out, _ = _run(capsys, first, "rotate-key")  # e.g. after a revocation on the server
    assert code == 0 and re.search(r"New practice sync key pk-[0-9a-f]+ .*0 other active", out)
    code, out, err = _run(capsys, second, "now")
    assert code == 11 and "removed from the practice's sync" in err
    code, out, _ = _run(capsys, second, "status")
    assert "revoked" in out
    opened = __import__("core.services.charts", fromlist=["open_chart"]).open_chart(
        second, passphrase=PASSPHRASE
    )
    try:
        assert [p.last_name for p in patients.search_patients(opened)] == ["Clitest"]
    finally:
        opened.lock()


def test_conflicts_show_the_record_both_values_and_who_and_when(
    pair_of_devices: tuple[Device, Device],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 22: a readable summary, not ids only; notices are acknowledged; history."""
    monkeypatch.setenv("CHARTSIDE_PASSPHRASE", PASSPHRASE)
    a, b = pair_of_devices
    s = seed(a.chart, last_name="Brambleworth")
    a.sync()
    b.sync()
    patients.update_patient(a.chart, s.patient_id, phone="555-0111")
    patients.update_patient(b.chart, s.patient_id, phone="555-0222")
    for device in (a, b, a):
        device.sync()
    chart = tmp_path / "a.chart"
    code, out, _ = _run(capsys, chart, "status")
    assert "1 notice(s)" in out
    code, out, _ = _run(capsys, chart, "conflicts")
    assert code == 0
    assert "Changed on two devices: merged automatically: Patient Brambleworth, Pat" in out
    assert '"555-0111"' in out and '"555-0222"' in out and "kept in history" in out
    assert "this device edited it at" in out and "device …" in out
    notice_id = re.search(r"chartside sync ack ([0-9a-f-]{36})", out).group(1)  # type: ignore[union-attr]
    code, out, _ = _run(capsys, chart, "history", str(s.patient_id))
    assert code == 0 and out.count("Patient Brambleworth") >= 3 and "phone" in out
    code, out, _ = _run(capsys, chart, "ack", notice_id)
    assert code == 0
    code, out, _ = _run(capsys, chart, "conflicts")
    assert "No open conflicts or notices." in out
    code, out, err = _run(capsys, chart, "history", str(uuid.uuid4()))
    assert code != 0 and "No sync history" in err
