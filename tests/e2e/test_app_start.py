"""The README's run command opens the app: ``chartside`` with no subcommand shows the welcome
screen on first launch and the unlock screen once a chart exists (offscreen, exits when the
first screen is painted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.services import charts
from core.storage.keys import KdfParams

ROOT = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, chart: Path) -> str:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CHARTSIDE_EXIT_WHEN_READY="1",
        CHARTSIDE_CONFIG_DIR=str(tmp_path / "config"),
        CHARTSIDE_STATE_DIR=str(tmp_path / "state"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "--chart", str(chart)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # A quick exit is a clean one: no background job delivering to a deleted window (issue 24).
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr[-2000:]
    ready = [line for line in done.stdout.splitlines() if line.startswith("CHARTSIDE_READY")]
    assert ready, done.stdout
    return ready[0].split()[1]


def test_chartside_opens_welcome_then_unlock(tmp_path: Path) -> None:
    chart = tmp_path / "practice.chart"
    assert _start(tmp_path, chart) == "welcome"
    assert not chart.exists()  # showing the welcome screen creates nothing
    session, _ = charts.create_chart(
        chart, "tidal-lantern-orchard-47", kdf=KdfParams.fast_for_tests()
    )
    session.lock()
    assert _start(tmp_path, chart) == "unlock"
