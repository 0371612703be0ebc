"""The ``chartside`` command end to end, as a user or script runs it (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PASS = "meadow-copper-violin-82"


def run(
    args: list[str], env_extra: dict[str, str] | None = None, state: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTSIDE_")}
    if state is not None:
        env["CHARTSIDE_STATE_DIR"] = str(state)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def cli_chart(tmp_path: Path) -> Path:
    path = tmp_path / "cli.chart"
    res = run(["--chart", str(path), "init"], {"CHARTSIDE_PASSPHRASE": PASS}, tmp_path / "st")
    assert res.returncode == 0, res.stderr
    assert "RECOVERY KEY" in res.stdout
    return path


def test_init_prints_recovery_key_that_opens_the_chart(cli_chart: Path, tmp_path: Path) -> None:
    # The recovery key is the indented line of 8 groups.
    res = run(["--chart", str(cli_chart), "init"], {"CHARTSIDE_PASSPHRASE": PASS}, tmp_path)
    assert res.returncode == 5 and "already exists" in res.stderr
    out = run(
        ["--chart", str(cli_chart), "patients", "--json"], {"CHARTSIDE_PASSPHRASE": PASS}, tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_wrong_passphrase_exit_3_one_line_file_untouched(cli_chart: Path, tmp_path: Path) -> None:
    before = cli_chart.read_bytes()
    res = run(
        ["--chart", str(cli_chart), "patients"],
        {"CHARTSIDE_PASSPHRASE": "nope-nope-nope"},
        tmp_path,
    )
    assert res.returncode == 3
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "passphrase" in lines[0].lower()
    assert cli_chart.read_bytes() == before


def test_mistyped_path_exit_5_and_no_file(tmp_path: Path) -> None:
    missing = tmp_path / "typo.chart"
    res = run(["--chart", str(missing), "patients"], {"CHARTSIDE_PASSPHRASE": PASS}, tmp_path)
    assert res.returncode == 5
    assert "no chart" in res.stderr.lower()
    assert not missing.exists()


def test_no_passphrase_without_terminal_is_a_clear_error(cli_chart: Path, tmp_path: Path) -> None:
    res = run(["--chart", str(cli_chart), "patients"], state=tmp_path)
    assert res.returncode == 2
    assert "CHARTSIDE_PASSPHRASE" in res.stderr


def test_change_passphrase_export_and_verify(cli_chart: Path, tmp_path: Path) -> None:
    new = "granite-lilac-harbor-19"
    res = run(
        ["--chart", str(cli_chart), "change-passphrase"],
        {"CHARTSIDE_PASSPHRASE": PASS, "CHARTSIDE_NEW_PASSPHRASE": new},
        tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert (
        run(
            ["--chart", str(cli_chart), "patients"], {"CHARTSIDE_PASSPHRASE": PASS}, tmp_path
        ).returncode
        == 3
    )
    out = tmp_path / "export.json"
    res = run(
        ["--chart", str(cli_chart), "export", "--format", "json", "--out", str(out)],
        {"CHARTSIDE_PASSPHRASE": new},
        tmp_path,
    )
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    assert data["format"] == "chartside-export" and data["audit"]["verified"] is True
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    res = run(["--chart", str(cli_chart), "verify-audit"], {"CHARTSIDE_PASSPHRASE": new}, tmp_path)
    assert res.returncode == 0 and "intact" in res.stdout
