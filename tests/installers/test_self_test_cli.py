"""``chartside --self-test`` for real (issue 16), from this environment: every step passes, one
line each with its time, nothing written outside its temporary folder (HOME is empty after)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("chart", "note", "units", "superbill", "scribe", "window")


def check_report(stdout: str, *, scribe: bool) -> None:
    lines = stdout.splitlines()
    assert lines[0].startswith("Chartside self-test: Chartside "), stdout
    for name in STEPS:
        mark = "ok  " if scribe or name != "scribe" else "skip"
        assert any(re.fullmatch(rf"{mark} {name} +\d+\.\d\d s  .+", ln) for ln in lines), (
            name, stdout)
    assert re.fullmatch(r"ok   total +\d+\.\d\d s  all steps passed", lines[-1]), stdout


@pytest.mark.slow
def test_self_test_passes_here_and_writes_nothing_outside(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "--self-test"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    check_report(done.stdout, scribe=True)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert list(home.iterdir()) == []  # settings, logs, state: all in the temporary folder
    assert list(tmp_path.glob("chartside-self-test-*")) == []  # and that folder is gone
